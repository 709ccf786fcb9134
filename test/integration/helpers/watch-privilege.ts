// Watches a running rawscan's privileges: its /proc/PID/status (the process's
// own /proc/self/status) and that of each of its threads, every 10 ms, from the
// moment the command has exec'd rawscan until it exits.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { heldCapabilities, parseStatus, type Credentials } from '../../../src/cli/privilege.js';
import { CLI } from './rawscan.js';

export const NOBODY = 65534;
/** drop_signal() in native/binding/privilege.cc: SIGRTMIN (34) + 3 */
const DROP_SIGNAL = 37;

export interface Snapshot {
  main: Credentials;
  threads: { tid: string; credentials: Credentials; blocksDropSignal: boolean }[];
}

/** Status of the process and each of its threads, or undefined once it is gone. */
function snapshot(pid: number): Snapshot | undefined {
  try {
    const main = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const threads = readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        const blocked = BigInt(`0x${/SigBlk:\s*([0-9a-f]+)/.exec(text)![1]}`);
        const blocksDropSignal = ((blocked >> BigInt(DROP_SIGNAL - 1)) & 1n) === 1n;
        return [{ tid, credentials: parseStatus(text), blocksDropSignal }];
      } catch {
        return []; // the thread ended between readdir and read
      }
    });
    return { main, threads };
  } catch {
    return undefined;
  }
}

function isRawscan(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === CLI;
  } catch {
    return false;
  }
}

export interface WatchedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  snapshots: Snapshot[];
}

/** Runs a command (one that execs rawscan in place) and snapshots its /proc status every 10 ms until it exits. */
export function watch(file: string, args: string[]): Promise<WatchedRun> {
  return new Promise<WatchedRun>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const snapshots: Snapshot[] = [];
    const timer = setInterval(() => {
      if (!isRawscan(child.pid!)) return; // ip / setpriv has not exec'd rawscan yet
      const taken = snapshot(child.pid!);
      if (taken) snapshots.push(taken);
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, snapshots });
    });
  });
}

/**
 * The snapshots from the first one where `done` holds (the drop has finished
 * in every thread; one taken while it ran may show it half done). `done` must
 * then hold to the end, and the run must have lasted long enough to watch it.
 */
export function afterDrop(snapshots: Snapshot[], done: (s: Snapshot) => boolean): Snapshot[] {
  const first = snapshots.findIndex(done);
  expect(first).toBeGreaterThanOrEqual(0);
  const after = snapshots.slice(first);
  expect(after.filter((s) => !done(s))).toEqual([]);
  expect(after.length).toBeGreaterThan(10);
  return after;
}

/** Started as root, once dropped: nobody in every thread, without capabilities, no_new_privs set. */
export function expectDroppedToNobody({ main, threads }: Snapshot): void {
  expect(main).toMatchObject({
    uids: [NOBODY, NOBODY, NOBODY, NOBODY],
    gids: [NOBODY, NOBODY, NOBODY, NOBODY],
    groups: [],
    capPrm: 0n,
    capEff: 0n,
    capInh: 0n,
    capAmb: 0n,
    noNewPrivs: true,
  });
  // setuid reaches every thread (glibc), and the kernel empties each one's sets.
  for (const t of threads) {
    expect([t.tid, t.credentials.uids, heldCapabilities(t.credentials)]).toEqual([t.tid, main.uids, 0n]);
  }
}

/**
 * Once a capability drop has finished: no_new_privs is set and every thread
 * that takes signals holds no capability. (Early in Node's start-up every
 * thread may block signals, so the threads alone can look dropped.)
 */
export function capabilitiesCleared(s: Snapshot): boolean {
  return (
    s.main.noNewPrivs && s.threads.every((t) => heldCapabilities(t.credentials) === 0n || t.blocksDropSignal)
  );
}
