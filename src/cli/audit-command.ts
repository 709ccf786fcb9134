// `rawscan audit POLICY.yaml`: checks a network against a firewall policy
// (docs/policy.md). Parses and plans the policy (a malformed one exits 2 with
// FILE:LINE: field PATH: PROBLEM before anything is sent), scans each zone's
// hosts on the planned ports, judges every rule and prints a table; -oJ FILE
// writes the JSON result, --junit FILE the JUnit XML, --evidence FILE the
// scan's probe outcomes. Exit status: 0 every rule holds, 1 a rule is violated,
// 2 error or undecided. nmap spellings work here too (-oJ FILE, -T4, -e IFACE):
// main.ts rewrites them. Least privilege as for scans (docs/security.md): the
// policy is read and the output files and every zone's engine are opened
// first, then rawscan drops to --user (started as root) or clears its
// capabilities, before any packet is parsed.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  judgeAudit,
  prepareAudit,
  renderAuditJson,
  renderAuditJUnit,
  renderAuditTable,
  type AuditOptions,
} from '../audit/audit.js';
import { evidenceLines } from '../audit/evidence.js';
import { PRIVILEGE_MESSAGE } from '../native/addon.js';
import { closeEarlyOutputs, openOutputsEarly, writeOutput } from '../output/write.js';
import { openAuditScans, type AuditScans } from './audit-scan.js';
import { dropForScan, planDropForProcess } from './drop-privileges.js';
import { UsageError } from './errors.js';
import { setExitCode } from './exit.js';
import { canUseRawSockets } from './privilege.js';
import { USER_OPTION } from './scan-options.js';

/** Exit status of an audit that could not run (bad input, no privileges): the same as a bad policy. */
const EXIT_AUDIT_ERROR = 2;

export const command = 'audit <policy>';
export const describe =
  'check hosts against a firewall policy file (YAML); exit 0 holds, 1 violated, 2 error';

export function builder(y: Argv) {
  return y
    .positional('policy', {
      type: 'string',
      demandOption: true,
      describe: 'the policy file (docs/policy.md)',
    })
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'probe every port of every range and default, not samples',
    })
    .option('seed', { type: 'number', describe: "seed of the sampled ports (overrides the policy's)" })
    .option('ack', {
      type: 'boolean',
      default: false,
      describe: 'also send ACK probes: per port, stateful/stateless filter evidence (raw scans)',
    })
    .option('junit', { type: 'string', describe: 'FILE: write JUnit XML (one test case per rule)' })
    .option('output-json', { type: 'string', describe: '-oJ FILE: write the JSON result (- for stdout)' })
    .option('evidence', {
      type: 'string',
      describe: 'FILE: one JSON line per probe outcome (docs/evidence.md)',
    })
    .option('interface', { alias: 'e', type: 'string', describe: 'send and capture on this interface' })
    .option('source', { alias: 'S', type: 'string', describe: 'source address of probes' })
    .option('timing', { alias: 'T', type: 'string', describe: 'timing template 0-5 (as for scans)' })
    .option('max-retries', { type: 'number', describe: 'retransmissions of an unanswered probe (0-15)' })
    .option('min-rate', { type: 'number', describe: 'send at least this many probes per second' })
    .option('max-rate', { type: 'number', describe: 'send at most this many probes per second' })
    .option('user', USER_OPTION)
    .option('verbose', { alias: 'v', type: 'count', describe: 'more output' })
    .example('rawscan audit dmz.yaml --junit audit.xml', 'check the DMZ policy; JUnit for CI')
    .example('rawscan audit dmz.yaml --full --ack -oJ audit.json', 'every port, with ACK evidence')
    .epilogue(
      'A syn policy (the default) needs root or CAP_NET_RAW; `scan: connect` in the policy works without.\n' +
        'Docs: docs/policy.md, docs/evidence.md',
    );
}

type AuditArgs = ArgumentsCamelCase<ReturnType<typeof builder> extends Argv<infer T> ? T : never>;

export async function handler(argv: AuditArgs): Promise<void> {
  const file = argv.policy;
  const text = await readPolicy(file);
  const options: AuditOptions = { full: argv.full, seed: checkSeed(argv.seed) };
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let scans: AuditScans | undefined;
  try {
    const dropPlan = planDropForProcess(argv.user);
    const plan = prepareAudit(text, file, options);
    checkCanScan(plan.scan, argv.ack);
    await openOutputsEarly(earlyOutputs(argv));
    scans = await openAuditScans(plan, {
      scanArgs: {
        timing: argv.timing,
        'max-retries': argv['max-retries'],
        'min-rate': argv['min-rate'],
        'max-rate': argv['max-rate'],
      },
      ack: argv.ack,
      device: argv.interface,
      source: argv.source,
      signal: abort.signal,
      commandLine: ['rawscan', ...process.argv.slice(2)].join(' '),
      verbose: argv.verbose,
    });
    dropForScan(dropPlan, argv.verbose);
    const report = await scans.run();
    const result = judgeAudit(plan, report);
    if (argv['output-json'] !== '-') await writeOutput('-', renderAuditTable(result), 'output');
    if (argv['output-json'] !== undefined)
      await writeOutput(argv['output-json'], renderAuditJson(result), '-oJ output');
    if (argv.junit !== undefined)
      await writeOutput(argv.junit, renderAuditJUnit(result, { hostname: hostname() }), '--junit output');
    if (argv.evidence !== undefined)
      await writeOutput(argv.evidence, evidenceLines(report), '--evidence output');
    setExitCode(result.exitCode);
  } catch (err) {
    // Whatever stops an audit (bad option, unreachable target) is exit 2, not a violation.
    if (err instanceof UsageError && err.exitCode !== EXIT_AUDIT_ERROR)
      throw new UsageError(err.message, EXIT_AUDIT_ERROR);
    throw err;
  } finally {
    await scans?.close();
    await closeEarlyOutputs();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The files the audit writes (not "-"), opened before the privilege drop. */
function earlyOutputs(argv: AuditArgs): { path: string; what: string }[] {
  const outputs: [string | undefined, string][] = [
    [argv['output-json'], '-oJ output'],
    [argv.junit, '--junit output'],
    [argv.evidence, '--evidence output'],
  ];
  return outputs.flatMap(([path, what]) => (path === undefined ? [] : [{ path, what }]));
}

async function readPolicy(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(
      `cannot read policy ${file} (${why}): give the path of a policy YAML file`,
      EXIT_AUDIT_ERROR,
    );
  }
}

function checkSeed(seed: number | undefined): number | undefined {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    const shown = Number.isNaN(seed) ? '(not a number)' : String(seed);
    throw new UsageError(`--seed ${shown} is out of range: use 0 to 4294967295`, EXIT_AUDIT_ERROR);
  }
  return seed;
}

/** Raw scans need privileges; the ACK evidence needs a raw scan. */
function checkCanScan(scan: string, ack: boolean): void {
  if (scan === 'connect' && ack) {
    throw new UsageError(
      '--ack needs raw probes but the policy says scan: connect; drop --ack or use scan: syn',
      EXIT_AUDIT_ERROR,
    );
  }
  if (scan !== 'connect' && !canUseRawSockets()) {
    throw new UsageError(
      `${PRIVILEGE_MESSAGE} Or set \`scan: connect\` under \`defaults:\` in the policy.`,
      EXIT_AUDIT_ERROR,
    );
  }
}

export const auditCommand = { command, describe, builder, handler } as CommandModule<object, AuditArgs>;
