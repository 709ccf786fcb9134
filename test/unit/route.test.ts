import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import {
  lookupRoute,
  type CommandResult,
  type CommandRunner,
  type RouteOptions,
} from '../../src/targets/route.js';

// Output captured from iproute2 6.1 (`ip -j ...`) on Debian 12.
const ROUTE_VIA_GATEWAY =
  '[{"dst":"198.18.0.1","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2","flags":[],"uid":0,"cache":[]}]';
const ROUTE_LOCAL =
  '[{"type":"local","dst":"127.0.0.1","dev":"lo","prefsrc":"127.0.0.1","flags":[],"uid":0,"cache":["local"]}]';
const ROUTE_ON_LINK =
  '[{"dst":"198.18.0.9","dev":"veth-s","prefsrc":"198.18.0.1","flags":[],"uid":0,"cache":[]}]';
const ROUTE_NO_PREFSRC = '[{"dst":"198.18.0.9","dev":"tun0","flags":[],"uid":0,"cache":[]}]';
const ADDR_ETH0 =
  '[{"ifindex":2,"ifname":"eth0","flags":["UP"],"addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64},' +
  '{"family":"inet","local":"192.0.2.2","prefixlen":24},{"family":"inet","local":"192.0.2.3","prefixlen":24}]}]';
const ADDR_TUN0 =
  '[{"ifindex":5,"ifname":"tun0","flags":["UP"],"addr_info":[{"family":"inet","local":"10.8.0.2"}]}]';
const ADDR_NO_V4 =
  '[{"ifindex":6,"ifname":"veth-b","flags":["UP"],"addr_info":[{"family":"inet6","local":"fe80::2"}]}]';
const UNREACHABLE: CommandResult = {
  stdout: '',
  stderr: 'RTNETLINK answers: Network is unreachable\n',
  code: 2,
};
const NO_DEVICE: CommandResult = { stdout: '', stderr: 'Device "wg9" does not exist.\n', code: 1 };
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });

/** A runner that answers from a table keyed by the joined argument list and records the calls. */
function fakeIp(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    const key = args.join(' ');
    calls.push(`${file} ${key}`);
    const answer = answers[key];
    if (!answer) throw new Error(`unexpected command: ${file} ${key}`);
    return answer;
  };
  return Object.assign(run, { calls });
}

describe('lookupRoute', () => {
  it.each<[string, string, Partial<RouteOptions>, Record<string, CommandResult>, object]>([
    [
      'via a gateway',
      '198.18.0.1',
      {},
      { '-j route get 198.18.0.1': ok(ROUTE_VIA_GATEWAY) },
      { device: 'eth0', source: '192.0.2.2', gateway: '192.0.2.1' },
    ],
    [
      'local',
      '127.0.0.1',
      {},
      { '-j route get 127.0.0.1': ok(ROUTE_LOCAL) },
      { device: 'lo', source: '127.0.0.1' },
    ],
    [
      'on link',
      '198.18.0.9',
      {},
      { '-j route get 198.18.0.9': ok(ROUTE_ON_LINK) },
      { device: 'veth-s', source: '198.18.0.1' },
    ],
    [
      'no prefsrc: device address',
      '198.18.0.9',
      {},
      { '-j route get 198.18.0.9': ok(ROUTE_NO_PREFSRC), '-j addr show dev tun0': ok(ADDR_TUN0) },
      { device: 'tun0', source: '10.8.0.2' },
    ],
    [
      '-S overrides the source',
      '198.18.0.1',
      { source: '198.18.0.77' },
      { '-j route get 198.18.0.1': ok(ROUTE_VIA_GATEWAY) },
      { device: 'eth0', source: '198.18.0.77', gateway: '192.0.2.1' },
    ],
    [
      '-e picks the first IPv4 address',
      '198.18.0.1',
      { device: 'eth0' },
      { '-j addr show dev eth0': ok(ADDR_ETH0), '-j route get 198.18.0.1 oif eth0': ok(ROUTE_VIA_GATEWAY) },
      { device: 'eth0', source: '192.0.2.2', gateway: '192.0.2.1' },
    ],
    [
      '-e with -S',
      '198.18.0.9',
      { device: 'veth-b', source: '198.18.0.5' },
      {
        '-j addr show dev veth-b': ok(ADDR_NO_V4),
        '-j route get 198.18.0.9 oif veth-b': ok(ROUTE_ON_LINK.replace('veth-s', 'veth-b')),
      },
      { device: 'veth-b', source: '198.18.0.5' },
    ],
  ])('%s', async (_name, addr, options, answers, expected) => {
    const run = fakeIp(answers);
    expect(await lookupRoute(addr, { ...options, run, host: null })).toEqual(expected);
    expect(run.calls.every((call) => call.startsWith('ip -j '))).toBe(true);
  });
});

describe('lookupRoute errors name the input', () => {
  it.each<[string, string, Partial<RouteOptions>, Record<string, CommandResult>, RegExp]>([
    [
      'no route',
      '198.18.0.1',
      {},
      { '-j route get 198.18.0.1': UNREACHABLE },
      /no route to 198\.18\.0\.1 from this host\/namespace \(Network is unreachable\)/,
    ],
    [
      'no route via -e',
      '198.18.0.1',
      { device: 'eth0' },
      { '-j addr show dev eth0': ok(ADDR_ETH0), '-j route get 198.18.0.1 oif eth0': UNREACHABLE },
      /no route to 198\.18\.0\.1 via interface eth0/,
    ],
    [
      'unknown interface',
      '198.18.0.1',
      { device: 'wg9' },
      { '-j addr show dev wg9': NO_DEVICE },
      /interface wg9 does not exist; see `ip link`/,
    ],
    [
      'interface name that cannot exist',
      '198.18.0.1',
      { device: 'a/b' },
      {},
      /interface a\/b does not exist/,
    ],
    ['option-like interface name', '198.18.0.1', { device: '-j' }, {}, /interface -j does not exist/],
    [
      'interface without IPv4',
      '198.18.0.9',
      { device: 'veth-b' },
      { '-j addr show dev veth-b': ok(ADDR_NO_V4), '-j route get 198.18.0.9 oif veth-b': ok(ROUTE_ON_LINK) },
      /interface veth-b has no IPv4 address; .* -S/,
    ],
    [
      'routed device without IPv4',
      '198.18.0.9',
      {},
      { '-j route get 198.18.0.9': ok(ROUTE_NO_PREFSRC), '-j addr show dev tun0': ok(ADDR_NO_V4) },
      /interface tun0 has no IPv4 address/,
    ],
    ['bad target', '198.18.0.300', {}, {}, /cannot route to 198\.18\.0\.300: not an IPv4 address/],
    ['bad -S', '198.18.0.1', { source: 'me' }, {}, /-S me is not an IPv4 address/],
  ])('%s', async (_name, addr, options, answers, message) => {
    const error = await lookupRoute(addr, { ...options, run: fakeIp(answers), host: null }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports a missing ip command', async () => {
    const run: CommandRunner = async () => {
      throw Object.assign(new Error('spawn ip ENOENT'), { code: 'ENOENT' });
    };
    await expect(lookupRoute('127.0.0.1', { run, host: null })).rejects.toThrow(
      /cannot run `ip -j route get 127\.0\.0\.1` \(spawn ip ENOENT\); rawscan needs iproute2/,
    );
  });
});

describe('lookupRoute with the real ip command', () => {
  it('routes 127.0.0.1 over loopback', async () => {
    expect(await lookupRoute('127.0.0.1')).toEqual({ device: 'lo', source: '127.0.0.1' });
  });

  it('-e lo finds the loopback address', async () => {
    expect(await lookupRoute('127.0.0.1', { device: 'lo' })).toEqual({ device: 'lo', source: '127.0.0.1' });
  });

  it('rejects an interface that does not exist', async () => {
    await expect(lookupRoute('127.0.0.1', { device: 'nosuchif0' })).rejects.toThrow(
      /interface nosuchif0 does not exist/,
    );
  });
});
