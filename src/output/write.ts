// Writes a rendered document to a file or, for "-", to standard output,
// streaming the formatter's chunks with back-pressure so a huge report is never
// held as one string.

import { open } from 'node:fs/promises';
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
  let file: FileHandle;
  try {
    file = await open(path, 'w');
  } catch (err) {
    throw fileError(err, path, what);
  }
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
  return new UsageError(
    `cannot write ${what} to '${path}' (${why}): give a writable file in an existing directory, or '-' for standard output`,
  );
}
