// Output files: created or truncated, never through another user's symbolic
// link (that case needs root to create the link: test/integration/privilege.test.ts),
// and opened before the scan so that the dropped user never needs the path.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeEarlyOutputs, openOutputFile, openOutputsEarly, writeOutput } from '../../src/output/write.js';

const dir = mkdtempSync(join(tmpdir(), 'rawscan-output-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openOutputFile', () => {
  it('creates a new file and truncates an existing one', async () => {
    const path = join(dir, 'plain.txt');
    await writeOutput(path, 'a long first version\n');
    await writeOutput(path, 'short\n');
    expect(readFileSync(path, 'utf8')).toBe('short\n');
  });

  it("follows the user's own symbolic link", async () => {
    const target = join(dir, 'real.xml');
    const link = join(dir, 'link.xml');
    symlinkSync(target, link);
    await writeOutput(link, '<nmaprun/>\n', '-oX output');
    expect(readFileSync(target, 'utf8')).toBe('<nmaprun/>\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('reports a full disk as a run-time failure (exit status 2) that names the output', async () => {
    const full = writeOutput('/dev/full', ['x'.repeat(100), 'y'], '-oX output');
    await expect(full).rejects.toThrow(/^disk full writing -oX output to '\/dev\/full' \(ENOSPC/);
    await expect(full).rejects.toMatchObject({ exitCode: 2 });
  });

  it('writes a report larger than one write batch (1 MiB) whole, in order', async () => {
    const path = join(dir, 'big.txt');
    const chunks = Array.from(
      { length: 3000 },
      (_, i) => `${String(i).padStart(6, '0')} ${'z'.repeat(993)}\n`,
    );
    await writeOutput(path, chunks);
    expect(readFileSync(path, 'utf8')).toBe(chunks.join(''));
  });

  it('reports a directory as the path like any unwritable file', async () => {
    mkdirSync(join(dir, 'sub'));
    await expect(openOutputFile(join(dir, 'sub'), '-oJ output')).rejects.toThrow(
      /cannot write -oJ output to '.*sub' \(EISDIR/,
    );
  });
});

describe('outputs opened early', () => {
  it('are written through the handle opened before the scan, wherever the path now leads', async () => {
    const path = join(dir, 'early.json');
    await openOutputsEarly([{ path, what: '-oJ output' }]);
    expect(readFileSync(path, 'utf8')).toBe('');
    renameSync(path, join(dir, 'moved.json'));
    await writeOutput(path, '{"hosts":[]}\n', '-oJ output');
    expect(readFileSync(join(dir, 'moved.json'), 'utf8')).toBe('{"hosts":[]}\n');
    expect(existsSync(path)).toBe(false);
  });

  it('fail before the scan on an unwritable path', async () => {
    await expect(
      openOutputsEarly([{ path: join(dir, 'no/such/dir.xml'), what: '-oX output' }]),
    ).rejects.toThrow(/cannot write -oX output to .*no\/such\/dir.xml.*ENOENT/);
  });

  it('are closed, and later writes open the path again, after a failed scan', async () => {
    const path = join(dir, 'failed.txt');
    await openOutputsEarly([
      { path, what: '-oN output' },
      { path: '-', what: 'stdout' },
    ]);
    await closeEarlyOutputs();
    writeFileSync(path, 'stale');
    await writeOutput(path, 'fresh\n');
    expect(readFileSync(path, 'utf8')).toBe('fresh\n');
  });
});
