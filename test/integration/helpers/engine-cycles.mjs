// Runs several engines one after another in one process, inside a lab's
// scanner namespace, for test/integration/engine-cycles.test.ts:
//   ip netns exec <ns> node engine-cycles.mjs '<json>'
// Input: { config: EngineConfig (key as an array of 16 numbers), target, cycles: [{ ports: [...] }],
// warm?: { device, bytes } }
// With warm, warmCapture(device, bytes) runs first, and once more (which must refuse), and
// settleWarmCapture() after the cycles.
// Each cycle: createEngine, open, start, one SYN (try 0, slot 0) per port at
// unlimited rate, wait until every port has a reply (at most 10 s), stop().
// Output (one JSON line): { warm?: { started, again, settled }, cycles: [{ batches: [base64...],
// stopMs, warmState, sockets, warmThreads, release }] }, where warmState is warmCaptureState(),
// sockets the packet sockets this process holds and warmThreads its threads named rawscan-warm,
// all right after open(); settled is { warmState, sockets, warmThreads } after settleWarmCapture();
// release follows the capture socket after stop(): { handedOver, held, gone, children } (see
// release()).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const addonPath = process.env.RAWSCAN_ADDON
  ? resolve(process.env.RAWSCAN_ADDON)
  : '../../../build/Release/rawscan.node';
const addon = createRequire(import.meta.url)(addonPath);
const input = JSON.parse(process.argv[2]);
const config = { ...input.config, key: Uint8Array.from(input.config.key) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const warm = input.warm && {
  started: addon.warmCapture(input.warm.device, input.warm.bytes),
  again: addon.warmCapture(input.warm.device, input.warm.bytes),
};
const cycles = [];
for (const { ports } of input.cycles) {
  const engine = addon.createEngine(config);
  engine.open();
  const warmState = addon.warmCaptureState();
  const sockets = packetSockets(process.pid).length;
  const warmThreads = warmThreadCount();
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
  const socket = packetSockets(process.pid)[0];
  const s = addon.monotonicMs();
  await engine.stop();
  const stopMs = addon.monotonicMs() - s;
  cycles.push({ batches, stopMs, warmState, sockets, warmThreads, release: await release(socket) });
}
if (warm) {
  addon.settleWarmCapture();
  warm.settled = {
    warmState: addon.warmCaptureState(),
    sockets: packetSockets(process.pid).length,
    warmThreads: warmThreadCount(),
  };
}
process.stdout.write(JSON.stringify({ warm, cycles }) + '\n');

/** This process's threads named rawscan-warm (the capture warm-up's, native/engine/warm_capture.cc). */
function warmThreadCount() {
  return readdirSync('/proc/self/task').filter(
    (tid) => safe(() => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), '') === 'rawscan-warm',
  ).length;
}

/** Inodes of the packet sockets (/proc/net/packet, this namespace) that process pid holds. */
function packetSockets(pid) {
  const packet = packetInodes();
  const held = [];
  for (const fd of safe(() => readdirSync(`/proc/${pid}/fd`), [])) {
    const inode = /^socket:\[(\d+)\]$/.exec(safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''))?.[1];
    if (inode && packet.has(inode)) held.push(inode);
  }
  return held;
}

/** Inodes of this namespace's packet sockets (the last column of /proc/net/packet). */
function packetInodes() {
  const lines = readFileSync('/proc/net/packet', 'utf8').trim().split('\n').slice(1);
  return new Set(lines.map((line) => line.trim().split(/\s+/).at(-1)));
}

/** This process's children (live or zombie), from every thread's children list. */
function children() {
  return readdirSync('/proc/self/task').flatMap((tid) =>
    safe(() => readFileSync(`/proc/self/task/${tid}/children`, 'utf8'), '')
      .split(' ')
      .filter(Boolean),
  );
}

/**
 * Follows the capture socket after stop(): handedOver, a child named rawscan-release ran
 * (polled for 200 ms: the helper lives as long as the kernel's teardown of the socket, which
 * it holds as fd 3 only until this process has closed its own: test/unit/release-helper.test.ts
 * checks that part); held, this process still held the socket 200 ms later; gone, it left
 * /proc/net/packet within 5 s; children, this process's children once it was gone and 200 ms
 * more had passed (the helper is reaped).
 */
async function release(socket) {
  let handedOver = false;
  const until = addon.monotonicMs() + 200;
  while (!handedOver && addon.monotonicMs() < until) {
    handedOver = children().some(
      (pid) => safe(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), '') === 'rawscan-release',
    );
  }
  await sleep(Math.max(0, until - addon.monotonicMs()));
  const held = packetSockets(process.pid).includes(socket);
  let gone = false;
  for (let i = 0; i < 500 && !gone; i++) {
    gone = !packetInodes().has(socket);
    if (!gone) await sleep(10);
  }
  await sleep(200);
  return { handedOver, held, gone, children: children() };
}

function safe(f, fallback) {
  try {
    return f();
  } catch {
    return fallback;
  }
}
