// What a running scan shows on stderr: a live progress line on a terminal,
// full stats lines every --stats-every interval (terminal or not), and what
// Ctrl-C / SIGTERM do. Nothing is written to a stderr that is not a terminal
// unless --stats-every asks for it.
//
//   live line (redrawn in place):   37.2% | 65,535 probes 212k/s | 1,204 replies | 12 open | ETA 0:03
//   stats line (one per interval):  Stats: 0:10 elapsed |  37.2% | 65,535 probes 212k/s | ... | ETA 0:03
import { UsageError } from './errors.js';
import type { ScanProgress } from '../scan/orchestrator.js';

/** Shortest time between two redraws of the live line, ms (at most ~4 per second). */
export const LIVE_REDRAW_MS = 250;

/** "\r" back to column 0, then erase to the end of the line (ANSI EL). */
const ERASE_LINE = '\r\x1b[K';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * nmap's time specification, as in --stats-every: a number with an optional
 * unit ms, s, m or h ("10s", "500ms", "1.5m"); a bare number is seconds.
 * Returns milliseconds (> 0).
 */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 's'] : NaN;
  if (!(ms >= 1)) {
    throw new UsageError(
      `${option} ${text} is not a duration: give a positive number with a unit, e.g. 10s, 500ms, 2m (a bare number is seconds)`,
    );
  }
  return Math.round(ms);
}

/** 1234567 → "1,234,567" (no locale: the output is the same everywhere). */
export function groupThousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Probes per second, compact: "950/s", "9.5k/s", "212k/s", "1.2M/s". */
export function formatRate(perSecond: number): string {
  const r = Math.max(0, perSecond);
  if (r < 1000) return `${Math.round(r)}/s`;
  if (r < 9995) return `${(r / 1000).toFixed(1)}k/s`;
  if (r < 999_500) return `${Math.round(r / 1000)}k/s`;
  return `${(r / 1e6).toFixed(1)}M/s`;
}

/** A duration as m:ss, or h:mm:ss from one hour; "-:--" when unknown (no progress yet). */
export function formatClock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-:--';
  const total = Math.round(ms / 1000);
  const s = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}:${s}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${s}`;
}

/** The progress line, without newline. elapsedMs, when given, prefixes the stats-line form. */
export function formatProgress(p: ScanProgress, elapsedMs?: number): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const percent = `${(fraction * 100).toFixed(1).padStart(6)}%`;
  const fields = [
    percent,
    `${groupThousands(p.sent)} probes ${formatRate(p.rate)}`,
    `${groupThousands(p.replies)} ${p.replies === 1 ? 'reply' : 'replies'}`,
    `${groupThousands(p.openFound)} open`,
    `ETA ${p.done >= p.total ? '0:00' : formatClock(p.etaMs)}`,
  ];
  const line = fields.join(' | ');
  return elapsedMs === undefined ? line : `Stats: ${formatClock(elapsedMs)} elapsed |${line}`;
}

/** Where the display writes: process.stderr, or a fake in tests. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** terminal width; the live line is cut to fit so that "\r" can redraw it */
  readonly columns?: number;
}

export interface ProgressDisplayOptions {
  /** redraw a live line (stderr is a terminal) */
  live: boolean;
  /** --stats-every: a full stats line this often, ms */
  everyMs?: number;
  /** wall clock, ms (Date.now) */
  now?: () => number;
}

/**
 * Draws scan progress from ScanHooks.progress calls. clear() must run before
 * anything else is written to the same terminal; the next update redraws.
 */
export class ProgressDisplay {
  private readonly now: () => number;
  private readonly startMs: number;
  private lastDrawMs = -Infinity;
  private lastStatsMs: number;
  /** text of the live line currently on screen, '' when none */
  private shown = '';

  constructor(
    private readonly sink: ProgressSink,
    private readonly opts: ProgressDisplayOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.startMs = this.now();
    this.lastStatsMs = this.startMs;
  }

  /**
   * The display a scan needs, or undefined when nothing may be shown
   * (stderr not a terminal and no --stats-every).
   */
  static forScan(sink: ProgressSink, everyMs: number | undefined): ProgressDisplay | undefined {
    const live = sink.isTTY === true;
    return live || everyMs !== undefined ? new ProgressDisplay(sink, { live, everyMs }) : undefined;
  }

  /** How often the scan should call update, ms. */
  get periodMs(): number {
    const every = this.opts.everyMs ?? Infinity;
    return Math.min(this.opts.live ? LIVE_REDRAW_MS : Infinity, every);
  }

  update(p: ScanProgress): void {
    const now = this.now();
    const { everyMs } = this.opts;
    if (everyMs !== undefined && now - this.lastStatsMs >= everyMs) {
      this.lastStatsMs = now;
      this.clear();
      this.sink.write(`${formatProgress(p, now - this.startMs)}\n`);
    }
    if (this.opts.live && now - this.lastDrawMs >= LIVE_REDRAW_MS) {
      this.lastDrawMs = now;
      const width = Math.max(20, (this.sink.columns || 80) - 1);
      const line = formatProgress(p).slice(0, width);
      if (line !== this.shown) this.sink.write(`${ERASE_LINE}${line}`);
      this.shown = line;
    }
  }

  /** Erases the live line, if one is on screen. */
  clear(): void {
    if (this.shown === '') return;
    this.sink.write(ERASE_LINE);
    this.shown = '';
  }
}

/**
 * Ctrl-C (SIGINT) and SIGTERM during a scan: the first aborts it, so that the
 * results gathered so far are written, marked incomplete (exit 130); a second
 * one ends the process at once, killed by that signal. Returns the function
 * that removes the handlers.
 */
export function trapInterrupts(abort: AbortController, display?: ProgressDisplay): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const release = (): void => {
    for (const s of signals) process.off(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    display?.clear();
    if (abort.signal.aborted) {
      process.stderr.write(`rawscan: ${signal} again: quitting without writing results\n`);
      release();
      // No handler left: the default action ends the process, status "killed by signal".
      process.kill(process.pid, signal);
      return;
    }
    process.stderr.write(
      `rawscan: ${signal}: stopping the scan and writing the results so far (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`,
    );
    abort.abort();
  }
  for (const s of signals) process.on(s, onSignal);
  return release;
}
