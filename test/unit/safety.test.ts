// Safe defaults and input limits: unsafe destinations, local network/broadcast
// addresses, the system exclude file, bounded list files (also 1M lines), the
// report-size cap for 2^32-address scans, and the --max-rate bound.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { validateScanArgs } from '../../src/cli/scan-options.js';
import { ipToString, parseIpv4 } from '../../src/targets/ipv4.js';
import { loadTargets, splitSpecFile } from '../../src/targets/load.js';
import {
  applyExclusions,
  applySafeDefaults,
  boundedFileReader,
  checkScanSize,
  countSpecs,
  localBroadcastAddresses,
  MAX_PORT_RESULTS,
  systemExclusion,
  unsafeDestinations,
} from '../../src/targets/safety.js';
import { TargetSet } from '../../src/targets/target-set.js';

const dir = mkdtempSync(join(tmpdir(), 'rawscan-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ip = (text: string) => parseIpv4(text)!;

/** os.networkInterfaces() of a host with lo, a /24, a /31 and a /32. */
const INTERFACES = {
  lo: [iface('127.0.0.1/8'), { ...iface('::1/128'), family: 'IPv6' as const, scopeid: 0 }],
  eth0: [iface('198.18.5.20/24')],
  p2p: [iface('198.18.9.0/31')],
  host: [iface('198.18.10.7/32')],
};

function iface(cidr: string): NetworkInterfaceInfo {
  const address = cidr.slice(0, cidr.indexOf('/'));
  return { address, cidr, family: 'IPv4', netmask: '', mac: '', internal: false };
}

async function targetsOf(...specs: string[]): Promise<TargetSet> {
  return loadTargets({ specs, resolve: async () => [] });
}

function addresses(targets: TargetSet): string[] {
  return [...targets].map(ipToString);
}

describe('unsafe destinations', () => {
  const unsafe = new TargetSet(unsafeDestinations([ip('198.18.5.255')]));
  it.each([
    ['0.0.0.0', true],
    ['0.255.255.255', true],
    ['1.0.0.0', false],
    ['223.255.255.255', false],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['198.18.5.255', true],
    ['198.18.5.254', false],
  ])('%s unsafe: %s', (addr, expected) => {
    expect(unsafe.has(ip(addr))).toBe(expected);
  });

  it('local network and broadcast addresses come from the interfaces, for prefixes up to /30', () => {
    const found = localBroadcastAddresses(INTERFACES).map(ipToString);
    expect(found).toEqual(['127.0.0.0', '127.255.255.255', '198.18.5.0', '198.18.5.255']);
  });

  it('are skipped with a note, and the rest is scanned', async () => {
    const targets = await applySafeDefaults(
      await targetsOf('198.18.5.0/30', '198.18.5.255', '224.0.0.251', '255.255.255.255'),
      false,
      INTERFACES,
      join(dir, 'absent.conf'),
    );
    expect(addresses(targets)).toEqual(['198.18.5.1', '198.18.5.2', '198.18.5.3']);
    expect(targets.notes).toEqual([
      expect.stringMatching(
        /^skipped 4 addresses: broadcast, multicast and reserved .*--allow-broadcast scans them$/,
      ),
    ]);
  });

  it('are scanned with --allow-broadcast', async () => {
    const loaded = await targetsOf('198.18.5.255', '224.0.0.251');
    const targets = await applySafeDefaults(loaded, true, INTERFACES, join(dir, 'absent.conf'));
    expect(addresses(targets)).toEqual(['198.18.5.255', '224.0.0.251']);
  });

  it('leave nothing: a clear error', async () => {
    const loaded = await targetsOf('255.255.255.255');
    await expect(applySafeDefaults(loaded, false, INTERFACES, join(dir, 'absent.conf'))).rejects.toThrow(
      /every target was left out: broadcast, multicast .*--allow-broadcast/,
    );
  });

  it('keep the host names of what remains', async () => {
    const named = new TargetSet(
      {
        firsts: Uint32Array.of(ip('224.0.0.1'), ip('198.18.0.1')).sort(),
        lasts: Uint32Array.of(ip('198.18.0.1'), ip('224.0.0.1')),
      },
      new Map([
        [ip('198.18.0.1'), 'lab.example'],
        [ip('224.0.0.1'), 'all-hosts'],
      ]),
    );
    const targets = applyExclusions(named, [{ why: 'test', list: unsafeDestinations([]) }]);
    expect([...targets.hostnames]).toEqual([[ip('198.18.0.1'), 'lab.example']]);
  });
});

describe('system exclude file', () => {
  it('is applied when present, addresses and ranges only', async () => {
    const path = file('exclude.conf', '# the finance network\n198.18.7.0/24\n198.18.8.1-10 # printers\n');
    const targets = await applySafeDefaults(
      await targetsOf('198.18.7.250-255', '198.18.8.9-12'),
      true,
      INTERFACES,
      path,
    );
    expect(addresses(targets)).toEqual(['198.18.8.11', '198.18.8.12']);
    expect(targets.notes).toEqual([`skipped 8 addresses: excluded by ${path}`]);
  });

  it('is nothing when absent', async () => {
    expect(await systemExclusion(join(dir, 'absent.conf'))).toBeUndefined();
  });

  it.each([
    ['host names', 'printer.example\n', /names the host printer.example: list addresses or ranges only/],
    ['malformed specs', '198.18.0.300\n', /system exclude file .*bad.conf: .*198.18.0.300/],
  ])('refuses %s', async (_, text, message) => {
    await expect(systemExclusion(file('bad.conf', text))).rejects.toThrow(message);
  });

  it('refuses an unreadable file rather than ignoring it', async () => {
    await expect(systemExclusion(dir)).rejects.toThrow(/cannot read the system exclude file/);
  });
});

describe('bounded list files', () => {
  it('counts specs as splitSpecFile splits them', () => {
    for (const text of ['', 'a', ' a  b\n', 'a#b c\nd', '# only\n\n', 'a,b\tc\r\nd #x y\n e', 'x\n#\ny']) {
      expect(countSpecs(text)).toBe(splitSpecFile(text).length);
    }
  });

  it('refuses a file over the byte limit', async () => {
    const path = file('big.txt', '198.18.0.1\n'.repeat(100));
    await expect(boundedFileReader(1000)(path)).rejects.toThrow(
      /larger than 1000 bytes, the limit for a target/,
    );
    await expect(boundedFileReader(1100)(path)).resolves.toHaveLength(1100);
  });

  it('reads a file of several read chunks (1 MiB each) whole', async () => {
    const text = '198.18.0.1\n'.repeat(250_000); // 2.75 MB
    await expect(boundedFileReader(3 << 20)(file('chunks.txt', text))).resolves.toBe(text);
    await expect(boundedFileReader(2 << 20)(file('chunks2.txt', text))).rejects.toThrow(
      /larger than 2097152/,
    );
  });

  it('reads a FIFO as a stream, under the same byte limit', async () => {
    const fifo = (name: string, text: string) => {
      const path = join(dir, name);
      execFileSync('mkfifo', [path]);
      createWriteStream(path).end(text);
      return path;
    };
    const text = '198.18.0.1 198.18.0.2\n';
    await expect(boundedFileReader(1000)(fifo('fifo1', text))).resolves.toBe(text);
    await expect(boundedFileReader(10)(fifo('fifo2', text))).rejects.toThrow(/larger than 10 bytes/);
  });

  it('refuses more specs than the interval limit before splitting', async () => {
    const path = file('many.txt', '198.18.0.1 198.18.0.2\n198.18.0.3\n');
    await expect(boundedFileReader(1 << 20, 2)(path)).rejects.toThrow(/lists more than 2 targets/);
  });

  it('reads a 1M-line -iL file in bounded memory', async () => {
    const lines: string[] = [];
    for (let k = 0; k < 1_000_000; k++) lines.push(ipToString(0x0a000000 + k * 3));
    const path = file('million.txt', lines.join('\n'));
    lines.length = 0;
    const rssBefore = process.memoryUsage().rss;
    const targets = await loadTargets({ specs: [], inputFile: path, readText: boundedFileReader() });
    const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(targets.size).toBe(1_000_000);
    expect(targets.intervalCount).toBe(1_000_000);
    expect(grownMiB).toBeLessThan(512);
  }, 60_000);
});

describe('report size', () => {
  it.each<[string, number, number, number, number, RegExp | null]>([
    ['one host, every port', 1, 65535, 1, 1, null],
    ['a /24, every port', 256, 65535, 1, 1, null],
    [
      'a /24, every port, two scan types',
      256,
      65535,
      2,
      1,
      /256 targets x 65535 ports x 2 scan types make 33553920/,
    ],
    [
      '2^32 addresses, one port',
      2 ** 32,
      1,
      1,
      1,
      /4294967296 targets x 1 port x 1 scan type make 4294967296 port results/,
    ],
    ['2^32 addresses, every port', 2 ** 32, 65535, 1, 1, /more than the 16777216 one report can hold/],
    ['a /16 x 1000 ports in 4 shards', 65536, 1000, 1, 4, null],
    ['a /16 x 1000 ports in 2 shards', 65536, 1000, 1, 2, /32768000 port results per shard/],
  ])('%s', (_, targets, ports, kinds, shards, message) => {
    const check = () => checkScanSize(targets, ports, kinds, shards);
    if (message === null) expect(check).not.toThrow();
    else expect(check).toThrow(message);
  });

  it('is the documented limit', () => {
    expect(MAX_PORT_RESULTS).toBe(2 ** 24);
  });
});

describe('--max-rate bound', () => {
  it.each<[Record<string, unknown>, RegExp | null]>([
    [{ 'max-rate': 1_000_000 }, null],
    [{ 'max-rate': 1_000_001 }, /--max-rate 1000001 is out of range: .* 1 to 1000000, or add --unsafe-rate/],
    [{ 'min-rate': 2_000_000 }, /--min-rate 2000000 is out of range/],
    [{ 'max-rate': 50_000_000, 'unsafe-rate': true }, null],
    [{ 'max-rate': 200_000_000, 'unsafe-rate': true }, /from 1 to 100000000$/],
    [{ 'max-rate': Number.NaN }, /--max-rate needs a number/],
    [{ 'max-rate': -5 }, /--max-rate -5 is out of range/],
    [{ 'max-rate': [10, 20] }, /--max-rate is given more than once \(10, 20\)/],
    [{ ttl: 1e9 }, /--ttl 1000000000 is out of range/],
    [{ 'data-length': Infinity }, /--data-length Infinity is out of range/],
  ])('%o', (args, message) => {
    const validate = () => validateScanArgs({ n: true, ...args } as never, true);
    if (message === null) expect(validate).not.toThrow();
    else {
      expect(validate).toThrow(UsageError);
      expect(validate).toThrow(message);
    }
  });
});
