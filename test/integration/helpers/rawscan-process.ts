// The built CLI as a child process in a lab's scanner namespace, for tests that
// act on it while it runs (signals, kill -9, pulling the interface) or watch
// its memory. `ip netns exec` execs node, so the child's pid is rawscan's own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Lab } from '../../../src/lab/index.js';
import { CLI } from './rawscan.js';

/** How often the peak RSS is sampled, ms. */
const RSS_SAMPLE_MS = 100;

export interface ScanExit {
  /** exit status, or null when a signal ended it */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** highest VmHWM (peak resident set) seen in /proc/PID/status, KiB */
  peakRssKiB: number;
  /** the run was killed for running past timeoutMs */
  timedOut: boolean;
}

export interface ScanProcess {
  readonly pid: number;
  readonly exit: Promise<ScanExit>;
  kill(signal: NodeJS.Signals): void;
  /** resolves once stderr or stdout has matched (for acting mid-scan) */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnRawscan(lab: Lab, args: string[], timeoutMs = 180_000): ScanProcess {
  const child = spawn('ip', ['netns', 'exec', lab.scannerNs, process.execPath, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let peakRssKiB = 0;
  let timedOut = false;
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of watchers.splice(0)) {
      if (w.pattern.test(stderr) || w.pattern.test(stdout)) w.resolve();
      else watchers.push(w);
    }
  };
  child.stdout.setEncoding('utf8').on('data', (s: string) => ((stdout += s), check()));
  child.stderr.setEncoding('utf8').on('data', (s: string) => ((stderr += s), check()));
  const sample = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakRssKiB = Math.max(peakRssKiB, Number(m[1]));
    } catch {
      // exited between two samples
    }
  }, RSS_SAMPLE_MS);
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = new Promise<ScanExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(sample);
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, peakRssKiB, timedOut });
    });
  });
  return {
    pid: child.pid!,
    exit,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern, waitMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} within ${waitMs} ms: ${stderr}`)),
          waitMs,
        );
        watchers.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
      }),
  };
}

/** One line about how a run ended, for assertion messages. */
export function describeExit(e: ScanExit): string {
  return `exit ${e.code ?? e.signal}${e.timedOut ? ' (timed out)' : ''}, stderr: ${e.stderr.trim().slice(-2000)}`;
}
