// The benchmark scenarios (the list) and their goals. Each scenario
// names the lab it needs, what it scans (for the accuracy check), and the
// tools it runs: rawscan (the built CLI), nmap variants, and the raw-send
// ceiling of bench/send-ceiling.c with the same number of SYNs.
import { randomPortPlan } from '../../dist/lab/index.js';

export const TARGET = '198.19.0.1';
export const TARGET_16 = '198.19.0.0/16';
export const SCANNER = '198.18.0.1';

/** The lab's truth: 150 open ports, 250 filtered (125 dropped, 125 rejected with ICMP), the rest closed. */
export const PORT_PLAN = randomPortPlan(2025, {
  open: 150,
  drop: 125,
  rejectPort: 45,
  rejectAdmin: 40,
  rejectHost: 40,
});
export const REJECTED_PORTS = 125;

/** Labs by key: createLab options. */
export const LABS = {
  plain: { ports: PORT_PLAN },
  loss: { ports: PORT_PLAN, lossPercent: 5 },
  icmpLimit: { ports: PORT_PLAN, icmpRateLimit: true },
};

const ALL_PORTS = Array.from({ length: 65535 }, (_, i) => i + 1);
/** The lowest open port of the plan: the one port of the /16 and single-port scans. */
export const OPEN_PORT = Math.min(
  ...Object.entries(PORT_PLAN)
    .filter(([, b]) => b === 'open')
    .map(([p]) => Number(p)),
);

const fullSyn = ['-sS', '-n', '-Pn', '-p-', TARGET];
const fullFin = ['-sF', '-n', '-Pn', '-p-', TARGET];
const fastNmap = ['-T5', '--min-rate', '100000'];
const ONE_HOST_ALL_PORTS = { addresses: [TARGET], ports: ALL_PORTS };
/** rawscan and nmap -T4 on the same arguments */
const rawscanAndNmap = (args) => [
  ['rawscan', 'rawscan', args],
  ['nmap -T4', 'nmap', ['-T4', ...args]],
];

/**
 * Scenarios. tools: [label, kind, args] with kind rawscan | nmap | ceiling;
 * ceiling args: [dst, count, ports, hosts, firstPort]. goal(results, context)
 * returns { met, text } from the per-tool results (median wall in ms...).
 * runs: rawscan's runs (default --runs); nmapRuns: nmap's (default 1, as
 * nmap's slow scenarios take minutes). alternate: the tools take turns, one
 * run each, instead of each running all its runs in a row.
 */
export const SCENARIOS = [
  {
    id: 'syn-65535',
    title: '1 host x 65535 ports, SYN',
    lab: 'plain',
    scan: 'syn',
    ...ONE_HOST_ALL_PORTS,
    tools: [...rawscanAndNmap(fullSyn), ['raw-send ceiling', 'ceiling', [TARGET, 65535, 65535, 1, 1]]],
    goal: (r) => {
      const ratio = r['nmap -T4'] ? r['nmap -T4'].wallMs / r.rawscan.wallMs : NaN;
      return {
        met: r.rawscan.wallMs <= 800 && !(ratio < 6),
        text: `<= 0.8 s and >= 6x faster than nmap -T4 (${fmtRatio(ratio)})`,
      };
    },
  },
  {
    id: 'syn-16x1',
    title: `/16 (65536 hosts) x 1 open port (${OPEN_PORT}), SYN`,
    lab: 'plain',
    scan: 'syn',
    addresses: '198.19.0.0/16',
    ports: [OPEN_PORT],
    tools: [
      ['rawscan', 'rawscan', ['-sS', '-n', '-Pn', '-p', String(OPEN_PORT), TARGET_16]],
      ['nmap -T4', 'nmap', ['-T4', '-sS', '-n', '-Pn', '-p', String(OPEN_PORT), TARGET_16]],
      [
        'nmap -T5 --min-rate 100000',
        'nmap',
        [...fastNmap, '-sS', '-n', '-Pn', '-p', String(OPEN_PORT), TARGET_16],
      ],
      ['raw-send ceiling', 'ceiling', ['198.19.0.0', 65536, 1, 65536, OPEN_PORT]],
    ],
    goal: (r) => ({ met: r.rawscan.wallMs <= 1200, text: '<= 1.2 s' }),
  },
  {
    id: 'syn-loss5',
    title: '1 host x 65535 ports, SYN, 5% loss each way',
    lab: 'loss',
    scan: 'syn',
    ...ONE_HOST_ALL_PORTS,
    tools: rawscanAndNmap(fullSyn),
    goal: (r) => ({ met: r.rawscan.wallMs <= 3000, text: '<= 3 s' }),
  },
  {
    id: 'fin-icmp-limit',
    title: "1 host x 65535 ports, FIN, target's default ICMP rate limit",
    lab: 'icmpLimit',
    scan: 'fin',
    ...ONE_HOST_ALL_PORTS,
    runs: 1,
    timeoutMs: 400_000,
    tools: rawscanAndNmap(fullFin),
    goal: (r, ctx) => ({
      met: r.rawscan.wallMs <= 1.3 * ctx.rateLimitMs,
      text: `within 1.3x of the rate-limit-imposed ${(ctx.rateLimitMs / 1000).toFixed(0)} s (${fmtRatio(
        r.rawscan.wallMs / ctx.rateLimitMs,
      )})`,
    }),
  },
  {
    id: 'fin-no-limit',
    title: '1 host x 65535 ports, FIN, no ICMP rate limit',
    lab: 'plain',
    scan: 'fin',
    ...ONE_HOST_ALL_PORTS,
    tools: rawscanAndNmap(fullFin),
    goal: (r) => ({ met: r.rawscan.wallMs <= 1500, text: '<= 1.5 s' }),
  },
  {
    id: 'single-port',
    title: `1 host x 1 open port (${OPEN_PORT}), SYN: whole process`,
    lab: 'plain',
    scan: 'syn',
    addresses: [TARGET],
    ports: [OPEN_PORT],
    // ~0.1 s each: enough runs for a median, alternating so that the
    // machine's drift weighs on both tools alike.
    runs: 9,
    nmapRuns: 9,
    alternate: true,
    tools: [
      ['rawscan', 'rawscan', ['-sS', '-n', '-Pn', '-p', String(OPEN_PORT), TARGET]],
      ['nmap', 'nmap', ['-sS', '-n', '-Pn', '-p', String(OPEN_PORT), TARGET]],
    ],
    goal: (r) => ({
      met: r.nmap !== undefined && r.rawscan.wallMs <= r.nmap.wallMs,
      text: `<= nmap's time (${fmtRatio(r.nmap ? r.rawscan.wallMs / r.nmap.wallMs : NaN)} of it)`,
    }),
  },
];

function fmtRatio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';
}
