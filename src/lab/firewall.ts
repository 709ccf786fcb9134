// The target namespace's nftables ruleset: one table whose input chain turns
// the configured port behaviours into drops, ICMP rejects and TCP resets, with
// one named set of ports per behaviour (a set lookup per packet, so thousands
// of ports cost no more than a few), and optional random loss on the veth in
// both directions. Pure: renders the text that `nft -f -` loads.
import type { PortBehaviour } from './types.js';

export const LAB_TABLE = 'rawscan_lab';

/** What nftables does to a TCP packet to a port of each filtered behaviour. */
const VERDICTS: Partial<Record<PortBehaviour, { set: string; verdict: string }>> = {
  drop: { set: 'drop_ports', verdict: 'drop' },
  'reject-port': { set: 'reject_port_ports', verdict: 'reject with icmp port-unreachable' },
  'reject-admin': { set: 'reject_admin_ports', verdict: 'reject with icmp admin-prohibited' },
  'reject-host': { set: 'reject_host_ports', verdict: 'reject with icmp host-prohibited' },
  reset: { set: 'reset_ports', verdict: 'reject with tcp reset' },
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
  for (const [behaviour, { set, verdict }] of Object.entries(VERDICTS)) {
    const ports = [...spec.ports].filter(([, b]) => b === behaviour).map(([port]) => port);
    if (ports.length === 0) continue;
    sets.push(`  set ${set} { type inet_service; elements = { ${ports.sort((a, b) => a - b).join(', ')} } }`);
    rules.push(`    tcp dport @${set} counter ${verdict}`);
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
