// IPv4 addresses and CIDR blocks as the audit policy writes them. Addresses are
// host-order u32 numbers (0 .. 2^32-1), the same convention as ReplyRecord.target.
// Parsers return an error text instead of throwing, so the policy parser can put
// file, line and field in front of it.

import { ipToString, parseIpv4 } from '../targets/ipv4.js';

/** An inclusive range of host-order u32 addresses, as written in a policy. */
export interface HostBlock {
  /** the text as written: "198.19.0.1" or "198.19.1.0/30" */
  spec: string;
  first: number;
  last: number;
}

/** Dotted quad → u32, or undefined. Policies also refuse leading zeros (they read as octal elsewhere). */
export function parseIPv4(text: string): number | undefined {
  if (/(^|\.)0\d/.test(text)) return undefined;
  return parseIpv4(text) ?? undefined;
}

export const formatIPv4 = ipToString;

/** "a.b.c.d" or "a.b.c.d/len" → a block; an error text says what is wrong and how to fix it. */
export function parseHostBlock(spec: string): HostBlock | string {
  const slash = spec.indexOf('/');
  const addressText = slash < 0 ? spec : spec.slice(0, slash);
  const address = parseIPv4(addressText);
  if (address === undefined) {
    return `"${spec}" is not an IPv4 address or CIDR block (expected e.g. 198.19.0.1 or 198.19.0.0/24)`;
  }
  if (slash < 0) return { spec, first: address, last: address };
  const lengthText = spec.slice(slash + 1);
  if (!/^(0|[1-9][0-9]?)$/.test(lengthText) || Number(lengthText) > 32) {
    return `"${spec}" has prefix length "${lengthText}"; it must be 0-32`;
  }
  const size = 2 ** (32 - Number(lengthText));
  const first = address - (address % size);
  if (first !== address) {
    return `"${spec}" has host bits set; the block is ${formatIPv4(first)}/${lengthText}`;
  }
  return { spec, first, last: first + size - 1 };
}

/** The addresses of `blocks` as ascending, disjoint, non-adjacent ranges (each address once). */
export function mergeBlocks(blocks: readonly HostBlock[]): { first: number; last: number }[] {
  const sorted = [...blocks].sort((a, b) => a.first - b.first);
  const merged: { first: number; last: number }[] = [];
  for (const { first, last } of sorted) {
    const previous = merged.at(-1);
    if (previous && first <= previous.last + 1) previous.last = Math.max(previous.last, last);
    else merged.push({ first, last });
  }
  return merged;
}

export function blocksOverlap(a: HostBlock, b: HostBlock): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The first address two blocks share; only meaningful when they overlap. */
export function firstSharedAddress(a: HostBlock, b: HostBlock): number {
  return Math.max(a.first, b.first);
}
