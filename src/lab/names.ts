// Names of a lab's kernel objects. A lab called <name> owns the namespaces
// rs-<name>-scan and rs-<name>-tgt and the veth pair rs-<name>-s / rs-<name>-t;
// a routed lab (routed.ts) also owns rs-<name>-rtr, rs-<name>-hb and rs-<name>-hc.
// Generated names are <creator pid in base 36>-<2 random base-36 chars>, so a
// lab left behind by a dead process can be recognised and removed; names given
// by a user are 1-6 lowercase letters or digits (no dash, so they never look
// generated). Every interface name stays within the kernel's 15 bytes.
import { randomInt } from 'node:crypto';
import { UsageError } from '../cli/errors.js';

export const NAMESPACE_PREFIX = 'rs-';
const USER_NAME = /^[a-z0-9]{1,6}$/;
const GENERATED_NAME = /^([0-9a-z]{1,5})-[0-9a-z]{2}$/;
const NAMESPACE_NAME = /^rs-([0-9a-z-]+)-(scan|tgt|rtr|hb|hc)$/;

export interface LabNames {
  name: string;
  scannerNs: string;
  targetNs: string;
  scannerVeth: string;
  targetVeth: string;
  /** namespaces beyond scanner and target (a routed lab's router and hosts); removed with the lab */
  extraNs?: readonly string[];
}

/**
 * A routed lab's names: the scanner and host A (the "target") as in labNames,
 * plus the router and hosts B and C, and the veth ends of each link:
 * scanner s ── r router; router bridge br with ra ── a (host A) and rb ── b (host B);
 * host B bc ── c host C.
 */
export interface RoutedLabNames extends LabNames {
  routerNs: string;
  hostBNs: string;
  hostCNs: string;
  extraNs: readonly string[];
  routerUplink: string;
  routerBridge: string;
  routerToA: string;
  routerToB: string;
  hostBVeth: string;
  hostBToC: string;
  hostCVeth: string;
}

/** A fresh lab name that encodes the creating process's pid. */
export function generateLabName(pid = process.pid): string {
  const suffix = randomInt(36 * 36)
    .toString(36)
    .padStart(2, '0');
  return `${pid.toString(36)}-${suffix}`;
}

/** Checks a user-chosen lab name; throws UsageError naming the rule. */
export function checkLabName(name: string): string {
  if (!USER_NAME.test(name) && !GENERATED_NAME.test(name)) {
    throw new UsageError(`lab name '${name}' is invalid: use 1-6 lowercase letters or digits (e.g. 'demo')`);
  }
  return name;
}

export function labNames(name: string): LabNames {
  return {
    name,
    scannerNs: `${NAMESPACE_PREFIX}${name}-scan`,
    targetNs: `${NAMESPACE_PREFIX}${name}-tgt`,
    scannerVeth: `${NAMESPACE_PREFIX}${name}-s`,
    targetVeth: `${NAMESPACE_PREFIX}${name}-t`,
  };
}

export function routedLabNames(name: string): RoutedLabNames {
  const base = labNames(name);
  const ns = (role: string) => `${NAMESPACE_PREFIX}${name}-${role}`;
  return {
    ...base,
    targetVeth: ns('a'),
    routerNs: ns('rtr'),
    hostBNs: ns('hb'),
    hostCNs: ns('hc'),
    extraNs: [ns('rtr'), ns('hb'), ns('hc')],
    routerUplink: ns('r'),
    routerBridge: ns('br'),
    routerToA: ns('ra'),
    routerToB: ns('rb'),
    hostBVeth: ns('b'),
    hostBToC: ns('bc'),
    hostCVeth: ns('c'),
  };
}

/** Every namespace a lab owns. */
export function labNamespaces(names: LabNames): string[] {
  return [names.scannerNs, names.targetNs, ...(names.extraNs ?? [])];
}

/** The lab a namespace belongs to, or undefined for namespaces that are not a lab's. */
export function labOfNamespace(ns: string): string | undefined {
  const m = NAMESPACE_NAME.exec(ns);
  return m && (USER_NAME.test(m[1]) || GENERATED_NAME.test(m[1])) ? m[1] : undefined;
}

/** The pid that created a lab with a generated name; undefined for user-chosen names. */
export function creatorPid(name: string): number | undefined {
  const m = GENERATED_NAME.exec(name);
  return m ? parseInt(m[1], 36) : undefined;
}
