// The native engine against a real target: a throwaway scanner namespace and
// target namespace joined by a veth pair (no default route anywhere). The
// engine runs inside the scanner namespace through helpers/engine-probe.mjs;
// this process decodes its record batches. Root only; with CI=true a
// non-root run fails instead of skipping.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineOpenError, PRIVILEGE_MESSAGE, loadAddon, mapEngineError } from '../../src/native/addon.js';
import {
  decodeBatch,
  type EngineErrorRecord,
  type PcapStatsRecord,
  type SentRecord,
  type ValidationStatsRecord,
} from '../../src/native/records.js';
import type { ReplyRecord } from '../../src/scan/types.js';

const isRoot = process.getuid?.() === 0;
const HELPER = fileURLToPath(new URL('./helpers/engine-probe.mjs', import.meta.url));

const id = process.pid % 100_000;
const SCANNER_NS = `rsh2s${id}`;
const TARGET_NS = `rsh2t${id}`;
const SCANNER_IF = `h2s${id}`;
const TARGET_IF = `h2t${id}`;
const OPEN_PORTS = [2222, 8080];
const CLOSED_PORTS = [81, 5555];
const PEER = ipv4('198.18.0.2'); // the target's veth address
const ANYIP = ipv4('198.19.7.7'); // answered through the target's AnyIP route
const SYN = 0;
const FIN = 1;

function ipv4(dotted: string): number {
  return dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

const baseConfig = {
  device: SCANNER_IF,
  sourceAddress: ipv4('198.18.0.1'),
  sourcePortBase: 40000,
  key: Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff),
  kinds: [SYN, FIN],
  ttl: 64,
  dataLength: 0,
  badsum: false,
  customFlags: 0,
  customBase: 0,
  ratePps: 0,
  flushMs: 5,
  statsMs: 50,
};

interface HelperInput {
  config: Partial<typeof baseConfig> & Record<string, unknown>;
  probes?: [addr: number, port: number, tryNo: number, slot: number][];
  earlyProbes?: [addr: number, port: number, tryNo: number, slot: number][];
  settleMs?: number;
  end?: 'stop' | 'abandon' | 'exit';
  openOnly?: boolean;
  openAsync?: boolean;
}

interface Run {
  code: number | null;
  ms: number;
  stderr: string;
  report: {
    datalink: number;
    batches: string[];
    sendMs: number;
    pendingAfterSend: number;
    stopMs: number | null;
    startWhileOpening?: string;
  };
  replies: ReplyRecord[];
  sent: SentRecord[];
  pcap: PcapStatsRecord[];
  validation: ValidationStatsRecord[];
  errors: EngineErrorRecord[];
}

/** Runs the helper in the scanner namespace (optionally as another user) and decodes what it printed. */
function runHelper(input: HelperInput, asUser: string[] = []): Promise<Run> {
  const full = { ...input, config: { ...baseConfig, ...input.config } };
  const args = ['netns', 'exec', SCANNER_NS, ...asUser, process.execPath, HELPER, JSON.stringify(full)];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const run: Run = {
        code,
        ms: Date.now() - started,
        stderr,
        report: stdout.trim() ? JSON.parse(stdout.trim().split('\n').pop()!) : null,
        replies: [],
        sent: [],
        pcap: [],
        validation: [],
        errors: [],
      };
      for (const b64 of run.report?.batches ?? []) {
        decodeBatch(Buffer.from(b64, 'base64'), {
          reply: (r) => run.replies.push({ ...r }),
          sent: (r) => run.sent.push(r),
          pcapStats: (r) => run.pcap.push(r),
          validationStats: (r) => run.validation.push(r),
          error: (r) => run.errors.push(r),
        });
      }
      resolve(run);
    });
  });
}

function probesFor(targets: number[], ports: number[], slots: number[], tryNo = 0): HelperInput['probes'] {
  return targets.flatMap((t) =>
    ports.flatMap((p) => slots.map((s) => [t, p, tryNo, s] as [number, number, number, number])),
  );
}

function replyTo(run: Run, target: number, port: number, kind: string, tryNo = 0): ReplyRecord | undefined {
  return run.replies.find(
    (r) => r.target === target && r.port === port && r.kind === kind && r.tryNo === tryNo,
  );
}

describe.skipIf(!isRoot && process.env.CI !== 'true')('native engine in a namespace lab', () => {
  let listener: ChildProcess | undefined;

  function teardown(): void {
    listener?.kill('SIGKILL');
    for (const ns of [SCANNER_NS, TARGET_NS]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created, or already gone
      }
    }
  }

  beforeAll(async () => {
    if (!isRoot)
      throw new Error('the engine integration tests need root (CI=true: failing rather than skipping)');
    try {
      ip('netns', 'add', SCANNER_NS);
      ip('netns', 'add', TARGET_NS);
      ip(
        'link',
        'add',
        SCANNER_IF,
        'netns',
        SCANNER_NS,
        'type',
        'veth',
        'peer',
        'name',
        TARGET_IF,
        'netns',
        TARGET_NS,
      );
      ip('-n', SCANNER_NS, 'addr', 'add', '198.18.0.1/30', 'dev', SCANNER_IF);
      ip('-n', SCANNER_NS, 'link', 'set', SCANNER_IF, 'up');
      ip('-n', SCANNER_NS, 'link', 'set', 'lo', 'up');
      ip('-n', SCANNER_NS, 'route', 'add', '198.19.0.0/16', 'via', '198.18.0.2');
      ip('-n', TARGET_NS, 'addr', 'add', '198.18.0.2/30', 'dev', TARGET_IF);
      ip('-n', TARGET_NS, 'link', 'set', TARGET_IF, 'up');
      ip('-n', TARGET_NS, 'link', 'set', 'lo', 'up');
      ip('-n', TARGET_NS, 'route', 'add', 'local', '198.19.0.0/16', 'dev', 'lo');
      const script =
        `const net = require('node:net'); let n = 0; for (const p of ${JSON.stringify(OPEN_PORTS)}) ` +
        `net.createServer((s) => s.destroy()).listen(p, '0.0.0.0', () => { if (++n === ${OPEN_PORTS.length}) console.log('ready'); });`;
      const child = spawn('ip', ['netns', 'exec', TARGET_NS, process.execPath, '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      listener = child;
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`listener exited with ${code}`)));
      });
    } catch (err) {
      teardown();
      throw err;
    }
  });

  afterAll(teardown);

  it('classifies SYN and FIN replies per port and reports watermarks, stats and a clean stop', async () => {
    const probes = [
      ...probesFor([PEER, ANYIP], [...OPEN_PORTS, ...CLOSED_PORTS], [SYN, FIN])!,
      [ANYIP, 8080, 3, SYN] as [number, number, number, number], // a retransmission: try 3 must come back as try 3
    ];
    const run = await runHelper({ config: {}, probes, end: 'stop' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.datalink).toBe(1); // DLT_EN10MB on veth
    expect(run.errors).toEqual([]);

    for (const target of [PEER, ANYIP]) {
      for (const port of OPEN_PORTS) {
        expect(replyTo(run, target, port, 'syn'), `SYN ${target}:${port}`).toMatchObject({
          state: 'open',
          reason: 'syn-ack',
          responder: target,
          ttl: 64,
        });
        expect(replyTo(run, target, port, 'fin'), `FIN to open ${port} is ignored`).toBeUndefined();
      }
      for (const port of CLOSED_PORTS) {
        expect(replyTo(run, target, port, 'syn'), `SYN ${target}:${port}`).toMatchObject({
          state: 'closed',
          reason: 'reset',
        });
        expect(replyTo(run, target, port, 'fin'), `FIN ${target}:${port}`).toMatchObject({
          state: 'closed',
          reason: 'reset',
        });
      }
    }
    expect(replyTo(run, ANYIP, 8080, 'syn', 3)).toMatchObject({ state: 'open', tryNo: 3 });

    // Sent watermarks: cumulative, in order, ending at every descriptor sent without error.
    expect(run.report.pendingAfterSend).toBe(0);
    expect(run.sent.at(-1)).toMatchObject({ sent: probes.length, sendErrors: 0 });
    for (let i = 1; i < run.sent.length; i++) {
      expect(run.sent[i].sent).toBeGreaterThanOrEqual(run.sent[i - 1].sent);
      expect(run.sent[i].time).toBeGreaterThanOrEqual(run.sent[i - 1].time);
    }

    // Stats: pcap saw at least every reply; nothing dropped or rejected in a quiet lab.
    const lastPcap = run.pcap.at(-1)!;
    expect(lastPcap.received).toBeGreaterThanOrEqual(run.replies.length);
    expect(lastPcap.dropped).toBe(0);
    expect(run.validation.at(-1)).toMatchObject({ badCookie: 0, malformed: 0 });
    expect(run.pcap.length).toBeGreaterThanOrEqual(2); // periodic (statsMs 50 over a 300 ms settle) + final

    // Clean stop: prompt, and the final Sent and Stats records come after the last reply.
    expect(run.report.stopMs).toBeLessThan(1000);
    const lastReply = Math.max(...run.replies.map((r) => r.time));
    expect(run.sent.at(-1)!.time).toBeGreaterThanOrEqual(lastReply);
    expect(run.validation.at(-1)!.time).toBeGreaterThanOrEqual(lastReply);
  });

  it('opens through openAsync() as through open(); start() before it settles throws', async () => {
    const run = await runHelper({
      config: { kinds: [SYN] },
      probes: probesFor([ANYIP], [...OPEN_PORTS, ...CLOSED_PORTS], [0]),
      end: 'stop',
      openAsync: true,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.startWhileOpening).toBe('engine: start() before openAsync() settled');
    expect(run.errors).toEqual([]);
    for (const port of OPEN_PORTS) expect(replyTo(run, ANYIP, port, 'syn')).toMatchObject({ state: 'open' });
    for (const port of CLOSED_PORTS)
      expect(replyTo(run, ANYIP, port, 'syn')).toMatchObject({ state: 'closed' });
  });

  it('rejects openAsync() as open() throws: privileges, and an unknown interface', async () => {
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
    const run = await runHelper({ config: {}, openOnly: true, openAsync: true }, asNobody);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report).toMatchObject({ code: 'EPERM_RAW' });

    const engine = loadAddon().createEngine({
      ...baseConfig,
      device: 'nosuchif0',
      key: Uint8Array.from(baseConfig.key),
    });
    await expect(engine.openAsync()).rejects.toMatchObject({
      code: 'NO_DEVICE',
      message: 'interface nosuchif0 does not exist (see `ip link`); pick one with -e',
    });
    await engine.stop();
  });

  it('stop() while openAsync() runs waits for it, and then closes the engine', async () => {
    // On loopback, in this process (nothing is sent).
    const engine = loadAddon().createEngine({
      ...baseConfig,
      device: 'lo',
      key: Uint8Array.from(baseConfig.key),
    });
    const opening = engine.openAsync();
    await engine.stop();
    await expect(opening).resolves.toBeUndefined();
    expect(() => engine.start(() => {})).toThrow();
  });

  it('captures on the "any" device (Linux cooked link type)', async () => {
    const run = await runHelper({
      config: { device: 'any', kinds: [SYN] },
      probes: probesFor([ANYIP], [...OPEN_PORTS, ...CLOSED_PORTS], [0]),
      end: 'stop',
    });
    expect(run.code, run.stderr).toBe(0);
    expect([113, 276]).toContain(run.report.datalink); // DLT_LINUX_SLL / DLT_LINUX_SLL2
    for (const port of OPEN_PORTS) expect(replyTo(run, ANYIP, port, 'syn')?.state).toBe('open');
    for (const port of CLOSED_PORTS) expect(replyTo(run, ANYIP, port, 'syn')?.state).toBe('closed');
  });

  it('paces probes at ratePps', async () => {
    const ports = Array.from({ length: 40 }, (_, i) => 20000 + i);
    const run = await runHelper({
      config: { kinds: [SYN], ratePps: 200 },
      probes: probesFor([PEER], ports, [0]),
      settleMs: 100,
      end: 'stop',
    });
    expect(run.code, run.stderr).toBe(0);
    // 40 probes at 200/s: ~195 ms after the first (the bucket starts with 10 ms of tokens).
    const span = run.sent.at(-1)!.time - run.sent[0].time;
    expect(span).toBeGreaterThan(150);
    expect(span).toBeLessThan(1000);
    expect(run.sent.at(-1)!.sent).toBe(40);
    expect(run.replies.filter((r) => r.state === 'closed')).toHaveLength(40);
  });

  it.each([
    ['the default sender threads', {}],
    ['one sender thread', { senderThreads: 1 }],
    ['four sender threads', { senderThreads: 4 }],
  ])(
    'sends a burst at unlimited rate with %s, without loss, send errors or capture drops',
    async (_, threads) => {
      const targets = [1, 2, 3, 4].map((n) => ANYIP + n);
      const ports = Array.from({ length: 1000 }, (_, i) => 30000 + i);
      const run = await runHelper({
        config: { kinds: [SYN], ...threads },
        probes: probesFor(targets, ports, [0]),
        end: 'stop',
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.sent.at(-1)).toMatchObject({ sent: 4000, sendErrors: 0 });
      expect(run.pcap.at(-1)!.dropped).toBe(0);
      const answered = new Set(run.replies.map((r) => `${r.target}:${r.port}`));
      expect(answered.size).toBe(4000);
      expect(run.replies.every((r) => r.state === 'closed')).toBe(true);
    },
  );

  it('counts in its pcap stats only what arrived after start(), not while it was idle', async () => {
    const ports = Array.from({ length: 2000 }, (_, i) => 30000 + i);
    const run = await runHelper({
      config: { kinds: [SYN], pcapBufferBytes: 1 << 16 },
      earlyProbes: probesFor([ANYIP + 1], ports, [0]),
      probes: [],
      settleMs: 200,
      end: 'stop',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.pcap.at(-1)).toMatchObject({ received: 0, dropped: 0 });
  });

  it.each([
    ['returns without calling stop()', 'abandon'],
    ['calls process.exit() while the engine runs', 'exit'],
  ] as const)('a process that %s still exits 0 promptly', async (_what, end) => {
    const run = await runHelper({
      config: { kinds: [SYN] },
      probes: probesFor([PEER], [...OPEN_PORTS, ...CLOSED_PORTS], [0]),
      settleMs: 100,
      end,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.ms).toBeLessThan(5000);
    expect(run.replies.length).toBeGreaterThan(0);
  });

  it('reports missing privileges as EPERM_RAW and maps it to the privilege message', async () => {
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
    const run = await runHelper({ config: {}, openOnly: true }, asNobody);
    expect(run.code, run.stderr).toBe(0);
    const raw = run.report as unknown as { code: string; message: string };
    expect(raw.code).toBe('EPERM_RAW');
    const mapped = mapEngineError(Object.assign(new Error(raw.message), { code: raw.code }), SCANNER_IF);
    expect(mapped).toBeInstanceOf(EngineOpenError);
    expect((mapped as Error).message).toBe(PRIVILEGE_MESSAGE);
  });

  it('reports an unknown interface as NO_DEVICE with the -e hint', () => {
    const engine = loadAddon().createEngine({
      ...baseConfig,
      device: 'nosuchif0',
      key: Uint8Array.from(baseConfig.key),
    });
    let caught: unknown;
    try {
      engine.open();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EngineOpenError);
    expect(caught).toMatchObject({
      code: 'NO_DEVICE',
      message: 'interface nosuchif0 does not exist (see `ip link`); pick one with -e',
    });
    return engine.stop();
  });

  it.each([
    ['ttl', { ttl: 0 }, /EngineConfig\.ttl must be an integer from 1 to 255 \(got 0\)/],
    ['fractional ttl', { ttl: 0.5 }, /EngineConfig\.ttl must be an integer from 1 to 255 \(got 0\.5\)/],
    ['huge ttl', { ttl: 1e300 }, /EngineConfig\.ttl must be an integer from 1 to 255 \(got 1e\+300\)/],
    ['key', { key: new Uint8Array(8) }, /EngineConfig\.key must be a Uint8Array of 16 bytes/],
    ['kinds', { kinds: [] }, /EngineConfig\.kinds must be an array of 1 to 8/],
    [
      'sender threads',
      { senderThreads: 9 },
      /EngineConfig\.senderThreads must be an integer from 0 to 8 \(got 9\)/,
    ],
    [
      'sourcePortBase',
      { sourcePortBase: 65530 },
      /EngineConfig\.sourcePortBase must be an integer from 1 to 65504/,
    ],
    ['ratePps', { ratePps: -1 }, /EngineConfig\.ratePps must be a number of probes per second >= 0/],
    [
      'sourceAddress',
      { sourceAddress: 0 },
      /EngineConfig\.sourceAddress must be an integer from 1 to 4294967295 \(got 0\)/,
    ],
  ])('rejects a bad %s with a TypeError naming the field', (_field, patch, message) => {
    const config = { ...baseConfig, key: Uint8Array.from(baseConfig.key), ...patch };
    expect(() => loadAddon().createEngine(config)).toThrow(TypeError);
    expect(() => loadAddon().createEngine(config)).toThrow(message);
  });
});
