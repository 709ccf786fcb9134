// The lab: network-namespace topologies that the demo, the tests and the
// benchmarks scan. Contract only; src/lab/index.ts implements it.
import type { PortState, ScanType } from '../scan/types.js';

/** What the target does with a probe to a port (its ground truth). */
export type PortBehaviour =
  | 'open' //        a listener accepts connections
  | 'closed' //      no listener: the kernel answers RST (the default)
  | 'drop' //        nftables drops the packet silently
  | 'reject-port' // nftables rejects with ICMP port-unreachable (3/3)
  | 'reject-admin' // ICMP admin-prohibited (3/13)
  | 'reject-host' // ICMP host-prohibited (3/10)
  | 'reset' //       nftables rejects with a TCP reset
  | 'stateful' //    a listener behind a stateful filter: only a SYN opens a connection, other new packets are dropped
  | 'drop-syn'; //   no listener, behind a stateless filter that drops SYNs (SYN without ACK) only

export interface LabOptions {
  /** lab name, 1-6 lowercase letters or digits; default generated from the pid and randomness (see names.ts) */
  name?: string;
  /** range the target namespace answers for through an AnyIP route */
  targetRange?: string; // default '198.19.0.0/16'
  /** behaviour per port; every other port is 'closed' */
  ports?: Record<number, PortBehaviour>;
  /** packets dropped at random, percent, in each direction (nftables numgen) */
  lossPercent?: number;
  /** keep the kernel's default ICMP rate limit in the target (default: off, so ICMP answers are deterministic) */
  icmpRateLimit?: boolean;
  /** keep the lab when this process exits (rawscan lab up); default: removed at exit at the latest */
  persist?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Lab {
  readonly name: string;
  readonly scannerNs: string;
  readonly targetNs: string;
  /** scanner's address and interface inside scannerNs */
  readonly scannerAddress: string; // 198.18.0.1
  readonly scannerInterface: string;
  /** first address of the target range (198.19.0.1) */
  readonly targetAddress: string;
  readonly targetRange: string;
  /** the configured behaviour of a port on every target address */
  truth(port: number): PortBehaviour;
  /** run a program inside the scanner namespace (execFile, never a shell) */
  execInScanner(
    file: string,
    args: string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  /** run a program inside the target namespace (execFile; `input` is written to its stdin) */
  execInTarget(
    file: string,
    args: string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  /** remove namespaces, listeners and rules; safe to call twice */
  destroy(): Promise<void>;
}

/** The state nmap (and rawscan) must report for a port with this behaviour. */
export function expectedState(scan: ScanType, b: PortBehaviour): PortState {
  const rejected = b === 'reject-port' || b === 'reject-admin' || b === 'reject-host';
  // What reaches the host's TCP stack: everything but SYNs under drop-syn, only SYNs under stateful.
  const reset = b === 'closed' || b === 'reset' || b === 'drop-syn';
  switch (scan) {
    case 'syn':
    case 'connect':
      return b === 'open' || b === 'stateful'
        ? 'open'
        : b === 'closed' || b === 'reset'
          ? 'closed'
          : 'filtered';
    case 'fin':
    case 'null':
    case 'xmas':
      // Linux answers RST to these on closed ports and ignores them on open ones.
      return reset ? 'closed' : rejected ? 'filtered' : 'open|filtered';
    case 'maimon':
      // FIN/ACK: Linux answers RST on open ports too (an ACK to a listener), as nmap reports.
      return reset || b === 'open' ? 'closed' : rejected ? 'filtered' : 'open|filtered';
    case 'ack':
      return b === 'open' || reset ? 'unfiltered' : 'filtered';
    case 'window':
      // Linux RSTs carry window 0: closed, even for open ports (as nmap reports).
      return b === 'open' || reset ? 'closed' : 'filtered';
    case 'custom':
      throw new Error('expectedState: custom scans depend on the flags; compute per case');
  }
}
