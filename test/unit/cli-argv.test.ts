import { describe, expect, it } from 'vitest';
import { rewriteNmapArgv } from '../../src/cli/nmap-argv.js';
import { parseScanFlags, validateScanArgs } from '../../src/cli/scan-options.js';
import { parseTiming } from '../../src/cli/timing-options.js';
import { UsageError } from '../../src/cli/errors.js';

describe('rewriteNmapArgv', () => {
  it.each([
    [
      ['-sS', '198.18.0.1'],
      ['--scan', 'syn', '198.18.0.1'],
    ],
    [
      ['-sF', '-sN'],
      ['--scan', 'fin', '--scan', 'null'],
    ],
    [['-p-'], ['--ports', '1-65535']],
    [['-p22,80'], ['--ports', '22,80']],
    [
      ['-p', '22'],
      ['-p', '22'],
    ],
    [
      ['-Pn', '-n'],
      ['--Pn', '-n'],
    ],
    [['-T4'], ['--timing', '4']],
    [
      ['-oX', 'out.xml'],
      ['--output-xml', 'out.xml'],
    ],
    [['-oJ-'], ['--output-json', '-']],
    [['-oN', '-'], ['--output-normal=-']],
    [
      ['-oX', '-', '198.18.0.1'],
      ['--output-xml=-', '198.18.0.1'],
    ],
    [['--output-json', '-'], ['--output-json=-']],
    [
      ['-iL', 'targets.txt'],
      ['--input-list', 'targets.txt'],
    ],
    [['-vv'], ['--verbose', '--verbose']],
    [['-eveth0'], ['--interface', 'veth0']],
    [
      ['--', '-sS'],
      ['--', '-sS'],
    ],
    [
      ['--min-rate', '100'],
      ['--min-rate', '100'],
    ],
  ])('%j → %j', (input, expected) => {
    expect(rewriteNmapArgv(input)).toEqual(expected);
  });

  it('rejects an unknown scan letter, naming it', () => {
    expect(() => rewriteNmapArgv(['-sZ'])).toThrow(/-sZ/);
  });
});

describe('validateScanArgs', () => {
  const base = { n: false };
  it('defaults to SYN when privileged and connect when not, like nmap', () => {
    expect(validateScanArgs(base, true).scanTypes).toEqual(['syn']);
    expect(validateScanArgs(base, false).scanTypes).toEqual(['connect']);
  });

  it("reads nmap's timing options as durations (a bare number is seconds)", () => {
    const a = {
      ...base,
      'min-rtt-timeout': '50ms',
      'max-rtt-timeout': '2',
      'initial-rtt-timeout': '0.5s',
      'scan-delay': '10ms',
      'max-parallelism': 100,
    };
    expect(validateScanArgs(a, true).timingOverrides).toEqual({
      minRttMs: 50,
      maxRttMs: 2000,
      initialRttMs: 500,
      scanDelayMs: 10,
      maxParallelism: 100,
    });
    expect(validateScanArgs(base, true).timingOverrides).toEqual({});
  });

  it('keeps several scan types in order, without repeats', () => {
    expect(validateScanArgs({ ...base, scan: ['syn', 'ack', 'syn'] }, true).scanTypes).toEqual([
      'syn',
      'ack',
    ]);
  });

  it.each([
    [{ 'max-retries': 16 }, /--max-retries 16/],
    [{ 'min-rate': 500, 'max-rate': 100 }, /--min-rate 500 is above --max-rate 100/],
    [{ ttl: 0 }, /--ttl 0/],
    [{ 'min-rate': -3 }, /--min-rate -3/],
    [{ scan: ['connect', 'syn'] }, /-sT cannot be combined/],
    [{ scan: ['connect'], ttl: 3 }, /need a raw scan type/],
    [{ 'source-port': 70000 }, /source-port 70000/],
  ])('rejects %j', (args, message) => {
    expect(() => validateScanArgs({ ...base, ...args }, true)).toThrow(UsageError);
    expect(() => validateScanArgs({ ...base, ...args }, true)).toThrow(message);
  });
});

describe('parseScanFlags / parseTiming', () => {
  it.each([
    ['SYNFIN', 3],
    ['URGPSHFIN', 0x29],
    ['0x12', 0x12],
    ['18', 18],
    ['synack', 0x12],
  ])('%s → %d', (spec, bits) => {
    expect(parseScanFlags(spec)).toBe(bits);
  });

  it('names a bad flag set', () => {
    expect(() => parseScanFlags('SYNFOO')).toThrow(/"SYNFOO"/);
  });

  it.each([
    ['4', 4],
    ['insane', 5],
    ['Polite', 2],
    [undefined, 3],
  ])('timing %s → %d', (spec, level) => {
    expect(parseTiming(spec)).toBe(level);
  });

  it('names a bad template', () => {
    expect(() => parseTiming('7')).toThrow(/"7"/);
  });
});
