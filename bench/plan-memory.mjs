#!/usr/bin/env node
// Planning memory of a /8 x 1 port scan, without an engine and without a
// single packet: the real target loader, probe space, permutation and
// scheduler of dist/ walk all 16,777,216 probes of 10.0.0.0/8 port 80 on a
// simulated clock. Every probe is released, marked sent and, with
// --max-retries 0, decided silent when its timeout passes, so the scheduler
// holds at most one window of probes in flight, as in a real scan whose
// targets never answer. The report is not materialised (that is the output's
// cost, proportional to what is printed, not the plan's).
//   node bench/plan-memory.mjs [cidr] [port]
// Prints one JSON line: probes walked, wall ms, peak RSS (VmHWM) in KiB.
// The addresses are only planned; nothing here can send (no addon is loaded).
import { readFileSync } from 'node:fs';

const DIST = new URL('../dist/', import.meta.url);
const cidr = process.argv[2] ?? '10.0.0.0/8';
const port = Number(process.argv[3] ?? 80);

const { loadTargets } = await import(new URL('targets/load.js', DIST).href);
const { Scheduler } = await import(new URL('scan/scheduler.js', DIST).href);
const { resolveTiming } = await import(new URL('scan/timing.js', DIST).href);

function peakRssKiB() {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
}

const started = performance.now();
const targets = await loadTargets({ specs: [cidr] });
const timing = resolveTiming({ template: 5, maxRetries: 0, minRate: 1e9 });
let now = 0;
const scheduler = new Scheduler({ targets, ports: [port], scanTypes: ['syn'] }, timing, {
  seed: 1n,
  nowMs: now,
});

// Each step: release what the rate floor allows, report it sent at once, then
// let the clock pass its timeout so that expire() decides it silent.
const stepMs = timing.maxRttMs + 1;
let released = 0;
let addressSum = 0;
while (!scheduler.finished) {
  const chunk = scheduler.pump(now);
  if (chunk) {
    released += chunk.length / 2;
    for (let i = 0; i < chunk.length; i += 2) addressSum = (addressSum + chunk[i]) % 0x100000000;
    scheduler.sent(released, now);
  }
  now += stepMs;
  scheduler.expire(now);
}

process.stdout.write(
  JSON.stringify({
    cidr,
    port,
    probes: scheduler.total,
    decided: scheduler.decided,
    released,
    addressSum,
    wallMs: Math.round(performance.now() - started),
    peakRssKiB: peakRssKiB(),
  }) + '\n',
);
