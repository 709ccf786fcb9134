// Least privilege in a real scan. While rawscan scans the lab, the test reads
// the process's /proc/PID/status (rawscan's own /proc/self/status) and that of
// every thread: once the engine is open, the scan must run without capabilities
// (and, started as root, as nobody), and its results must still be right.
// Both ways to start it: as root, and as nobody through a setcap'd copy of node.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  lchownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab, PortBehaviour } from '../../src/lab/index.js';
import { heldCapabilities } from '../../src/cli/privilege.js';
import { openOutputFile } from '../../src/output/write.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { CLI, wrongPorts, type JsonReport } from './helpers/rawscan.js';
import {
  afterDrop,
  capabilitiesCleared,
  expectDroppedToNobody,
  NOBODY,
  watch,
} from './helpers/watch-privilege.js';

const TARGET = '198.19.0.1';
const PORTS: Record<number, PortBehaviour> = { 22: 'open', 80: 'open', 443: 'drop', 1200: 'open' };
const LAST_PORT = 1500;
// ~3 s at 500 probes/s: time enough to watch the scan.
const SCAN = ['-sS', '-p', `1-${LAST_PORT}`, '--max-rate', '500', '-n', TARGET];

function expectRightResults(reportPath: string): void {
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
  expect(report.incomplete).toBe(false);
  const expected = (port: number) =>
    PORTS[port] === 'open' ? 'open' : PORTS[port] === 'drop' ? 'filtered' : 'closed';
  expect(wrongPorts(report.hosts[0].ports, expected, LAST_PORT)).toEqual([]);
}

describe.runIf(requireRoot())('least privilege during a scan', () => {
  let lab: Lab;
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    lab = await createTestLab({ ports: PORTS });
  });

  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
  });

  it('started as root: runs as nobody, without capabilities, once the engine is open', async () => {
    const out = tempDir('rawscan-priv-root-'); // mode 0700, root's: nobody could not create the report here
    const run = await watch('ip', [
      'netns',
      'exec',
      lab.scannerNs,
      process.execPath,
      CLI,
      ...SCAN,
      '-v',
      '-oJ',
      join(out, 'out.json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/running as nobody \(uid 65534, gid 65534\) without capabilities/);

    afterDrop(run.snapshots, (s) => s.main.noNewPrivs).forEach(expectDroppedToNobody);
    expectRightResults(join(out, 'out.json'));
  });

  it("started as nobody with a setcap'd copy of node: capabilities cleared in every thread that takes signals", async () => {
    const bin = tempDir('rawscan-priv-node-');
    chmodSync(bin, 0o755);
    const node = join(bin, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    execFileSync('setcap', ['cap_net_raw,cap_net_admin+eip', node]);
    const out = tempDir('rawscan-priv-setcap-');
    chownSync(out, NOBODY, NOBODY);
    const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
    const args = [
      'netns',
      'exec',
      lab.scannerNs,
      ...asNobody,
      node,
      CLI,
      ...SCAN,
      '-oJ',
      join(out, 'out.json'),
    ];
    const run = await watch('ip', args);
    expect(run.code, run.stderr).toBe(0); // a SYN scan: CAP_NET_RAW was there to open the engine

    for (const { main } of run.snapshots) expect(main.uids).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
    const dropped = afterDrop(run.snapshots, capabilitiesCleared);
    let mostCleared = 0;
    for (const { main, threads } of dropped) {
      expect(main.noNewPrivs).toBe(true);
      const privileged = threads.filter((t) => heldCapabilities(t.credentials) !== 0n);
      // Node's SIGUSR1 watchdog thread blocks every signal and keeps its sets (docs/security.md).
      expect(privileged.length).toBeLessThanOrEqual(1);
      for (const t of privileged) expect(t.blocksDropSignal).toBe(true);
      mostCleared = Math.max(mostCleared, threads.length - privileged.length);
    }
    // Main, V8 and libuv threads, and the engine's sender and capture (threads end as the process exits).
    expect(mostCleared).toBeGreaterThan(4);
    expectRightResults(join(out, 'out.json'));
  });

  it('refuses an unknown --user before it opens anything', async () => {
    const result = await lab.execInScanner(process.execPath, [
      CLI,
      ...SCAN,
      '--user',
      'no-such-user-rawscan',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'rawscan: --user no-such-user-rawscan: no such user; create it (e.g. useradd --system no-such-user-rawscan) or name another one',
    );
  });

  it('skips multicast targets, and says so', async () => {
    const out = tempDir('rawscan-priv-safe-');
    const result = await lab.execInScanner(process.execPath, [
      CLI,
      ...['-sS', '-p', '22', '-n', TARGET, '224.0.0.1', '-oJ', join(out, 'out.json')],
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/skipped 1 address: broadcast, multicast and reserved/);
    const report = JSON.parse(readFileSync(join(out, 'out.json'), 'utf8')) as JsonReport;
    expect(report.hosts.map((h) => h.address)).toEqual([TARGET]);
  });

  it("never writes through another user's symbolic link", async () => {
    const dir = tempDir('rawscan-priv-link-');
    const victim = join(dir, 'victim');
    const link = join(dir, 'report.xml');
    symlinkSync(victim, link);
    lchownSync(link, NOBODY, NOBODY);
    await expect(openOutputFile(link, '-oX output')).rejects.toThrow(
      /refusing to write -oX output through '.*report.xml': it is a symbolic link owned by another user \(uid 65534\)/,
    );
    expect(readdirSync(dir)).toEqual(['report.xml']);
  });
});
