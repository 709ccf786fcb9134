// Runs the built CLI inside a lab's scanner namespace and reads its JSON
// output: what a user would type, checked against the lab's truth.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecResult, Lab } from '../../../src/lab/index.js';

/** The built CLI, the package's bin (run it with node, or as a program: its #! line runs node). */
export const CLI = fileURLToPath(new URL('../../../dist/cli/rawscan.cjs', import.meta.url));

export interface JsonReportPort {
  port: number;
  scan: string;
  state: string;
  reason: string;
  reasonTtl: number;
  evidence?: { responder?: string; ttl?: number; tryNo?: number; icmpType?: number; icmpCode?: number };
}

export interface JsonReport {
  incomplete: boolean;
  stats: { repliesRejected: number; probesSent: number; notes: string[] };
  hosts: { address: string; ports: JsonReportPort[] }[];
}

export interface ScanRun {
  exec: ExecResult;
  report: JsonReport;
  /** directory holding out.json (and any other output the args name there) */
  dir: string;
}

/** `rawscan ARGS -oJ dir/out.json` in the scanner namespace (of a lab or routed lab); `{dir}` in args is replaced by the temp dir. */
export async function rawscanInLab(
  lab: Pick<Lab, 'execInScanner'>,
  args: string[],
  timeoutMs = 120_000,
): Promise<ScanRun> {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-test-'));
  const full = [CLI, ...args.map((a) => a.replaceAll('{dir}', dir)), '-oJ', join(dir, 'out.json')];
  const exec = await lab.execInScanner(process.execPath, full, { timeoutMs });
  if (exec.code !== 0) {
    throw new Error(`rawscan ${args.join(' ')} exited ${exec.code}: ${exec.stderr}`);
  }
  return { exec, report: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as JsonReport, dir };
}

export function removeRun(run: ScanRun | undefined): void {
  if (run) rmSync(run.dir, { recursive: true, force: true });
}

/** Ports whose reported state differs from `expected(port)`; every port 1..last must be present. */
export function wrongPorts(
  ports: JsonReportPort[],
  expected: (port: number) => string,
  last = 65535,
): { port: number; got: string; want: string }[] {
  const byPort = new Map(ports.map((p) => [p.port, p.state]));
  const wrong: { port: number; got: string; want: string }[] = [];
  for (let port = 1; port <= last; port++) {
    const got = byPort.get(port) ?? 'missing';
    const want = expected(port);
    if (got !== want) wrong.push({ port, got, want });
  }
  return wrong;
}
