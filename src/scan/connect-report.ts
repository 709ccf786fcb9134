// Runs a connect scan and assembles its ScanReport, the same shape a raw scan
// produces, so every formatter serves both.
import { connectScan } from './connect.js';
import { emptyStats, type HostResult, type PortResult, type ScanReport, type TargetList } from './types.js';
import { ipToString } from '../targets/ipv4.js';

export interface ConnectReportOptions {
  /** -T level: sets the per-attempt timeout and parallelism */
  timing: number;
  maxRetries?: number;
  signal?: AbortSignal;
  commandLine: string;
  version: string;
  verbose: number;
}

// Per -T level: ms before an attempt counts as unanswered, and attempts in flight.
const CONNECT_TIMING: [timeoutMs: number, parallelism: number, retries: number][] = [
  [5000, 1, 10],
  [5000, 8, 10],
  [3000, 64, 10],
  [1500, 256, 2],
  [800, 512, 2],
  [400, 1024, 1],
];

export async function runConnectScan(
  targets: TargetList,
  ports: number[],
  o: ConnectReportOptions,
): Promise<ScanReport> {
  const [timeoutMs, parallelism, retries] = CONNECT_TIMING[o.timing];
  const startTime = Date.now();
  const byHost = new Map<number, PortResult[]>();
  const { complete } = await connectScan(
    targets,
    ports,
    { timeoutMs, parallelism, maxRetries: o.maxRetries ?? retries, signal: o.signal },
    ({ target, result }) => {
      let list = byHost.get(target);
      if (!list) byHost.set(target, (list = []));
      list.push(result);
    },
  );
  const hosts: HostResult[] = [...byHost.keys()]
    .sort((a, b) => a - b)
    .map((addr) => ({
      address: ipToString(addr),
      hostname: targets.hostnames?.get(addr),
      ports: byHost.get(addr)!.sort((a, b) => a.port - b.port),
    }));
  return {
    scanner: 'rawscan',
    version: o.version,
    args: o.commandLine,
    scanTypes: ['connect'],
    ports: [...ports].sort((a, b) => a - b),
    startTime,
    endTime: Date.now(),
    hosts,
    stats: emptyStats(complete ? [] : ['scan interrupted: results so far']),
    incomplete: !complete,
    verbose: o.verbose,
  };
}
