// Making sure labs go away: removal of a lab's namespaces, removal at process
// exit or on SIGINT/SIGTERM of the labs this process still holds (best
// effort: a SIGKILL leaves them behind), and removal of labs whose creator
// died, found by the pid their generated name encodes.
import { creatorPid, labNamespaces, labOfNamespace, NAMESPACE_PREFIX, type LabNames } from './names.js';
import { isProcessAlive, listNamespaces, removeNamespace, removeNamespaceSync } from './netns.js';
import { hasLabState } from './state.js';

/** Labs of this process that must not outlive it, by name. */
const heldLabs = new Map<string, LabNames>();
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let hooksInstalled = false;

/** Removes every namespace of a lab (and so its veth pairs, listeners and rules). */
export async function removeLab(names: LabNames): Promise<void> {
  await Promise.all(labNamespaces(names).map(removeNamespace));
}

/** From now until releaseLab, this lab is removed when the process exits. */
export function holdLab(names: LabNames): void {
  heldLabs.set(names.name, names);
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', removeHeldLabsSync);
  for (const signal of EXIT_SIGNALS) process.on(signal, onExitSignal);
}

export function releaseLab(name: string): void {
  heldLabs.delete(name);
}

function removeHeldLabsSync(): void {
  for (const names of heldLabs.values()) labNamespaces(names).forEach(removeNamespaceSync);
  heldLabs.clear();
}

/** Cleans up, then lets the signal do what it would have done without us. */
function onExitSignal(signal: NodeJS.Signals): void {
  removeHeldLabsSync();
  for (const s of EXIT_SIGNALS) process.off(s, onExitSignal);
  hooksInstalled = false;
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Removes labs left behind by processes that are gone: namespaces named
 * `<prefix><generated lab name>-<role>` (see names.ts) whose creator pid no
 * longer runs and that no `rawscan lab up` state file claims. Returns the lab
 * names removed.
 */
export async function cleanupStaleLabs(prefix = NAMESPACE_PREFIX): Promise<string[]> {
  const stale = new Map<string, string[]>();
  for (const ns of await listNamespaces()) {
    const name = ns.startsWith(prefix) ? labOfNamespace(ns) : undefined;
    const pid = name === undefined ? undefined : creatorPid(name);
    if (name === undefined || pid === undefined || heldLabs.has(name)) continue;
    if (stale.has(name)) stale.get(name)!.push(ns);
    else if (!isProcessAlive(pid) && !(await hasLabState(name))) stale.set(name, [ns]);
  }
  for (const namespaces of stale.values()) await Promise.all(namespaces.map(removeNamespace));
  return [...stale.keys()];
}
