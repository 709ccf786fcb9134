// The target namespace's nftables ruleset: one table whose input chain turns
// the configured port behaviours into drops, ICMP rejects and TCP resets, with
// one named set of ports per behaviour (a set lookup per packet, so thousands
// of ports cost no more than a few), and optional random loss on the veth in
// both directions. Pure: renders the text that `nft -f -` loads.
import type { PortBehaviour } from './types.js';

export const LAB_TABLE = 'rawscan_lab';

/**
 * What nftables does to a TCP packet to a port of each filtered behaviour: the
 * rules (after `tcp dport @set`) in order. 'stateful' and 'drop-syn' are the two
 * kinds of filter that SYN and ACK results tell apart (src/audit/stateful.ts).
 */
const VERDICTS: Partial<Record<PortBehaviour, { set: string; rules: string[] }>> = {
  drop: { set: 'drop_ports', rules: ['counter drop'] },
  'reject-port': { set: 'reject_port_ports', rules: ['counter reject with icmp port-unreachable'] },
  'reject-admin': { set: 'reject_admin_ports', rules: ['counter reject with icmp admin-prohibited'] },
  'reject-host': { set: 'reject_host_ports', rules: ['counter reject with icmp host-prohibited'] },
  reset: { set: 'reset_ports', rules: ['counter reject with tcp reset'] },
  // New connections only through a SYN; then the connection's packets; nothing else.
  stateful: {
    set: 'stateful_ports',
    rules: [
      'ct state established,related counter accept',
      'ct state new tcp flags & (syn | ack) == syn counter accept',
      'counter drop',
    ],
  },
  // A stateless rule on the flags of each packet alone.
  'drop-syn': { set: 'drop_syn_ports', rules: ['tcp flags & (syn | ack) == syn counter drop'] },
};

export interface FirewallSpec {
  /** behaviour per port; open and closed ports need no rule */
  ports: ReadonlyMap<number, PortBehaviour>;
  /** percent of packets dropped in each direction on targetVeth, 0-100 */
  lossPercent: number;
  targetVeth: string;
}

/** The ruleset, or undefined when the target needs no rule at all. */
export function renderRuleset(spec: FirewallSpec): string | undefined {
  const sets: string[] = [];
  const rules: string[] = [];
  for (const [behaviour, { set, rules: verdicts }] of Object.entries(VERDICTS)) {
    const ports = [...spec.ports].filter(([, b]) => b === behaviour).map(([port]) => port);
    if (ports.length === 0) continue;
    sets.push(`  set ${set} { type inet_service; elements = { ${ports.sort((a, b) => a - b).join(', ')} } }`);
    for (const verdict of verdicts) rules.push(`    tcp dport @${set} ${verdict}`);
  }
  const chains: string[] = [];
  if (rules.length > 0) {
    chains.push(chain('input', 'input', 0, rules));
  }
  if (spec.lossPercent > 0) {
    const lose = `numgen random mod 100 < ${Math.round(spec.lossPercent)} counter drop`;
    chains.push(chain('loss_in', 'prerouting', -300, [`    iifname "${spec.targetVeth}" ${lose}`]));
    chains.push(chain('loss_out', 'postrouting', -300, [`    oifname "${spec.targetVeth}" ${lose}`]));
  }
  if (chains.length === 0) return undefined;
  return [`table ip ${LAB_TABLE} {`, ...sets, ...chains, '}', ''].join('\n');
}

function chain(name: string, hook: string, priority: number, rules: string[]): string {
  return [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority ${priority}; policy accept;`,
    ...rules,
    '  }',
  ].join('\n');
}
