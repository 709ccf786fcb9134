// The firewalk's Prober on the native engine: one short SYN scan (runScan)
// per TTL, each with an engine of its own (EngineConfig.ttl is fixed per
// engine), a fresh cookie key and fresh source ports. Every engine the walk
// may need (TTL 1 .. maxTtl) is opened up front by openEngineProber, so that
// the command can drop its privileges before any packet is parsed (a dropped
// process cannot open another); each runs at most one scan, and close() shuts
// the ones the walk did not use. A probe is settled by its first ICMP
// time-exceeded (hooks.timeExceeded, which the scan itself does not count as
// an answer) or by its verdict; the pass ends as soon as every probe is
// settled, without waiting for the scan's retransmissions of expired probes.
// An engine waiting for its turn captures other passes' ICMP replies too: its
// own cookie key rejects them once it starts.
import { loadAddon, mapEngineError } from '../native/addon.js';
import type { EngineConfig, NativeAddon, NativeEngine } from '../native/types.js';
import { runScan } from '../scan/orchestrator.js';
import type { TimingOptions } from '../scan/timing.js';
import { PROBE_KINDS, type PortResult, type ReplyRecord, type TargetList } from '../scan/types.js';
import { parseIpv4 } from '../targets/ipv4.js';
import type { ProbeAnswer, ProbeObservation, Prober } from './firewalk.js';
import { randomBytes } from '../scan/random.js';

export interface EngineProberOptions {
  /** capture interface towards the targets */
  device: string;
  /** scanner address, host-order u32 */
  sourceAddress: number;
  timing: TimingOptions;
  /** highest TTL the walk may probe with: one engine each for TTL 1 .. maxTtl (1-255) */
  maxTtl: number;
  /** pcap ring of each engine, bytes (default: the engine's own) */
  pcapBufferBytes?: number;
}

export interface EngineProber {
  /** one pass per TTL: a TTL probed twice, or above maxTtl, is a bug (Error) */
  probe: Prober;
  /** stops every engine (those that ran a pass are stopped already); idempotent */
  close(): Promise<void>;
}

/** Source ports come from here upwards; each pass takes 16 of them (one probe kind). */
const SOURCE_PORT_FLOOR = 40000;
const SOURCE_PORT_SPAN = 20000;

/** Opens the engines of TTL 1 .. maxTtl; UsageError (mapEngineError) when one cannot open. */
export function openEngineProber(opts: EngineProberOptions): EngineProber {
  const addon = loadAddon();
  const engines: NativeEngine[] = [];
  const close = async () => {
    await Promise.all(engines.map((engine) => engine.stop()));
  };
  try {
    for (let ttl = 1; ttl <= opts.maxTtl; ttl++) {
      const engine = addon.createEngine(engineConfig(opts, ttl));
      engine.open();
      engines.push(engine);
    }
  } catch (err) {
    void close(); // engines that never started stop at once
    throw mapEngineError(err, opts.device);
  }
  const used = new Set<number>();
  const probe: Prober = (ttl, targets, ports) => {
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > engines.length || used.has(ttl)) {
      return Promise.reject(new Error(`firewalk prober: no unused engine for TTL ${ttl}`));
    }
    used.add(ttl);
    return probePass(engines[ttl - 1], addon, opts.timing, targets, ports);
  };
  return { probe, close };
}

function engineConfig(opts: EngineProberOptions, ttl: number): EngineConfig {
  return {
    device: opts.device,
    sourceAddress: opts.sourceAddress,
    sourcePortBase: SOURCE_PORT_FLOOR + Math.floor(Math.random() * SOURCE_PORT_SPAN),
    key: randomBytes(16),
    kinds: [PROBE_KINDS.indexOf('syn')],
    ttl,
    dataLength: 0,
    badsum: false,
    customFlags: 0,
    customBase: PROBE_KINDS.indexOf('syn'),
    ratePps: 0,
    pcapBufferBytes: opts.pcapBufferBytes,
  };
}

/** One pass: a SYN to every target × port through an open engine, which runScan starts and stops. */
async function probePass(
  engine: NativeEngine,
  addon: NativeAddon,
  timing: TimingOptions,
  targets: TargetList,
  ports: number[],
): Promise<ProbeObservation[]> {
  const answers = new Map<string, ProbeObservation>();
  const total = targets.size * new Set(ports).size;
  const done = new AbortController();
  const settle = (target: number, port: number, answer: ProbeAnswer) => {
    const key = `${target}:${port}`;
    if (answers.has(key)) return;
    answers.set(key, { target, port, answer });
    // Abort outside the record visitor that called us.
    if (answers.size === total) setImmediate(() => done.abort());
  };
  await runScan(
    { targets, ports, scanTypes: ['syn'] },
    engine,
    { clock: () => addon.monotonicMs(), ...timing, signal: done.signal },
    {
      timeExceeded: (r: ReplyRecord) =>
        settle(r.target, r.port, {
          kind: 'time-exceeded',
          responder: r.responder,
          ttl: r.ttl,
          icmpCode: r.icmpCode,
        }),
      verdict: (address: number, result: PortResult) =>
        settle(address, result.port, answerOf(address, result)),
    },
  );
  return everyProbe(targets, ports, answers);
}

/** The answer a port verdict records; the scan never decides a port by time-exceeded. */
export function answerOf(target: number, r: PortResult): ProbeAnswer {
  if (r.reason === 'no-response') return { kind: 'silent' };
  const e = r.evidence ?? {};
  const responder = e.responder === undefined ? target : parseIpv4(e.responder)!;
  if (e.icmpType !== undefined && e.icmpType !== 0) {
    return {
      kind: 'unreachable',
      responder,
      ttl: r.reasonTtl,
      icmpType: e.icmpType,
      icmpCode: e.icmpCode ?? 0,
      reason: r.reason,
    };
  }
  return { kind: 'tcp', responder, ttl: r.reasonTtl, reason: r.reason === 'syn-ack' ? 'syn-ack' : 'reset' };
}

/** One observation per target × port, silent where the pass ended without one. */
function everyProbe(
  targets: TargetList,
  ports: number[],
  answers: Map<string, ProbeObservation>,
): ProbeObservation[] {
  const out: ProbeObservation[] = [];
  for (let i = 0; i < targets.size; i++) {
    const target = targets.at(i);
    for (const port of new Set(ports)) {
      out.push(answers.get(`${target}:${port}`) ?? { target, port, answer: { kind: 'silent' } });
    }
  }
  return out;
}
