// The routed lab against its declared truth, with nmap (the independent
// witness) from inside the scanner namespace: SYN and ACK scans of every host
// through the router's policy, the path to host C one hop behind host B, and
// the lab's promise to leave nothing behind. Root only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRoutedLab,
  DEFAULT_ROUTER_POLICY,
  ROUTED_HOSTS,
  type RoutedHost,
  type RoutedLab,
} from '../../src/lab/routed.js';
import { execFileSync, spawn } from 'node:child_process';
import { cleanupStaleLabs } from '../../src/lab/cleanup.js';
import { generateLabName, labNamespaces, routedLabNames } from '../../src/lab/names.js';
import { isProcessAlive, listNamespaces, removeNamespace } from '../../src/lab/netns.js';
import { ensureListenerBuilt, parseNmapXml, requireRoot } from './helpers/lab.js';

/** Every port the policy names, and two it does not (dropped by default). */
const PORTS = [...Object.keys(DEFAULT_ROUTER_POLICY).map(Number), 21, 3306].sort((a, b) => a - b);
const NMAP_PACE = ['--max-retries', '1', '--min-rate', '3000'];

async function nmap(lab: RoutedLab, args: string[]): Promise<string> {
  const all = ['-n', '-Pn', '-oX', '-', ...args];
  const r = await lab.execInScanner('nmap', all, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`nmap ${all.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** nmap's traceroute hops to an address: ttl → responder. */
function traceHops(xml: string): [number, string][] {
  return [...xml.matchAll(/<hop ttl="(\d+)" ipaddr="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]]);
}

describe.runIf(requireRoot())('routed lab', () => {
  let lab: RoutedLab;
  beforeAll(async () => {
    ensureListenerBuilt();
    lab = await createRoutedLab();
  });
  afterAll(() => lab?.destroy());

  describe.each(['syn', 'ack'] as const)(
    'nmap -s%s sees every host through the router as the policy says',
    (scan) => {
      it.each(ROUTED_HOSTS)('%s', async (host: RoutedHost) => {
        const flag = scan === 'syn' ? '-sS' : '-sA';
        const seen = parseNmapXml(
          await nmap(lab, [flag, ...NMAP_PACE, '-p', PORTS.join(','), lab.hosts[host].address]),
        );
        const expected = PORTS.map((p) => [p, lab.rule(p), lab.expected(scan, host, p)]);
        expect(PORTS.map((p) => [p, lab.rule(p), seen.get(p)])).toEqual(expected);
      });
    },
  );

  it('covers both accepting rules with open and closed ports, and hides listeners behind blocking rules', () => {
    const states = ROUTED_HOSTS.flatMap((h) =>
      PORTS.map((p) => `${lab.rule(p)}:${lab.expected('syn', h, p).state}`),
    );
    for (const wanted of ['accept:open', 'accept:closed', 'accept-new:open', 'accept-new:closed']) {
      expect(states).toContain(wanted);
    }
    expect(lab.listening('hostA', 23) && lab.rule(23) === 'drop').toBe(true);
  });

  it('routes host C one hop behind host B; TTL expiring at the router is answered by 198.18.1.2', async () => {
    const toC = traceHops(await nmap(lab, ['-sS', '--traceroute', '-p', '22', lab.hosts.hostC.address]));
    expect(toC).toEqual([
      [1, '198.18.1.2'],
      [2, '198.18.2.11'],
      [3, '198.18.3.10'],
    ]);
    const expired = await nmap(lab, [
      '-sS',
      '--ttl',
      '1',
      '--max-retries',
      '0',
      '-p',
      '22',
      lab.hosts.hostA.address,
    ]);
    expect(expired).toMatch(
      /portid="22"><state state="filtered" reason="time-exceeded" reason_ttl="\d+" reason_ip="198.18.1.2"/,
    );
  });

  it('has no default route in any namespace, and forwarding on in the router and host B only', async () => {
    const names = routedLabNames(lab.name);
    for (const ns of labNamespaces(names)) {
      expect((await lab.exec(ns, 'ip', ['route', 'show', 'default'])).stdout).toBe('');
      const forwarding = (await lab.exec(ns, 'sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim();
      expect([ns, forwarding]).toEqual([ns, ns === names.routerNs || ns === names.hostBNs ? '1' : '0']);
    }
    const outside = await lab.execInScanner('ip', ['route', 'get', '192.0.2.1']);
    expect(outside.code).not.toBe(0);
  });

  it('destroy() removes all five namespaces and may be called twice', async () => {
    const other = await createRoutedLab({
      policy: { 22: 'accept' },
      listening: { hostA: [22], hostB: [], hostC: [] },
    });
    const mine = labNamespaces(routedLabNames(other.name));
    expect((await listNamespaces()).filter((ns) => mine.includes(ns))).toHaveLength(5);
    await other.destroy();
    await other.destroy();
    expect((await listNamespaces()).filter((ns) => mine.includes(ns))).toEqual([]);
  });

  it('cleanupStaleLabs removes all five namespaces of a routed lab whose creator died', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    expect(isProcessAlive(dead.pid!)).toBe(false);
    const names = routedLabNames(generateLabName(dead.pid!));
    const stale = labNamespaces(names);
    for (const ns of stale) execFileSync('ip', ['netns', 'add', ns]);
    try {
      expect(await cleanupStaleLabs()).toContain(names.name);
      expect((await listNamespaces()).filter((ns) => stale.includes(ns))).toEqual([]);
    } finally {
      await Promise.all(stale.map(removeNamespace));
    }
  });
});
