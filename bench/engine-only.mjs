#!/usr/bin/env node
// The native engine alone, without the scheduler, the tracker or the report:
// opens the addon in a lab's scanner namespace, queues every probe at once at
// the given rate (0 = unlimited) and times the engine until the last reply.
//   node bench/engine-only.mjs [--mode ports|net] [--runs N] [--rate PPS] [--ns SCANNER_NS --port P]
//                              [--addon a.node,b.node] [--config JSON] [--latency N]
// mode ports: 65535 SYNs to 198.19.0.1 ports 1-65535; net: one SYN to an open
// port of each of the 65536 addresses of 198.19.0.0/16 (the lab answers them all).
// --ns: a lab made with `rawscan lab up` (else the benchmark's lab is built and
// removed here); --port: the open port for mode net in that lab.
// --addon: several builds, run alternately (A B A B ...), for before/after.
// --config: extra EngineConfig fields (e.g. '{"flushMs":1}').
// --latency N: also N single probes, one at a time, timing enqueue -> reply in JS.
// --window: release probes as the scheduler's slow start does (a window of 64
// probes in flight, one more per answer) instead of queueing all at once, so
// the time to deliver an answer to JS shows in the wall time.
// Per run: wall (start() to the last reply), send time (to the last Sent
// watermark), probes/s, replies, pcap drops, CPU seconds per thread (sender,
// capture, JS, other) and reply-to-JS delay (JS receipt - the record's capture time).
// Needs root and a built dist/ (for the lab). Packets go only to 198.18.0.0/15.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/measure.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNER = ((198 << 24) | (18 << 16) | 1) >>> 0; // 198.18.0.1
const TARGET = ((198 << 24) | (19 << 16) | 1) >>> 0; // 198.19.0.1
const NET_BASE = ((198 << 24) | (19 << 16)) >>> 0; // 198.19.0.0/16
const CHUNK = 4096; // descriptors per enqueue()
const FIRST_WINDOW = 64; // --window: probes in flight at the start
const IDLE_MS = 150; // after the last send, no reply for this long ends a run
const TICKS_PER_S = 100; // /proc/<pid>/task/<tid>/stat clock ticks (USER_HZ)

const { values: opts } = parseArgs({
  options: {
    mode: { type: 'string', default: 'ports' },
    runs: { type: 'string', default: '3' },
    rate: { type: 'string', default: '0' },
    ns: { type: 'string' },
    port: { type: 'string' },
    addon: { type: 'string', default: join(ROOT, 'build/Release/rawscan.node') },
    config: { type: 'string', default: '{}' },
    latency: { type: 'string', default: '0' },
    window: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});

if (opts.child) await child();
else await parent();

// --- parent: the lab, the runs, the table.
async function parent() {
  if (process.getuid?.() !== 0) throw new Error('engine-only: needs root (namespaces, raw sockets)');
  if (!['ports', 'net'].includes(opts.mode)) throw new Error(`--mode ${opts.mode}: give ports or net`);
  const addons = opts.addon.split(',').map((a) => resolve(a));
  let lab;
  let ns = opts.ns;
  let port = opts.port;
  if (!ns) {
    const { createLab } = await import('../dist/lab/index.js');
    const { LABS, OPEN_PORT } = await import('./lib/scenarios.mjs');
    lab = await createLab(LABS.plain);
    ns = lab.scannerNs;
    port ??= String(OPEN_PORT);
  }
  if (opts.mode === 'net' && !(Number(port) >= 1 && Number(port) <= 65535))
    throw new Error('--mode net with --ns needs --port: an open port of that lab');
  const results = addons.map(() => []);
  try {
    for (let i = 0; i < Number(opts.runs); i++) {
      addons.forEach((addon, a) => {
        const args = [fileURLToPath(import.meta.url), '--child', '--mode', opts.mode, '--rate', opts.rate];
        args.push('--port', String(port ?? 1));
        args.push('--addon', addon, '--config', opts.config, '--latency', i === 0 ? opts.latency : '0');
        if (opts.window) args.push('--window');
        const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, ...args], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        });
        const r = JSON.parse(out);
        results[a].push(r);
        process.stdout.write(`${label(addon)} run ${i + 1}: ${line(r)}\n`);
      });
    }
  } finally {
    await lab?.destroy();
  }
  process.stdout.write('\nmedians:\n');
  addons.forEach((addon, a) => process.stdout.write(`${label(addon)}: ${line(medianOf(results[a]))}\n`));
}

function label(addon) {
  return addon.replace(/^.*\/([^/]+\/[^/]+)$/, '$1');
}

function line(r) {
  const cpu = r.cpu;
  return (
    `wall ${r.wallMs.toFixed(0)} ms, send ${r.sendMs.toFixed(0)} ms, ${Math.round(r.probesPerS)} probes/s, ` +
    `replies ${r.replies}/${r.total} in ${r.batches} batches, pcap drop ${r.pcapDropped}, send errors ${r.sendErrors}, ` +
    `cpu ${cpu.total.toFixed(2)} s (send ${cpu.send.toFixed(2)} capture ${cpu.capture.toFixed(2)} ` +
    `js ${cpu.js.toFixed(2)} other ${cpu.other.toFixed(2)}), ` +
    `reply->JS p50 ${r.delay.p50.toFixed(2)} p99 ${r.delay.p99.toFixed(2)} ms` +
    (r.latency ? `, probe->JS p50 ${r.latency.p50.toFixed(2)} p90 ${r.latency.p90.toFixed(2)} ms` : '')
  );
}

function medianOf(runs) {
  const med = (f) => median(runs.map(f));
  const latency = runs.find((r) => r.latency)?.latency;
  return {
    wallMs: med((r) => r.wallMs),
    sendMs: med((r) => r.sendMs),
    probesPerS: med((r) => r.probesPerS),
    replies: med((r) => r.replies),
    batches: med((r) => r.batches),
    total: runs[0].total,
    pcapDropped: med((r) => r.pcapDropped),
    sendErrors: med((r) => r.sendErrors),
    cpu: Object.fromEntries(Object.keys(runs[0].cpu).map((k) => [k, med((r) => r.cpu[k])])),
    delay: { p50: med((r) => r.delay.p50), p99: med((r) => r.delay.p99) },
    latency,
  };
}

// --- child: runs inside the scanner namespace, prints one JSON line.
async function child() {
  const addon = createRequire(import.meta.url)(opts.addon);
  const device = readdirSync('/sys/class/net').find((d) => d !== 'lo');
  const config = {
    device,
    sourceAddress: SCANNER,
    sourcePortBase: 40000,
    key: Uint8Array.from({ length: 16 }, (_, i) => (i * 53 + 7) & 0xff),
    kinds: [0],
    ttl: 64,
    dataLength: 0,
    badsum: false,
    customFlags: 0,
    customBase: 0,
    ratePps: Number(opts.rate),
    ...JSON.parse(opts.config),
  };
  const total = opts.mode === 'net' ? 65536 : 65535;
  const words = new Uint32Array(total * 2);
  for (let i = 0; i < total; i++) {
    words[2 * i] = opts.mode === 'net' ? NET_BASE + i : TARGET;
    words[2 * i + 1] = opts.mode === 'net' ? Number(opts.port) : i + 1;
  }
  const engine = addon.createEngine(config);
  engine.open();
  const s = {
    batches: 0,
    replies: 0,
    lastReplyJs: 0,
    lastReplyAt: 0,
    sent: 0,
    sentAt: 0,
    errors: 0,
    drop: 0,
  };
  s.delays = [];
  const window = { size: FIRST_WINDOW, released: 0, on: false };
  // Releases what the window allows (--window), as the scheduler does per batch and per tick.
  const release = () => {
    if (!window.on) return;
    const n = Math.min(total - window.released, window.size - (window.released - s.replies));
    if (n <= 0) return;
    engine.enqueue(words.subarray(2 * window.released, 2 * (window.released + n)));
    window.released += n;
  };
  engine.start((batch) => {
    const now = addon.monotonicMs();
    s.batches++;
    for (let off = 0; off < batch.length; off += 32) {
      const type = batch[off];
      const time = batch.readDoubleLE(off + 24);
      if (type === 1) {
        s.replies++;
        window.size++;
        s.lastReplyJs = now;
        s.lastReplyAt = time;
        s.delays.push(now - time);
      } else if (type === 2) {
        // stop() repeats the last watermark: the send time is when the count last grew.
        if (batch.readDoubleLE(off + 8) > s.sent) s.sentAt = time;
        s.sent = batch.readDoubleLE(off + 8);
        s.errors = batch.readDoubleLE(off + 16);
      } else if (type === 3 && batch[off + 1] === 0) {
        s.drop = batch.readDoubleLE(off + 16);
      }
    }
    release();
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const latency = await probeLatency(addon, engine, s, Number(opts.latency));
  Object.assign(s, { batches: 0, replies: 0, delays: [], sentBefore: s.sent });
  const cpu0 = threadCpu();
  const t0 = addon.monotonicMs();
  window.on = opts.window;
  if (window.on) release();
  else
    for (let i = 0; i < total; i += CHUNK)
      engine.enqueue(words.subarray(2 * i, 2 * Math.min(total, i + CHUNK)));
  const ticker = setInterval(release, 1);
  while (s.sent - s.sentBefore < total || addon.monotonicMs() - Math.max(s.lastReplyJs, s.sentAt) < IDLE_MS)
    await sleep(2);
  clearInterval(ticker);
  const cpu1 = threadCpu();
  await engine.stop();
  const wallMs = s.lastReplyAt - t0;
  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - (cpu0[k] ?? 0)]));
  const result = {
    total,
    wallMs,
    sendMs: s.sentAt - t0,
    probesPerS: total / ((s.sentAt - t0) / 1000),
    replies: s.replies,
    batches: s.batches,
    pcapDropped: s.drop,
    sendErrors: s.errors,
    cpu,
    delay: percentiles(s.delays),
    latency,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

// n single probes to closed port 1 of the target, one at a time, 1-3 ms apart:
// the time from enqueue() to the reply's arrival in JS.
async function probeLatency(addon, engine, s, n) {
  if (n === 0) return undefined;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const samples = [];
  const one = new Uint32Array([TARGET, 1]);
  for (let i = 0; i < n; i++) {
    const before = s.replies;
    const t = addon.monotonicMs();
    engine.enqueue(one);
    while (s.replies === before && addon.monotonicMs() - t < 500) await new Promise((r) => setImmediate(r));
    samples.push(addon.monotonicMs() - t);
    await sleep(1 + Math.random() * 2);
  }
  return percentiles(samples);
}

function percentiles(values) {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN };
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

// CPU seconds of this process's threads so far, grouped by the engine's thread names.
function threadCpu() {
  const sums = { total: 0, send: 0, capture: 0, js: 0, other: 0 };
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime, stime
    const group = comm.startsWith('rawscan-send')
      ? 'send'
      : comm.startsWith('rawscan-capture')
        ? 'capture'
        : String(process.pid) === tid
          ? 'js'
          : 'other';
    sums[group] += seconds;
    sums.total += seconds;
  }
  return sums;
}
