// The report of one raw scan run (runScan): its fields, its hosts read from the
// tracker (tracked-rows.ts), and the notes that tell a reader what the run saw
// that the port states do not say (an interruption, capture drops, send
// errors, late replies, timing and engine notes).
import type { Scheduler } from './scheduler.js';
import { reportHosts } from './tracked-rows.js';
import type { ScanReport, ScanStats } from './types.js';

/** What a run knows at its end, besides the scheduler's own state. */
export interface RunFacts {
  scheduler: Scheduler;
  /** the engine's counters; retransmissions, srtt and notes are filled in here */
  stats: ScanStats;
  /** Date.now() when the run started */
  startTime: number;
  options: { version?: string; commandLine?: string; verbose?: number };
  /** why a fatal condition stopped the run, null when none did */
  failure: string | null;
  /** probes decided by an earlier run (--resume) */
  resumed: number;
  /** ICMP time-exceeded replies seen */
  timeExceeded: number;
  /** engine notes, by text, with how often each came */
  engineNotes: ReadonlyMap<string, number>;
}

export function runReport(run: RunFacts, incomplete: boolean): ScanReport {
  const s = run.scheduler;
  const stats: ScanStats = {
    ...run.stats,
    retransmissions: s.retransmissions,
    notes: runNotes(run, incomplete),
  };
  if (!Number.isNaN(s.rtt.srttMs)) stats.srttMs = Math.round(s.rtt.srttMs * 1000) / 1000;
  return {
    scanner: 'rawscan',
    version: run.options.version ?? '',
    args: run.options.commandLine ?? '',
    scanTypes: [...s.space.kinds],
    ports: s.space.portList.slice(),
    startTime: run.startTime,
    endTime: Date.now(),
    hosts: reportHosts(s.space, s.verdicts, s.decidedIndices()),
    stats,
    incomplete,
    verbose: run.options.verbose ?? 0,
  };
}

function runNotes(run: RunFacts, incomplete: boolean): string[] {
  const s = run.scheduler;
  const notes: string[] = [];
  if (run.failure !== null) notes.push(`scan stopped: ${run.failure}`);
  if (incomplete) notes.push(`scan interrupted: ${s.decided} of ${s.total} probes decided`);
  if (run.resumed > 0)
    notes.push(`resumed: ${run.resumed} probes decided by an earlier run were not probed again`);
  if (run.stats.pcapDropped > 0) {
    notes.push(
      `the capture dropped ${run.stats.pcapDropped} packets: some ports may show as silent; lower --max-rate`,
    );
  }
  if (run.stats.sendErrors > 0) notes.push(`${run.stats.sendErrors} probes could not be sent`);
  if (run.timeExceeded > 0) notes.push(`${run.timeExceeded} ICMP time-exceeded replies (TTL too low?)`);
  if (s.lateReplies > 0) notes.push(`${s.lateReplies} replies came after their probe was decided (ignored)`);
  notes.push(...s.timingNotes());
  for (const [text, count] of run.engineNotes) notes.push(count > 1 ? `${text} (${count} times)` : text);
  return notes;
}
