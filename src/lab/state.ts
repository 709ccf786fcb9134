// Labs that outlive the command that made them (`rawscan lab up`) are
// recorded in /run/rawscan-lab/<name>.json (tmpfs: gone after a reboot, as
// the namespaces are), so that `lab status` and `lab down` can find them.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortPlan } from './plan.js';
import type { RoutedHost } from './routed.js';
import type { RouterPolicy } from './router-firewall.js';

export const LAB_STATE_DIR = '/run/rawscan-lab';

/** A recorded lab: the two-namespace lab (no `kind`: files written before routed labs have none) or a routed one. */
export type LabState = PlainLabState | RoutedLabState;

interface LabStateBase {
  name: string;
  scannerNs: string;
  scannerAddress: string;
  scannerInterface: string;
  /** ISO 8601 */
  createdAt: string;
}

export interface PlainLabState extends LabStateBase {
  kind?: 'plain';
  targetNs: string;
  targetAddress: string;
  targetRange: string;
  /** ports that are not closed, with their behaviour */
  ports: PortPlan;
  lossPercent: number;
  icmpRateLimit: boolean;
}

/** `rawscan lab up NAME --routed`: the router's policy and the hosts behind it are its truth. */
export interface RoutedLabState extends LabStateBase {
  kind: 'routed';
  routerNs: string;
  /** the router's address as the scanner sees it */
  gateway: string;
  policy: RouterPolicy;
  hosts: Record<RoutedHost, { ns: string; address: string; listening: number[] }>;
}

const stateFile = (name: string) => join(LAB_STATE_DIR, `${name}.json`);

export async function saveLabState(state: LabState): Promise<void> {
  await mkdir(LAB_STATE_DIR, { recursive: true, mode: 0o755 });
  await writeFile(stateFile(state.name), JSON.stringify(state, null, 2) + '\n');
}

export async function hasLabState(name: string): Promise<boolean> {
  return (await readLabState(name)) !== undefined;
}

export async function readLabState(name: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(name), 'utf8')) as LabState;
  } catch {
    return undefined; // missing or unreadable: not a recorded lab
  }
}

/** Every recorded lab, by name. */
export async function readLabStates(): Promise<LabState[]> {
  let files: string[];
  try {
    files = await readdir(LAB_STATE_DIR);
  } catch {
    return [];
  }
  const names = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  const states = await Promise.all(names.map(readLabState));
  return states.filter((s): s is LabState => s !== undefined);
}

export async function removeLabState(name: string): Promise<void> {
  await rm(stateFile(name), { force: true });
}
