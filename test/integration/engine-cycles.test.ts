// The engine's teardown and high-rate capture, in a lab (root only):
// - stop() hands the pcap handle to a closing thread (the kernel's socket
//   teardown takes tens of ms); engines opened right after, in the same
//   process on the same interface, must still capture every reply, and the
//   process must exit normally.
// - that closing thread hands the socket's last reference to rawscan-release,
//   which the kernel's teardown then waits in instead of this process; the
//   socket must still go away, and the helper must be reaped.
// - the capture thread naps between reads at high rates (fewer wake-ups); a
//   burst at unlimited rate must still yield every reply without pcap drops.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { decodeBatch, type PcapStatsRecord } from '../../src/native/records.js';
import type { ReplyRecord } from '../../src/scan/types.js';
import { createTestLab, requireRoot } from './helpers/lab.js';

const HELPER = fileURLToPath(new URL('./helpers/engine-cycles.mjs', import.meta.url));
const TARGET = (198 << 24) | (19 << 16) | 1;
const OPEN = [2222, 8080];
const CLOSED = [81, 5555];

interface Cycle {
  replies: ReplyRecord[];
  pcap: PcapStatsRecord[];
  release: { handedOver: boolean; held: boolean; gone: boolean; children: string[] };
}

describe.runIf(requireRoot())('engine cycles and high-rate capture', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await createTestLab({ ports: Object.fromEntries(OPEN.map((p) => [p, 'open'])) });
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  function runCycles(cycles: { ports: number[] }[]): { code: number | null; cycles: Cycle[] } {
    const input = {
      config: {
        device: lab.scannerInterface,
        sourceAddress: ((198 << 24) | (18 << 16) | 1) >>> 0,
        sourcePortBase: 47000,
        key: Array.from({ length: 16 }, (_, i) => i * 7 + 3),
        kinds: [0], // syn
        ttl: 64,
        dataLength: 0,
        badsum: false,
        customFlags: 0,
        customBase: 0,
        ratePps: 0,
        statsMs: 50,
      },
      target: TARGET >>> 0,
      cycles,
    };
    const r = spawnSync(
      'ip',
      ['netns', 'exec', lab.scannerNs, process.execPath, HELPER, JSON.stringify(input)],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const out = r.stdout.trim() ? JSON.parse(r.stdout.trim().split('\n').pop()!) : { cycles: [] };
    return {
      code: r.status,
      cycles: out.cycles.map((c: { batches: string[]; release: Cycle['release'] }) => {
        const cycle: Cycle = { replies: [], pcap: [], release: c.release };
        for (const b64 of c.batches) {
          decodeBatch(Buffer.from(b64, 'base64'), {
            reply: (x) => cycle.replies.push({ ...x }),
            sent: () => {},
            pcapStats: (x) => cycle.pcap.push(x),
            validationStats: () => {},
            error: (e) => {
              throw new Error(`engine error record: ${e.source} ${e.context} errno ${e.errno}`);
            },
          });
        }
        return cycle;
      }),
    };
  }

  it('three engines in a row on one interface each see every reply, and the process exits 0', () => {
    const ports = [...OPEN, ...CLOSED];
    const run = runCycles([{ ports }, { ports }, { ports }]);
    expect(run.code).toBe(0);
    expect(run.cycles).toHaveLength(3);
    for (const cycle of run.cycles) {
      const states = Object.fromEntries(cycle.replies.map((r) => [r.port, r.state]));
      expect(states).toEqual({ 2222: 'open', 8080: 'open', 81: 'closed', 5555: 'closed' });
      // The final Stats record comes after the last read, before the handle closes.
      expect(cycle.pcap.at(-1)?.received).toBeGreaterThanOrEqual(ports.length);
      // The helper took the socket, this process let it go, the kernel freed it, and
      // nothing is left to reap.
      expect(cycle.release).toEqual({ handedOver: true, held: false, gone: true, children: [] });
    }
  });

  it('a 20000-probe burst at unlimited rate gets every reply, with no pcap drops', () => {
    const ports = Array.from({ length: 20_000 }, (_, i) => 10_000 + i);
    const run = runCycles([{ ports }]);
    expect(run.code).toBe(0);
    const [cycle] = run.cycles;
    const answered = new Set(cycle.replies.map((r) => r.port));
    expect(answered.size).toBe(ports.length);
    expect(cycle.replies.every((r) => r.state === 'closed' && r.reason === 'reset')).toBe(true);
    expect(cycle.pcap.at(-1)?.dropped).toBe(0);
  });
});
