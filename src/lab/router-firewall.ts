// The routed lab's firewall under audit: the router namespace's nftables
// forward chain, one verdict per destination TCP port for traffic that enters
// from the scanner's side. Pure: the policy type (the lab's ground truth), the
// ruleset text that `nft -f -` loads, and what a scanner must see through it.
import type { PortState, Reason, ScanType } from '../scan/types.js';

export const ROUTER_TABLE = 'rawscan_router';

/** What the router's forward chain does with a TCP packet from the scanner side to a port. */
export type RouterRule =
  | 'accept' //       stateless: `tcp dport P accept`, whatever the flags (an ACK passes)
  | 'accept-new' //   stateful: only a SYN opening a new connection, then its ct state established
  //                   packets (a bare ACK is not established: dropped)
  | 'drop-syn' //     stateless: every packet but a SYN (SYN without ACK) passes, SYNs are dropped
  | 'drop' //         dropped silently (also every port the policy does not list)
  | 'reject-port' //  ICMP port-unreachable (3/3) from the router
  | 'reject-admin' // ICMP admin-prohibited (3/13) from the router
  | 'reject-host' //  ICMP host-prohibited (3/10) from the router
  | 'reset'; //       a TCP reset forged by the router in the target's name

/** The router's verdict per port; ports it does not list are dropped. */
export type RouterPolicy = Readonly<Record<number, RouterRule>>;

export const ROUTER_RULES: readonly RouterRule[] = [
  'accept',
  'accept-new',
  'drop-syn',
  'drop',
  'reject-port',
  'reject-admin',
  'reject-host',
  'reset',
];

/**
 * Every rule once, and two ports of each accepting rule so that hosts can listen
 * on one and not the other. Against SYN and ACK probes together (-sS -sA) the
 * rules show every filter label of src/audit/stateful.ts: accept and reset
 * "none", accept-new "stateful", drop-syn "stateless", the others "blocked".
 */
export const DEFAULT_ROUTER_POLICY: RouterPolicy = {
  22: 'accept',
  443: 'accept',
  80: 'accept-new',
  8080: 'accept-new',
  3389: 'drop-syn',
  23: 'drop',
  111: 'reject-port',
  25: 'reject-admin',
  110: 'reject-host',
  113: 'reset',
};

export function routerRule(policy: RouterPolicy, port: number): RouterRule {
  return policy[port] ?? 'drop';
}

/** Whether a SYN to the port gets through the router: what a firewalk must call "allowed". */
export function passesSyn(rule: RouterRule): boolean {
  return rule === 'accept' || rule === 'accept-new';
}

const REJECT: Partial<Record<RouterRule, string>> = {
  'reject-port': 'reject with icmp port-unreachable',
  'reject-admin': 'reject with icmp admin-prohibited',
  'reject-host': 'reject with icmp host-prohibited',
  reset: 'reject with tcp reset',
  drop: 'drop',
};

export interface RouterFirewallSpec {
  policy: RouterPolicy;
  /** the router's interface towards the scanner: only traffic entering there is filtered */
  uplink: string;
}

/**
 * The ruleset. Order matters: packets of known connections first (stateful),
 * then everything that does not come from the scanner's side (answers from
 * the hosts, their ICMP errors), then the per-port verdicts, then the default drop.
 */
export function renderRouterRuleset(spec: RouterFirewallSpec): string {
  const portsOf = (rule: RouterRule) =>
    Object.entries(spec.policy)
      .filter(([, r]) => r === rule)
      .map(([port]) => Number(port))
      .sort((a, b) => a - b);
  const set = (ports: number[]) => `{ ${ports.join(', ')} }`;
  const rules = ['ct state established,related accept', `iifname != "${spec.uplink}" accept`];
  const stateless = portsOf('accept');
  if (stateless.length > 0) rules.push(`tcp dport ${set(stateless)} counter accept`);
  const stateful = portsOf('accept-new');
  if (stateful.length > 0) {
    rules.push(`tcp dport ${set(stateful)} tcp flags & (fin|syn|rst|ack) == syn ct state new counter accept`);
  }
  const synDropped = portsOf('drop-syn');
  if (synDropped.length > 0)
    rules.push(`tcp dport ${set(synDropped)} tcp flags & (syn|ack) != syn counter accept`);
  for (const [rule, verdict] of Object.entries(REJECT) as [RouterRule, string][]) {
    const ports = portsOf(rule);
    if (ports.length > 0) rules.push(`tcp dport ${set(ports)} counter ${verdict}`);
  }
  rules.push('counter drop');
  return [
    `table ip ${ROUTER_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    ...rules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface ExpectedPort {
  state: PortState;
  reason: Reason;
}

/** The probe types whose results through the router expectedThroughRouter knows. */
export type RouterProbe = Exclude<ScanType, 'custom' | 'connect'>;

/**
 * What nmap (and rawscan) must report for a probe through the router to a host
 * that does (listening) or does not listen on the port. A stateless accept lets
 * every probe reach the host, drop-syn every probe but the SYN, accept-new only
 * the SYN; a reset rule answers every probe with the router's own RST, and a
 * reject with its ICMP.
 */
export function expectedThroughRouter(scan: RouterProbe, rule: RouterRule, listening: boolean): ExpectedPort {
  switch (rule) {
    case 'accept':
      return hostAnswer(scan, listening);
    case 'accept-new':
      return scan === 'syn' ? hostAnswer(scan, listening) : silence(scan);
    case 'drop-syn':
      return scan === 'syn' ? silence(scan) : hostAnswer(scan, listening);
    case 'drop':
      return silence(scan);
    case 'reject-port':
      return { state: 'filtered', reason: 'port-unreach' };
    case 'reject-admin':
      return { state: 'filtered', reason: 'admin-prohibited' };
    case 'reject-host':
      return { state: 'filtered', reason: 'host-prohibited' };
    case 'reset':
      // The router's RST, as a closed port's: window 0, and no SYN-ACK ever.
      return hostAnswer(scan, false);
  }
}

/**
 * What the host's Linux stack answers (nmap's readings, docs/port-states.md):
 * a listener answers SYN with SYN-ACK, ignores FIN, NULL and Xmas, and resets
 * anything with ACK; a closed port resets everything. Linux RSTs carry window
 * 0, so the Window scan calls every port it reaches closed.
 */
function hostAnswer(scan: RouterProbe, listening: boolean): ExpectedPort {
  const reset: ExpectedPort = { state: 'closed', reason: 'reset' };
  switch (scan) {
    case 'syn':
      return listening ? { state: 'open', reason: 'syn-ack' } : reset;
    case 'fin':
    case 'null':
    case 'xmas':
      return listening ? { state: 'open|filtered', reason: 'no-response' } : reset;
    case 'ack':
      return { state: 'unfiltered', reason: 'reset' };
    case 'maimon':
    case 'window':
      return reset;
  }
}

/** A probe that nothing answers. */
function silence(scan: RouterProbe): ExpectedPort {
  const openOrFiltered = scan === 'fin' || scan === 'null' || scan === 'xmas' || scan === 'maimon';
  return { state: openOrFiltered ? 'open|filtered' : 'filtered', reason: 'no-response' };
}
