// build/Release/rawscan-release (native/engine/release_helper.cc): the
// capture's closing thread starts it with a pipe as fd 0 and the capture
// socket as fd 3. It must keep fd 3 open until end of file on fd 0 (the
// closing thread's own close comes first, so that the kernel's teardown runs
// in the helper), then let it go and exit 0, and it must not keep any other
// descriptor it inherited. Here fd 3 and fd 4 are socket pairs whose other
// ends the test holds: their end of file shows when the helper let go.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';

const HELPER = fileURLToPath(new URL('../../build/Release/rawscan-release', import.meta.url));

/** The process's name once it reads rawscan-release (at most 1 s after exec), else its last name. */
async function commOnceNamed(pid: number): Promise<string> {
  let comm = '';
  for (let i = 0; i < 100 && comm !== 'rawscan-release'; i++) {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    await new Promise((r) => setTimeout(r, 10));
  }
  return comm;
}

/** Resolves to the time at which the stream ended, or stays pending. */
const ended = (stream: Readable) => {
  stream.resume();
  return once(stream, 'end').then(() => Date.now());
};

describe('rawscan-release', () => {
  it('holds fd 3 until end of file on fd 0, then exits 0; other descriptors go at once', async () => {
    const child = spawn(HELPER, [], { stdio: ['pipe', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const fd3 = ended(child.stdio[3] as Readable);
    const fd4 = ended(child.stdio[4] as Readable);
    let fd3Done = false;
    void fd3.then(() => (fd3Done = true));

    await fd4; // closed at start, while the helper waits
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    expect(fd3Done).toBe(false);

    const eof = Date.now();
    child.stdin!.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await fd3).toBeGreaterThanOrEqual(eof);
  });

  it('is installed mode 0711, so that a user who may run it cannot read it', () => {
    expect(statSync(HELPER).mode & 0o777).toBe(0o711);
  });

  // As the user rawscan drops to: its /proc files then belong to root, as those of a process
  // that is not dumpable do (another process of that user could otherwise take its socket).
  it.runIf(process.getuid?.() === 0)('runs not dumpable as the dropped user (nobody)', async () => {
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', HELPER];
    const child = spawn('setpriv', asNobody, { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(child, 'spawn');
    expect(await commOnceNamed(child.pid!)).toBe('rawscan-release');
    expect(readFileSync(`/proc/${child.pid}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
    expect(statSync(`/proc/${child.pid}/fd`).uid).toBe(0);
    child.stdin!.end();
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('names itself rawscan-release, though run through /proc/self/fd/N (named N otherwise)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rawscan-release-'));
    try {
      symlinkSync(HELPER, join(dir, '22'));
      const child = spawn(join(dir, '22'), [], { stdio: ['pipe', 'ignore', 'ignore'] });
      await once(child, 'spawn');
      expect(await commOnceNamed(child.pid!)).toBe('rawscan-release');
      child.stdin!.end();
      expect((await once(child, 'exit'))[0]).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
