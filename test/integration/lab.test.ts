// The lab's ground truth, checked with an independent scanner (nmap) from
// inside the scanner namespace, and the lab's promise to leave nothing behind.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupStaleLabs,
  expectedState,
  randomPortPlan,
  type Lab,
  type PortBehaviour,
} from '../../src/lab/index.js';
import { generateLabName, labNames } from '../../src/lab/names.js';
import { isProcessAlive, listNamespaces } from '../../src/lab/netns.js';
import { createTestLab, nmapSyn, requireRoot, transpileSources, withLab } from './helpers/lab.js';

const REASON: Record<PortBehaviour, string> = {
  open: 'syn-ack',
  closed: 'reset',
  reset: 'reset',
  drop: 'no-response',
  'reject-port': 'port-unreach',
  'reject-admin': 'admin-prohibited',
  'reject-host': 'host-prohibited',
  stateful: 'syn-ack',
  'drop-syn': 'no-response',
};

const FAST = ['--max-retries', '0', '--min-rate', '3000'];

async function namespacesOf(lab: { scannerNs: string; targetNs: string }): Promise<string[]> {
  return (await listNamespaces()).filter((ns) => ns === lab.scannerNs || ns === lab.targetNs);
}

describe.runIf(requireRoot())('lab', () => {
  describe('ground truth seen by nmap -sS', () => {
    const plan = randomPortPlan(7, {
      open: 3,
      drop: 3,
      rejectPort: 3,
      rejectAdmin: 3,
      rejectHost: 3,
      reset: 3,
    });
    const closed = [1, 2, 65535].filter((p) => plan[p] === undefined);
    const scanned = [...Object.keys(plan).map(Number), ...closed];
    let lab: Lab;
    beforeAll(async () => {
      lab = await createTestLab({ ports: plan });
    });
    afterAll(() => lab?.destroy());

    it.each(['198.19.0.1', '198.19.3.7'])(
      'every port of %s has its behaviour’s state and reason',
      async (address) => {
        const seen = await nmapSyn(lab, address, scanned.join(','));
        const expected = scanned.map((p) => [
          p,
          { state: expectedState('syn', lab.truth(p)), reason: REASON[lab.truth(p)] },
        ]);
        expect(scanned.map((p) => [p, seen.get(p)])).toEqual(expected);
      },
    );

    it('reports its configuration', () => {
      expect(lab).toMatchObject({
        scannerAddress: '198.18.0.1',
        targetAddress: '198.19.0.1',
        targetRange: '198.19.0.0/16',
      });
      expect(lab.scannerInterface.length).toBeLessThanOrEqual(15);
      expect(lab.truth(closed[0])).toBe('closed');
    });

    it('gives neither namespace a default route, and the scanner a route to the range only', async () => {
      for (const exec of [lab.execInScanner.bind(lab), lab.execInTarget.bind(lab)]) {
        expect((await exec('ip', ['route', 'show', 'default'])).stdout).toBe('');
      }
      const outside = await lab.execInScanner('ip', ['route', 'get', '192.0.2.1']);
      expect(outside.code).not.toBe(0);
      expect(outside.stderr).toMatch(/unreachable/i);
      expect((await lab.execInScanner('ip', ['route', 'get', '198.19.200.9'])).stdout).toContain(
        'via 198.18.0.2',
      );
    });
  });

  describe('ICMP rate limit', () => {
    const rejected = randomPortPlan(11, { rejectAdmin: 300 });
    const ports = Object.keys(rejected).join(',');
    const answeredOf = async (icmpRateLimit?: boolean) =>
      withLab({ ports: rejected, icmpRateLimit }, async (lab) => {
        const seen = await nmapSyn(lab, lab.targetAddress, ports, FAST);
        return [...seen.values()].filter((p) => p.reason === 'admin-prohibited').length;
      });

    it('is off by default: a fast burst of 300 rejected probes gets 300 answers', async () => {
      expect(await answeredOf(undefined)).toBe(300);
    });

    it("icmpRateLimit keeps the kernel's limit, which throttles the same burst", async () => {
      expect(await answeredOf(true)).toBeLessThan(100);
    });
  });

  it('loss drops packets in both directions', async () => {
    await withLab({ lossPercent: 30 }, async (lab) => {
      const seen = await nmapSyn(lab, lab.targetAddress, '1-400', FAST);
      const silent = [...seen.values()].filter((p) => p.reason === 'no-response').length;
      // Each probe and its RST survive with 0.7 each: about 51% of ports stay silent.
      expect(silent / 400).toBeGreaterThan(0.3);
      expect(silent / 400).toBeLessThan(0.72);
      const rules = (await lab.execInTarget('nft', ['list', 'table', 'ip', 'rawscan_lab'])).stdout;
      const dropped = [...rules.matchAll(/numgen random mod 100 < 30 counter packets (\d+)/g)].map((m) =>
        Number(m[1]),
      );
      expect(dropped).toHaveLength(2);
      expect(dropped.every((n) => n > 20)).toBe(true);
    });
  });

  it('a full 65535-port scan sees thousands of ports of every behaviour as configured', async () => {
    const plan = randomPortPlan(3, {
      open: 1000,
      drop: 300,
      rejectPort: 300,
      rejectAdmin: 300,
      rejectHost: 300,
      reset: 300,
    });
    await withLab({ ports: plan }, async (lab) => {
      const seen = await nmapSyn(lab, '198.19.77.5', '1-65535', ['--min-rate', '3000']);
      const wrong = new Map<string, number>();
      for (let port = 1; port <= 65535; port++) {
        const got = seen.get(port)?.state;
        const key = `${lab.truth(port)} seen as ${got}`;
        if (got !== expectedState('syn', lab.truth(port))) wrong.set(key, (wrong.get(key) ?? 0) + 1);
      }
      expect(wrong).toEqual(new Map());
      const overflows = await lab.execInTarget('nstat', [
        '-az',
        'TcpExtListenOverflows',
        'TcpExtListenDrops',
      ]);
      expect(overflows.stdout).not.toMatch(/Listen\w+\s+[1-9]/);
    });
  });

  describe('cleanup', () => {
    it('destroy() removes the namespaces and the listener, and may be called twice', async () => {
      const lab = await createTestLab({ ports: { 22: 'open' } });
      const pids = (await execFileText('ip', ['netns', 'pids', lab.targetNs])).trim().split('\n').map(Number);
      expect(pids.length).toBeGreaterThan(0);
      expect(await namespacesOf(lab)).toHaveLength(2);
      await lab.destroy();
      await lab.destroy();
      expect(await namespacesOf(lab)).toEqual([]);
      expect(pids.filter(isProcessAlive)).toEqual([]);
    });

    it('cleanupStaleLabs removes labs of dead processes only', async () => {
      const deadPid = spawn('true').pid!;
      await waitFor(() => !isProcessAlive(deadPid));
      const stale = labNames(generateLabName(deadPid));
      execFileSync('ip', ['netns', 'add', stale.scannerNs]);
      execFileSync('ip', ['netns', 'add', stale.targetNs]);
      await withLab({}, async (live) => {
        expect(await cleanupStaleLabs()).toContain(stale.name);
        expect(await namespacesOf(stale)).toEqual([]);
        expect(await namespacesOf(live)).toHaveLength(2);
      });
    });

    describe('a process that ends without destroy() takes its lab with it', () => {
      let build: string;
      beforeAll(() => {
        build = mkdtempSync(join(tmpdir(), 'rawscan-lab-'));
        transpileSources(build);
      });
      afterAll(() => rmSync(build, { recursive: true, force: true }));

      it.each([
        ['exits', 'process.exit(0)'],
        ['throws', 'throw new Error("crash")'],
        ['is sent SIGTERM', 'setInterval(() => {}, 1000); process.kill(process.pid, "SIGTERM")'],
        ['is sent SIGINT', 'setInterval(() => {}, 1000); process.kill(process.pid, "SIGINT")'],
      ])('when it %s', async (_how, ending) => {
        const script =
          `import { createLab } from '${join(build, 'lab/index.js')}';\n` +
          `const lab = await createLab({ ports: { 22: 'open', 23: 'drop' } });\n` +
          `console.log(JSON.stringify({ scannerNs: lab.scannerNs, targetNs: lab.targetNs }));\n${ending};\n`;
        const child = await execFileResult('node', ['--input-type=module', '-e', script]);
        const lab = JSON.parse(child.stdout.split('\n')[0]) as { scannerNs: string; targetNs: string };
        expect(await namespacesOf(lab)).toEqual([]);
      });
    });
  });
});

function execFileText(file: string, args: string[]): Promise<string> {
  return promisify(execFile)(file, args).then((r) => r.stdout);
}

/** Runs a program that may fail; its stdout either way. */
function execFileResult(file: string, args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve) => execFile(file, args, (_err, stdout) => resolve({ stdout })));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const start = Date.now(); !condition();) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
