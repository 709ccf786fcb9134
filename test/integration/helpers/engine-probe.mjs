// Drives the native engine from inside a network namespace for
// test/integration/engine.test.ts:  ip netns exec <ns> node engine-probe.mjs '<json>'
// Input: { config: EngineConfig (key as an array of 16 numbers), probes: [[addr, port, tryNo, slot], ...],
//          settleMs, end: 'stop' | 'abandon' | 'exit', earlyProbes?: [...] }
// Output (one JSON line on stdout): { datalink, batches: [base64...], sendMs, stopMs, pendingAfterSend }
//   end 'stop': await stop(); 'abandon': return without stop (the process must still exit);
//   'exit': process.exit(0) while the engine runs.
// earlyProbes: sent (and answered) by a second engine after open() and before start().
// With only { config, openOnly: true } it prints { code, message } of open()'s error (or { code: null }).
// openAsync: true opens through openAsync() instead of open(); the output then also holds
// startWhileOpening, the message start() threw when called before openAsync() settled.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

// RAWSCAN_ADDON: another build of the addon (scripts/test-asan.sh loads the sanitized one).
const addonPath = process.env.RAWSCAN_ADDON
  ? resolve(process.env.RAWSCAN_ADDON)
  : '../../../build/Release/rawscan.node';
const addon = createRequire(import.meta.url)(addonPath);
const input = JSON.parse(process.argv[2]);
const config = { ...input.config, key: Uint8Array.from(input.config.key) };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const packProbes = (probes) => {
  const words = new Uint32Array(probes.length * 2);
  probes.forEach(([addr, port, tryNo, slot], i) => {
    words[2 * i] = addr;
    words[2 * i + 1] = (port | (tryNo << 16) | (slot << 24)) >>> 0;
  });
  return words;
};

const engine = addon.createEngine(config);
let startWhileOpening;
/** open() or openAsync(), as input.openAsync says; throws (rejects) as they do. */
async function open() {
  if (!input.openAsync) return engine.open();
  const opening = engine.openAsync();
  try {
    engine.start(() => {});
  } catch (err) {
    startWhileOpening = err.message;
  }
  await opening;
}
if (input.openOnly) {
  try {
    await open();
    process.stdout.write(JSON.stringify({ code: null, startWhileOpening }) + '\n');
  } catch (err) {
    process.stdout.write(
      JSON.stringify({ code: err.code ?? null, message: err.message, startWhileOpening }) + '\n',
    );
  }
  await engine.stop();
} else {
  await open();
  if (input.earlyProbes) {
    const early = addon.createEngine(config);
    early.open();
    early.start(() => {});
    early.enqueue(packProbes(input.earlyProbes));
    while (early.pending() > 0) await sleep(2);
    await sleep(input.settleMs ?? 300);
    await early.stop();
  }
  const batches = [];
  engine.start((batch) => batches.push(batch.toString('base64')));

  const words = packProbes(input.probes);
  const t0 = addon.monotonicMs();
  engine.enqueue(words);
  while (engine.pending() > 0 && addon.monotonicMs() - t0 < 10_000) await sleep(2);
  const sendMs = addon.monotonicMs() - t0;
  const pendingAfterSend = engine.pending();
  await sleep(input.settleMs ?? 300);

  const report = {
    datalink: engine.datalink(),
    batches,
    sendMs,
    pendingAfterSend,
    stopMs: null,
    startWhileOpening,
  };
  if (input.end === 'stop') {
    const s = addon.monotonicMs();
    await engine.stop();
    report.stopMs = addon.monotonicMs() - s;
  }
  process.stdout.write(JSON.stringify(report) + '\n');
  if (input.end === 'exit') process.exit(0);
}
