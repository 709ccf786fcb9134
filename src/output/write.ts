// Writes a rendered document to a file or, for "-", to standard output,
// streaming the formatter's chunks with back-pressure so a huge report is never
// held as one string. Output files never follow a symbolic link that belongs
// to another user (who could point it at any file the scanner may write), and
// can be opened before the scan (openOutputsEarly), while rawscan still runs
// as the user who started it.

import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { UsageError } from '../cli/errors.js';

/** Chunks are gathered up to this many UTF-16 code units before each write. */
const BATCH_CHARS = 64 * 1024;

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
    await writeBatches(chunks, async (text) => {
      await file.write(text, null, 'utf8');
    });
  } catch (err) {
    throw fileError(err, path, what);
  } finally {
    await file.close();
  }
}

/** Files opened by openOutputsEarly, by path, until writeOutput writes them. */
const openedEarly = new Map<string, FileHandle>();

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
  await Promise.all(files.map((file) => file.close()));
}

/**
 * Opens path for writing, created (mode 0666 & ~umask) or truncated. A
 * symbolic link as last component is followed only when it belongs to the
 * effective user or to root; otherwise, and when a link appears between the
 * check and the open (O_NOFOLLOW), a UsageError.
 */
export async function openOutputFile(path: string, what = 'output'): Promise<FileHandle> {
  if (path === '') {
    throw new UsageError(`${what} needs a file name: give one after the option, or '-' for standard output`);
  }
  let link: Stats | undefined;
  try {
    const stats = await lstat(path);
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
    return await open(path, O_WRONLY | O_CREAT | O_TRUNC | (link ? 0 : O_NOFOLLOW), 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && link === undefined) {
      throw new UsageError(
        `refusing to write ${what} to '${path}': it became a symbolic link while rawscan opened it`,
      );
    }
    throw fileError(err, path, what);
  }
}

async function writeBatches(chunks: Iterable<string>, write: (text: string) => Promise<void>): Promise<void> {
  let batch = '';
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length >= BATCH_CHARS) {
      await write(batch);
      batch = '';
    }
  }
  if (batch.length > 0) await write(batch);
}

async function writeStdout(chunks: Iterable<string>): Promise<void> {
  let readerGone = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') readerGone = true;
  };
  process.stdout.on('error', onError);
  try {
    await writeBatches(chunks, (text) =>
      readerGone
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            process.stdout.write(text, (err) => {
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
