// The attacker's command line: defaults, ranges, and refusals of anything
// that would aim it outside the lab space.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { FORGED_CATEGORY_NAMES } from '../../src/lab/attacker/forge.js';
import { parseAttackerArgs } from '../../src/lab/attacker/options.js';
import { replayFilter } from '../../src/lab/attacker/wire.js';

const REQUIRED = ['--scanner', '198.18.0.1', '--sport-base', '40000'];

describe('parseAttackerArgs', () => {
  it('fills in the defaults', () => {
    const o = parseAttackerArgs([...REQUIRED, '--seed', '9']);
    expect(o).toMatchObject({
      scanner: 0xc6120001,
      sportBase: 40000,
      sportSpan: 128,
      sourceFirst: 0xc6130000,
      sourceCount: 65536,
      categories: FORGED_CATEGORY_NAMES,
      rate: 10000,
      durationMs: 10000,
      countPerCategory: null,
      replay: false,
      replayCopies: 3,
      interface: null,
      peerMac: null,
      seed: 9,
    });
    expect(o.targetPorts).toHaveLength(1024);
  });

  it('reads every option', () => {
    const o = parseAttackerArgs([
      ...REQUIRED,
      '--sport-span',
      '16',
      '--sources',
      '198.19.0.1/32',
      '--ports',
      '22,80-81', // prettier-ignore
      '--categories',
      'rst-wrong-ack,fragment-later',
      '--rate',
      '200000',
      '--duration-ms',
      '500', // prettier-ignore
      '--count',
      '7',
      '--replay',
      '--replay-copies',
      '0',
      '--interface',
      'veth9',
      '--peer-mac',
      '02:00:00:00:00:0a', // prettier-ignore
    ]);
    expect(o).toMatchObject({
      sportSpan: 16,
      sourceFirst: 0xc6130001,
      sourceCount: 1,
      targetPorts: [22, 80, 81],
      categories: ['rst-wrong-ack', 'fragment-later'],
      rate: 200000,
      durationMs: 500,
      countPerCategory: 7,
      replay: true,
      replayCopies: 0,
      interface: 'veth9',
      peerMac: Uint8Array.of(2, 0, 0, 0, 0, 10),
    });
    expect(parseAttackerArgs([...REQUIRED, '--categories', 'none']).categories).toEqual([]);
  });

  it.each([
    [['--sport-base', '40000'], /--scanner and --sport-base are required/],
    [
      ['--scanner', '10.0.0.1', '--sport-base', '40000'],
      /--scanner '10.0.0.1' must be .* inside the lab space/,
    ],
    [['--scanner', '198.20.0.1', '--sport-base', '40000'], /inside the lab space/],
    [[...REQUIRED, '--sources', '10.0.0.0/8'], /--sources '10.0.0.0\/8' must be a CIDR/],
    [[...REQUIRED, '--sources', '198.16.0.0/14'], /must be a CIDR .*\(prefix 15 to 32\)/],
    [[...REQUIRED, '--sources', '198.20.0.0/16'], /must lie inside the lab space/],
    [[...REQUIRED, '--sport-span', '0'], /--sport-span '0' must be an integer from 1 to 25536/],
    [[...REQUIRED, '--rate', 'fast'], /--rate 'fast' must be an integer/],
    [[...REQUIRED, '--duration-ms', '0'], /--duration-ms '0'/],
    [[...REQUIRED, '--ports', '80-70'], /--ports item '80-70'/],
    [[...REQUIRED, '--ports', '0'], /--ports item '0'/],
    [[...REQUIRED, '--categories', 'syn-flood'], /unknown category 'syn-flood'/],
    [[...REQUIRED, '--peer-mac', 'zz'], /--peer-mac 'zz' is not a MAC/],
    [[...REQUIRED, '--loud'], /Unknown option '--loud'/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseAttackerArgs(argv)).toThrow(UsageError);
    expect(() => parseAttackerArgs(argv)).toThrow(message);
  });
});

describe('replayFilter', () => {
  it("admits TCP to the scanner port range and never the attacker's own frames", () => {
    expect(replayFilter(0xc6120001, 40000, 128)).toBe(
      'tcp and dst host 198.18.0.1 and dst portrange 40000-40127 and not ether src 02:72:73:61:74:6b',
    );
  });
});
