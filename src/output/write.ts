// Writes a rendered document to a file or, for "-", to standard output,
// streaming the formatter's chunks with back-pressure so a huge report is never
// held as one string. Output files never follow a symbolic link that belongs
// to another user (who could point it at any file the scanner may write), and
// can be opened before the scan (openOutputsEarly), while rawscan still runs
// as the user who started it. Files are written with synchronous calls: the
// report is written after the scan, when nothing else waits for the event
// loop, and node's fs/promises and thread pool would cost a scan's start
// ~3 ms (the pool's threads are also more threads for the privilege drop).

import { closeSync, constants, fstatSync, lstatSync, openSync, writeSync, type Stats } from 'node:fs';
import { UsageError } from '../cli/errors.js';

/**
 * Chunks are encoded into one buffer of this many bytes, written when full:
 * a /16 scan's 20 MB of XML is then 20 writes, and no buffer per chunk.
 */
const BATCH_BYTES = 1024 * 1024;
/** UTF-8 bytes per UTF-16 code unit, at most (a surrogate pair: 4 bytes for 2 units) */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Writes content to path ("-" = stdout), replacing an existing file. `what`
 * names the output in error messages ("-oX output"). A file that cannot be
 * opened or written is the user's to fix: UsageError. A closed stdout pipe
 * (rawscan ... | head) ends the write quietly.
 */
export async function writeOutput(
  path: string,
  content: string | Iterable<string>,
  what = 'output',
): Promise<void> {
  const chunks = typeof content === 'string' ? [content] : content;
  if (path === '-') return writeStdout(chunks);
  const file = openedEarly.get(path) ?? (await openOutputFile(path, what));
  openedEarly.delete(path);
  try {
    await writeBatches(chunks, async (bytes) => writeAll(file, bytes));
  } catch (err) {
    throw fileError(err, path, what);
  } finally {
    closeSync(file);
  }
}

/** Files (descriptors) opened by openOutputsEarly, by path, until writeOutput writes them. */
const openedEarly = new Map<string, number>();

/**
 * Opens output files (not "-") before the scan, as nmap does: an unwritable
 * path fails before any probe is sent, and the user rawscan drops to never
 * needs write access to them. writeOutput writes through these handles.
 */
export async function openOutputsEarly(outputs: { path: string; what: string }[]): Promise<void> {
  for (const { path, what } of outputs) {
    if (path !== '-' && !openedEarly.has(path)) openedEarly.set(path, await openOutputFile(path, what));
  }
}

/** Closes early-opened files that were never written (the scan failed). */
export async function closeEarlyOutputs(): Promise<void> {
  const files = [...openedEarly.values()];
  openedEarly.clear();
  for (const file of files) closeSync(file);
}

/**
 * Opens path for writing, created (mode 0666 & ~umask) or truncated. A
 * symbolic link as last component is followed only when it belongs to the
 * effective user or to root; otherwise, and when a link appears between the
 * check and the open (O_NOFOLLOW), a UsageError.
 */
export async function openOutputFile(path: string, what = 'output'): Promise<number> {
  if (path === '') {
    throw new UsageError(`${what} needs a file name: give one after the option, or '-' for standard output`);
  }
  let link: Stats | undefined;
  try {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) link = stats;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(err, path, what);
  }
  const euid = process.geteuid?.() ?? 0;
  if (link !== undefined && link.uid !== euid && link.uid !== 0) {
    throw new UsageError(
      `refusing to write ${what} through '${path}': it is a symbolic link owned by another user ` +
        `(uid ${link.uid}), who could point it at any file; remove the link or write elsewhere`,
    );
  }
  const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;
  try {
    return openSync(path, O_WRONLY | O_CREAT | O_TRUNC | (link ? 0 : O_NOFOLLOW), 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && link === undefined) {
      throw new UsageError(
        `refusing to write ${what} to '${path}': it became a symbolic link while rawscan opened it`,
      );
    }
    throw fileError(err, path, what);
  }
}

/**
 * Writes every byte: write(2) may take only part of a buffer (a disk that
 * fills up takes what fits, and only the next write fails with ENOSPC).
 */
function writeAll(file: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) {
    const bytesWritten = writeSync(file, bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error('no byte written'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/**
 * Writes the chunks' UTF-8 through write, in batches of up to BATCH_BYTES.
 * write must be done with its bytes when its promise settles: the batch
 * buffer is reused.
 */
async function writeBatches(
  chunks: Iterable<string>,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const batch = Buffer.allocUnsafe(BATCH_BYTES);
  let used = 0;
  for (const chunk of chunks) {
    const most = chunk.length * MAX_UTF8_PER_UNIT;
    if (used + most > BATCH_BYTES && used > 0) {
      await write(batch.subarray(0, used));
      used = 0;
    }
    if (most > BATCH_BYTES) await write(Buffer.from(chunk, 'utf8'));
    else used += batch.write(chunk, used, 'utf8');
  }
  if (used > 0) await write(batch.subarray(0, used));
}

/**
 * Whether fd may be a terminal: a character device (a terminal, or /dev/null
 * and the like). Anything else is surely not one, and is then written without
 * process.stdout or process.stderr, whose first use loads node's stream, net
 * and tty modules (~6 ms of a scan's start).
 */
export function mayBeTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

async function writeStdout(chunks: Iterable<string>): Promise<void> {
  if (!mayBeTerminal(1)) {
    let readerGone = false;
    await writeBatches(chunks, async (bytes) => {
      readerGone ||= writeToFd(1, bytes) === 'reader gone';
    });
    return;
  }
  let readerGone = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') readerGone = true;
  };
  process.stdout.on('error', onError);
  try {
    await writeBatches(chunks, (bytes) =>
      readerGone
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            process.stdout.write(bytes, (err) => {
              if ((err as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE') readerGone = true;
              if (err && !readerGone) reject(err);
              else resolve();
            });
          }),
    );
  } finally {
    process.stdout.off('error', onError);
  }
}

/**
 * Writes every byte to fd, a pipe or file: 'reader gone' when a pipe's
 * reader has closed it (EPIPE; rawscan ... | head), quietly. A descriptor
 * that another process set non-blocking (EAGAIN) is retried every
 * millisecond until it takes the bytes.
 */
function writeToFd(fd: number, bytes: Uint8Array): 'done' | 'reader gone' {
  for (let done = 0; done < bytes.length;) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return 'reader gone';
      if (code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
  return 'done';
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function fileError(err: unknown, path: string, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return err as Error;
  const why = (err as Error).message;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    // Exit status 2: a run-time failure, not bad input (src/cli/outputs.ts EXIT_RUNTIME_FAILURE).
    return new UsageError(
      `disk full writing ${what} to '${path}' (${why}): the file is incomplete; free space or write it elsewhere`,
      2,
    );
  }
  return new UsageError(
    `cannot write ${what} to '${path}' (${why}): give a writable file in an existing directory, or '-' for standard output`,
  );
}
