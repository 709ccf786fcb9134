// The lab's wiring: scanner namespace ── veth /30 ── target namespace, the
// target answering for a whole range through an AnyIP route. No namespace has
// a default route, so nothing sent inside the lab can leave the machine.
import { UsageError } from '../cli/errors.js';
import type { LabNames } from './names.js';
import { runChecked } from './netns.js';
import { cidrBounds, ipToString, parseIpv4 } from '../targets/ipv4.js';

export const SCANNER_ADDRESS = '198.18.0.1';
export const TARGET_LINK_ADDRESS = '198.18.0.2';
const LINK_PREFIX = 30;
/** The benchmarking range (RFC 2544): every lab address lies inside it. */
const LAB_SPACE = cidrBounds(parseIpv4('198.18.0.0')!, 15);
const LINK = cidrBounds(parseIpv4('198.18.0.0')!, LINK_PREFIX);

export interface TargetRange {
  /** normalised CIDR, e.g. 198.19.0.0/16 */
  cidr: string;
  /** first host address of the range, e.g. 198.19.0.1 */
  firstAddress: string;
}

/** Parses and checks the range the target answers for: inside 198.18.0.0/15 and clear of the veth link. */
export function parseTargetRange(cidr: string): TargetRange {
  const [address, prefixText, extra] = cidr.split('/');
  const base = parseIpv4(address);
  const prefix = /^\d{1,2}$/.test(prefixText ?? '') ? Number(prefixText) : NaN;
  if (base === null || extra !== undefined || !(prefix <= 32)) {
    throw new UsageError(`lab target range '${cidr}' is invalid: give a CIDR such as 198.19.0.0/16`);
  }
  const [first, last] = cidrBounds(base, prefix);
  if (first < LAB_SPACE[0] || last > LAB_SPACE[1]) {
    throw new UsageError(
      `lab target range '${cidr}' is outside 198.18.0.0/15, the only space the lab may use`,
    );
  }
  if (first <= LINK[1] && last >= LINK[0]) {
    throw new UsageError(
      `lab target range '${cidr}' overlaps the lab's link 198.18.0.0/30; use e.g. 198.19.0.0/16`,
    );
  }
  // A /31 or /32 has no network address to skip.
  return {
    cidr: `${ipToString(first)}/${prefix}`,
    firstAddress: ipToString(prefix >= 31 ? first : first + 1),
  };
}

/** Target-namespace sysctls: answer on the veth for AnyIP addresses and never throttle answers. */
export function targetSysctls(targetVeth: string, icmpRateLimit: boolean): string[] {
  const settings = [
    'net.ipv4.conf.all.rp_filter=0',
    'net.ipv4.conf.default.rp_filter=0',
    'net.ipv4.conf.lo.rp_filter=0',
    `net.ipv4.conf.${targetVeth}.rp_filter=0`,
    // A SYN scan leaves one SYN_RECV entry per open port until the scanner's
    // kernel resets it; cookies keep answers coming when a queue overflows.
    'net.ipv4.tcp_syncookies=1',
    'net.ipv4.tcp_max_syn_backlog=65536',
    'net.core.somaxconn=65535',
  ];
  if (!icmpRateLimit) {
    // icmp_msgs_per_sec * HZ must fit an int in the kernel: 1e6 is safe.
    settings.push(
      'net.ipv4.icmp_ratelimit=0',
      'net.ipv4.icmp_msgs_per_sec=1000000',
      'net.ipv4.icmp_msgs_burst=1000000',
    );
  }
  return settings;
}

/** Creates both namespaces and wires them; on failure the caller removes the namespaces. */
export async function buildTopology(
  names: LabNames,
  range: TargetRange,
  icmpRateLimit: boolean,
): Promise<void> {
  const { scannerNs, targetNs, scannerVeth, targetVeth } = names;
  await runChecked('ip', ['netns', 'add', scannerNs]);
  await runChecked('ip', ['netns', 'add', targetNs]);
  const peer = ['peer', 'name', targetVeth, 'netns', targetNs];
  await runChecked('ip', ['link', 'add', scannerVeth, 'netns', scannerNs, 'type', 'veth', ...peer]);
  await ipBatch(targetNs, [
    'link set lo up',
    `addr add ${TARGET_LINK_ADDRESS}/${LINK_PREFIX} dev ${targetVeth}`,
    `link set ${targetVeth} up`,
    `route add local ${range.cidr} dev lo`,
  ]);
  await ipBatch(scannerNs, [
    'link set lo up',
    `addr add ${SCANNER_ADDRESS}/${LINK_PREFIX} dev ${scannerVeth}`,
    `link set ${scannerVeth} up`,
    `route add ${range.cidr} via ${TARGET_LINK_ADDRESS} dev ${scannerVeth}`,
  ]);
  await runChecked('ip', [
    'netns',
    'exec',
    targetNs,
    'sysctl',
    '-q',
    '-w',
    ...targetSysctls(targetVeth, icmpRateLimit),
  ]);
}

/** Runs iproute2 commands in a namespace, one per line (ip -batch). */
export function ipBatch(ns: string, commands: string[]): Promise<string> {
  return runChecked('ip', ['-n', ns, '-batch', '-'], { input: commands.join('\n') + '\n' });
}
