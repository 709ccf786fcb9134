// Firewall audit through the routed lab, against the router's configured rules
// (src/lab/router-firewall.ts): every probe type's states to host A (one hop
// behind the router) and host C (two hops), the SYN-vs-ACK filter labels, the
// router's forged resets flagged by their TTL, `rawscan audit` with the policy of
// docs/examples/lab-policy.yaml (passes) and with one port added (fails naming
// that rule), and `rawscan diff` across a change of one router rule. Root only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterLabel, filterRanges, FILTER_LABELS, type FilterLabel } from '../../src/audit/stateful.js';
import {
  createRoutedLab,
  DEFAULT_ROUTER_POLICY,
  expectedThroughRouter,
  ROUTER_TABLE,
  type RoutedHost,
  type RoutedLab,
  type RouterProbe,
} from '../../src/lab/routed.js';
import { ensureListenerBuilt, requireRoot } from './helpers/lab.js';
import { CLI, rawscanInLab, removeRun, type ScanRun } from './helpers/rawscan.js';

const JUNIT_XSD = fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url));
const LAB_POLICY = fileURLToPath(new URL('../../docs/examples/lab-policy.yaml', import.meta.url));
/** Every port the router's policy names, and two it does not (dropped by default). */
const PORTS = [...Object.keys(DEFAULT_ROUTER_POLICY).map(Number), 21, 3306].sort((a, b) => a - b);
const HOSTS: RoutedHost[] = ['hostA', 'hostC'];
/** The port whose router rule the diff test changes: dropped, with a listener on host A only. */
const CHANGED_PORT = 23;

interface ReportPort {
  port: number;
  scan: string;
  state: string;
  reason: string;
  middlebox?: unknown;
}
interface ReportHost {
  address: string;
  ports: ReportPort[];
  filtering?: unknown;
}

describe.runIf(requireRoot())('firewall audit through the routed lab', () => {
  let lab: RoutedLab;
  let dir: string;
  const runs: ScanRun[] = [];

  const scan = async (args: string[]) => {
    const addresses = HOSTS.map((h) => lab.hosts[h].address);
    const run = await rawscanInLab(lab, [
      ...args,
      '-n',
      '--max-retries',
      '1',
      '-p',
      PORTS.join(','),
      ...addresses,
    ]);
    runs.push(run);
    expect(run.report.incomplete).toBe(false);
    return { run, hosts: JSON.parse(readFileSync(join(run.dir, 'out.json'), 'utf8')).hosts as ReportHost[] };
  };
  const hostOf = (hosts: ReportHost[], host: RoutedHost) =>
    hosts.find((h) => h.address === lab.hosts[host].address)!;
  const cli = (args: string[]) => lab.execInScanner(process.execPath, [CLI, ...args], { timeoutMs: 120_000 });

  beforeAll(async () => {
    ensureListenerBuilt();
    lab = await createRoutedLab();
    dir = mkdtempSync(join(tmpdir(), 'rawscan-routed-audit-'));
  });

  afterAll(async () => {
    runs.forEach(removeRun);
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, RouterProbe]>([
    ['-sS', 'syn'],
    ['-sA', 'ack'],
    ['-sW', 'window'],
    ['-sX', 'xmas'],
    ['-sM', 'maimon'],
    ['-sF', 'fin'],
    ['-sN', 'null'],
  ])(
    '%s: every port of hosts A and C in the state and reason the router policy gives',
    async (flag, type) => {
      const { hosts } = await scan([flag]);
      for (const host of HOSTS) {
        const seen = hostOf(hosts, host)
          .ports.filter((p) => p.scan === type)
          .map((p) => [host, p.port, lab.rule(p.port), p.state, p.reason]);
        const want = PORTS.map((port) => {
          const { state, reason } = lab.expected(type, host, port);
          return [host, port, lab.rule(port), state, reason];
        });
        expect(seen).toEqual(want);
      }
    },
  );

  it('-sS -sA: accept-new is stateful, drop-syn stateless, accept and reset none, the rest blocked', async () => {
    const { run, hosts } = await scan(['-sS', '-sA']);
    for (const host of HOSTS) {
      const labels = new Map<number, FilterLabel>(
        PORTS.map((p) => [
          p,
          filterLabel(lab.expected('syn', host, p).state, lab.expected('ack', host, p).state)!,
        ]),
      );
      expect(hostOf(hosts, host).filtering).toEqual(filterRanges(labels));
      const byRule = (rule: string) => PORTS.filter((p) => lab.rule(p) === rule).map((p) => labels.get(p));
      expect([...new Set(byRule('accept-new'))]).toEqual(['stateful']);
      expect([...new Set(byRule('drop-syn'))]).toEqual(['stateless']);
      expect([...new Set([...byRule('accept'), ...byRule('reset')])]).toEqual(['none']);
      expect(new Set(labels.values())).toEqual(new Set(FILTER_LABELS));
    }
    expect(run.exec.stdout).toContain(
      'Filtering (SYN vs ACK): stateful 80,8080; stateless 3389; none 22,113,443; blocked 21,23,25,110-111,3306',
    );
  });

  it("flags the router's `reject with tcp reset` as forged: the host's address, one hop less of TTL", async () => {
    const { run, hosts } = await scan(['-sS', '-sA', '--evidence', '{dir}/evidence.ndjson']);
    const resetPorts = PORTS.filter((p) => lab.rule(p) === 'reset');
    // The router sends with TTL 64 straight to the scanner; the hosts' own replies lose one per router.
    for (const [host, hostTtl] of [
      ['hostA', 63],
      ['hostC', 62],
    ] as const) {
      const flagged = hostOf(hosts, host)
        .ports.filter((p) => p.middlebox)
        .map((p) => [p.port, p.scan, p.middlebox]);
      const flag = { differs: ['ttl'], ttl: 64, baselineTtl: hostTtl, window: 0, baselineWindow: 0 };
      expect(flagged).toEqual(
        resetPorts.flatMap((p) => [
          [p, 'syn', flag],
          [p, 'ack', flag],
        ]),
      );
      expect(run.exec.stdout).toContain(`113/tcp syn reset: ttl 64 (host ${hostTtl})`);
    }
    const lines = readFileSync(join(run.dir, 'evidence.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const forged = lines.filter((l) => l.middlebox).map((l) => [l.address, l.port, l.responder, l.ttl]);
    expect(forged).toEqual(
      HOSTS.flatMap((h) => {
        const a = lab.hosts[h].address;
        return resetPorts.flatMap((p) => [
          [a, p, a, 64],
          [a, p, a, 64],
        ]);
      }),
    );
  });

  it('audit with docs/examples/lab-policy.yaml: exit 0, every rule as intended, valid JUnit', async () => {
    const junit = join(dir, 'pass.xml');
    const r = await cli(['audit', LAB_POLICY, '-T4', '--junit', junit]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS: (\d+) of \1 rules as intended, 0 violated, 0 unverified/m);
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, junit], { stdio: 'pipe' });
    expect(readFileSync(junit, 'utf8')).not.toMatch(/<failure|<error/);
  });

  it('audit with one port added to a rule: exit 1, naming exactly that rule', async () => {
    const text = readFileSync(LAB_POLICY, 'utf8');
    const rule = '    open: [ssh, http]\n';
    expect(text.split(rule)).toHaveLength(2); // once: the web zone's open ports
    const line = text.slice(0, text.indexOf(rule)).split('\n').length;
    const file = join(dir, 'one-port-more.yaml');
    writeFileSync(file, text.replace(rule, '    open: [ssh, http, 8443]\n'));
    const [junit, json] = [join(dir, 'fail.xml'), join(dir, 'fail.json')];
    const r = await cli(['audit', file, '-T4', '--ack', '--junit', junit, '-oJ', json]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    const failing = result.zones
      .flatMap((z: { rules: unknown[] }) => z.rules)
      .filter((x: { outcome: string }) => x.outcome !== 'as-intended');
    expect(failing.map((x: { label: string; outcome: string }) => [x.label, x.outcome])).toEqual([
      ['web open 8443', 'unexpectedly-blocked'],
    ]);
    // the router drops 8443 (not in its policy): silent to SYN and to ACK alike
    const seen = failing[0].exceptions.map((e: Record<string, unknown>) => [
      e.host,
      e.state,
      e.reason,
      e.ack,
    ]);
    expect(seen).toEqual(
      ['hostA', 'hostC'].map((h) => [
        lab.hosts[h as RoutedHost].address,
        'filtered',
        'no-response',
        'filtered',
      ]),
    );
    expect(r.stdout).toContain(`web open 8443 (line ${line}): unexpectedly-blocked`);
    expect(r.stdout).toMatch(/^FAIL: (\d+) of \d+ rules as intended, 1 violated, 0 unverified/m);
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, junit], { stdio: 'pipe' });
    const failures = readFileSync(junit, 'utf8').matchAll(
      /<testcase classname="([^"]+)" name="([^"]+)"[^>]*>\s*<(?:failure|error) [^>]*type="([^"]+)"/g,
    );
    expect([...failures].map((m) => m.slice(1))).toEqual([
      ['rawscan.audit.web', `open 8443 (line ${line})`, 'unexpectedly-blocked'],
    ]);
  });

  it('diff across one changed router rule reports exactly that port on each host, exit 1', async () => {
    const before = await scan(['-sS']);
    const added = await lab.exec(lab.routerNs, 'nft', [
      '--echo',
      '--handle',
      'insert',
      'rule',
      'ip',
      ROUTER_TABLE,
      'forward',
      'tcp',
      'dport',
      String(CHANGED_PORT),
      'accept',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const handle = /# handle (\d+)/.exec(added.stdout)![1];
    try {
      const after = await scan(['-sS']);
      const [oldFile, newFile] = [before, after].map((s) => join(s.run.dir, 'out.json'));
      const r = await cli(['diff', '--json', oldFile, newFile]);
      expect(r.code, r.stderr).toBe(1);
      const changed = JSON.parse(r.stdout).hostsChanged.flatMap(
        (h: { address: string; ports: { port: number; old: ReportPort; new: ReportPort }[] }) =>
          h.ports.map((p) => [h.address, p.port, p.old.state, p.new.state]),
      );
      expect(changed).toEqual(
        HOSTS.map((h) => [
          lab.hosts[h].address,
          CHANGED_PORT,
          lab.expected('syn', h, CHANGED_PORT).state,
          expectedThroughRouter('syn', 'accept', lab.listening(h, CHANGED_PORT)).state,
        ]),
      );
      expect(changed[0].slice(2)).toEqual(['filtered', 'open']); // host A's hidden telnet is exposed
      const text = await cli(['diff', oldFile, newFile]);
      expect(text.code).toBe(1);
      expect(text.stdout.match(/^[-+]\d+\/tcp/gm)).toEqual(
        HOSTS.flatMap(() => [`-${CHANGED_PORT}/tcp`, `+${CHANGED_PORT}/tcp`]),
      );
    } finally {
      await lab.exec(lab.routerNs, 'nft', [
        'delete',
        'rule',
        'ip',
        ROUTER_TABLE,
        'forward',
        'handle',
        handle,
      ]);
    }
  });
});
