// The routed lab's wiring (every address inside 198.18.0.0/15, no default
// route anywhere, so nothing sent inside the lab can leave the machine):
//
//   scanner 198.18.1.1/30 ── 198.18.1.2 router ── bridge 198.18.2.1/24 ─┬─ host A 198.18.2.10
//                                 (forward filter)                      └─ host B 198.18.2.11
//                                                                  host B 198.18.3.1/24 ── host C 198.18.3.10
//
// The router and host B forward; host C is one hop behind host B.
import type { RoutedLabNames } from './names.js';
import { runChecked } from './netns.js';
import { ipBatch, targetSysctls } from './topology.js';

export const ROUTED_ADDRESSES = {
  scanner: '198.18.1.1',
  /** the router's address towards the scanner: the gateway a firewalk names */
  routerUplink: '198.18.1.2',
  routerLan: '198.18.2.1',
  hostA: '198.18.2.10',
  hostB: '198.18.2.11',
  /** host B's address on host C's network */
  hostBFar: '198.18.3.1',
  hostC: '198.18.3.10',
} as const;

const UPLINK = '198.18.1.0/30';
const LAN = '198.18.2.0/24';
const FAR = '198.18.3.0/24';

/** Creates the five namespaces and wires them; on failure the caller removes the namespaces. */
export async function buildRoutedTopology(n: RoutedLabNames): Promise<void> {
  const a = ROUTED_ADDRESSES;
  for (const ns of [n.scannerNs, n.routerNs, n.targetNs, n.hostBNs, n.hostCNs]) {
    await runChecked('ip', ['netns', 'add', ns]);
  }
  await veth(n.scannerNs, n.scannerVeth, n.routerNs, n.routerUplink);
  await veth(n.targetNs, n.targetVeth, n.routerNs, n.routerToA);
  await veth(n.hostBNs, n.hostBVeth, n.routerNs, n.routerToB);
  await veth(n.hostBNs, n.hostBToC, n.hostCNs, n.hostCVeth);
  await ipBatch(n.routerNs, [
    'link set lo up',
    `addr add ${a.routerUplink}/30 dev ${n.routerUplink}`,
    `link set ${n.routerUplink} up`,
    `link add ${n.routerBridge} type bridge`,
    `addr add ${a.routerLan}/24 dev ${n.routerBridge}`,
    `link set ${n.routerBridge} up`,
    `link set ${n.routerToA} master ${n.routerBridge} up`,
    `link set ${n.routerToB} master ${n.routerBridge} up`,
    `route add ${FAR} via ${a.hostB}`,
  ]);
  await ipBatch(n.scannerNs, [
    'link set lo up',
    `addr add ${a.scanner}/30 dev ${n.scannerVeth}`,
    `link set ${n.scannerVeth} up`,
    `route add ${LAN} via ${a.routerUplink}`,
    `route add ${FAR} via ${a.routerUplink}`,
  ]);
  await ipBatch(n.targetNs, [
    'link set lo up',
    `addr add ${a.hostA}/24 dev ${n.targetVeth}`,
    `link set ${n.targetVeth} up`,
    `route add ${UPLINK} via ${a.routerLan}`,
  ]);
  await ipBatch(n.hostBNs, [
    'link set lo up',
    `addr add ${a.hostB}/24 dev ${n.hostBVeth}`,
    `link set ${n.hostBVeth} up`,
    `addr add ${a.hostBFar}/24 dev ${n.hostBToC}`,
    `link set ${n.hostBToC} up`,
    `route add ${UPLINK} via ${a.routerLan}`,
  ]);
  await ipBatch(n.hostCNs, [
    'link set lo up',
    `addr add ${a.hostC}/24 dev ${n.hostCVeth}`,
    `link set ${n.hostCVeth} up`,
    `route add ${UPLINK} via ${a.hostBFar}`,
    `route add ${LAN} via ${a.hostBFar}`,
  ]);
  // Every namespace that answers or forwards gets the target's settings: no
  // ICMP rate limit (rejects and time-exceeded must be deterministic), no rp_filter.
  const forwarding = ['net.ipv4.ip_forward=1'];
  await sysctl(n.routerNs, [...targetSysctls(n.routerUplink, false), ...forwarding]);
  await sysctl(n.targetNs, targetSysctls(n.targetVeth, false));
  await sysctl(n.hostBNs, [...targetSysctls(n.hostBVeth, false), ...forwarding]);
  await sysctl(n.hostCNs, targetSysctls(n.hostCVeth, false));
}

function veth(ns: string, name: string, peerNs: string, peerName: string): Promise<string> {
  return runChecked('ip', [
    'link',
    'add',
    name,
    'netns',
    ns,
    'type',
    'veth',
    'peer',
    'name',
    peerName,
    'netns',
    peerNs,
  ]);
}

function sysctl(ns: string, settings: string[]): Promise<string> {
  return runChecked('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings]);
}
