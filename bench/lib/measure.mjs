// Measuring one process inside a lab namespace: wall time from spawn to exit
// (including `ip netns exec`, a few ms), peak RSS and CPU time. Peak RSS and
// CPU come from /usr/bin/time -f when it exists; otherwise VmHWM is polled
// from /proc/<pid>/status (ip netns exec execs the command in place, so the
// pid is the command's) and CPU time is not known.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
const HAS_TIME = existsSync(TIME);
const POLL_MS = 5;

/** How peak RSS is measured here, for the notes of the report. */
export const RSS_METHOD = HAS_TIME
  ? '/usr/bin/time -f %M (max resident set size of the process)'
  : 'VmHWM of /proc/<pid>/status, polled every 5 ms (a peak in the last 5 ms can be missed)';

/**
 * Runs argv in namespace ns (null: in this one) and measures it. Resolves with
 * { code, wallMs, peakRssKiB, cpuS (user + sys, or NaN), stdout, stderr, timedOut }.
 */
export function measure(ns, argv, { timeoutMs = 600_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-bench-time-'));
  const timeFile = join(dir, 'time');
  const wrapped = HAS_TIME ? [TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [file, ...args] = ns === null ? wrapped : ['ip', 'netns', 'exec', ns, ...wrapped];
    // A process group of its own, so that a timeout kills /usr/bin/time's child too.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let polledKiB = 0;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poller = HAS_TIME
      ? undefined
      : setInterval(() => (polledKiB = Math.max(polledKiB, vmHwm(child.pid))), POLL_MS);
    const killer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearTimeout(killer);
      clearInterval(poller);
      let peakRssKiB = polledKiB;
      let cpuS = NaN;
      if (HAS_TIME && existsSync(timeFile)) {
        // The last line: earlier ones may say "Command exited with non-zero status N".
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [rss, user, sys] = last.split(' ').map(Number);
        peakRssKiB = rss;
        cpuS = user + sys;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, wallMs, peakRssKiB, cpuS, stdout, stderr, timedOut });
    });
  });
}

function vmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

/** Median of numbers (NaN for none). */
export function median(values) {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
