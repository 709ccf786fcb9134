// Ctrl-C and SIGTERM during a scan, end to end: the first signal stops the
// scan and still writes every output, marked incomplete, with exit status
// 130; each port the outputs do report is right per the lab's truth. A second
// signal ends the process at once. Without a terminal and without
// --stats-every, stderr carries nothing but the interrupt notice.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectedState, randomPortPlan, type Lab } from '../../src/lab/index.js';
import { readResult } from '../../src/results/read.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { CLI, type JsonReport } from './helpers/rawscan.js';

const TARGET = '198.19.0.1';
const PLAN = randomPortPlan(Date.now() % 1_000_000, {
  open: 200,
  drop: 30,
  rejectPort: 60,
  rejectAdmin: 40,
  rejectHost: 30,
  reset: 40,
});
/** -p- at 2000 probes/s takes more than 30 s: every interrupt below comes long before the end. */
const LONG_SCAN = ['-sS', '-p-', '--max-rate', '2000', '-n', '-Pn', TARGET];
/** Time from the first streamed result to the signal, ms. */
const RUN_BEFORE_SIGNAL_MS = 1500;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A rawscan process in the lab's scanner namespace (`ip netns exec` execs it: the pid is rawscan's). */
class RunningScan {
  readonly exited: Promise<Exit>;
  stderr = '';
  private readonly child: ChildProcess;

  constructor(lab: Lab, args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', lab.scannerNs, process.execPath, CLI, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal, stderr: this.stderr })),
    );
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Resolves when test(stderr) holds, or rejects when the process ends first or after timeoutMs. */
  async until(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    while (!test()) {
      if (ended || Date.now() > deadline) throw new Error(`${what} never happened; stderr: ${this.stderr}`);
      await sleep(50);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portLines(ndjson: string): { port: number; state: string; type: string }[] {
  return ndjson
    .split('\n')
    .filter((l) => l.includes('"type":"port"'))
    .map((l) => JSON.parse(l) as { port: number; state: string; type: string });
}

describe.runIf(requireRoot())('interrupting a scan', () => {
  let lab: Lab;
  let dir: string;
  /** fd of the reading end of a FIFO, held open */
  let reader: number | undefined;
  const scans: RunningScan[] = [];

  beforeAll(async () => {
    lab = await createTestLab({ ports: PLAN });
  });

  afterEach(() => {
    scans.splice(0).forEach((s) => s.kill());
    if (reader !== undefined) closeSync(reader);
    reader = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  const start = (args: string[]): RunningScan => {
    const scan = new RunningScan(lab, args);
    scans.push(scan);
    return scan;
  };

  it('Ctrl-C writes every output, marked incomplete, each reported port right; exit 130', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rawscan-interrupt-'));
    const out = (name: string) => join(dir, name);
    const scan = start([
      ...LONG_SCAN,
      '-oJ',
      out('out.json'),
      '-oX',
      out('out.xml'),
      '-oN',
      out('out.nmap'),
      '--output-ndjson',
      out('out.ndjson'),
    ]);
    // The NDJSON stream shows results while the scan runs.
    await scan.until('a streamed port line', () => {
      const file = out('out.ndjson');
      return existsSync(file) && portLines(readFileSync(file, 'utf8')).length > 0;
    });
    await sleep(RUN_BEFORE_SIGNAL_MS);
    scan.signal('SIGINT');
    const exit = await scan.exited;

    expect(exit).toMatchObject({ code: 130, signal: null });
    // Not a terminal, no --stats-every: the notice is all there is on stderr.
    expect(exit.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^rawscan: SIGINT: stopping the scan and writing the results so far/),
    ]);

    const json = JSON.parse(readFileSync(out('out.json'), 'utf8')) as JsonReport;
    expect(json.incomplete).toBe(true);
    const ports = json.hosts[0].ports;
    expect(ports.length).toBeGreaterThan(0);
    expect(ports.length).toBeLessThan(65535);
    const wrong = ports.filter((p) => p.state !== expectedState('syn', lab.truth(p.port)));
    expect(wrong).toEqual([]);
    const jsonStates = new Map(ports.map((p) => [p.port, p.state]));

    execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', out('out.xml')]);
    const xml = readFileSync(out('out.xml'), 'utf8');
    expect(xml).toMatch(/<finished [^>]*exit="error"[^>]*errormsg="scan interrupted/);
    const fromXml = await readResult(out('out.xml'));
    expect(fromXml.report.incomplete).toBe(true);
    expect(new Map(fromXml.report.hosts[0].ports.map((p) => [p.port, p.state]))).toEqual(jsonStates);

    expect(readFileSync(out('out.nmap'), 'utf8')).toContain('WARNING: scan incomplete');

    const ndjson = readFileSync(out('out.ndjson'), 'utf8');
    const footer = JSON.parse(ndjson.trimEnd().split('\n').at(-1)!) as { type: string; incomplete: boolean };
    expect(footer).toMatchObject({ type: 'footer', incomplete: true });
    expect(new Map(portLines(ndjson).map((p) => [p.port, p.state]))).toEqual(jsonStates);
  });

  it('SIGTERM stops the scan the same way; --stats-every prints stats lines without a terminal', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rawscan-interrupt-'));
    const scan = start([...LONG_SCAN, '--stats-every', '200ms', '-oJ', join(dir, 'out.json')]);
    const statsLine =
      /^Stats: \d+:\d\d elapsed \|\s+\d+\.\d% \| [\d,]+ probes [\d.]+[kM]?\/s \| [\d,]+ repl(y|ies) \| [\d,]+ open \| ETA [\d:-]+$/;
    await scan.until('a stats line', () => scan.stderr.split('\n').some((l) => statsLine.test(l)));
    await sleep(RUN_BEFORE_SIGNAL_MS);
    scan.signal('SIGTERM');
    const exit = await scan.exited;

    expect(exit).toMatchObject({ code: 130, signal: null });
    const lines = exit.stderr.trim().split('\n');
    expect(lines.filter((l) => !statsLine.test(l))).toEqual([
      expect.stringMatching(/^rawscan: SIGTERM: stopping the scan/),
    ]);
    expect(lines.some((l) => l.includes('\r') || l.includes('\x1b'))).toBe(false);
    const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as JsonReport;
    expect(json.incomplete).toBe(true);
    const wrong = json.hosts[0].ports.filter((p) => p.state !== expectedState('syn', lab.truth(p.port)));
    expect(wrong).toEqual([]);
  });

  it('a second Ctrl-C ends the process at once, killed by SIGINT, even while it is writing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rawscan-interrupt-'));
    // A FIFO whose reader never reads: writing the JSON (well over the 64 KiB a pipe
    // holds) blocks, so the first Ctrl-C leaves the process stuck writing.
    const fifo = join(dir, 'stuck.json');
    execFileSync('mkfifo', [fifo]);
    reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const scan = start([...LONG_SCAN, '--stats-every', '200ms', '-oJ', fifo]);
    await scan.until('a stats line', () => scan.stderr.includes('Stats: '));
    await sleep(RUN_BEFORE_SIGNAL_MS);
    scan.signal('SIGINT');
    await scan.until('the first notice', () => scan.stderr.includes('SIGINT: stopping the scan'));
    await sleep(RUN_BEFORE_SIGNAL_MS);
    scan.signal('SIGINT');
    const exit = await scan.exited;
    expect(exit).toMatchObject({ code: null, signal: 'SIGINT' });
    expect(exit.stderr).toContain('rawscan: SIGINT again: quitting without writing results');
  });
});
