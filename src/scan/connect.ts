// The connect scan (-sT): full TCP handshakes through the kernel's sockets.
// It needs no privilege, so it is what rawscan offers when raw sockets are not
// allowed. States as nmap defines them: connected → open (syn-ack), refused →
// closed (conn-refused), timeout or ICMP unreachable → filtered.
import { connect } from 'node:net';
import type { PortResult, PortState, Reason } from './types.js';
import { ipToString } from '../targets/ipv4.js';

export interface ConnectTargets {
  size: number;
  at(i: number): number;
}

export interface ConnectOptions {
  /** connection attempts in flight at once */
  parallelism: number;
  /** ms before an attempt counts as unanswered */
  timeoutMs: number;
  /** extra attempts after a timeout (a refused or accepted connection is final) */
  maxRetries: number;
  signal?: AbortSignal;
}

export interface ConnectOutcome {
  target: number;
  result: PortResult;
}

type Attempt = { state: PortState; reason: Reason; rttMs: number; final: boolean };

const UNREACHABLE: Record<string, Reason> = {
  EHOSTUNREACH: 'host-unreach',
  ENETUNREACH: 'net-unreach',
  EACCES: 'admin-prohibited',
  EPERM: 'admin-prohibited',
};

function attempt(address: string, port: number, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (a: Omit<Attempt, 'rttMs'>) => {
      socket.destroy();
      resolve({ ...a, rttMs: performance.now() - started });
    };
    socket.setTimeout(timeoutMs, () => finish({ state: 'filtered', reason: 'no-response', final: false }));
    socket.once('connect', () => finish({ state: 'open', reason: 'syn-ack', final: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish({ state: 'closed', reason: 'conn-refused', final: true });
      else finish({ state: 'filtered', reason: UNREACHABLE[err.code ?? ''] ?? 'no-response', final: true });
    });
  });
}

/** Scans every (target, port) pair; calls onResult once per pair, in completion order. */
export async function connectScan(
  targets: ConnectTargets,
  ports: readonly number[],
  opts: ConnectOptions,
  onResult: (o: ConnectOutcome) => void,
): Promise<{ complete: boolean }> {
  const total = targets.size * ports.length;
  let next = 0;
  const worker = async () => {
    while (next < total && !opts.signal?.aborted) {
      const i = next++;
      const target = targets.at(Math.floor(i / ports.length));
      const port = ports[i % ports.length];
      let a = await attempt(ipToString(target), port, opts.timeoutMs);
      for (let tryNo = 1; !a.final && tryNo <= opts.maxRetries && !opts.signal?.aborted; tryNo++) {
        a = await attempt(ipToString(target), port, opts.timeoutMs);
      }
      onResult({
        target,
        result: {
          port,
          protocol: 'tcp',
          scan: 'connect',
          state: a.state,
          reason: a.reason,
          reasonTtl: 0,
          evidence: a.final ? { rttMs: Math.round(a.rttMs * 1000) / 1000 } : undefined,
        },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallelism, total) }, worker));
  return { complete: next >= total && !opts.signal?.aborted };
}
