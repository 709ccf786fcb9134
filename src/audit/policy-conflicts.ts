// Contradictions inside a policy: two rules that no port state could satisfy at
// once, for the same port on the same host. Rules that merely overlap (closed and
// blocked, or the same category twice) are fine: each is checked on its own.
// Explicit rules always win over defaults, so only default-vs-default is checked
// between defaults. Errors point at the later of the two rules.
import { blocksOverlap, firstSharedAddress, formatIPv4 } from './ip.js';
import { spansOverlap } from './policy-ports.js';
import { contradicts, PolicyError, type PortRule, type RuleRef, type Zone } from './policy-types.js';

export function checkConflicts(zones: Zone[], file: string): void {
  for (const zone of zones) checkWithinZone(zone, file);
  for (let later = 1; later < zones.length; later++) {
    for (let earlier = 0; earlier < later; earlier++) {
      const host = sharedHost(zones[earlier], zones[later]);
      if (host !== undefined) checkAcrossZones(zones[earlier], zones[later], host, file);
    }
  }
}

function checkWithinZone(zone: Zone, file: string): void {
  const rules = [...zone.rules].sort((a, b) => a.line - b.line || a.index - b.index);
  for (let j = 1; j < rules.length; j++) {
    for (let i = 0; i < j; i++) {
      const [first, second] = [rules[i], rules[j]];
      if (!spansOverlap(first, second) || !contradicts(first.category, second.category)) continue;
      throw new PolicyError(
        file,
        second.line,
        second.path,
        `port ${sharedPort(first, second)} is listed as ${second.category} here and as ${first.category} ` +
          `in ${where(first)}; a port cannot be both`,
      );
    }
  }
}

function checkAcrossZones(earlier: Zone, later: Zone, host: number, file: string): void {
  const address = formatIPv4(host);
  for (const rule of later.rules) {
    for (const other of earlier.rules) {
      if (!spansOverlap(rule, other) || !contradicts(rule.category, other.category)) continue;
      throw new PolicyError(
        file,
        rule.line,
        rule.path,
        `port ${sharedPort(rule, other)} on ${address} is expected ${rule.category} here ` +
          `but ${other.category} by ${where(other)} of zone "${earlier.name}"`,
      );
    }
  }
  const [mine, theirs] = [later.defaultRule, earlier.defaultRule];
  if (mine && theirs && contradicts(mine.category, theirs.category)) {
    throw new PolicyError(
      file,
      mine.line,
      mine.path,
      `default ${mine.category} contradicts default ${theirs.category} of zone "${earlier.name}" ` +
        `(${where(theirs)}) for ${address}, which both zones cover`,
    );
  }
}

function sharedHost(a: Zone, b: Zone): number | undefined {
  for (const blockA of a.hosts) {
    for (const blockB of b.hosts) {
      if (blocksOverlap(blockA, blockB)) return firstSharedAddress(blockA, blockB);
    }
  }
  return undefined;
}

function sharedPort(a: PortRule, b: PortRule): number {
  return Math.max(a.low, b.low);
}

function where(rule: RuleRef): string {
  return `${rule.path} (line ${rule.line})`;
}
