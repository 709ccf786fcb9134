// Firewalking (Goldsmith & Schiffman, 1998): which TCP ports does a gateway's
// filter let through? First the gateway's hop count h is found by probes with
// rising TTL towards the first target, until the gateway itself answers (its
// ICMP time-exceeded, normally). Then every target port is probed with TTL h+1,
// which expires one hop beyond the gateway — if the gateway forwards it:
//
//   ICMP time-exceeded from beyond the gateway         → allowed (the classic evidence)
//   ICMP unreachable from beyond the gateway            → allowed (forwarded; a later hop refused it)
//   SYN-ACK / RST from the target                       → allowed: the target is exactly at hop h+1
//   RST from the target whose TTL puts it at hop ≤ h    → blocked: the gateway forged it (reject with tcp reset)
//   ICMP unreachable/prohibited from the gateway        → blocked
//   silence                                             → blocked (dropped)
//   time-exceeded from the gateway, or any answer from
//   a hop before it                                     → unknown (the path or hop count changed)
//
// The probing itself is behind Prober (firewalk-prober.ts drives the engine),
// so that this module is pure decisions and can be tested with a fake network.
import { UsageError } from '../cli/errors.js';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';
import type { Reason, TargetList } from '../scan/types.js';

/** What came back for one probe, as the prober saw it. Addresses are host-order u32. */
export type ProbeAnswer =
  | { kind: 'time-exceeded'; responder: number; ttl: number; icmpCode: number }
  | {
      kind: 'unreachable';
      responder: number;
      ttl: number;
      icmpType: number;
      icmpCode: number;
      reason: Reason;
    }
  | { kind: 'tcp'; responder: number; ttl: number; reason: 'syn-ack' | 'reset' }
  | { kind: 'silent' };

export interface ProbeObservation {
  target: number;
  port: number;
  answer: ProbeAnswer;
}

/** Sends one SYN with IP TTL `ttl` to every target × port; resolves with one observation each. */
export type Prober = (ttl: number, targets: TargetList, ports: number[]) => Promise<ProbeObservation[]>;

export type FirewalkVerdict = 'allowed' | 'blocked' | 'unknown';

/** Why a port got its verdict (see the table at the top of this file). */
export type FirewalkBasis =
  | 'expired-beyond-gateway'
  | 'unreachable-beyond-gateway'
  | 'target-answered'
  | 'reset-by-gateway'
  | 'rejected-by-gateway'
  | 'no-response'
  | 'expired-at-gateway'
  | 'answered-before-gateway';

export const BASIS_VERDICT: Record<FirewalkBasis, FirewalkVerdict> = {
  'expired-beyond-gateway': 'allowed',
  'unreachable-beyond-gateway': 'allowed',
  'target-answered': 'allowed',
  'reset-by-gateway': 'blocked',
  'rejected-by-gateway': 'blocked',
  'no-response': 'blocked',
  'expired-at-gateway': 'unknown',
  'answered-before-gateway': 'unknown',
};

export interface FirewalkEvidence {
  reply: 'time-exceeded' | 'icmp-unreachable' | 'syn-ack' | 'reset' | 'none';
  /** dotted quad of whoever answered */
  responder?: string;
  /** IP TTL of the answer as received */
  ttl?: number;
  icmpType?: number;
  icmpCode?: number;
  /** the scan reason of an ICMP unreachable (admin-prohibited, port-unreach, ...) */
  reason?: Reason;
  /** hop of a TCP answer's sender, estimated from its TTL (initial TTL 64, 128 or 255) */
  hop?: number;
}

export interface FirewalkResult {
  target: string;
  port: number;
  verdict: FirewalkVerdict;
  basis: FirewalkBasis;
  evidence: FirewalkEvidence;
}

/** One TTL of the hop discovery: who answered probes that carried it. */
export interface PathHop {
  ttl: number;
  /** dotted quads; empty when every probe went unanswered */
  responders: string[];
}

export interface FirewalkReport {
  gateway: string;
  /** hop count of the gateway: its time-exceeded answers TTL gatewayHop */
  gatewayHop: number;
  /** TTL of the port probes: gatewayHop + 1 */
  probeTtl: number;
  /** hop discovery towards the first target, TTL 1 .. gatewayHop */
  path: PathHop[];
  /** by target, then port */
  results: FirewalkResult[];
  /** ms since the epoch */
  startTime: number;
  endTime: number;
}

export interface FirewalkOptions {
  /** host-order u32 */
  gateway: number;
  targets: TargetList;
  ports: number[];
  /** highest TTL the hop discovery tries */
  maxHops: number;
}

/** Hop discovery gives up after this many TTLs in a row without any answer. */
export const SILENT_HOPS_LIMIT = 3;
/** Ports of the first target that the hop discovery probes at each TTL. */
export const DISCOVERY_PORTS = 3;

export async function firewalk(opts: FirewalkOptions, probe: Prober): Promise<FirewalkReport> {
  const startTime = Date.now();
  const ports = [...new Set(opts.ports)].sort((a, b) => a - b);
  if (opts.targets.size === 0 || ports.length === 0) throw new Error('firewalk: no targets or no ports');
  for (let i = 0; i < opts.targets.size; i++) {
    if (opts.targets.at(i) === opts.gateway) {
      throw new UsageError(
        `firewalk target ${ipToString(opts.gateway)} is the gateway itself: give targets behind the gateway`,
      );
    }
  }
  const { hop, path } = await findGateway(opts, ports.slice(0, DISCOVERY_PORTS), probe);
  if (hop >= 255) {
    throw new UsageError(
      `gateway ${ipToString(opts.gateway)} is 255 hops away: no TTL can expire beyond it, so firewalking cannot work`,
    );
  }
  const observations = await probe(hop + 1, opts.targets, ports);
  const before = new Set(path.slice(0, hop - 1).flatMap((h) => h.responders));
  const context: JudgeContext = { gateway: opts.gateway, gatewayHop: hop, beforeGateway: before };
  const results = observations
    .map((o) => judgePort(o, context))
    .sort((a, b) => compareAddresses(a.target, b.target) || a.port - b.port);
  return {
    gateway: ipToString(opts.gateway),
    gatewayHop: hop,
    probeTtl: hop + 1,
    path,
    results,
    startTime,
    endTime: Date.now(),
  };
}

/** What one TTL of the hop discovery showed. */
export type HopStep = 'gateway' | 'target' | 'ended' | 'silent' | 'continue';

/**
 * The gateway answered (any answer from it: time-exceeded, or a reject of a
 * firewall that filters before it checks the TTL); or the target answered
 * first (the gateway is not on the path); or every probe was stopped by a
 * hop before the gateway; or nothing answered; or only routers before it.
 */
export function judgeHop(observations: ProbeObservation[], gateway: number, target: number): HopStep {
  const answers = observations.map((o) => o.answer).filter((a) => a.kind !== 'silent');
  if (answers.some((a) => a.responder === gateway)) return 'gateway';
  if (answers.some((a) => a.kind !== 'time-exceeded' && a.responder === target)) return 'target';
  if (answers.length === 0) return 'silent';
  return answers.length === observations.length && answers.every((a) => a.kind === 'unreachable')
    ? 'ended'
    : 'continue';
}

async function findGateway(
  opts: FirewalkOptions,
  ports: number[],
  probe: Prober,
): Promise<{ hop: number; path: PathHop[] }> {
  const target = opts.targets.at(0);
  const first: TargetList = { size: 1, at: () => target };
  const path: PathHop[] = [];
  let silentRun = 0;
  for (let ttl = 1; ttl <= opts.maxHops; ttl++) {
    const observations = await probe(ttl, first, ports);
    const step = judgeHop(observations, opts.gateway, target);
    path.push({ ttl, responders: respondersOf(observations) });
    if (step === 'gateway') return { hop: ttl, path };
    silentRun = step === 'silent' ? silentRun + 1 : 0;
    if (step === 'target' || step === 'ended' || silentRun === SILENT_HOPS_LIMIT) break;
  }
  throw new UsageError(
    `gateway ${ipToString(opts.gateway)} is not on the path to ${ipToString(target)} ` +
      `(path seen: ${describePath(path, target)}): give the address of a router the probes pass, as the path shows it`,
  );
}

function respondersOf(observations: ProbeObservation[]): string[] {
  const seen = new Set<number>();
  for (const { answer } of observations) if (answer.kind !== 'silent') seen.add(answer.responder);
  return [...seen].map(ipToString);
}

/** "1 198.18.1.2, 2 198.18.2.10 (target), 3 *" */
export function describePath(path: PathHop[], target: number): string {
  if (path.length === 0) return 'none';
  const targetText = ipToString(target);
  return path
    .map((h) => {
      const who = h.responders.map((r) => (r === targetText ? `${r} (target)` : r)).join(' ');
      return `${h.ttl} ${who || '*'}`;
    })
    .join(', ');
}

export interface JudgeContext {
  gateway: number;
  gatewayHop: number;
  /** dotted quads of the routers the hop discovery saw before the gateway */
  beforeGateway: ReadonlySet<string>;
}

/** The verdict of one port probed with TTL gatewayHop + 1. */
export function judgePort(o: ProbeObservation, ctx: JudgeContext): FirewalkResult {
  const { basis, evidence } = judgeAnswer(o.answer, ctx);
  return { target: ipToString(o.target), port: o.port, verdict: BASIS_VERDICT[basis], basis, evidence };
}

function judgeAnswer(
  a: ProbeAnswer,
  ctx: JudgeContext,
): { basis: FirewalkBasis; evidence: FirewalkEvidence } {
  if (a.kind === 'silent') return { basis: 'no-response', evidence: { reply: 'none' } };
  const responder = ipToString(a.responder);
  const fromGateway = a.responder === ctx.gateway;
  const beforeGateway = ctx.beforeGateway.has(responder);
  switch (a.kind) {
    case 'time-exceeded':
      return {
        basis: fromGateway
          ? 'expired-at-gateway'
          : beforeGateway
            ? 'answered-before-gateway'
            : 'expired-beyond-gateway',
        evidence: { reply: 'time-exceeded', responder, ttl: a.ttl, icmpType: 11, icmpCode: a.icmpCode },
      };
    case 'unreachable':
      return {
        basis: fromGateway
          ? 'rejected-by-gateway'
          : beforeGateway
            ? 'answered-before-gateway'
            : 'unreachable-beyond-gateway',
        evidence: {
          reply: 'icmp-unreachable',
          responder,
          ttl: a.ttl,
          icmpType: a.icmpType,
          icmpCode: a.icmpCode,
          reason: a.reason,
        },
      };
    case 'tcp': {
      const hop = senderHop(a.ttl);
      const forged = a.reason === 'reset' && hop <= ctx.gatewayHop;
      return {
        basis: forged ? 'reset-by-gateway' : 'target-answered',
        evidence: { reply: a.reason, responder, ttl: a.ttl, hop },
      };
    }
  }
}

/**
 * The hop of a packet's sender, from the TTL it arrived with: the sender is
 * assumed to start at the next common initial TTL (64, 128 or 255), and every
 * router between decrements it once. A neighbour (hop 1) arrives undecremented.
 */
export function senderHop(receivedTtl: number): number {
  const initial = [64, 128, 255].find((t) => t >= receivedTtl) ?? 255;
  return initial - receivedTtl + 1;
}

function compareAddresses(a: string, b: string): number {
  return parseIpv4(a)! - parseIpv4(b)!;
}
