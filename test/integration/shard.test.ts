// --shard K/N end to end: N scans with one --seed probe each (target, port)
// exactly once between them, and `rawscan merge` joins their JSON or XML
// outputs into the result of the unsharded scan, which is the lab's truth.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedState, type Lab, type PortPlan } from '../../src/lab/index.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { CLI, rawscanInLab, removeRun, type JsonReport, type ScanRun } from './helpers/rawscan.js';

const TARGET = '198.19.0.1';
const LAST_PORT = 3000;
const SHARDS = 3;
const SEED = '0x5eed';
const PLAN: PortPlan = {
  22: 'open',
  80: 'open',
  443: 'open',
  1500: 'open',
  2999: 'open',
  100: 'drop',
  101: 'drop',
  2001: 'drop',
  200: 'reject-port',
  2500: 'reject-port',
  300: 'reject-admin',
  400: 'reject-host',
  500: 'reset',
  3000: 'reset',
};
const SCAN = ['-sS', '-p', `1-${LAST_PORT}`, '-n', '-Pn', '--seed', SEED, TARGET];

const run = promisify(execFile);
/** `rawscan merge ...` (reads files only: no namespace needed); never throws, returns the exit. */
async function merge(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [CLI, 'merge', ...args]);
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

const statesOf = (report: JsonReport): Map<number, string> =>
  new Map(report.hosts.flatMap((h) => h.ports.map((p) => [p.port, p.state] as const)));

describe.runIf(requireRoot())(`--shard K/${SHARDS} with one --seed`, () => {
  let lab: Lab;
  const shards: ScanRun[] = [];
  let whole: ScanRun;

  beforeAll(async () => {
    lab = await createTestLab({ ports: PLAN });
    for (let k = 1; k <= SHARDS; k++) {
      shards.push(await rawscanInLab(lab, [...SCAN, '--shard', `${k}/${SHARDS}`, '-oX', '{dir}/out.xml']));
    }
    whole = await rawscanInLab(lab, SCAN);
  });

  afterAll(async () => {
    shards.forEach(removeRun);
    removeRun(whole);
    await lab?.destroy();
  });

  const truth = (port: number) => expectedState('syn', lab.truth(port));
  const file = (k: number, name: string) => join(shards[k - 1].dir, name);

  it('the shards partition the ports: disjoint, together exactly 1..3000, each port right', () => {
    const seen = new Map<number, number>();
    shards.forEach((s, i) => {
      expect(s.report.incomplete).toBe(false);
      expect(s.report.hosts).toHaveLength(1);
      for (const p of s.report.hosts[0].ports) {
        expect([p.port, seen.get(p.port)]).toEqual([p.port, undefined]);
        seen.set(p.port, i + 1);
        expect([p.port, p.state]).toEqual([p.port, truth(p.port)]);
      }
    });
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: LAST_PORT }, (_, i) => i + 1),
    );
    // Positions p % N == K - 1 of the permuted 3000: exactly 1000 each.
    expect(shards.map((s) => s.report.hosts[0].ports.length)).toEqual([1000, 1000, 1000]);
  });

  it('records --shard and --seed in each report, as merge checks them', () => {
    shards.forEach((s, i) =>
      expect((s.report as unknown as { args: string }).args).toMatch(
        new RegExp(`--seed ${SEED} .*--shard ${i + 1}/${SHARDS}`),
      ),
    );
  });

  it.each([
    ['JSON', 'out.json'],
    ['XML', 'out.xml'],
  ])('rawscan merge of the %s outputs equals the unsharded scan and the lab truth', async (_, name) => {
    const merged = join(shards[0].dir, `merged-from-${name}.json`);
    const inputs = [1, 2, 3].map((k) => file(k, name));
    const r = await merge(['-o', merged, ...inputs]);
    expect(r).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(readFileSync(merged, 'utf8')) as JsonReport;
    expect(report.incomplete).toBe(false);
    const states = statesOf(report);
    expect(states).toEqual(statesOf(whole.report));
    expect(states.size).toBe(LAST_PORT);
    for (const [port, state] of states) expect([port, state]).toEqual([port, truth(port)]);
  });

  it('merge refuses a shard given twice and warns about a missing one', async () => {
    const twice = await merge(['-o', join(shards[0].dir, 'x.json'), file(1, 'out.json'), file(1, 'out.xml')]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/are both shard 1\/3: give each shard once/);
    const partial = await merge([
      '-o',
      join(shards[0].dir, 'y.json'),
      file(1, 'out.json'),
      file(2, 'out.json'),
    ]);
    expect(partial.code).toBe(0);
    expect(partial.stderr).toContain('shard 3/3 not given: the merged result is partial');
  });
});
