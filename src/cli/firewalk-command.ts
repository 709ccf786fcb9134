// `rawscan firewalk --gateway G -p PORTS TARGETS...`: which ports does the
// router G let through towards TARGETS? Finds G's hop count, then sends SYNs
// that expire one hop beyond G (src/audit/firewalk.ts has the rules) and
// reports each port as allowed, blocked or unknown with its evidence.
// Least privilege as for scans (docs/security.md): the -oJ file and every
// engine the walk may need are opened first, then rawscan drops to --user
// (started as root) or clears its capabilities, before any packet is parsed.
// nmap spellings work here too (-oJ FILE, -T4, -e IFACE): main.ts rewrites them.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { dropForScan, planDropForProcess, type DropPlan } from './drop-privileges.js';
import { UsageError } from './errors.js';
import { canUseRawSockets } from './privilege.js';
import { KERNEL_VIA_ADDON, ringBytesPerEngine } from './raw-scan.js';
import { USER_OPTION } from './scan-options.js';
import { parseTiming } from './timing-options.js';
import { DISCOVERY_PORTS, firewalk, type FirewalkOptions } from '../audit/firewalk.js';
import { openEngineProber } from '../audit/firewalk-prober.js';
import { renderFirewalkJson, renderFirewalkText } from '../audit/firewalk-render.js';
import { PRIVILEGE_MESSAGE } from '../native/addon.js';
import { closeEarlyOutputs, openOutputsEarly, writeOutput } from '../output/write.js';
import { parsePortSpec } from '../ports/spec.js';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';
import { loadTargets } from '../targets/load.js';
import { lookupRoute, type Route } from '../targets/route.js';

/** Most probes (targets × ports) one firewalk sends: each is tracked until it is settled. */
const MAX_PROBES = 1_000_000;
const DEFAULT_MAX_HOPS = 16;
/** Highest IP TTL (EngineConfig.ttl) */
const MAX_TTL = 255;

export const command = 'firewalk [targets..]';
export const describe = 'find which TCP ports a gateway (router/firewall) lets through to hosts behind it';

export function builder(y: Argv) {
  return y
    .positional('targets', { type: 'string', array: true, describe: 'hosts behind the gateway' })
    .option('gateway', {
      type: 'string',
      demandOption: true,
      describe: 'the router whose rules are audited (its address on the path)',
    })
    .option('ports', { alias: 'p', type: 'string', demandOption: true, describe: 'ports: 22,80,1000-2000' })
    .option('max-hops', {
      type: 'number',
      default: DEFAULT_MAX_HOPS,
      describe: 'highest TTL tried to find the gateway',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON instead of text' })
    .option('output-json', {
      type: 'string',
      describe: '-oJ FILE: also write the JSON report to FILE (- for stdout)',
    })
    .option('interface', { alias: 'e', type: 'string', describe: 'send and capture on this interface' })
    .option('source', { alias: 'S', type: 'string', describe: 'source address of probes' })
    .option('timing', { alias: 'T', type: 'string', describe: 'timing template 0-5 (as for scans)' })
    .option('max-retries', { type: 'number', describe: 'retransmissions of an unanswered probe (0-15)' })
    .option('max-rate', { type: 'number', describe: 'send at most this many probes per second' })
    .option('user', USER_OPTION)
    .example(
      'rawscan firewalk --gateway 198.18.1.2 -p 22,80,443 198.18.2.10',
      'which of three ports pass the router',
    )
    .epilogue(
      'allowed: an ICMP time-exceeded from beyond the gateway, or an answer from a target one hop behind it.\n' +
        'blocked: silence, an ICMP unreachable/prohibited from the gateway, or a reset it forged.\n' +
        'Needs root or CAP_NET_RAW. Docs: docs/usage.md',
    );
}

type FirewalkArgs = ArgumentsCamelCase<ReturnType<typeof builder> extends Argv<infer T> ? T : never>;

export async function handler(argv: FirewalkArgs): Promise<void> {
  const gateway = parseIpv4(argv.gateway);
  if (gateway === null) {
    throw new UsageError(
      `--gateway ${argv.gateway} is not an IPv4 address: give the router's address, e.g. --gateway 198.18.1.2`,
    );
  }
  const maxHops = argv['max-hops'];
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > MAX_TTL) {
    throw new UsageError(`--max-hops ${maxHops} is out of range: use 1 to 255`);
  }
  if ((argv.targets ?? []).length === 0)
    throw new UsageError('firewalk needs targets behind the gateway, e.g. 198.18.2.10');
  if (!canUseRawSockets()) throw new UsageError(PRIVILEGE_MESSAGE);
  const dropPlan = planDropForProcess(argv.user);
  const ports = parsePortSpec(argv.ports);
  const targets = await loadTargets({ specs: argv.targets ?? [] });
  if (targets.size * ports.length > MAX_PROBES) {
    throw new UsageError(
      `firewalk of ${targets.size} targets × ${ports.length} ports is too large (at most ${MAX_PROBES} probes): narrow the targets or ports`,
    );
  }
  const route = await lookupRoute(ipToString(targets.at(0)), {
    device: argv.interface,
    source: argv.source,
    host: KERNEL_VIA_ADDON,
  });
  try {
    await walk(argv, { gateway, targets, ports, maxHops }, route, dropPlan);
  } finally {
    await closeEarlyOutputs();
  }
}

/** Opens the -oJ file and every engine, drops privileges, walks and writes the report. */
async function walk(
  argv: FirewalkArgs,
  opts: FirewalkOptions,
  route: Route,
  dropPlan: DropPlan,
): Promise<void> {
  const jsonFile = argv['output-json'];
  await openOutputsEarly(jsonFile === undefined ? [] : [{ path: jsonFile, what: '-oJ output' }]);
  // Hop discovery probes with TTL 1 .. maxHops, the port pass one hop beyond the gateway
  // (each open engine costs some 15 ms to open and 25 ms to close: the kernel's packet sockets).
  const engines = Math.min(opts.maxHops + 1, MAX_TTL);
  const probes = Math.max(opts.targets.size * opts.ports.length, DISCOVERY_PORTS);
  const prober = openEngineProber({
    device: route.device,
    sourceAddress: parseIpv4(route.source)!,
    timing: {
      template: parseTiming(argv.timing),
      maxRetries: argv['max-retries'],
      maxRate: argv['max-rate'],
    },
    maxTtl: engines,
    pcapBufferBytes: ringBytesPerEngine(engines, probes),
  });
  try {
    dropForScan(dropPlan, 0);
    const report = await firewalk(opts, prober.probe);
    const json = renderFirewalkJson(report);
    if (jsonFile !== '-') await writeOutput('-', argv.json ? json : renderFirewalkText(report), 'output');
    if (jsonFile !== undefined) await writeOutput(jsonFile, json, '-oJ output');
  } finally {
    await prober.close();
  }
}

export const firewalkCommand = { command, describe, builder, handler } as CommandModule<object, FirewalkArgs>;
