// Running programs and managing namespaces through iproute2. Every program is
// started with execFile (argument vectors, never a shell).
import { execFile, execFileSync } from 'node:child_process';
import type { ExecResult } from './types.js';

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface RunOptions {
  /** kill the program after this many ms (default: no limit) */
  timeoutMs?: number;
  /** written to the program's stdin, which is then closed */
  input?: string;
}

/** Runs a program to completion; a non-zero exit is a result, not an exception. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 0, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const code = typeof err.code === 'number' ? err.code : -1;
        const why = err.killed ? `killed after ${opts.timeoutMs} ms` : code === -1 ? err.message : '';
        resolve({ code, stdout, stderr: why ? `${stderr}${why}\n` : stderr });
      },
    );
    child.stdin?.on('error', () => {}); // the program may exit without reading its input
    child.stdin?.end(opts.input ?? '');
  });
}

/** Runs a program and throws with its stderr when it fails. */
export async function runChecked(file: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

export function execInNamespace(ns: string, file: string, args: string[], opts: RunOptions = {}) {
  return run('ip', ['netns', 'exec', ns, file, ...args], opts);
}

/** Names of all network namespaces known to iproute2 (/run/netns). */
export async function listNamespaces(): Promise<string[]> {
  return parseNamespaceList(await runChecked('ip', ['netns', 'list']));
}

function parseNamespaceList(out: string): string[] {
  return out
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((ns) => ns !== '');
}

/**
 * Removes a namespace: kills every process still inside it (the lab's
 * listener, a scan that timed out), then deletes it, which also deletes its
 * end of the veth pair and with it the pair. A namespace that is already gone
 * is not an error.
 */
export async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]);
  if (pids.code !== 0) return; // no such namespace
  killAll(pids.stdout);
  const del = await run('ip', ['netns', 'del', ns]);
  if (del.code !== 0 && (await listNamespaces()).includes(ns)) {
    throw new Error(`ip netns del ${ns} failed: ${del.stderr.trim()}`);
  }
}

/** removeNamespace for process-exit handlers, where nothing asynchronous runs any more. */
export function removeNamespaceSync(ns: string): void {
  try {
    killAll(
      execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // best effort: the namespace is gone already, or `rawscan lab down` will find it
  }
}

function killAll(pidList: string): void {
  for (const pid of pidList.split('\n').filter((p) => p !== '')) {
    if (Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
