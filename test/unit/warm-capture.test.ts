// guessCapture (src/cli/warm-capture.ts): the capture a scan's arguments
// will open, guessed before yargs parses them. A guess must match what the
// scan then asks for (or the warm-up is wasted), and must decline what it
// cannot know cheaply.
import { describe, expect, it } from 'vitest';
import { rewriteNmapArgv } from '../../src/cli/nmap-argv.js';
import { guessCapture } from '../../src/cli/warm-capture.js';
import { defaultPorts } from '../../src/ports/spec.js';

const guess = (...args: string[]) => guessCapture(rewriteNmapArgv(args));

describe('guessCapture', () => {
  it.each<[string[], { firstTarget: string; device?: string; probes: number }]>([
    [['-sS', '-p', '23', '198.19.0.1'], { firstTarget: '198.19.0.1', probes: 1 }],
    [['-sS', '-n', '-Pn', '-p', '22,80,443', '198.19.0.0/30'], { firstTarget: '198.19.0.0', probes: 12 }],
    [['-p-', '198.19.0.7'], { firstTarget: '198.19.0.7', probes: 65535 }],
    [['-sF', '-sN', '-p', '1-10', '198.19.0.1'], { firstTarget: '198.19.0.1', probes: 20 }],
    [['-p', '1-10', '-sF', '198.19.0.1', '-sN'], { firstTarget: '198.19.0.1', probes: 20 }],
    [['-sF', '-sF', '-p', '1-10', '198.19.0.1'], { firstTarget: '198.19.0.1', probes: 10 }],
    // --scanflags makes one custom kind of any -s types given
    [
      ['-sF', '-sN', '--scanflags', 'SYNFIN', '-p', '1', '198.19.0.1'],
      { firstTarget: '198.19.0.1', probes: 1 },
    ],
    [['-e', 'veth9', '-p', '1', '198.19.0.1'], { firstTarget: '198.19.0.1', device: 'veth9', probes: 1 }],
    [['-p', '1', '-eveth9', '198.19.0.1'], { firstTarget: '198.19.0.1', device: 'veth9', probes: 1 }],
  ])('%j', async (args, expected) => {
    expect(await guess(...args)).toEqual(expected);
  });

  it('counts the default ports as the scan does', async () => {
    expect(await guess('198.19.0.1', '198.19.0.2')).toEqual({
      firstTarget: '198.19.0.1',
      probes: 2 * defaultPorts().length,
    });
  });

  it("takes option values as the options' own, not as targets", async () => {
    // Each value-taking option before the target: a guess that read one as a
    // target would name it first (or fail to parse it and decline).
    for (const [option, value] of [
      ['--ttl', '64'],
      ['--max-retries', '2'],
      ['-S', '198.18.0.9'],
      ['-g', '53'],
      ['--data-length', '10'],
      ['--seed', '42'],
      ['-oX', '198.18.0.5'],
      ['--min-rate', '100'],
      ['-T', '4'],
    ]) {
      expect(await guess('-p', '80', option, value, '198.19.0.3'), option).toEqual({
        firstTarget: '198.19.0.3',
        probes: 1,
      });
    }
    // ...and flags as flags, whatever follows them.
    for (const flag of ['-n', '-Pn', '--reason', '--open', '-v', '-vv', '--badsum']) {
      expect(await guess('-p', '80', flag, '198.19.0.3'), flag).toEqual({
        firstTarget: '198.19.0.3',
        probes: 1,
      });
    }
  });

  it.each<[string, string[]]>([
    ['a connect scan', ['-sT', '-p', '80', '198.19.0.1']],
    ['a connect scan among others', ['-sS', '-sT', '-p', '80', '198.19.0.1']],
    ['a host name', ['-p', '80', 'scanme.example']],
    ['an -iL list', ['-p', '80', '-iL', '/nonexistent/targets']],
    ['--exclude', ['-p', '80', '--exclude', '198.19.0.1', '198.19.0.0/30']],
    ['--excludefile', ['-p', '80', '--excludefile', '/nonexistent/ex', '198.19.0.1']],
    ['--resume', ['--resume', '/nonexistent/journal', '198.19.0.1']],
    ['--help', ['--help', '198.19.0.1']],
    ['--version', ['-V']],
    ['no targets', ['-sS', '-p', '80']],
    ['a bad port list', ['-p', '99999', '198.19.0.1']],
    ['a bad target', ['-p', '80', '198.19.0.300']],
  ])('declines %s', async (_, args) => {
    expect(await guess(...args)).toBeUndefined();
  });
});
