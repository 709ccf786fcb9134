// A simulated network for audit tests: a function says what each (host, port)
// answers, and the fake scanner turns a probe plan into the ScanReport a real
// scan of that network would give.
import type { AuditScanner } from '../../src/audit/audit.js';
import { formatIPv4, parseHostBlock, type HostBlock } from '../../src/audit/ip.js';
import type { HostResult, PortResult, PortState, Reason, ScanReport } from '../../src/scan/types.js';

export type Reply = Pick<PortResult, 'state'> &
  Partial<Pick<PortResult, 'reason' | 'reasonTtl' | 'evidence'>>;
export type Network = (host: string, port: number) => Reply;

const REASON: Partial<Record<PortState, Reason>> = {
  open: 'syn-ack',
  closed: 'reset',
  filtered: 'no-response',
};

export interface FakeScanOptions {
  /** ACK-scan state of each port, when the audit also ran -sA */
  ack?: (host: string, port: number) => PortState;
  /** hosts the report leaves out */
  omitHosts?: readonly string[];
  incomplete?: boolean;
  /** called with every (host, port) probed, to count probes */
  onProbe?: (host: string, port: number) => void;
}

export function fakeScanner(network: Network, options: FakeScanOptions = {}): AuditScanner {
  return async (plan) => {
    const hosts = new Map<string, Map<string, PortResult>>();
    for (const group of plan.groups) {
      for (const host of group.hosts.flatMap((spec) => addresses(parseHostBlock(spec) as HostBlock))) {
        if (options.omitHosts?.includes(host)) continue;
        const ports = hosts.get(host) ?? new Map<string, PortResult>();
        hosts.set(host, ports);
        for (const port of group.ports) {
          options.onProbe?.(host, port);
          const reply = network(host, port);
          ports.set(`${port}/${plan.scan}`, {
            port,
            protocol: 'tcp',
            scan: plan.scan,
            state: reply.state,
            reason: reply.reason ?? REASON[reply.state] ?? 'no-response',
            reasonTtl: reply.reasonTtl ?? (reply.state === 'filtered' ? 0 : 64),
            ...(reply.evidence && { evidence: reply.evidence }),
          });
          const ack = options.ack?.(host, port);
          if (ack) {
            ports.set(`${port}/ack`, {
              port,
              protocol: 'tcp',
              scan: 'ack',
              state: ack,
              reason: ack === 'unfiltered' ? 'reset' : 'no-response',
              reasonTtl: 64,
            });
          }
        }
      }
    }
    return report(plan.scan, hosts, options.incomplete ?? false);
  };
}

function report(
  scan: 'syn' | 'connect',
  hosts: Map<string, Map<string, PortResult>>,
  incomplete: boolean,
): ScanReport {
  const hostResults: HostResult[] = [...hosts].map(([address, ports]) => ({
    address,
    ports: [...ports.values()].sort((a, b) => a.port - b.port || a.scan.localeCompare(b.scan)),
  }));
  return {
    scanner: 'rawscan',
    version: '0.1.0',
    args: 'rawscan audit test',
    scanTypes: [scan],
    ports: [...new Set(hostResults.flatMap((h) => h.ports.map((p) => p.port)))].sort((a, b) => a - b),
    startTime: Date.UTC(2025, 0, 2, 3, 4, 5),
    endTime: Date.UTC(2025, 0, 2, 3, 4, 17, 500),
    hosts: hostResults,
    stats: {
      probesSent: 0,
      retransmissions: 0,
      repliesAccepted: 0,
      repliesRejected: 0,
      pcapReceived: 0,
      pcapDropped: 0,
      sendErrors: 0,
      notes: [],
    },
    incomplete,
    verbose: 0,
  };
}

function addresses(block: HostBlock): string[] {
  return Array.from({ length: block.last - block.first + 1 }, (_, i) => formatIPv4(block.first + i));
}

/** The lab DMZ of test/fixtures/policies/dmz.yaml, answering exactly as its policy says. */
export const dmzAsIntended: Network = (host, port) => {
  if (host === '198.19.2.10') return { state: port === 5432 ? 'open' : 'filtered' };
  if ([22, 80, 443].includes(port)) return { state: 'open' };
  if (port === 8080) return { state: 'closed' };
  return { state: 'filtered' };
};
