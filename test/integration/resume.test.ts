// --resume FILE against a lab with a randomized truth: a full-range scan killed
// with kill -9, then run again with the same command, reports every port right,
// exactly as an uninterrupted scan would, and probes only what the first run
// left undecided. A journal torn mid-line still resumes.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedState, randomPortPlan } from '../../src/lab/index.js';
import { labFixture, requireRoot } from './helpers/lab.js';
import { wrongPorts, type JsonReport } from './helpers/rawscan.js';
import { describeExit, spawnRawscan } from './helpers/rawscan-process.js';

const TARGET = '198.19.0.1';
const PLAN = randomPortPlan(Date.now() % 1_000_000, { open: 80, drop: 50, rejectPort: 30, reset: 20 });
/** Longest wait for the first run to journal its first verdicts, ms. */
const JOURNAL_WAIT_MS = 20_000;

/** Waits until the journal holds at least `count` verdict lines; returns how many it holds. */
async function journaled(path: string, count: number): Promise<number> {
  const deadline = Date.now() + JOURNAL_WAIT_MS;
  for (;;) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(1) : [];
    const verdicts = lines.filter((l) => l.endsWith('}')).length;
    if (verdicts >= count || Date.now() > deadline) return verdicts;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(requireRoot())('--resume after kill -9', () => {
  const fixture = labFixture({ ports: PLAN }, 'rawscan-resume-');

  it.each([
    ['-sS', 'syn'],
    ['-sF', 'fin'],
  ] as const)(
    '%s -p- killed mid-scan, then resumed, gets every port right with fewer probes',
    async (flag, kind) => {
      const journal = join(fixture.dir, `${kind}.resume`);
      const args = [flag, '-p-', '-n', '-Pn', '--max-rate', '5000', '--resume', journal, TARGET];
      const first = spawnRawscan(fixture.lab, [...args, '-oJ', join(fixture.dir, `${kind}-first.json`)]);
      const verdicts = await journaled(journal, 500);
      first.kill('SIGKILL');
      expect((await first.exit).signal, 'the first scan ended before it was killed').toBe('SIGKILL');
      expect(verdicts, 'the first run journaled too little').toBeGreaterThanOrEqual(500);
      // A kill in the middle of a write leaves a torn last line: the next run ignores it.
      appendFileSync(journal, '{"i":12,"a":"198.19.0.1","p":');

      const out = join(fixture.dir, `${kind}-second.json`);
      const second = await spawnRawscan(fixture.lab, [...args, '-oJ', out]).exit;
      expect(second.code, describeExit(second)).toBe(0);
      const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
      expect(report.incomplete).toBe(false);
      expect(wrongPorts(report.hosts[0].ports, (p) => expectedState(kind, fixture.lab.truth(p)))).toEqual([]);
      const resumed = /resumed: (\d+) probes/.exec(report.stats.notes.join('\n'));
      expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(verdicts);
      // An uninterrupted scan sends at least one probe per port.
      expect(report.stats.probesSent).toBeLessThan(65535 - verdicts + 2000);
      expect(report.stats.probesSent).toBeGreaterThan(0);
    },
  );

  it('refuses the journal of another scan, naming what differs', async () => {
    const journal = join(fixture.dir, 'other.resume');
    const first = await spawnRawscan(fixture.lab, ['-sS', '-p', '1-200', '-n', '--resume', journal, TARGET])
      .exit;
    expect(first.code, describeExit(first)).toBe(0);
    const second = await spawnRawscan(fixture.lab, ['-sS', '-p', '1-300', '-n', '--resume', journal, TARGET])
      .exit;
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      `rawscan: --resume ${journal} is the journal of a different scan (ports differ)`,
    );
    // A finished scan's journal answers a rerun without a single probe.
    const out = join(fixture.dir, 'again.json');
    const again = await spawnRawscan(fixture.lab, [
      '-sS',
      '-p',
      '1-200',
      '-n',
      '--resume',
      journal,
      TARGET,
      '-oJ',
      out,
    ]).exit;
    expect(again.code, describeExit(again)).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
    expect(report.stats.probesSent).toBe(0);
    expect(wrongPorts(report.hosts[0].ports, (p) => expectedState('syn', fixture.lab.truth(p)), 200)).toEqual(
      [],
    );
  });
});
