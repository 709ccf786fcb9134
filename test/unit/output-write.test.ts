import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { writeOutput, writeToDescriptor, writeToStream } from '../../src/output/write.js';

const dir = mkdtempSync(join(tmpdir(), 'rawscan-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function* lines(n: number): Iterable<string> {
  for (let i = 0; i < n; i++) yield `line ${i} ${'x'.repeat(40)}\n`;
}

describe('writeOutput', () => {
  test('streams chunks into a file, replacing what was there', async () => {
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old content that is longer than nothing\n'.repeat(10_000));
    await writeOutput(path, lines(5000));
    const text = readFileSync(path, 'utf8');
    expect(text).toBe([...lines(5000)].join(''));
  });

  test('a plain string works too, with multi-byte characters intact', async () => {
    const path = join(dir, 'utf8.txt');
    await writeOutput(path, 'é ✓ 198.18.0.254\n');
    expect(readFileSync(path, 'utf8')).toBe('é ✓ 198.18.0.254\n');
  });

  test('multi-byte characters across batches and chunks larger than a batch stay intact', async () => {
    const path = join(dir, 'batches.txt');
    const chunks = [...[...lines(20_000)].map((line) => `é ✓ 😀 ${line}`), 'ü'.repeat(1_000_000), '\n'];
    await writeOutput(path, chunks);
    expect(readFileSync(path, 'utf8')).toBe(chunks.join(''));
  });

  test.each([
    ['a missing directory', join(dir, 'no/such/dir/out.xml')],
    ['a directory', dir],
  ])('%s is a UsageError naming the output and the path', async (_, path) => {
    const err = await writeOutput(path, 'x', '-oX output').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`cannot write -oX output to '${path}'`);
    expect((err as Error).message).toContain("'-' for standard output");
  });

  test('a stream (stdout on a terminal) is written in batches', async () => {
    const written: string[] = [];
    const stream = fakeStream((bytes, cb) => {
      // The writer reuses its buffer once the write is done: read it now.
      written.push(Buffer.from(bytes).toString('utf8'));
      cb();
    });
    await writeToStream(stream, lines(50_000));
    expect(written.join('')).toBe([...lines(50_000)].join(''));
    expect(written.length).toBeGreaterThan(1);
    expect(written.length).toBeLessThan(10);
  });

  test('a stream that reports EPIPE ends the write quietly and stops writing', async () => {
    let calls = 0;
    const stream = fakeStream((_, cb) => {
      calls++;
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    });
    await expect(writeToStream(stream, lines(10_000))).resolves.toBeUndefined();
    expect(calls).toBe(1);
  });

  test('a descriptor (stdout on a pipe or file) gets every byte, in order', async () => {
    const path = join(dir, 'fd.txt');
    const fd = openSync(path, 'w');
    try {
      await writeToDescriptor(fd, lines(50_000));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe([...lines(50_000)].join(''));
  });
});

function fakeStream(write: (bytes: Uint8Array, cb: (err?: Error) => void) => void): NodeJS.WritableStream {
  const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
  stream.write = ((bytes: Uint8Array, cb: (err?: Error) => void) => {
    write(bytes, cb);
    return true;
  }) as NodeJS.WritableStream['write'];
  return stream;
}
