import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { ipToString, parseIpv4 } from '../../src/targets/ipv4.js';
import {
  loadTargets,
  splitExcludeList,
  splitSpecFile,
  type Resolver,
  type TargetOptions,
  type TextReader,
} from '../../src/targets/load.js';
import type { TargetSet } from '../../src/targets/target-set.js';

const zone: Record<string, string[]> = {
  'web.lab': ['198.18.5.5'],
  'multi.lab': ['198.18.6.1', '198.18.6.2', '198.18.6.3'],
  'empty.lab': [],
};
const resolver: Resolver = async (name) => {
  const answer = zone[name];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return answer;
};
const files: Record<string, string> = {
  'hosts.txt': '# lab targets\n198.18.0.1 198.18.0.2\t198.18.1.0/30  # trailing comment\n\nweb.lab\n',
  'skip.txt': '198.18.1.1\n# 198.18.0.1\n',
  'empty.txt': '# nothing here\n\n',
  '-': '198.18.9.9\n',
};
const reader: TextReader = async (path) => {
  if (!(path in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return files[path];
};

const load = (options: Partial<TargetOptions>): Promise<TargetSet> =>
  loadTargets({ specs: [], resolve: resolver, readText: reader, ...options });
const addresses = (set: TargetSet): string[] => [...set].map(ipToString);

describe('loadTargets', () => {
  it.each<[string, Partial<TargetOptions>, string[]]>([
    [
      'plain specs, deduplicated and sorted',
      { specs: ['198.18.0.3', '198.18.0.1,2', '198.18.0.2'] },
      ['198.18.0.1', '198.18.0.2', '198.18.0.3'],
    ],
    ['hostname', { specs: ['web.lab'] }, ['198.18.5.5']],
    [
      'hostname with prefix',
      { specs: ['web.lab/30'] },
      ['198.18.5.4', '198.18.5.5', '198.18.5.6', '198.18.5.7'],
    ],
    [
      '-iL file with comments',
      { inputFile: 'hosts.txt' },
      ['198.18.0.1', '198.18.0.2', '198.18.1.0', '198.18.1.1', '198.18.1.2', '198.18.1.3', '198.18.5.5'],
    ],
    ['-iL - reads stdin', { inputFile: '-' }, ['198.18.9.9']],
    [
      '--exclude list',
      { specs: ['198.18.0.0/29'], exclude: ['198.18.0.0,198.18.0.2-4'] },
      ['198.18.0.1', '198.18.0.5', '198.18.0.6', '198.18.0.7'],
    ],
    [
      '--exclude octet list continuation',
      { specs: ['198.18.0.0/29'], exclude: ['198.18.0.1,5,6-7'] },
      ['198.18.0.0', '198.18.0.2', '198.18.0.3', '198.18.0.4'],
    ],
    [
      '--exclude hostname',
      { specs: ['198.18.5.4/30'], exclude: ['web.lab'] },
      ['198.18.5.4', '198.18.5.6', '198.18.5.7'],
    ],
    [
      '--excludefile',
      { specs: ['198.18.1.0/30'], excludeFile: 'skip.txt' },
      ['198.18.1.0', '198.18.1.2', '198.18.1.3'],
    ],
  ])('%s', async (_name, options, expected) => {
    expect(addresses(await load(options))).toEqual(expected);
  });

  it('keeps a /8 as one interval', async () => {
    const set = await load({ specs: ['10.0.0.0/8'], exclude: ['10.1.0.0/16'] });
    expect(set.size).toBe(2 ** 24 - 2 ** 16);
    expect(set.intervalCount).toBe(2);
  });

  it('records user-given names by address, drops excluded ones', async () => {
    const set = await load({ specs: ['web.lab', 'multi.lab', '198.18.7.7'], exclude: ['198.18.6.1'] });
    expect(set.hostnames).toEqual(new Map([[parseIpv4('198.18.5.5'), 'web.lab']]));
    expect(addresses(set)).toEqual(['198.18.5.5', '198.18.7.7']);
  });

  it('scans the first address of a multi-address name and notes the others', async () => {
    const set = await load({ specs: ['multi.lab', 'multi.lab'] });
    expect(addresses(set)).toEqual(['198.18.6.1']);
    expect(set.hostnames.get(parseIpv4('198.18.6.1')!)).toBe('multi.lab');
    expect(set.notes).toEqual(['Other addresses for multi.lab (not scanned): 198.18.6.2 198.18.6.3']);
  });

  it('resolves with the default resolver (localhost)', async () => {
    const set = await loadTargets({ specs: ['localhost'] });
    expect(set.size).toBe(1);
    expect(ipToString(set.at(0))).toMatch(/^127\./);
  });
});

describe('loadTargets errors', () => {
  it.each<[string, Partial<TargetOptions>, RegExp]>([
    [
      'unresolvable host',
      { specs: ['nowhere.lab'] },
      /could not resolve host nowhere\.lab; check the name or use an address/,
    ],
    ['name without A records', { specs: ['empty.lab'] }, /could not resolve host empty\.lab/],
    [
      'unresolvable exclude',
      { specs: ['198.18.0.1'], exclude: ['gone.lab'] },
      /could not resolve host gone\.lab/,
    ],
    ['no targets', {}, /no targets given; name addresses/],
    ['empty -iL file', { inputFile: 'empty.txt' }, /no targets given \(the -iL file empty\.txt lists none\)/],
    ['unreadable -iL', { inputFile: 'missing.txt' }, /cannot read -iL file missing\.txt: ENOENT/],
    [
      'unreadable --excludefile',
      { specs: ['198.18.0.1'], excludeFile: 'nope.txt' },
      /cannot read --excludefile file nope\.txt: ENOENT/,
    ],
    [
      'exclude removes all',
      { specs: ['198.18.0.0/30'], exclude: ['198.18.0.0/24'] },
      /--exclude removed every target \(4 addresses\)/,
    ],
    [
      'exclude removes the one',
      { specs: ['198.18.0.1'], excludeFile: 'skip.txt', exclude: ['198.18.0.1'] },
      /--exclude removed every target \(1 address\);/,
    ],
    [
      'bad spec in -iL',
      { inputFile: 'hosts.txt', specs: ['198.18.0.999'] },
      /octet 999 in target 198\.18\.0\.999/,
    ],
    [
      'bad exclude spec',
      { specs: ['198.18.0.1'], exclude: ['198.18.0.0/40'] },
      /prefix \/40 in target 198\.18\.0\.0\/40/,
    ],
  ])('%s', async (_name, options, message) => {
    const error = await load(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('list splitting', () => {
  it.each<[string, string[]]>([
    [
      '198.18.0.1  198.18.0.2\n#c\nweb.lab#x\n\t198.18.1.0/24\r\n',
      ['198.18.0.1', '198.18.0.2', 'web.lab', '198.18.1.0/24'],
    ],
    ['', []],
  ])('splitSpecFile(%j)', (text, expected) => expect(splitSpecFile(text)).toEqual(expected));

  it.each<[string, string[]]>([
    ['198.18.0.1,web.lab,198.18.1.0/24', ['198.18.0.1', 'web.lab', '198.18.1.0/24']],
    ['198.18.0.1,5,9-11', ['198.18.0.1,5,9-11']],
    ['198.18.0.1, 198.18.0.2,', ['198.18.0.1', '198.18.0.2']],
  ])('splitExcludeList(%j)', (text, expected) => expect(splitExcludeList(text)).toEqual(expected));
});
