// Least privilege. Once the engine holds its raw socket and pcap handle and
// every input and output file is open, rawscan gives up everything else,
// before it parses a packet:
//   started as root     → --user NAME (default nobody): supplementary groups
//                         cleared, then gid and uid (real, effective, saved)
//                         switched; glibc applies each change to every thread
//                         and the kernel empties each thread's capability sets
//   started with capabilities (setcap'd node, ambient set) → every capability
//                         set of every thread emptied (native clearCapabilities)
//   neither             → nothing to drop (an ordinary user's -sT scan)
// Both drops also set no_new_privs (no exec can gain privileges again), make
// the process non-dumpable (no ptrace by other processes of the user) and stop
// SIGUSR1 from opening Node's inspector, either of which would hand the open
// raw socket to any other process of that user.
// /proc/self/status is then read back, and the scan refused unless it shows
// the drop.
import { UsageError } from './errors.js';
import { DEFAULT_USER, heldCapabilities, parseStatus, readStatus, type Credentials } from './privilege.js';
import { loadPrivilegeOps, type PrivilegeOps } from '../native/addon.js';

export type DropPlan =
  | { kind: 'switch-user'; user: string; uid: number; gid: number }
  | { kind: 'clear-capabilities' }
  | { kind: 'none' };

export interface StartIdentity {
  euid: number;
  /** what parseStatus found at startup */
  credentials: Credentials;
}

/**
 * Decides the drop before anything is opened, so a bad --user fails fast.
 * lookupUser: the passwd entry of a name (PrivilegeOps.lookupUser).
 */
export function planDrop(
  requested: string | undefined,
  who: StartIdentity,
  lookupUser: (name: string) => { uid: number; gid: number } | null,
): DropPlan {
  if (who.euid === 0) {
    const user = requested ?? DEFAULT_USER;
    const entry = lookupUser(user);
    if (entry === null) {
      throw new UsageError(
        requested === undefined
          ? `rawscan started as root runs the scan as the user ${DEFAULT_USER}, which does not exist here: ` +
              'create it, or name an unprivileged user with --user NAME'
          : `--user ${user}: no such user; create it (e.g. useradd --system ${user}) or name another one`,
      );
    }
    if (entry.uid === 0 || entry.gid === 0) {
      throw new UsageError(
        `--user ${user} is root (uid ${entry.uid}, gid ${entry.gid}): the scan would keep every privilege; ` +
          'name an unprivileged user, e.g. --user nobody',
      );
    }
    return { kind: 'switch-user', user, ...entry };
  }
  if (requested !== undefined && lookupUser(requested)?.uid !== who.euid) {
    throw new UsageError(
      `--user ${requested} needs rawscan to start as root (it runs as uid ${who.euid}); ` +
        'with capabilities granted by setcap it stays the user who started it: drop --user',
    );
  }
  return heldCapabilities(who.credentials) !== 0n ? { kind: 'clear-capabilities' } : { kind: 'none' };
}

/** planDrop for this process: its effective uid and /proc/self/status. */
export function planDropForProcess(requested: string | undefined): DropPlan {
  const who = { euid: process.geteuid?.() ?? -1, credentials: parseStatus(readStatus()) };
  return planDrop(requested, who, (name) => loadPrivilegeOps().lookupUser(name));
}

/** Drops as planned (the addon is loaded only when there is something to drop); -v says what was done. */
export function dropForScan(plan: DropPlan, verbose: number): void {
  if (plan.kind === 'none') return;
  const outcome = dropPrivileges(plan, processDropSystem(loadPrivilegeOps()));
  if (verbose > 0) process.stderr.write(`rawscan: ${describeDrop(outcome)}\n`);
}

/** The process calls a drop makes; tests hand in fakes. */
export interface DropSystem {
  ops: Pick<PrivilegeOps, 'clearCapabilities' | 'settleWarmCapture'>;
  setgroups(groups: number[]): void;
  setgid(gid: number): void;
  setuid(uid: number): void;
  /** /proc/self/status text, after the drop */
  status(): string;
  /** keeps SIGUSR1 from starting Node's inspector */
  ignoreInspectorSignal(): void;
}

export function processDropSystem(ops: PrivilegeOps): DropSystem {
  return {
    ops,
    setgroups: (groups) => process.setgroups!(groups),
    setgid: (gid) => process.setgid!(gid),
    setuid: (uid) => process.setuid!(uid),
    status: () => readStatus(),
    // A listener replaces Node's SIGUSR1 handler (the one that opens the inspector).
    ignoreInspectorSignal: () => void process.on('SIGUSR1', () => {}),
  };
}

export interface DropOutcome {
  plan: DropPlan;
  /** other threads that still hold capabilities: Node's watchdog thread, which blocks all signals */
  privilegedThreads: number;
}

/** Carries out a plan and checks /proc/self/status; throws (a bug, not a usage error) if it shows privilege. */
export function dropPrivileges(plan: DropPlan, system: DropSystem): DropOutcome {
  if (plan.kind === 'none') return { plan, privilegedThreads: 0 };
  // No capture warm-up thread or untaken handle of a privileged open outlives the drop.
  system.ops.settleWarmCapture();
  system.ignoreInspectorSignal();
  if (plan.kind === 'switch-user') {
    system.setgroups([]);
    system.setgid(plan.gid);
    system.setuid(plan.uid);
  }
  const { privileged } = system.ops.clearCapabilities();
  const problem = dropProblem(plan, parseStatus(system.status()));
  if (problem !== undefined) {
    throw new Error(`privilege drop failed, refusing to scan: /proc/self/status shows ${problem}`);
  }
  return { plan, privilegedThreads: privileged };
}

/** What in the credentials contradicts the plan, or undefined when the drop holds. */
export function dropProblem(plan: DropPlan, c: Credentials): string | undefined {
  if (plan.kind === 'none') return undefined;
  if (plan.kind === 'switch-user') {
    if (c.uids.length !== 4 || c.uids.some((uid) => uid !== plan.uid)) return `Uid ${c.uids.join(' ')}`;
    if (c.gids.length !== 4 || c.gids.some((gid) => gid !== plan.gid)) return `Gid ${c.gids.join(' ')}`;
    if (c.groups.length > 0) return `Groups ${c.groups.join(' ')}`;
  }
  const held = heldCapabilities(c);
  if (held !== 0n) return `capabilities 0x${held.toString(16)}`;
  if (!c.noNewPrivs) return 'NoNewPrivs 0';
  return undefined;
}

/** The -v line that says what the scan now runs with. */
export function describeDrop(outcome: DropOutcome): string {
  const { plan, privilegedThreads } = outcome;
  const who =
    plan.kind === 'switch-user'
      ? `running as ${plan.user} (uid ${plan.uid}, gid ${plan.gid}) without capabilities`
      : plan.kind === 'clear-capabilities'
        ? 'capabilities cleared'
        : 'no privileges to drop';
  const watchdog =
    privilegedThreads > 0
      ? `; ${privilegedThreads} idle Node helper thread${privilegedThreads === 1 ? '' : 's'} that block signals keep their capability sets`
      : '';
  return `${who}${watchdog}`;
}
