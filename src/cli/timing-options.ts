// The scan's timing options as typed: -T (a template by number or name) and
// nmap's options that override parts of it, read into src/scan/timing.ts's
// TimingOptions (which checks how they combine).
import { UsageError } from './errors.js';
import { parseDuration } from './progress.js';
import type { RawScanArgs } from './scan-options.js';
import type { TimingOptions } from '../scan/timing.js';

const TIMING_NAMES = ['paranoid', 'sneaky', 'polite', 'normal', 'aggressive', 'insane'] as const;

/** -T: 0-5 or a template name; 3 (normal) when absent. */
export function parseTiming(spec: string | undefined): number {
  if (spec === undefined) return 3;
  if (/^[0-5]$/.test(spec)) return Number(spec);
  const i = (TIMING_NAMES as readonly string[]).indexOf(spec.toLowerCase());
  if (i >= 0) return i;
  throw new UsageError(`timing template "${spec}" is unknown: use -T0 to -T5 or ${TIMING_NAMES.join(', ')}`);
}

/** The nmap timing options that override a -T template. */
export type TimingOverrides = Pick<
  TimingOptions,
  'minRttMs' | 'maxRttMs' | 'initialRttMs' | 'scanDelayMs' | 'maxParallelism'
>;

/** --min/max/initial-rtt-timeout and --scan-delay (nmap's time specs) and --max-parallelism. */
export function timingOverrides(a: RawScanArgs): TimingOverrides {
  const duration = (option: keyof RawScanArgs) => {
    const text = a[option];
    if (Array.isArray(text)) throw new UsageError(`--${option} is given more than once: give it once`);
    return text === undefined ? undefined : parseDuration(String(text), `--${option}`);
  };
  return {
    minRttMs: duration('min-rtt-timeout'),
    maxRttMs: duration('max-rtt-timeout'),
    initialRttMs: duration('initial-rtt-timeout'),
    scanDelayMs: duration('scan-delay'),
    maxParallelism: a['max-parallelism'],
  };
}
