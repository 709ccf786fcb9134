import { describe, expect, it } from 'vitest';
import {
  LIVE_REDRAW_MS,
  ProgressDisplay,
  formatClock,
  formatProgress,
  formatRate,
  groupThousands,
  parseDuration,
} from '../../src/cli/progress.js';
import { UsageError } from '../../src/cli/errors.js';
import type { ScanProgress } from '../../src/scan/orchestrator.js';

const PROGRESS: ScanProgress = {
  done: 24_379,
  total: 65_535,
  sent: 65_535,
  replies: 1204,
  rate: 212_400,
  etaMs: 3_200,
  openFound: 12,
  cwnd: 100,
  timeoutMs: 50,
};

describe('formatProgress', () => {
  it('shows percent, probes and rate, replies, open ports and ETA', () => {
    expect(formatProgress(PROGRESS)).toBe(
      '  37.2% | 65,535 probes 212k/s | 1,204 replies | 12 open | ETA 0:03',
    );
  });

  it('prefixes the elapsed time in the --stats-every form', () => {
    expect(formatProgress(PROGRESS, 75_000)).toBe(
      'Stats: 1:15 elapsed |  37.2% | 65,535 probes 212k/s | 1,204 replies | 12 open | ETA 0:03',
    );
  });

  it.each([
    [
      { done: 0, total: 10, etaMs: Infinity, replies: 1 },
      '   0.0% | 65,535 probes 212k/s | 1 reply | 12 open | ETA -:--',
    ],
    [
      { done: 10, total: 10, etaMs: NaN },
      ' 100.0% | 65,535 probes 212k/s | 1,204 replies | 12 open | ETA 0:00',
    ],
    [{ done: 0, total: 0 }, ' 100.0% | 65,535 probes 212k/s | 1,204 replies | 12 open | ETA 0:00'],
  ])('edge %j', (fields, line) => {
    expect(formatProgress({ ...PROGRESS, ...fields })).toBe(line);
  });
});

describe('formatting pieces', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [65_535, '65,535'],
    [1_234_567_890, '1,234,567,890'],
  ])('groupThousands(%d) = %s', (n, text) => expect(groupThousands(n)).toBe(text));

  it.each([
    [0, '0/s'],
    [-5, '0/s'],
    [950.4, '950/s'],
    [1000, '1.0k/s'],
    [9_540, '9.5k/s'],
    [9_999, '10k/s'],
    [212_400, '212k/s'],
    [999_400, '999k/s'],
    [1_234_000, '1.2M/s'],
  ])('formatRate(%d) = %s', (r, text) => expect(formatRate(r)).toBe(text));

  it.each([
    [0, '0:00'],
    [3_400, '0:03'],
    [59_600, '1:00'],
    [754_000, '12:34'],
    [3_600_000, '1:00:00'],
    [3_723_000, '1:02:03'],
    [Infinity, '-:--'],
    [NaN, '-:--'],
    [-1, '-:--'],
  ])('formatClock(%d) = %s', (ms, text) => expect(formatClock(ms)).toBe(text));
});

describe('parseDuration (--stats-every)', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['3', 3_000],
    [' 7s ', 7_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text, '--stats-every')).toBe(ms));

  it.each(['', '0', '0s', '0.0001ms', '-1s', '10 s', '10x', 's', '1e3'])(
    'rejects %j, naming the option',
    (text) => {
      expect(() => parseDuration(text, '--stats-every')).toThrow(UsageError);
      expect(() => parseDuration(text, '--stats-every')).toThrow(/--stats-every .*e\.g\. 10s/);
    },
  );
});

/** A fake stderr and clock: what was written, and a time the test moves. */
function fakeTerminal(isTTY: boolean, columns = 200) {
  const out: string[] = [];
  const clock = { ms: 0 };
  return { out, clock, sink: { isTTY, columns, write: (t: string) => out.push(t) }, now: () => clock.ms };
}

describe('ProgressDisplay', () => {
  it('shows nothing when stderr is not a terminal and --stats-every is not given', () => {
    expect(ProgressDisplay.forScan({ isTTY: false, write: () => true }, undefined)).toBeUndefined();
    expect(ProgressDisplay.forScan({ write: () => true }, undefined)).toBeUndefined();
  });

  it('asks for progress calls as often as the fastest of its outputs', () => {
    expect(ProgressDisplay.forScan({ isTTY: true, write: () => true }, undefined)!.periodMs).toBe(
      LIVE_REDRAW_MS,
    );
    expect(ProgressDisplay.forScan({ isTTY: false, write: () => true }, 10_000)!.periodMs).toBe(10_000);
    expect(ProgressDisplay.forScan({ isTTY: true, write: () => true }, 100)!.periodMs).toBe(100);
  });

  it('redraws the live line in place at most every 250 ms and erases it on clear', () => {
    const t = fakeTerminal(true);
    const d = new ProgressDisplay(t.sink, { live: true, now: t.now });
    d.update(PROGRESS);
    t.clock.ms = 100;
    d.update({ ...PROGRESS, done: 30_000 }); // too soon: skipped
    t.clock.ms = 260;
    d.update({ ...PROGRESS, done: 40_000 });
    expect(t.out).toEqual([
      `\r\x1b[K${formatProgress(PROGRESS)}`,
      `\r\x1b[K${formatProgress({ ...PROGRESS, done: 40_000 })}`,
    ]);
    d.clear();
    d.clear(); // nothing on screen any more: nothing written
    expect(t.out.slice(2)).toEqual(['\r\x1b[K']);
    expect(t.out.join('')).not.toContain('\n');
  });

  it('cuts the live line to the terminal width so that it never wraps', () => {
    const t = fakeTerminal(true, 30);
    new ProgressDisplay(t.sink, { live: true, now: t.now }).update(PROGRESS);
    expect(t.out[0]).toBe(`\r\x1b[K${formatProgress(PROGRESS).slice(0, 29)}`);
  });

  it('--stats-every without a terminal: one full line per interval, no escape codes', () => {
    const t = fakeTerminal(false);
    const d = new ProgressDisplay(t.sink, { live: false, everyMs: 1000, now: t.now });
    for (const ms of [250, 500, 1000, 1500, 2100, 2500]) {
      t.clock.ms = ms;
      d.update(PROGRESS);
    }
    d.clear();
    expect(t.out).toEqual([`${formatProgress(PROGRESS, 1000)}\n`, `${formatProgress(PROGRESS, 2100)}\n`]);
  });

  it('--stats-every on a terminal erases the live line before each stats line', () => {
    const t = fakeTerminal(true);
    const d = new ProgressDisplay(t.sink, { live: true, everyMs: 500, now: t.now });
    d.update(PROGRESS);
    t.clock.ms = 600;
    d.update(PROGRESS);
    expect(t.out).toEqual([
      `\r\x1b[K${formatProgress(PROGRESS)}`,
      '\r\x1b[K',
      `${formatProgress(PROGRESS, 600)}\n`,
      `\r\x1b[K${formatProgress(PROGRESS)}`,
    ]);
  });
});
