// Writes a rendered document to a file or, for "-", to standard output,
// streaming the formatter's chunks with back-pressure so a huge report is never
// held as one string. Output files never follow a symbolic link that belongs
// to another user (who could point it at any file the scanner may write), and
// can be opened before the scan (openOutputsEarly), while rawscan still runs
// as the user who started it. Files are opened with synchronous calls (node's
// fs/promises and thread pool would cost a scan's start ~3 ms, and the pool's
// threads are more threads for the privilege drop to change); a regular file
// is written synchronously too, after the scan, but a pipe, FIFO or socket
// through the thread pool: a reader that stalls must not stop the event loop,
// which handles a second Ctrl-C.

import { closeSync, constants, fstatSync, lstatSync, openSync, write, writeSync, type Stats } from 'node:fs';
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
  if (path === '-') return standardOutput.write(chunks);
  const file = openedEarly.get(path) ?? (await openOutputFile(path, what));
  openedEarly.delete(path);
  try {
    const regular = isRegularFile(file);
    await writeBatches(chunks, (bytes) => writeAll(file, bytes, regular));
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
 * fills up takes what fits, and only the next write fails with ENOSPC). A
 * regular file (sync) is written on this thread, anything else through the
 * thread pool; a descriptor that another process made non-blocking (EAGAIN)
 * is retried every millisecond.
 */
async function writeAll(fd: number, bytes: Uint8Array, sync: boolean): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    let bytesWritten: number;
    try {
      bytesWritten = sync
        ? writeSync(fd, bytes, done, bytes.length - done)
        : await new Promise<number>((resolve, reject) =>
            write(fd, bytes, done, bytes.length - done, null, (err, n) => (err ? reject(err) : resolve(n))),
          );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    if (bytesWritten <= 0) throw Object.assign(new Error('no byte written'), { code: 'EIO' });
    done += bytesWritten;
  }
}

function isRegularFile(fd: number): boolean {
  return statsOf(fd)?.isFile() === true;
}

/** fd's stats, or undefined when fd is not open */
function statsOf(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
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
  return statsOf(fd)?.isCharacterDevice() === true;
}

/** Where writeOutput's "-" goes: the process's standard output (a test may swap write). */
export const standardOutput = {
  write(chunks: Iterable<string>): Promise<void> {
    return mayBeTerminal(1) ? writeToStream(process.stdout, chunks) : writeToDescriptor(1, chunks);
  },
};

/**
 * Standard output on a terminal: through process.stdout. A stream that
 * reports EPIPE ends the output quietly.
 */
export async function writeToStream(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let readerGone = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') readerGone = true;
  };
  stream.on('error', onError);
  try {
    await writeBatches(chunks, (bytes) =>
      readerGone
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            stream.write(bytes, (err) => {
              if ((err as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE') readerGone = true;
              if (err && !readerGone) reject(err);
              else resolve();
            });
          }),
    );
  } finally {
    stream.off('error', onError);
  }
}

/**
 * Standard output that is not a terminal (a pipe or file): written to the
 * descriptor as writeAll does. A pipe whose reader has gone (EPIPE: rawscan
 * ... | head) ends the output quietly.
 */
export async function writeToDescriptor(fd: number, chunks: Iterable<string>): Promise<void> {
  let readerGone = false;
  const regular = isRegularFile(fd);
  await writeBatches(chunks, async (bytes) => {
    if (readerGone) return;
    try {
      await writeAll(fd, bytes, regular);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      readerGone = true;
    }
  });
}

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
