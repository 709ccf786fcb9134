// Runs several engines one after another in one process, inside a lab's
// scanner namespace, for test/integration/engine-cycles.test.ts:
//   ip netns exec <ns> node engine-cycles.mjs '<json>'
// Input: { config: EngineConfig (key as an array of 16 numbers), target, cycles: [{ ports: [...] }] }
// Each cycle: createEngine, open, start, one SYN (try 0, slot 0) per port at
// unlimited rate, wait until every port has a reply (at most 10 s), stop().
// Output (one JSON line): { cycles: [{ batches: [base64...], stopMs }] }.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const addonPath = process.env.RAWSCAN_ADDON
  ? resolve(process.env.RAWSCAN_ADDON)
  : '../../../build/Release/rawscan.node';
const addon = createRequire(import.meta.url)(addonPath);
const input = JSON.parse(process.argv[2]);
const config = { ...input.config, key: Uint8Array.from(input.config.key) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cycles = [];
for (const { ports } of input.cycles) {
  const engine = addon.createEngine(config);
  engine.open();
  const batches = [];
  let replies = 0;
  engine.start((batch) => {
    batches.push(batch.toString('base64'));
    for (let off = 0; off < batch.length; off += 32) if (batch[off] === 1) replies++;
  });
  const words = new Uint32Array(ports.length * 2);
  ports.forEach((port, i) => {
    words[2 * i] = input.target;
    words[2 * i + 1] = port;
  });
  engine.enqueue(words);
  const t0 = addon.monotonicMs();
  while (replies < ports.length && addon.monotonicMs() - t0 < 10_000) await sleep(5);
  const s = addon.monotonicMs();
  await engine.stop();
  cycles.push({ batches, stopMs: addon.monotonicMs() - s });
}
process.stdout.write(JSON.stringify({ cycles }) + '\n');
