// Runs the hostile-traffic injector (src/lab/attacker.ts, built to
// dist/lab/attacker.js) inside a lab's target namespace while a test scans.
//
//   const attacker = await startAttacker(lab, { sportBase: 40000, rate: 50_000, replay: true });
//   const result = await scan(...);
//   const summary = await attacker.stop();   // counts per category sent
//
// startAttacker resolves once the attacker is sending; stop() ends it with
// SIGTERM and resolves with its summary line. The attacker also stops by
// itself after durationMs (default 60 s); `done` resolves then.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FORGED_CATEGORIES, type Expectation, type ForgedCategory } from '../../../src/lab/attacker/forge.js';
import type { AttackReady, AttackSummary } from '../../../src/lab/attacker/options.js';
import type { Lab } from '../../../src/lab/types.js';

export type { AttackSummary } from '../../../src/lab/attacker/options.js';

export const ATTACKER_PROGRAM = fileURLToPath(new URL('../../../dist/lab/attacker.js', import.meta.url));
const STOP_TIMEOUT_MS = 10_000;

export interface AttackerStartOptions {
  /** the scanner's source ports: [sportBase, sportBase + sportSpan) (span default 128) */
  sportBase: number;
  sportSpan?: number;
  /** frames per second over everything sent (default 10000) */
  rate?: number;
  /** the attacker stops by itself after this long (default 60000) */
  durationMs?: number;
  /** forged categories (default all) */
  categories?: ForgedCategory[];
  /** replay real replies, exact and modified (default false) */
  replay?: boolean;
  replayCopies?: number;
  /** target ports forged replies claim to come from, e.g. '1-1024' (default 1-1024) */
  ports?: string;
  /** forged source addresses (default the lab's target range) */
  sources?: string;
  /** stop once each category sent this many frames */
  count?: number;
  seed?: number;
}

export interface RunningAttacker {
  readonly ready: AttackReady;
  /** resolves when the attacker stops by itself (duration or count) or after stop() */
  readonly done: Promise<AttackSummary>;
  /** SIGTERM, then the summary; safe to call after it stopped by itself */
  stop(): Promise<AttackSummary>;
}

type AttackerLab = Pick<Lab, 'targetNs' | 'scannerAddress' | 'targetRange'>;

function attackerArgs(lab: AttackerLab, o: AttackerStartOptions): string[] {
  const args = ['--scanner', lab.scannerAddress, '--sport-base', String(o.sportBase)];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--sport-span', o.sportSpan);
  add('--sources', o.sources ?? lab.targetRange);
  add('--ports', o.ports);
  add('--categories', o.categories && (o.categories.length === 0 ? 'none' : o.categories.join(',')));
  add('--rate', o.rate);
  add('--duration-ms', o.durationMs ?? 60_000);
  add('--count', o.count);
  add('--replay-copies', o.replayCopies);
  add('--seed', o.seed);
  if (o.replay) args.push('--replay');
  return args;
}

export function startAttacker(lab: AttackerLab, opts: AttackerStartOptions): Promise<RunningAttacker> {
  if (!existsSync(ATTACKER_PROGRAM)) {
    throw new Error(
      `${ATTACKER_PROGRAM} is missing: run \`npm run build:ts\` before the hostile-traffic tests`,
    );
  }
  const argv = [
    'netns',
    'exec',
    lab.targetNs,
    process.execPath,
    ATTACKER_PROGRAM,
    ...attackerArgs(lab, opts),
  ];
  // `ip netns exec` execs the program, so the child's pid is the attacker's own and SIGTERM reaches it
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  let onReady: (r: AttackReady) => void = () => {};
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
      const line = JSON.parse(stdout.slice(0, nl)) as Record<string, unknown>;
      stdout = stdout.slice(nl + 1);
      lines.push(line);
      if (line.event === 'ready') onReady(line as unknown as AttackReady);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<AttackSummary>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const summary = lines.find((l) => l.event === 'summary');
      if (summary && code === 0) resolve(summary as unknown as AttackSummary);
      else
        reject(
          new Error(`attacker exited (code ${code}, signal ${signal}) without a summary: ${stderr.trim()}`),
        );
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await done;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    onReady = (ready) => resolve({ ready, done, stop });
    done.then(
      () => reject(new Error('attacker stopped before it was ready')),
      (err: unknown) => reject(err),
    );
  });
}

/**
 * Frames sent, grouped by what a correct scanner must do with them (see
 * Expectation in src/lab/attacker/forge.ts), plus the replays: 'replay-exact'
 * are genuine answers again (no state may change), 'replay-modified' carry a
 * valid cookie for another 4-tuple and must all be rejected.
 */
export function sentByExpectation(
  s: AttackSummary,
): Record<Expectation | 'replay-exact' | 'replay-modified', number> {
  const totals = { forged: 0, malformed: 0, 'off-filter': 0, 'replay-exact': 0, 'replay-modified': 0 };
  for (const [category, n] of Object.entries(s.sent)) {
    if (category in FORGED_CATEGORIES) totals[FORGED_CATEGORIES[category as ForgedCategory].expect] += n;
    else totals[category === 'replay-exact' ? 'replay-exact' : 'replay-modified'] += n;
  }
  return totals;
}
