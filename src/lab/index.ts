// createLab: a scanner namespace and a target namespace answering for a
// whole range with the configured port behaviours (see types.ts, DESIGN.md
// "Test lab"). Needs root. The lab is removed by destroy(), or at the latest
// when this process exits, unless it is made to persist (rawscan lab up).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../cli/errors.js';
import { holdLab, releaseLab, removeLab } from './cleanup.js';
import { renderRuleset } from './firewall.js';
import { checkLabName, generateLabName, labNames, type LabNames } from './names.js';
import { execInNamespace, listNamespaces, runChecked } from './netns.js';
import { checkPortPlan } from './plan.js';
import { buildTopology, parseTargetRange, SCANNER_ADDRESS } from './topology.js';
import type { Lab, LabOptions, PortBehaviour } from './types.js';

export { cleanupStaleLabs, removeLab } from './cleanup.js';
export { labNames } from './names.js';
export { evenCounts, parsePortList, portsByBehaviour, randomPortPlan } from './plan.js';
export type { PortCounts, PortPlan } from './plan.js';
export { expectedState } from './types.js';
export type { ExecResult, Lab, LabOptions, PortBehaviour } from './types.js';

export const DEFAULT_TARGET_RANGE = '198.19.0.0/16';
const LISTENER_READY_TIMEOUT_MS = 30_000;
const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60_000;

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  requireRoot();
  const ports = checkPortPlan(opts.ports ?? {});
  const range = parseTargetRange(opts.targetRange ?? DEFAULT_TARGET_RANGE);
  const lossPercent = opts.lossPercent ?? 0;
  if (!(lossPercent >= 0 && lossPercent <= 100)) {
    throw new UsageError(`lab loss ${lossPercent} is invalid: give a percentage from 0 to 100`);
  }
  const openPorts = [...ports].filter(([, b]) => b === 'open' || b === 'stateful').map(([port]) => port);
  const listener = openPorts.length > 0 ? listenerScript() : undefined;
  const names = labNames(opts.name === undefined ? generateLabName() : checkLabName(opts.name));
  const taken = (await listNamespaces()).filter((ns) => ns === names.scannerNs || ns === names.targetNs);
  if (taken.length > 0) {
    throw new UsageError(
      `a lab named '${names.name}' exists already (${taken.join(', ')}); remove it with \`rawscan lab down ${names.name}\` or choose another name`,
    );
  }
  if (!opts.persist) holdLab(names);
  try {
    await buildTopology(names, range, opts.icmpRateLimit ?? false);
    const ruleset = renderRuleset({ ports, lossPercent, targetVeth: names.targetVeth });
    if (ruleset !== undefined) {
      await runChecked('ip', ['netns', 'exec', names.targetNs, 'nft', '-f', '-'], { input: ruleset });
    }
    const child =
      listener === undefined
        ? undefined
        : await startListener(names.targetNs, listener, openPorts, !!opts.persist);
    return new NamespaceLab(names, range.cidr, range.firstAddress, ports, child);
  } catch (err) {
    await removeLab(names);
    releaseLab(names.name);
    throw err;
  }
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError('the lab needs root to create network namespaces; run with sudo');
  }
}

class NamespaceLab implements Lab {
  readonly name: string;
  readonly scannerNs: string;
  readonly targetNs: string;
  readonly scannerAddress = SCANNER_ADDRESS;
  readonly scannerInterface: string;
  private destroyed: Promise<void> | undefined;

  constructor(
    names: LabNames,
    readonly targetRange: string,
    readonly targetAddress: string,
    private readonly ports: ReadonlyMap<number, PortBehaviour>,
    private readonly listener: ChildProcess | undefined,
  ) {
    this.name = names.name;
    this.scannerNs = names.scannerNs;
    this.targetNs = names.targetNs;
    this.scannerInterface = names.scannerVeth;
  }

  truth(port: number): PortBehaviour {
    return this.ports.get(port) ?? 'closed';
  }

  execInScanner(file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}) {
    return execInNamespace(this.scannerNs, file, args, { timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, ...opts });
  }

  execInTarget(file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}) {
    return execInNamespace(this.targetNs, file, args, { timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, ...opts });
  }

  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      this.listener?.kill('SIGKILL');
      await removeLab(labNames(this.name));
      releaseLab(this.name);
    })();
    return this.destroyed;
  }
}

/** dist/lab/listener.js, next to this module when running from dist/, else in the package's dist/. */
export function listenerScript(): string {
  for (const candidate of ['./listener.js', '../../dist/lab/listener.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('lab listener missing: run `npm run build:ts` to build dist/lab/listener.js');
}

/**
 * Starts the listener in the target namespace and waits for its "ready".
 * A persistent lab's listener is detached and outlives us; otherwise it exits
 * when our end of its stdin closes, i.e. with this process.
 */
export function startListener(
  ns: string,
  script: string,
  ports: number[],
  persist: boolean,
): Promise<ChildProcess> {
  const args = persist ? ports.map(String) : ['--until-stdin-closes', ...ports.map(String)];
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script, ...args], {
    stdio: [persist ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: persist,
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(`no "ready" within ${LISTENER_READY_TIMEOUT_MS} ms`),
      LISTENER_READY_TIMEOUT_MS,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`lab listener in ${ns} failed: ${why} ${stderr.trim()}`));
    };
    child.on('error', (err) => fail(err.message));
    child.on('exit', (code) => fail(`exited with code ${code}`));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      if (persist) {
        child.stdout!.destroy();
        child.stderr!.destroy();
      }
      // Neither the listener nor its pipes keep this process alive.
      child.unref();
      for (const pipe of [child.stdin, child.stdout, child.stderr])
        (pipe as { unref?: () => void } | null)?.unref?.();
      resolve(child);
    });
  });
}
