// `rawscan lab up NAME --routed`: the routed lab (src/lab/routed.ts) made to
// persist, recorded like the plain lab, and described by `lab status` with its
// ground truth: the router's per-port policy and who listens behind it.
import {
  createRoutedLab,
  DEFAULT_LISTENING,
  ROUTED_HOSTS,
  ROUTER_RULES,
  ROUTER_TABLE,
} from '../lab/routed.js';
import type { RouterRule } from '../lab/router-firewall.js';
import type { RoutedLabState } from '../lab/state.js';
import { DEFAULT_TARGET_RANGE } from '../lab/index.js';
import { UsageError } from './errors.js';

/** `lab up` options that shape the plain lab's single target and mean nothing to the routed lab. */
const PLAIN_ONLY = ['open', 'drop', 'reject', 'reject-admin', 'reject-host', 'reset', 'random'];

/** What each rule does to TCP from the scanner's side, for `lab status`. */
const RULE_TEXT: Record<RouterRule, string> = {
  accept: 'stateless accept: every packet passes',
  'accept-new': 'stateful accept: only a SYN opens a connection (a lone ACK is dropped)',
  'drop-syn': 'stateless: SYNs dropped, every other packet passes',
  drop: 'dropped silently (also every port not listed)',
  'reject-port': 'ICMP port-unreachable (3/3) from the router',
  'reject-admin': 'ICMP admin-prohibited (3/13) from the router',
  'reject-host': 'ICMP host-prohibited (3/10) from the router',
  reset: "TCP reset forged by the router in the host's name",
};

const HOST_TEXT = {
  hostA: 'host A',
  hostB: 'host B',
  hostC: 'host C',
} as const;

/** Refuses the plain lab's options next to --routed, naming them. */
export function checkRoutedOptions(argv: Partial<Record<string, unknown>>): void {
  const given = PLAIN_ONLY.filter((o) => argv[o] !== undefined);
  if (argv.loss !== undefined && argv.loss !== 0) given.push('loss');
  if (argv.range !== undefined && argv.range !== DEFAULT_TARGET_RANGE) given.push('range');
  if (argv['icmp-rate-limit'] === true) given.push('icmp-rate-limit');
  if (given.length > 0) {
    const options = given.map((o) => `--${o}`).join(', ');
    const [are, them] = given.length === 1 ? ['is an option', 'it'] : ['are options', 'them'];
    throw new UsageError(
      `${options} ${are} of the plain lab, not of --routed; leave ${them} out ` +
        '(the routed lab is fixed: `rawscan lab status` shows its policy once it is up)',
    );
  }
}

/** Creates the routed lab to outlive this process; returns what `lab status` needs of it. */
export async function routedLabUp(name: string | undefined): Promise<RoutedLabState> {
  const lab = await createRoutedLab({ name, listening: DEFAULT_LISTENING, persist: true });
  const hosts = {} as RoutedLabState['hosts'];
  for (const host of ROUTED_HOSTS) {
    const listening = [...DEFAULT_LISTENING[host]].sort((a, b) => a - b);
    hosts[host] = { ...lab.hosts[host], listening };
  }
  return {
    kind: 'routed',
    name: lab.name,
    scannerNs: lab.scannerNs,
    scannerAddress: lab.scannerAddress,
    scannerInterface: lab.scannerInterface,
    routerNs: lab.routerNs,
    gateway: lab.gateway,
    policy: lab.policy,
    hosts,
    createdAt: new Date().toISOString(),
  };
}

/** `lab status` for a routed lab: wiring, the router's policy (the truth), how to scan and remove it. */
export function describeRoutedLab(s: RoutedLabState): string {
  const named = Object.keys(s.policy).map(Number);
  const rules = ROUTER_RULES.map((rule) => {
    const ports = named.filter((p) => s.policy[p] === rule).sort((a, b) => a - b);
    if (ports.length === 0 && rule !== 'drop') return undefined;
    return `    ${rule.padEnd(13)}${(ports.join(',') || '-').padEnd(10)} ${RULE_TEXT[rule]}`;
  }).filter((line) => line !== undefined);
  const hosts = ROUTED_HOSTS.map((h) => {
    const { ns, address, listening } = s.hosts[h];
    const where = h === 'hostC' ? ' (one hop behind host B)' : '';
    return `  ${HOST_TEXT[h]}   ${ns.padEnd(14)}${address.padEnd(13)}listening on ${listening.join(',') || 'nothing'}${where}`;
  });
  const ports = [...named, 21].sort((a, b) => a - b).join(',');
  const scan = `sudo ip netns exec ${s.scannerNs} rawscan`;
  return [
    `  scanner  ${s.scannerNs.padEnd(14)}${s.scannerAddress} on ${s.scannerInterface}, routes to 198.18.2.0/24 and 198.18.3.0/24 via the router`,
    `  router   ${s.routerNs.padEnd(14)}${s.gateway} (the gateway); filters the scanner's TCP in nftables table ip ${ROUTER_TABLE}`,
    ...hosts,
    "  router policy (the truth; TCP from the scanner's side, by destination port):",
    ...rules,
    `  see the rules: sudo ip netns exec ${s.routerNs} nft list table ip ${ROUTER_TABLE}`,
    `  scan it:       ${scan} -sS -sA -p ${ports} ${s.hosts.hostA.address}`,
    `  firewalk it:   ${scan} firewalk --gateway ${s.gateway} -p ${ports} ${s.hosts.hostC.address}`,
    `  remove:        sudo rawscan lab down ${s.name}`,
    '',
  ].join('\n');
}
