// `rawscan firewalk` against the routed lab: the built CLI (dist/, rebuilt with
// `npx tsc -p .` when a source is newer) runs inside the scanner namespace and
// must call every port allowed or blocked exactly as the router's policy says,
// with the evidence each rule produces; and it must refuse a gateway that is
// not on the path. Root only.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirewalkBasis, FirewalkReport } from '../../src/audit/firewalk.js';
import {
  createRoutedLab,
  DEFAULT_ROUTER_POLICY,
  passesSyn,
  type RoutedLab,
  type RouterRule,
} from '../../src/lab/routed.js';
import { ensureListenerBuilt, requireRoot } from './helpers/lab.js';
import { CLI } from './helpers/rawscan.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PORTS = [...Object.keys(DEFAULT_ROUTER_POLICY).map(Number), 21].sort((a, b) => a - b);
const BUILD_TIMEOUT_MS = 300_000;

/** What the firewalk must say of a blocked port, per rule, and the ICMP code of a reject. */
const BLOCKED: Partial<Record<RouterRule, { basis: FirewalkBasis; icmpCode?: number }>> = {
  drop: { basis: 'no-response' },
  'drop-syn': { basis: 'no-response' },
  'reject-port': { basis: 'rejected-by-gateway', icmpCode: 3 },
  'reject-host': { basis: 'rejected-by-gateway', icmpCode: 10 },
  'reject-admin': { basis: 'rejected-by-gateway', icmpCode: 13 },
  reset: { basis: 'reset-by-gateway' },
};

/** Rebuilds dist/ (tsc and the CLI bundle) when any source is newer than the built CLI. */
async function ensureCliBuilt(): Promise<void> {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const sources = readdirSync(join(REPO, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  if (sources.every((f) => statSync(join(REPO, 'src', f)).mtimeMs <= built)) return;
  await new Promise<void>((resolve, reject) =>
    execFile('npm', ['run', 'build:ts'], { cwd: REPO, timeout: BUILD_TIMEOUT_MS }, (err, stdout, stderr) =>
      err ? reject(new Error(`npm run build:ts failed: ${stdout}${stderr}`)) : resolve(),
    ),
  );
}

describe.runIf(requireRoot())('rawscan firewalk through the routed lab', () => {
  let lab: RoutedLab;
  let outDir: string;
  beforeAll(async () => {
    ensureListenerBuilt();
    await ensureCliBuilt();
    lab = await createRoutedLab();
    outDir = mkdtempSync(join(tmpdir(), 'rawscan-firewalk-'));
  }, BUILD_TIMEOUT_MS + 60_000);
  afterAll(async () => {
    await lab?.destroy();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const firewalk = (args: string[]) =>
    lab.execInScanner(process.execPath, [CLI, 'firewalk', ...args], { timeoutMs: 60_000 });

  async function firewalkJson(target: string): Promise<FirewalkReport> {
    const r = await firewalk(['--gateway', lab.gateway, '-p', PORTS.join(','), '--json', target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as FirewalkReport;
  }

  it('finds the router at hop 1 and judges every port of host A (one hop behind it) by the policy', async () => {
    const report = await firewalkJson(lab.hosts.hostA.address);
    expect([report.gateway, report.gatewayHop, report.probeTtl]).toEqual(['198.18.1.2', 1, 2]);
    expect(report.path).toEqual([{ ttl: 1, responders: ['198.18.1.2'] }]);
    const seen = report.results.map((r) => [
      r.port,
      lab.rule(r.port),
      r.verdict,
      r.basis,
      r.evidence.responder,
      r.evidence.icmpCode,
    ]);
    const expected = PORTS.map((p) => {
      const rule = lab.rule(p);
      // Host A is exactly at hop 2: it answers itself (SYN-ACK or RST, TTL 63).
      if (passesSyn(rule)) return [p, rule, 'allowed', 'target-answered', '198.18.2.10', undefined];
      const blocked = BLOCKED[rule]!;
      const responder =
        blocked.basis === 'no-response'
          ? undefined
          : blocked.basis === 'reset-by-gateway'
            ? '198.18.2.10'
            : '198.18.1.2';
      return [p, rule, 'blocked', blocked.basis, responder, blocked.icmpCode];
    });
    expect(seen).toEqual(expected);
    const answered = report.results.filter((r) => r.basis === 'target-answered');
    expect(answered.map((r) => [r.port, r.evidence.reply])).toEqual(
      answered.map((r) => [r.port, lab.listening('hostA', r.port) ? 'syn-ack' : 'reset']),
    );
  });

  it('sees the allowed ports of host C (two hops behind) by the time-exceeded of host B', async () => {
    const report = await firewalkJson(lab.hosts.hostC.address);
    const seen = report.results.map((r) => [r.port, r.verdict, r.basis, r.evidence.responder]);
    const expected = PORTS.map((p) => {
      const rule = lab.rule(p);
      if (passesSyn(rule)) return [p, 'allowed', 'expired-beyond-gateway', '198.18.2.11'];
      const { basis } = BLOCKED[rule]!;
      const responder =
        basis === 'no-response' ? undefined : basis === 'reset-by-gateway' ? '198.18.3.10' : '198.18.1.2';
      return [p, 'blocked', basis, responder];
    });
    expect(seen).toEqual(expected);
  });

  it('prints a table by default and writes the JSON report with -oJ FILE', async () => {
    const file = join(outDir, 'firewalk.json');
    const r = await firewalk(['--gateway', lab.gateway, '-p', '22,25', '-oJ', file, lab.hosts.hostC.address]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Path: 1 198.18.1.2 (gateway)');
    expect(r.stdout).toMatch(/^22\/tcp\s+allowed\s+icmp 11\/0 time-exceeded from 198\.18\.2\.11/m);
    expect(r.stdout).toMatch(/^25\/tcp\s+blocked\s+icmp 3\/13 admin-prohibited from 198\.18\.1\.2/m);
    const json = JSON.parse(readFileSync(file, 'utf8')) as FirewalkReport;
    expect(json.results.map((x) => [x.port, x.verdict])).toEqual([
      [22, 'allowed'],
      [25, 'blocked'],
    ]);
  });

  it('refuses a gateway that is not on the path, naming it and the path seen', async () => {
    const r = await firewalk(['--gateway', lab.hosts.hostB.address, '-p', '22', lab.hosts.hostA.address]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'rawscan: gateway 198.18.2.11 is not on the path to 198.18.2.10 (path seen: 1 198.18.1.2, 2 198.18.2.10 (target)): ' +
        'give the address of a router the probes pass, as the path shows it\n',
    );
  });

  it('refuses a gateway that is not an IPv4 address', async () => {
    const r = await firewalk(['--gateway', '198.18.1', '-p', '22', lab.hosts.hostA.address]);
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringMatching(/^rawscan: --gateway 198\.18\.1 is not an IPv4 address/),
    ]);
  });
});
