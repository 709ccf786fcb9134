#!/usr/bin/env node
// npm run bench: the side-by-side benchmark. As root, builds the lab(s),
// runs rawscan, nmap (when installed) and the raw-send ceiling on each
// scenario of bench/lib/scenarios.mjs, plus the /8 planning-memory run of
// bench/plan-memory.mjs; prints a table of wall time, probes/s, accuracy
// against the lab truth, peak RSS and CPU time, and writes it with the
// machine and the date to docs/benchmarks.md.
//   node bench/run.mjs [--runs N] [--only id,id] [--no-nmap] [--no-write] [--out FILE] [--cli main.js]
// (--cli: another build of the CLI, to compare before and after a change;
// RAWSCAN_ADDON in the environment likewise picks another build of the addon.)
// Needs `npm run build` first (dist/ and build/Release/rawscan.node) and gcc.
// Every packet goes to lab namespaces this process creates (198.18.0.0/15).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareWithTruth, cidrAddresses, readNmapXml, readRawscanJson } from './lib/accuracy.mjs';
import { measure, median, RSS_METHOD } from './lib/measure.mjs';
import { machineInfo, row, textTable, writeMarkdown } from './lib/report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADDON = join(ROOT, 'build/Release/rawscan.node');
const PLAN_MEMORY_LIMIT_MIB = 150;

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-nmap': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'docs/benchmarks.md') },
    cli: { type: 'string', default: join(ROOT, 'dist/cli/rawscan.cjs') },
  },
});
const RUNS = Number(opts.runs);
const CLI = opts.cli;
/** The CLI as a user runs it: the bin by its #! line (which is part of its start-up), another build through node. */
const CLI_ARGV = CLI.endsWith('.cjs') ? [CLI] : [process.execPath, CLI];

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('needs root (network namespaces, raw sockets): run it with sudo');
if (!Number.isInteger(RUNS) || RUNS < 1) fail(`--runs ${opts.runs}: give a whole number >= 1`);
for (const built of [CLI, ADDON, join(ROOT, 'dist/lab/listener.js')]) {
  if (!existsSync(built)) fail(`${built} is missing: run npm run build first`);
}
const has = (program) => {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!has('gcc')) fail('gcc is needed to compile bench/send-ceiling.c');

// The lab modules come from dist/, so they are imported after the checks above.
const { createLab, expectedState } = await import('../dist/lab/index.js');
const { LABS, REJECTED_PORTS, SCANNER, SCENARIOS } = await import('./lib/scenarios.mjs');

const only = opts.only ? new Set(opts.only.split(',')) : undefined;
const selected = SCENARIOS.filter((s) => !only || only.has(s.id));
const withNmap = !opts['no-nmap'] && has('nmap');
const work = mkdtempSync(join(tmpdir(), 'rawscan-bench-'));
const ceiling = join(work, 'send-ceiling');
execFileSync('gcc', ['-O2', '-Wall', '-o', ceiling, join(ROOT, 'bench/send-ceiling.c')]);

const machine = machineInfo();
const started = new Date();
const rows = [];
const goals = [];
const notes = [];
if (!has('masscan')) notes.push('masscan is not installed on this machine: skipped.');
if (!withNmap) notes.push(opts['no-nmap'] ? 'nmap skipped (--no-nmap).' : 'nmap is not installed: skipped.');

try {
  for (const labKey of Object.keys(LABS)) {
    const scenarios = selected.filter((s) => s.lab === labKey);
    if (scenarios.length === 0) continue;
    process.stderr.write(`bench: creating lab '${labKey}'\n`);
    const lab = await createLab(LABS[labKey]);
    try {
      const ctx = { rateLimitMs: await rateLimitImposedMs(lab) };
      for (const scenario of scenarios) await runScenario(lab, scenario, ctx);
    } finally {
      await lab.destroy();
    }
  }
  if (!only || only.has('plan-8')) await runPlanMemory();
} finally {
  rmSync(work, { recursive: true, force: true });
}

process.stdout.write(`\n${textTable(rows)}\n\n`);
for (const g of goals) process.stdout.write(`${g.met ? 'met    ' : 'NOT MET'}  ${g.id}: ${g.text}\n`);
for (const n of notes) process.stdout.write(`note: ${n}\n`);
if (!opts['no-write']) {
  writeMarkdown(opts.out, { machine, started, finished: new Date(), rows, goals, notes, method: method() });
  process.stdout.write(`\nwrote ${opts.out}\n`);
}

async function runScenario(lab, scenario, ctx) {
  const addresses = Array.isArray(scenario.addresses)
    ? scenario.addresses
    : cidrAddresses(scenario.addresses);
  const expected = (port) => expectedState(scenario.scan, lab.truth(port));
  const check = (hosts) => compareWithTruth(hosts, addresses, scenario.ports, expected);
  const tools = scenario.tools
    .filter(([, kind]) => kind !== 'nmap' || withNmap)
    .map(([label, kind, args]) => {
      const runs = kind === 'nmap' ? (scenario.nmapRuns ?? 1) : (scenario.runs ?? RUNS);
      return { label, kind, args, runs, runner: toolRunner(lab, scenario, kind, args, runs, check) };
    });
  // Each tool's runs one after another, or, for a scenario that alternates,
  // one run of each tool in turn: the machine's drift then weighs on all alike.
  if (scenario.alternate) {
    process.stderr.write(
      `bench: ${scenario.id}: ${tools.map((t) => `${t.label} x ${t.runs}`).join(', ')}, alternating\n`,
    );
    while (tools.some((t) => !t.runner.done())) {
      for (const t of tools) if (!t.runner.done()) await t.runner.next();
    }
  } else {
    for (const t of tools) {
      process.stderr.write(`bench: ${scenario.id}: ${t.label} x ${t.runs}\n`);
      while (!t.runner.done()) await t.runner.next();
    }
  }
  const results = {};
  for (const { label, kind, args, runner } of tools) {
    const m = runner.result();
    m.probesPerS = (addresses.length * scenario.ports.length) / (m.wallMs / 1000);
    if (kind === 'ceiling') m.probesPerS = Number(args[1]) / (m.wallMs / 1000);
    if (kind === 'ceiling' && m.sendLoop) {
      notes.push(
        `${scenario.id}: raw-send ceiling, send loop alone: ${m.sendLoop.sent} SYNs in ${m.sendLoop.ms.toFixed(0)} ms ` +
          `(${Math.round(m.sendLoop.sent / (m.sendLoop.ms / 1000))}/s)`,
      );
    }
    if (m.accuracy?.examples.length)
      notes.push(`${scenario.id}: ${label} wrong, e.g. ${m.accuracy.examples.join('; ')}`);
    if (m.stats) notes.push(`${scenario.id}: rawscan stats (last run): ${m.stats}`);
    results[label] = m;
    rows.push(row(scenario, label, m));
  }
  if (results.rawscan && !results.rawscan.error)
    goals.push({ id: scenario.id, ...scenario.goal(results, ctx) });
}

/**
 * One tool's runs, one at a time (next()); result(): the wall time is the
 * median, RSS the maximum, wrong answers the worst run's.
 */
function toolRunner(lab, scenario, kind, args, runs, check) {
  const walls = [];
  const cpus = [];
  let peakRssKiB = 0;
  let accuracy;
  let stats;
  let sendLoop;
  let timedOut = false;
  let error;
  // rawscan writes -oX in its timed runs, as nmap does; one more run, untimed
  // (or the only run, when there is one), writes -oJ too: the stats line and a
  // second accuracy check through rawscan's own JSON.
  const jsonRun = kind === 'rawscan' ? (runs === 1 ? 0 : runs) : -1;
  const total = Math.max(runs, jsonRun + 1);
  let i = 0;
  return {
    done: () => error !== undefined || i >= total,
    async next() {
      const dir = mkdtempSync(join(work, 'run-'));
      const xml = join(dir, 'out.xml');
      const json = join(dir, 'out.json');
      const argv =
        kind === 'rawscan'
          ? [...CLI_ARGV, ...args, '-oX', xml, ...(i === jsonRun ? ['-oJ', json] : [])]
          : kind === 'nmap'
            ? ['nmap', ...args, '-oX', xml]
            : [ceiling, SCANNER, ...args.map(String)];
      const m = await measure(lab.scannerNs, argv, { timeoutMs: scenario.timeoutMs ?? 300_000 });
      timedOut ||= m.timedOut;
      if (m.code !== 0 && !m.timedOut) {
        const why = m.stderr.trim().split('\n')[0] ?? '';
        error = `failed (exit ${m.code}): ${why}`;
        rmSync(dir, { recursive: true, force: true });
        return;
      }
      if (i < runs) {
        walls.push(m.wallMs);
        cpus.push(m.cpuS);
        peakRssKiB = Math.max(peakRssKiB, m.peakRssKiB);
      }
      if (kind === 'ceiling') sendLoop = JSON.parse(m.stdout);
      else if (!m.timedOut) {
        const outputs = [existsSync(xml) && readNmapXml(xml), existsSync(json) && readRawscanJson(json)];
        for (const a of outputs.filter(Boolean).map(check)) {
          if (!accuracy || a.wrong > accuracy.wrong) accuracy = a;
        }
        if (existsSync(json)) stats = statsLine(JSON.parse(readFileSync(json, 'utf8')).stats);
      }
      rmSync(dir, { recursive: true, force: true });
      i++;
    },
    result: () =>
      error !== undefined
        ? { error, walls: [] }
        : {
            walls,
            wallMs: median(walls),
            cpuS: median(cpus),
            peakRssKiB,
            accuracy,
            stats,
            sendLoop,
            timedOut,
          },
  };
}

function statsLine(s) {
  return (
    `${s.probesSent} probes sent, ${s.retransmissions} retransmissions, ${s.repliesAccepted} replies, ` +
    `pcap received ${s.pcapReceived} / dropped ${s.pcapDropped}, send errors ${s.sendErrors}` +
    (s.notes.length ? `; notes: ${s.notes.join(' | ')}` : '')
  );
}

/**
 * The least time a scan needs to collect every ICMP answer through the target's
 * per-host ICMP rate limit: net.ipv4.icmp_ratelimit ms per message after a
 * burst of 6 (the kernel's XRLIM_BURST_FACTOR), for the REJECTED_PORTS ports.
 */
async function rateLimitImposedMs(lab) {
  const r = await lab.execInTarget('sysctl', ['-n', 'net.ipv4.icmp_ratelimit']);
  const perMessageMs = Number(r.stdout.trim());
  return Math.max(0, REJECTED_PORTS - 6) * perMessageMs;
}

async function runPlanMemory() {
  process.stderr.write('bench: plan-8: planning a /8 x 1 port scan\n');
  const m = await measure(null, [process.execPath, join(ROOT, 'bench/plan-memory.mjs'), '10.0.0.0/8', '80']);
  const scenario = { id: 'plan-8' };
  if (m.code !== 0) {
    rows.push(row(scenario, 'rawscan planner', { error: `failed: ${m.stderr.trim().split('\n').pop()}` }));
    return;
  }
  const out = JSON.parse(m.stdout);
  const result = { walls: [m.wallMs], wallMs: m.wallMs, cpuS: m.cpuS, peakRssKiB: m.peakRssKiB };
  result.probesPerS = out.probes / (m.wallMs / 1000);
  rows.push(row(scenario, 'rawscan planner (no engine)', result));
  notes.push(
    `plan-8: ${out.probes} probes planned, released and decided; ${out.wallMs} ms inside the script`,
  );
  goals.push({
    id: 'plan-8',
    met: m.peakRssKiB / 1024 < PLAN_MEMORY_LIMIT_MIB,
    text: `peak RSS < ${PLAN_MEMORY_LIMIT_MIB} MB while planning a /8 x 1 port scan`,
  });
}

function method() {
  return [
    "Wall time: from spawn to exit of the whole process (`ip netns exec` included, a few ms), in the lab's scanner namespace; " +
      `rawscan and the ceiling run ${RUNS} times per scenario unless the scenario says otherwise (median, with min-max), nmap once unless the scenario says more (nmapRuns). ` +
      'Each tool runs all its runs in a row, except in the single-port scenario, where rawscan and nmap take turns (one run each), so that the drift of the shared machine weighs on both alike.',
    `Peak RSS: ${RSS_METHOD}. CPU s: user + system time of the process (median).`,
    'Probes/s: (hosts x ports scanned) / wall time, for every tool alike (retransmissions not counted); ' +
      'for the ceiling: SYNs sent / wall time.',
    "Accuracy: every (host, port) the scenario covers is compared with the lab truth (expectedState of the port's " +
      'behaviour); a port missing from the output counts as wrong. Both tools write -oX in their timed runs and are read ' +
      'from it (including <extraports> ranges); rawscan runs once more, untimed, with -oJ as well (its stats line, ' +
      'and the same check through its JSON; a scenario with one run writes both in that run). The worst run is shown.',
    'Lab: scanner namespace <-> veth <-> target namespace answering 198.19.0.0/16 by AnyIP; 150 open ports, ' +
      '125 dropped, 125 rejected with ICMP (port/admin/host unreachable), the rest closed (randomPortPlan seed 2025). ' +
      'Loss: nftables numgen on the target veth, both directions. The ICMP-limited lab keeps the kernel default ' +
      'net.ipv4.icmp_ratelimit; the others turn it off.',
    'Rate-limit-imposed time (fin-icmp-limit): (125 rejected ports - a burst of 6) x icmp_ratelimit ms: the ' +
      'least time in which the target can send one ICMP answer per rejected port.',
    'Raw-send ceiling: bench/send-ceiling.c (gcc -O2), one thread, sendmmsg batches of 64 on an IPPROTO_RAW socket, ' +
      'the same number of SYNs to the same addresses and ports, no capture and no reply handling; refuses addresses ' +
      'outside 198.18.0.0/15.',
    'plan-8 (memory): bench/plan-memory.mjs loads 10.0.0.0/8 with the real target loader and drives the real ' +
      'Scheduler through all 16.7M probes on a simulated clock (every probe released, marked sent, decided silent ' +
      'at its timeout with --max-retries 0): no engine is loaded and nothing is sent, as the traffic rule requires ' +
      '(the lab range is a /15). It measures planning and in-flight state, not report materialisation.',
  ];
}
