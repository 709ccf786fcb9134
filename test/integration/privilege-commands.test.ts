// Least privilege in `rawscan audit` and `rawscan firewalk`, which open several
// engines (one per zone, one per TTL) before they drop: while each runs, the
// test reads /proc/PID/status of the process and of its threads every 10 ms.
// Started as root, once its engines are open the command must run as nobody
// without capabilities to the end, write its reports into a directory only
// root can write (opened before the drop), and still get every result right.
// Started as nobody through a setcap'd copy of node, the audit must clear its
// capabilities. Root only.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirewalkReport } from '../../src/audit/firewalk.js';
import { heldCapabilities } from '../../src/cli/privilege.js';
import type { Lab, PortBehaviour } from '../../src/lab/index.js';
import { createRoutedLab, passesSyn, type RoutedLab } from '../../src/lab/routed.js';
import { createTestLab, ensureListenerBuilt, requireRoot } from './helpers/lab.js';
import { CLI } from './helpers/rawscan.js';
import {
  afterDrop,
  capabilitiesCleared,
  expectDroppedToNobody,
  NOBODY,
  watch,
  type WatchedRun,
} from './helpers/watch-privilege.js';

const LAB_PORTS: Record<number, PortBehaviour> = { 22: 'open', 80: 'open', 23: 'drop', 24: 'reject-port' };
/** ~650 probes per zone at 400 probes/s: time enough to watch both zones' scans. */
const AUDIT_RATE = ['-T4', '--max-rate', '400'];

/** Two zones (two engines); the db zone expects 3306 open, which is closed in the lab. */
const POLICY = [
  'version: 1',
  'defaults:',
  '  scan: syn',
  '  rangeSample: 2',
  '  defaultSample: 600',
  '  seed: 5',
  'zones:',
  '  - name: web',
  '    hosts: [198.19.0.1]',
  '    open: [22, 80]',
  '    filtered: [23, 24]',
  '    default: closed',
  '  - name: db',
  '    hosts: [198.19.0.2]',
  '    open: [22, 80, 3306]',
  '    filtered: [23, 24]',
  '    default: closed',
  '',
].join('\n');

interface AuditJson {
  zones: { zone: string; rules: { label: string; outcome: string }[] }[];
}

/** Exit 1 with exactly the db zone's 3306 rule violated: both zones were scanned, and right. */
function expectAuditVerdicts(run: WatchedRun, jsonPath: string): void {
  expect(run.code, run.stderr).toBe(1);
  const result = JSON.parse(readFileSync(jsonPath, 'utf8')) as AuditJson;
  expect(result.zones.map((z) => z.zone)).toEqual(['web', 'db']);
  const outcomes = result.zones.flatMap((z) => z.rules).map((r) => [r.label, r.outcome]);
  expect(outcomes.filter(([, outcome]) => outcome !== 'as-intended')).toEqual([
    ['db open 3306', 'unexpectedly-closed'],
  ]);
  expect(outcomes.length).toBeGreaterThan(6);
}

describe.runIf(requireRoot())('least privilege in audit and firewalk', () => {
  let lab: Lab;
  let routed: RoutedLab;
  const dirs: string[] = [];
  /** mode 0700, root's: nobody could not create a report here */
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    ensureListenerBuilt();
    lab = await createTestLab({ ports: LAB_PORTS });
    routed = await createRoutedLab();
  });

  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
    await routed?.destroy();
  });

  it('audit started as root: every zone scanned as nobody without capabilities; reports and exit code right', async () => {
    const dir = tempDir('rawscan-priv-audit-');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, POLICY);
    const [json, junit] = [join(dir, 'audit.json'), join(dir, 'audit.xml')];
    const run = await watch('ip', [
      ...['netns', 'exec', lab.scannerNs, process.execPath, CLI, 'audit', policy, ...AUDIT_RATE],
      ...['-v', '-oJ', json, '--junit', junit],
    ]);
    expect(run.stderr).toMatch(/running as nobody \(uid 65534, gid 65534\) without capabilities/);
    afterDrop(run.snapshots, (s) => s.main.noNewPrivs).forEach(expectDroppedToNobody);
    expectAuditVerdicts(run, json);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure [^>]*type="unexpectedly-closed"/);
  });

  it("audit started as nobody with a setcap'd copy of node: capabilities cleared once the engines are open", async () => {
    const bin = tempDir('rawscan-priv-audit-node-');
    chmodSync(bin, 0o755);
    const node = join(bin, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    execFileSync('setcap', ['cap_net_raw,cap_net_admin+eip', node]);
    const dir = tempDir('rawscan-priv-audit-setcap-');
    chownSync(dir, NOBODY, NOBODY);
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, POLICY);
    const json = join(dir, 'audit.json');
    const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
    const run = await watch('ip', [
      ...['netns', 'exec', lab.scannerNs, ...asNobody, node, CLI, 'audit', policy, ...AUDIT_RATE],
      ...['-oJ', json],
    ]);
    for (const { main } of run.snapshots) expect(main.uids).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
    for (const { main, threads } of afterDrop(run.snapshots, capabilitiesCleared)) {
      expect([main.noNewPrivs, main.capPrm, main.capEff]).toEqual([true, 0n, 0n]);
      // Node's SIGUSR1 watchdog thread blocks every signal and keeps its sets (docs/security.md).
      expect(threads.filter((t) => heldCapabilities(t.credentials) !== 0n).length).toBeLessThanOrEqual(1);
    }
    expectAuditVerdicts(run, json);
  });

  it('firewalk started as root: every TTL engine opened, then nobody without capabilities; verdicts right', async () => {
    const dir = tempDir('rawscan-priv-firewalk-');
    const json = join(dir, 'firewalk.json');
    // Host C is two hops behind the router; most of these ports are dropped there (silence until timeout).
    const ports = Array.from({ length: 300 }, (_, i) => i + 1);
    const run = await watch('ip', [
      ...['netns', 'exec', routed.scannerNs, process.execPath, CLI, 'firewalk', '--gateway', routed.gateway],
      ...['-p', '1-300', '--max-rate', '100', '-oJ', json, routed.hosts.hostC.address],
    ]);
    expect(run.code, run.stderr).toBe(0);
    afterDrop(run.snapshots, (s) => s.main.noNewPrivs).forEach(expectDroppedToNobody);
    const report = JSON.parse(readFileSync(json, 'utf8')) as FirewalkReport;
    expect([report.gatewayHop, report.probeTtl]).toEqual([1, 2]);
    const verdicts = report.results.map((r) => [r.port, r.verdict]);
    expect(verdicts).toEqual(ports.map((p) => [p, passesSyn(routed.rule(p)) ? 'allowed' : 'blocked']));
    const allowed = report.results.filter((r) => r.verdict === 'allowed');
    expect(allowed.map((r) => [r.port, r.basis, r.evidence.responder])).toEqual(
      [22, 80].map((p) => [p, 'expired-beyond-gateway', routed.hosts.hostB.address]),
    );
  });
});
