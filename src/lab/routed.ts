// createRoutedLab: a scanner behind a router whose nftables forward chain is
// the firewall under audit, with a target network of two hosts and a third
// host one more hop behind them (routed-topology.ts draws it). The policy and
// the listening ports are the lab's ground truth, exposed for tests. Needs
// root; removed by destroy(), or at the latest when this process exits unless
// it is made to persist (`rawscan lab up --routed`; `rawscan lab down` removes it).
import type { ChildProcess } from 'node:child_process';
import { UsageError } from '../cli/errors.js';
import { holdLab, releaseLab, removeLab } from './cleanup.js';
import { listenerScript, requireRoot, startListener } from './index.js';
import {
  checkLabName,
  generateLabName,
  labNamespaces,
  routedLabNames,
  type RoutedLabNames,
} from './names.js';
import { execInNamespace, listNamespaces, runChecked } from './netns.js';
import {
  DEFAULT_ROUTER_POLICY,
  expectedThroughRouter,
  renderRouterRuleset,
  ROUTER_RULES,
  routerRule,
  type ExpectedPort,
  type RouterPolicy,
  type RouterProbe,
  type RouterRule,
} from './router-firewall.js';
import { buildRoutedTopology, ROUTED_ADDRESSES } from './routed-topology.js';
import type { ExecResult } from './types.js';

export { ROUTED_ADDRESSES } from './routed-topology.js';
export * from './router-firewall.js';

export const ROUTED_HOSTS = ['hostA', 'hostB', 'hostC'] as const;
export type RoutedHost = (typeof ROUTED_HOSTS)[number];

/**
 * Listening ports per host: open and closed ports behind both accepting
 * rules, and listeners behind blocking rules (the router must hide them).
 */
export const DEFAULT_LISTENING: Readonly<Record<RoutedHost, readonly number[]>> = {
  hostA: [22, 80, 23, 25],
  hostB: [22, 8080],
  hostC: [22, 80, 113],
};

export interface RoutedLabOptions {
  /** lab name, 1-6 lowercase letters or digits; default generated (see names.ts) */
  name?: string;
  /** the router's verdict per TCP port (default DEFAULT_ROUTER_POLICY); unlisted ports are dropped */
  policy?: RouterPolicy;
  /** ports with a listener, per host (default DEFAULT_LISTENING); every other port is closed */
  listening?: Partial<Record<RoutedHost, readonly number[]>>;
  /** keep the lab when this process exits (rawscan lab up --routed); default: removed at exit at the latest */
  persist?: boolean;
}

export interface RoutedHostInfo {
  ns: string;
  address: string;
}

export interface RoutedLab {
  readonly name: string;
  readonly scannerNs: string;
  readonly routerNs: string;
  /** 198.18.1.1, on scannerInterface */
  readonly scannerAddress: string;
  readonly scannerInterface: string;
  /** the router's address as the scanner sees it (198.18.1.2): the gateway of a firewalk */
  readonly gateway: string;
  readonly hosts: Readonly<Record<RoutedHost, RoutedHostInfo>>;
  readonly policy: RouterPolicy;
  /** the router's rule for a port (unlisted: drop) */
  rule(port: number): RouterRule;
  listening(host: RoutedHost, port: number): boolean;
  /** the state and reason a scan from the scanner namespace must report */
  expected(scan: RouterProbe, host: RoutedHost, port: number): ExpectedPort;
  /** run a program in one of the lab's namespaces (execFile, never a shell) */
  exec(
    ns: string,
    file: string,
    args: string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  execInScanner(
    file: string,
    args: string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  /** remove namespaces and listeners; safe to call twice */
  destroy(): Promise<void>;
}

const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60_000;

export async function createRoutedLab(opts: RoutedLabOptions = {}): Promise<RoutedLab> {
  requireRoot();
  const policy = checkRouterPolicy(opts.policy ?? DEFAULT_ROUTER_POLICY);
  const listening = checkListening({ ...DEFAULT_LISTENING, ...opts.listening });
  const names = routedLabNames(opts.name === undefined ? generateLabName() : checkLabName(opts.name));
  const wanted = labNamespaces(names);
  const taken = (await listNamespaces()).filter((ns) => wanted.includes(ns));
  if (taken.length > 0) {
    throw new UsageError(
      `a lab named '${names.name}' exists already (${taken.join(', ')}); remove it with \`rawscan lab down ${names.name}\` or choose another name`,
    );
  }
  if (!opts.persist) holdLab(names);
  const listeners: ChildProcess[] = [];
  try {
    await buildRoutedTopology(names);
    const ruleset = renderRouterRuleset({ policy, uplink: names.routerUplink });
    await runChecked('ip', ['netns', 'exec', names.routerNs, 'nft', '-f', '-'], { input: ruleset });
    const hosts = hostsOf(names);
    for (const host of ROUTED_HOSTS) {
      const ports = [...listening[host]];
      if (ports.length > 0)
        listeners.push(await startListener(hosts[host].ns, listenerScript(), ports, !!opts.persist));
    }
    return new NamespaceRoutedLab(names, hosts, policy, listening, listeners);
  } catch (err) {
    for (const child of listeners) child.kill('SIGKILL');
    await removeLab(names);
    releaseLab(names.name);
    throw err;
  }
}

function hostsOf(names: RoutedLabNames): Record<RoutedHost, RoutedHostInfo> {
  return {
    hostA: { ns: names.targetNs, address: ROUTED_ADDRESSES.hostA },
    hostB: { ns: names.hostBNs, address: ROUTED_ADDRESSES.hostB },
    hostC: { ns: names.hostCNs, address: ROUTED_ADDRESSES.hostC },
  };
}

class NamespaceRoutedLab implements RoutedLab {
  readonly name: string;
  readonly scannerNs: string;
  readonly routerNs: string;
  readonly scannerAddress = ROUTED_ADDRESSES.scanner;
  readonly scannerInterface: string;
  readonly gateway = ROUTED_ADDRESSES.routerUplink;
  private destroyed: Promise<void> | undefined;

  constructor(
    private readonly names: RoutedLabNames,
    readonly hosts: Readonly<Record<RoutedHost, RoutedHostInfo>>,
    readonly policy: RouterPolicy,
    private readonly listeningPorts: Readonly<Record<RoutedHost, ReadonlySet<number>>>,
    private readonly listeners: ChildProcess[],
  ) {
    this.name = names.name;
    this.scannerNs = names.scannerNs;
    this.routerNs = names.routerNs;
    this.scannerInterface = names.scannerVeth;
  }

  rule(port: number): RouterRule {
    return routerRule(this.policy, port);
  }

  listening(host: RoutedHost, port: number): boolean {
    return this.listeningPorts[host].has(port);
  }

  expected(scan: RouterProbe, host: RoutedHost, port: number): ExpectedPort {
    return expectedThroughRouter(scan, this.rule(port), this.listening(host, port));
  }

  exec(ns: string, file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}) {
    if (!labNamespaces(this.names).includes(ns))
      throw new Error(`${ns} is not a namespace of lab ${this.name}`);
    return execInNamespace(ns, file, args, { timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, ...opts });
  }

  execInScanner(file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}) {
    return this.exec(this.scannerNs, file, args, opts);
  }

  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      for (const child of this.listeners) child.kill('SIGKILL');
      await removeLab(this.names);
      releaseLab(this.name);
    })();
    return this.destroyed;
  }
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${what}: port ${port} is out of range: ports are 1-65535`);
  }
  return port;
}

/** Checks a policy given as options: ports 1-65535, known rules. */
export function checkRouterPolicy(policy: RouterPolicy): RouterPolicy {
  for (const [key, rule] of Object.entries(policy)) {
    checkPort(Number(key), 'routed lab policy');
    if (!ROUTER_RULES.includes(rule)) {
      throw new UsageError(
        `routed lab policy, port ${key}: unknown rule '${rule}' (one of ${ROUTER_RULES.join(', ')})`,
      );
    }
  }
  return { ...policy };
}

function checkListening(
  listening: Record<RoutedHost, readonly number[] | undefined>,
): Record<RoutedHost, ReadonlySet<number>> {
  const sets = (host: RoutedHost) =>
    new Set((listening[host] ?? []).map((p) => checkPort(p, `routed lab listeners of ${host}`)));
  return { hostA: sets('hostA'), hostB: sets('hostB'), hostC: sets('hostC') };
}
