// `rawscan lab up|down|status`: labs that persist between commands, so a
// person can scan a known target by hand (ip netns exec <scanner ns> rawscan ...).
// `up` records each lab in /run/rawscan-lab; `down` removes recorded labs and
// labs left behind by dead processes; `status` lists them with their truth.
// `up --routed` builds the routed lab instead (lab-routed.ts): a router whose
// firewall is the truth, with three hosts behind it.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from './errors.js';
import { cleanupStaleLabs, removeLab } from '../lab/cleanup.js';
import { createLab, DEFAULT_TARGET_RANGE, requireRoot } from '../lab/index.js';
import { creatorPid, labOfNamespace, routedLabNames } from '../lab/names.js';
import { isProcessAlive, listNamespaces } from '../lab/netns.js';
import { evenCounts, parsePortList, portsByBehaviour, randomPortPlan, type PortPlan } from '../lab/plan.js';
import {
  readLabState,
  readLabStates,
  removeLabState,
  saveLabState,
  type PlainLabState,
} from '../lab/state.js';
import type { PortBehaviour } from '../lab/types.js';
import { checkRoutedOptions, describeRoutedLab, routedLabUp } from './lab-routed.js';

const ACTIONS = ['up', 'down', 'status'] as const;

/** Port-list options of `lab up` and the behaviour each gives its ports. */
const PORT_OPTIONS: [option: string, behaviour: PortBehaviour, describe: string][] = [
  ['open', 'open', 'ports with a listener (SYN-ACK)'],
  ['drop', 'drop', 'ports whose probes are dropped silently'],
  ['reject', 'reject-port', 'ports rejected with ICMP port-unreachable (3/3)'],
  ['reject-admin', 'reject-admin', 'ports rejected with ICMP admin-prohibited (3/13)'],
  ['reject-host', 'reject-host', 'ports rejected with ICMP host-prohibited (3/10)'],
  ['reset', 'reset', 'ports answered with a TCP reset by the firewall'],
];

export const command = 'lab <action> [name]';
export const describe = 'create (up), list (status) or remove (down) a network-namespace lab to scan safely';

export function builder(y: Argv) {
  let b = y
    .positional('action', {
      choices: ACTIONS,
      describe: 'up: create a lab; status: list labs; down: remove labs',
    })
    .positional('name', {
      type: 'string',
      describe: 'lab name (up: 1-6 letters/digits; down: the lab to remove, default all)',
    });
  for (const [option, , text] of PORT_OPTIONS) {
    b = b.option(option, { type: 'string', describe: `${text}, e.g. 22,80,8000-8010`, group: 'lab up:' });
  }
  return b
    .option('routed', {
      type: 'boolean',
      default: false,
      describe: 'a scanner behind a router whose nftables policy is the truth, with three hosts behind it',
      group: 'lab up:',
    })
    .option('random', {
      type: 'number',
      describe: 'N random ports spread evenly over the six behaviours above',
      group: 'lab up:',
    })
    .option('seed', {
      type: 'number',
      default: 1,
      describe: 'seed of --random (same seed, same ports)',
      group: 'lab up:',
    })
    .option('loss', {
      type: 'number',
      default: 0,
      describe: 'percent of packets lost in each direction',
      group: 'lab up:',
    })
    .option('range', {
      type: 'string',
      default: DEFAULT_TARGET_RANGE,
      describe: 'range the target answers for (inside 198.18.0.0/15)',
      group: 'lab up:',
    })
    .option('icmp-rate-limit', {
      type: 'boolean',
      default: false,
      describe: "keep the kernel's ICMP rate limit in the target",
      group: 'lab up:',
    });
}

type LabArgs = ArgumentsCamelCase<ReturnType<typeof builder> extends Argv<infer T> ? T : never>;

export async function handler(argv: LabArgs): Promise<void> {
  switch (argv.action) {
    case 'up':
      return labUp(argv);
    case 'down':
      return labDown(argv.name);
    case 'status':
      return labStatus();
  }
}

export const labCommand = { command, describe, builder, handler } as CommandModule<object, LabArgs>;

async function labUp(argv: LabArgs): Promise<void> {
  if (argv.routed) return labUpRouted(argv);
  const ports = portPlanOf(argv);
  const lab = await createLab({
    name: argv.name,
    ports,
    lossPercent: argv.loss,
    targetRange: argv.range,
    icmpRateLimit: argv.icmpRateLimit,
    persist: true,
  });
  const state: PlainLabState = {
    name: lab.name,
    scannerNs: lab.scannerNs,
    targetNs: lab.targetNs,
    scannerAddress: lab.scannerAddress,
    scannerInterface: lab.scannerInterface,
    targetAddress: lab.targetAddress,
    targetRange: lab.targetRange,
    ports,
    lossPercent: argv.loss,
    icmpRateLimit: argv.icmpRateLimit,
    createdAt: new Date().toISOString(),
  };
  try {
    await saveLabState(state);
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  process.stdout.write(`lab ${lab.name} is up\n${describeLab(state)}`);
}

async function labUpRouted(argv: LabArgs): Promise<void> {
  checkRoutedOptions(argv);
  const state = await routedLabUp(argv.name);
  try {
    await saveLabState(state);
  } catch (err) {
    await removeLab(routedLabNames(state.name));
    throw err;
  }
  process.stdout.write(`lab ${state.name} is up (routed)\n${describeRoutedLab(state)}`);
}

/** The plan of `lab up`: --random first, then the explicit lists, which must not name a port twice. */
export function portPlanOf(argv: Partial<Record<string, unknown>>): PortPlan {
  const random = argv.random;
  if (random !== undefined && (typeof random !== 'number' || !Number.isInteger(random) || random < 0)) {
    throw new UsageError(
      `--random ${Number.isNaN(random) ? '(not a number)' : String(random)} is invalid: ` +
        'give a whole number of ports, e.g. --random 100',
    );
  }
  const plan: PortPlan = random ? randomPortPlan(Number(argv.seed ?? 1), evenCounts(random)) : {};
  const explicit = new Map<number, string>();
  for (const [option, behaviour] of PORT_OPTIONS) {
    const text = argv[option];
    if (text === undefined) continue;
    for (const port of parsePortList(String(text), `--${option}`)) {
      const earlier = explicit.get(port);
      if (earlier !== undefined && earlier !== option) {
        throw new UsageError(
          `port ${port} is in both --${earlier} and --${option}; give each port one behaviour`,
        );
      }
      explicit.set(port, option);
      plan[port] = behaviour;
    }
  }
  return plan;
}

async function labDown(name: string | undefined): Promise<void> {
  requireRoot();
  const removed: string[] = [];
  if (name !== undefined) {
    const known = (await readLabState(name)) !== undefined || (await labsInNamespaces()).has(name);
    if (!known) throw new UsageError(`no lab named '${name}'; \`rawscan lab status\` lists the labs`);
    await removeLab(everyNamespaceOf(name));
    await removeLabState(name);
    removed.push(name);
  } else {
    for (const state of await readLabStates()) {
      await removeLab(everyNamespaceOf(state.name));
      await removeLabState(state.name);
      removed.push(state.name);
    }
    removed.push(...(await cleanupStaleLabs()));
  }
  process.stdout.write(removed.length > 0 ? `removed lab ${removed.join(', ')}\n` : 'no labs to remove\n');
}

async function labStatus(): Promise<void> {
  const states = await readLabStates();
  const present = await labsInNamespaces();
  const lines: string[] = [];
  for (const state of states) {
    const missing = present.has(state.name) ? '' : '  (namespaces missing: `rawscan lab down` forgets it)\n';
    const text = state.kind === 'routed' ? describeRoutedLab(state) : describeLab(state);
    lines.push(`lab ${state.name} (up since ${state.createdAt})\n${missing}${text}`);
  }
  for (const name of present) {
    if (states.some((s) => s.name === name)) continue;
    const pid = creatorPid(name);
    const owner =
      pid === undefined
        ? 'unrecorded'
        : isProcessAlive(pid)
          ? `held by process ${pid}`
          : `left behind by process ${pid}`;
    lines.push(`lab ${name} (${owner}; \`rawscan lab down\` removes it when its process is gone)\n`);
  }
  process.stdout.write(
    lines.length > 0 ? lines.join('\n') : 'no labs; create one with `sudo rawscan lab up --open 22,80`\n',
  );
}

/**
 * The names of either kind of lab called `name`: a routed lab's namespaces
 * include the plain lab's two, and removing one that does not exist is a no-op.
 */
function everyNamespaceOf(name: string) {
  return routedLabNames(name);
}

/** Lab names that own at least one namespace. */
async function labsInNamespaces(): Promise<Set<string>> {
  const names = (await listNamespaces()).map(labOfNamespace);
  return new Set(names.filter((n): n is string => n !== undefined));
}

function describeLab(s: PlainLabState): string {
  const groups = portsByBehaviour(s.ports);
  const truth = [...groups].map(
    ([b, ports]) => `    ${b.padEnd(13)}${ports.length} port(s): ${portRanges(ports)}`,
  );
  const loss = s.lossPercent > 0 ? `${s.lossPercent}% loss each way` : 'no loss';
  const icmp = s.icmpRateLimit ? 'kernel ICMP rate limit' : 'ICMP not rate limited';
  return [
    `  scanner  ${s.scannerNs}  ${s.scannerAddress} on ${s.scannerInterface}`,
    `  target   ${s.targetNs}  answers for ${s.targetRange} (every address alike); ${loss}; ${icmp}`,
    '  truth:',
    ...truth,
    '    closed       every other port',
    `  scan it: sudo ip netns exec ${s.scannerNs} rawscan -sS -p 1-1024 ${s.targetAddress}`,
    `  remove:  sudo rawscan lab down ${s.name}`,
    '',
  ].join('\n');
}

/** '22,80,1000-1010' for ascending ports, cut after `max` items. */
function portRanges(ports: number[], max = 12): string {
  const items: string[] = [];
  for (let i = 0; i < ports.length;) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j] + 1) j++;
    items.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return items.length > max
    ? `${items.slice(0, max).join(',')},… (${items.length - max} more)`
    : items.join(',');
}
