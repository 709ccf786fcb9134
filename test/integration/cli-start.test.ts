// The built CLI's start-up (scripts/bundle-cli.mjs, scripts/cli-loader.cjs):
// the package's bin runs as a program, drops NODE_EXTRA_CA_CERTS through its
// #! line, runs the bundle from a code cache V8 accepts, reaches node's
// modules from inside the bundle (node:crypto and node:child_process only when
// called), and `node dist/cli/main.js` still runs the same CLI. Needs
// `npm run build`, no root.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers/rawscan.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the built CLI', () => {
  it('is the package bin, an executable file', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(join(REPO, pkg.bin.rawscan)).toBe(CLI);
    expect(() => accessSync(CLI, constants.X_OK)).not.toThrow();
  });

  it('runs as a program without loading NODE_EXTRA_CA_CERTS', async () => {
    // node warns on stderr when it cannot load the file; the #! line keeps it from trying.
    const extra = { NODE_EXTRA_CA_CERTS: '/nonexistent/rawscan-test-ca.pem' };
    const asProgram = await run(CLI, ['--version'], extra);
    expect(asProgram).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const throughNode = await run(process.execPath, [CLI, '--version'], extra);
    expect(throughNode.stderr).toContain('rawscan-test-ca.pem');
  });

  it('runs the bundle from a code cache that V8 accepts', async () => {
    const ran = await run(CLI, ['--version'], { RAWSCAN_CODE_CACHE: 'report' });
    expect(ran.stderr).toBe('rawscan: code cache accepted\n');
  });

  it('runs the bundle of a cache made from main.cjs as it is, and main.cjs without one', async () => {
    // A copy of the built CLI (main.cjs gets a new modification time), whose
    // cache is made there by a training run, then cut short or outdated.
    const root = mkdtempSync(join(tmpdir(), 'rawscan-cache-'));
    const cli = join(root, 'dist/cli');
    mkdirSync(cli, { recursive: true });
    copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
    for (const file of ['rawscan.cjs', 'main.cjs'])
      copyFileSync(join(REPO, 'dist/cli', file), join(cli, file));
    const loader = join(cli, 'rawscan.cjs');
    const version = (env: Record<string, string>) => run(process.execPath, [loader, '--version'], env);
    expect(await version({ RAWSCAN_CODE_CACHE: 'report' })).toMatchObject({
      stdout: `${VERSION}\n`,
      stderr: 'rawscan: code cache none\n',
    });
    expect((await version({ RAWSCAN_CODE_CACHE: 'write' })).stdout).toBe(`${VERSION}\n`);
    const cache = readFileSync(join(cli, 'main.cjs.cache'));
    const bundle = readFileSync(join(cli, 'main.cjs'));
    const head = cache.indexOf(10) + 1;
    // The header, then the bundle's bytes, then V8's data.
    expect(cache.toString('latin1', 0, head)).toMatch(
      new RegExp(`^rawscan-code-cache ${bundle.length} \\d+\n$`),
    );
    expect(cache.subarray(head, head + bundle.length).equals(bundle)).toBe(true);
    const verdict = async (bytes: Buffer) => {
      writeFileSync(join(cli, 'main.cjs.cache'), bytes);
      const ran = await version({ RAWSCAN_CODE_CACHE: 'report' });
      expect(ran.stdout).toBe(`${VERSION}\n`);
      return ran.stderr;
    };
    expect(await verdict(cache)).toBe('rawscan: code cache accepted\n');
    // Cut inside V8's data: offered, and V8 refuses it.
    expect(await verdict(cache.subarray(0, head + bundle.length + 64))).toBe(
      'rawscan: code cache rejected\n',
    );
    // Cut inside the copy of the bundle: not used.
    expect(await verdict(cache.subarray(0, head + bundle.length - 1))).toBe('rawscan: code cache none\n');
    // main.cjs changed since the cache was made (a rebuild, an edit): main.cjs runs, without the cache.
    // (The bundle is node's module wrapper function: the edit goes inside it.)
    const close = bundle.lastIndexOf('})');
    const edit = Buffer.from('process.stderr.write("edited\\n");\n');
    writeFileSync(
      join(cli, 'main.cjs'),
      Buffer.concat([bundle.subarray(0, close), edit, bundle.subarray(close)]),
    );
    expect(await verdict(cache)).toBe('rawscan: code cache none\nedited\n');
    writeFileSync(join(cli, 'main.cjs'), bundle); // same bytes, another modification time
    expect(await verdict(cache)).toBe('rawscan: code cache none\n');
  });

  it('resolves a host name (node:dns from inside the bundle): a connect scan of loopback', async () => {
    // Port 1 of loopback: nothing listens there, so the kernel refuses; no packet leaves the host.
    const ran = await run(CLI, ['-sT', '-n', '-p', '1', 'localhost']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(/^1\/tcp +closed /m);
  });

  it('takes the targets after -sT as targets, in the order nmap allows (-p 1 -sT TARGET)', async () => {
    // Port 1 of loopback: nothing listens there, so the kernel refuses; no packet leaves the host.
    const ran = await run(CLI, ['-n', '-p', '1', '-sT', '127.0.0.1']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(/^1\/tcp +closed /m);
  });

  it('keeps a target as typed, even one that reads as a number (0x7f000001, loopback)', async () => {
    // A number parser would make it 2130706433; the resolver reads the hex form as 127.0.0.1.
    const ran = await run(CLI, ['-sT', '-n', '-p', '1', '0x7f000001']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(/^rawscan scan report for 0x7f000001 \(127\.0\.0\.1\)$/m);
    expect(ran.stdout).toMatch(/^1\/tcp +closed /m);
  });

  it('loads node:crypto and node:child_process only when called (the lazy-builtins stand-ins)', async () => {
    // A preloaded script reports, as the process exits, which of the two node loaded.
    const hook = join(mkdtempSync(join(tmpdir(), 'rawscan-start-')), 'modules.cjs');
    writeFileSync(
      hook,
      "process.on('exit', () => process.stderr.write('loaded:' + process.moduleLoadList" +
        ".filter((m) => /^NativeModule (crypto|child_process|dns\\/promises)$/.test(m)).join(',') + '\\n'));",
    );
    const scan = await run(process.execPath, ['--require', hook, CLI, '-sT', '-n', '-p', '1', '127.0.0.1']);
    expect(scan.stdout).toMatch(/^1\/tcp +closed /m);
    expect(scan.stderr).toBe('loaded:\n');
    // Calls through the stand-ins: resume.test.ts (--resume hashes its journal) and lab-command.test.ts (ip, nft).
  });

  it('is an ASCII bundle (read as latin1) whose other characters still come out as UTF-8', async () => {
    const bundle = readFileSync(join(REPO, 'dist/cli/main.cjs'));
    expect(bundle.findIndex((byte) => byte > 0x7f)).toBe(-1);
    // diff's refusal of a JSON and an XML result says "same format — re-run".
    const dir = mkdtempSync(join(tmpdir(), 'rawscan-start-'));
    const [json, xml] = [join(dir, 'a.json'), join(dir, 'a.xml')];
    const scan = await run(CLI, ['-sT', '-n', '-p', '1', '127.0.0.1', '-oJ', json, '-oX', xml]);
    expect(scan.code).toBe(0);
    const diff = await run(CLI, ['diff', json, xml]);
    expect(diff.code).not.toBe(0);
    expect(diff.stderr).toContain('compare results of the same format \u2014 re-run');
  });

  // Standard output that is not a terminal is written straight to fd 1 (src/output/write.ts).
  // A connect scan of 2048 loopback addresses writes ~170 kB of grepable output: more than a
  // pipe holds, so a reader that closes early, or a slow one, meets the writer mid-report.
  const BIG = ['-sT', '-n', '-Pn', '-p', '1', '127.1.0.0/21', '-oG', '-'];

  it('ends quietly, status 0, when the reader of its output closes the pipe early', async () => {
    const child = spawn(CLI, BIG, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    await once(child.stdout, 'readable');
    child.stdout.destroy();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);

  it('writes its whole output to a non-blocking pipe whose reader is slow', async () => {
    // python3 makes the pipe, sets its write end O_NONBLOCK, and reads only after the scan (~0.7 s).
    const script = [
      'import os, subprocess, sys, time',
      'r, w = os.pipe()',
      'os.set_blocking(w, False)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(2)',
      'data = b"".join(iter(lambda: os.read(r, 65536), b""))',
      "print(p.wait(), len(data), data.count(b'Status: Up'))",
    ].join('\n');
    const ran = await run('python3', ['-c', script, CLI, ...BIG]);
    expect(ran.stderr).toBe('');
    const [code, bytes, up] = ran.stdout.trim().split(' ').map(Number);
    expect(code).toBe(0);
    expect(bytes).toBeGreaterThan(128 * 1024);
    expect(up).toBe(2048);
  }, 60_000);

  it('reads no package.json of the directory it was started in (a FIFO of that name would hang it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rawscan-cwd-'));
    execFileSync('mkfifo', [join(dir, 'package.json')]);
    const ran = await new Promise<Ran>((resolve) => {
      execFile(CLI, ['--version'], { cwd: dir, timeout: 10_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(ran).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('still runs as node dist/cli/main.js, with bad input reported in one line', async () => {
    const ran = await run(process.execPath, [join(REPO, 'dist/cli/main.js'), '-p', '70000', '198.18.0.1']);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    expect(ran.stderr).toMatch(/^rawscan: .*70000/);
  });
});
