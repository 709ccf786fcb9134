// Bad input from the acceptance sweep: one stderr line naming the input and
// the fix, a non-zero exit, no stack. Whole command lines run main.ts in
// process (each import runs it once); the rest call the function that checks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openScanResume } from '../../src/cli/resume.js';
import { portPlanOf } from '../../src/cli/lab-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { openOutputFile } from '../../src/output/write.js';
import { parsePortSpec } from '../../src/ports/spec.js';
import { loadTargets } from '../../src/targets/load.js';
import { lookupRoute } from '../../src/targets/route.js';
import type { ScanSettings } from '../../src/cli/scan-options.js';
import type { TargetSet } from '../../src/targets/target-set.js';

/** Runs `rawscan ...args` through main.ts; its exit status and stderr. */
async function rawscan(...args: string[]): Promise<{ code: number; stderr: string }> {
  vi.resetModules();
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const exited = new Promise<number>((resolve) => {
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => resolve(code)) as never);
  });
  const argv = process.argv;
  process.argv = [argv[0], 'rawscan', ...args];
  try {
    await import('../../src/cli/main.js');
    return { code: await exited, stderr };
  } finally {
    process.argv = argv;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('rawscan command lines with bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-bad-input-'));
  const policy = join(dir, 'p.yaml');
  writeFileSync(policy, 'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.1], open: [22] }\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      'an unknown dashed option, named once',
      ['--top-ports', '5', '198.18.0.1'],
      1,
      'rawscan: Unknown argument: top-ports; see rawscan --help\n',
    ],
    [
      'a subcommand error points at its own help',
      ['merge', '-o', 'm.json'],
      1,
      'rawscan: Not enough non-option arguments: got 0, need at least 1; see rawscan merge --help\n',
    ],
    [
      'firewalk without --gateway',
      ['firewalk', '-p', '80', '198.18.0.1'],
      1,
      'rawscan: Missing required argument: gateway; see rawscan firewalk --help\n',
    ],
    [
      'an invalid choice, on one line',
      ['lab', 'frobnicate'],
      1,
      'rawscan: Invalid values: Argument: action, Given: "frobnicate", Choices: "up", "down", "status"; ' +
        'see rawscan lab --help\n',
    ],
    [
      'audit --seed that is not a number',
      ['audit', policy, '--seed', 'abc'],
      2,
      'rawscan: --seed (not a number) is out of range: use 0 to 4294967295\n',
    ],
    [
      'a timeout that is not a duration',
      ['-sS', '--min-rtt-timeout', 'fast', '198.18.0.1'],
      1,
      'rawscan: --min-rtt-timeout fast is not a duration: give a positive number with a unit, e.g. 10s, 500ms, 2m (a bare number is seconds)\n',
    ],
    [
      'a least timeout above the most',
      ['-sS', '--min-rtt-timeout', '2s', '--max-rtt-timeout', '500ms', '198.18.0.1'],
      1,
      'rawscan: --min-rtt-timeout 2000ms / --max-rtt-timeout 500ms: both must be > 0 and min <= max\n',
    ],
    [
      'no probes in flight',
      ['-sS', '--max-parallelism', '0', '198.18.0.1'],
      1,
      'rawscan: --max-parallelism 0 is out of range: use 1 to 1048576 probes\n',
    ],
  ])('%s', async (_, args, code, stderr) => {
    expect(await rawscan(...args)).toEqual({ code, stderr });
  });
});

describe('options given without their value', () => {
  const settings = { scanTypes: ['syn'] } as unknown as ScanSettings;
  it.each([
    ['-p', () => parsePortSpec(''), '-p needs a port list; write e.g. -p 22,80,1000-2000'],
    [
      '-oX',
      () => openOutputFile('', '-oX output'),
      "-oX output needs a file name: give one after the option, or '-' for standard output",
    ],
    [
      '-iL',
      () => loadTargets({ specs: [], inputFile: '' }),
      '-iL needs a file name: give a file of target specs, or - for stdin',
    ],
    [
      '-e',
      () => lookupRoute('198.18.0.1', { device: '' }),
      '-e needs an interface name: give one that `ip link` lists',
    ],
    [
      '--resume',
      () => openScanResume('', settings, {} as TargetSet, [80], undefined, undefined),
      '--resume needs a file name: give the journal file to create or continue',
    ],
  ])('%s', async (_, run, message) => {
    await expect((async () => run())()).rejects.toThrow(new UsageError(message));
  });
});

describe('reading -iL and lab --random', () => {
  it('names the errno and the fix for an unreadable -iL file', async () => {
    await expect(loadTargets({ specs: [], inputFile: '/nonexistent/hosts.txt' })).rejects.toThrow(
      'cannot read -iL file /nonexistent/hosts.txt: ENOENT; give a readable file of target specs',
    );
  });

  it('says "not a number" for lab --random abc, not NaN', () => {
    expect(() => portPlanOf({ random: Number('abc') })).toThrow(
      '--random (not a number) is invalid: give a whole number of ports, e.g. --random 100',
    );
  });
});
