// The engine's teardown and high-rate capture, in a lab (root only):
// - stop() hands the pcap handle to a closing thread (the kernel's socket
//   teardown takes tens of ms); engines opened right after, in the same
//   process on the same interface, must still capture every reply, and the
//   process must exit normally.
// - that closing thread hands the socket's last reference to rawscan-release,
//   which the kernel's teardown then waits in instead of this process; the
//   socket must still go away, and the helper must be reaped.
// - a capture warmed before its engine exists (warmCapture) is taken by an
//   engine that opens on its interface with at most its ring, and closed
//   (the engine opening its own) otherwise; either way every reply arrives.
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
  warmState: string;
  sockets: number;
  warmThreads: number;
  release: { handedOver: boolean; held: boolean; gone: boolean; children: string[] };
}

/** The engines' ring in these runs, bytes. */
const RING = 1 << 20;

describe.runIf(requireRoot())('engine cycles and high-rate capture', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await createTestLab({ ports: Object.fromEntries(OPEN.map((p) => [p, 'open'])) });
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  function runCycles(
    cycles: { ports: number[] }[],
    warm?: { device: string; bytes: number },
  ): {
    code: number | null;
    warm?: {
      started: boolean;
      again: boolean;
      settled: { warmState: string; sockets: number; warmThreads: number };
    };
    cycles: Cycle[];
  } {
    const input = {
      warm,
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
        pcapBufferBytes: RING,
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
      warm: out.warm,
      cycles: out.cycles.map((c: Omit<Cycle, 'replies' | 'pcap'> & { batches: string[] }) => {
        const cycle: Cycle = {
          replies: [],
          pcap: [],
          warmState: c.warmState,
          sockets: c.sockets,
          warmThreads: c.warmThreads,
          release: c.release,
        };
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

  const ports = [...OPEN, ...CLOSED];
  const every = { 2222: 'open', 8080: 'open', 81: 'closed', 5555: 'closed' };
  const statesOf = (cycle: Cycle) => Object.fromEntries(cycle.replies.map((r) => [r.port, r.state]));

  it('three engines in a row on one interface each see every reply, and the process exits 0', () => {
    const run = runCycles([{ ports }, { ports }, { ports }]);
    expect(run.code).toBe(0);
    expect(run.cycles).toHaveLength(3);
    for (const cycle of run.cycles) {
      expect(cycle.warmState).toBe('none');
      expect(statesOf(cycle)).toEqual(every);
      // The final Stats record comes after the last read, before the handle closes.
      expect(cycle.pcap.at(-1)?.received).toBeGreaterThanOrEqual(ports.length);
      // The helper took the socket, this process let it go, the kernel freed it, and
      // nothing is left to reap.
      expect(cycle.release).toEqual({ handedOver: true, held: false, gone: true, children: [] });
    }
  });

  it('an engine takes the capture warmed on its interface with a ring at least as large', () => {
    const run = runCycles([{ ports }, { ports }], { device: lab.scannerInterface, bytes: 2 * RING });
    expect(run.code).toBe(0);
    expect(run.warm?.started).toBe(true);
    expect(run.warm?.again).toBe(false); // once per process
    // The first engine took it (no second socket); the next one opened its own.
    expect(run.cycles.map((c) => [c.warmState, c.sockets])).toEqual([
      ['taken', 1],
      ['taken', 1],
    ]);
    for (const cycle of run.cycles) {
      expect(statesOf(cycle)).toEqual(every);
      expect(cycle.release).toEqual({ handedOver: true, held: false, gone: true, children: [] });
    }
    expect(run.warm?.settled).toEqual({ warmState: 'taken', sockets: 0, warmThreads: 0 });
  });

  it.each([
    ['another interface', { device: 'lo', bytes: RING }],
    ['a smaller ring', { device: '', bytes: RING / 2 }],
  ])('an engine leaves a capture warmed for %s to be closed, and opens its own', (_, warm) => {
    const run = runCycles([{ ports }], { device: warm.device || lab.scannerInterface, bytes: warm.bytes });
    expect(run.code).toBe(0);
    const [cycle] = run.cycles;
    expect(cycle.warmState).toBe('discarded');
    expect(statesOf(cycle)).toEqual(every);
    // Settled (as before the privilege drop): the warmed socket is closed and its thread gone.
    expect(run.warm?.settled).toEqual({ warmState: 'discarded', sockets: 0, warmThreads: 0 });
  });

  it('a capture warmed and never taken is closed when settled', () => {
    const run = runCycles([], { device: lab.scannerInterface, bytes: RING });
    expect(run.code).toBe(0);
    expect(run.warm).toEqual({
      started: true,
      again: false,
      settled: { warmState: 'discarded', sockets: 0, warmThreads: 0 },
    });
  });

  it.each(['any', 'rs-no-such-if'])('warms nothing for %s, which is no network interface', (device) => {
    const run = runCycles([{ ports }], { device, bytes: RING });
    expect(run.code).toBe(0);
    expect(run.warm?.started).toBe(false);
    expect(run.cycles.map((c) => [c.warmState, c.sockets])).toEqual([['none', 1]]);
    expect(statesOf(run.cycles[0])).toEqual(every);
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
