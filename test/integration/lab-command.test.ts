// `rawscan lab up NAME --routed`, `lab status`, `lab down NAME` as a user runs
// them: the routed lab outlives the command (listeners included), status prints
// the router's policy and how to scan, down removes all five namespaces and the
// record. Root only.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLabName, labNamespaces, routedLabNames } from '../../src/lab/names.js';
import { execInNamespace, listNamespaces, run } from '../../src/lab/netns.js';
import { DEFAULT_ROUTER_POLICY, ROUTED_ADDRESSES, type RouterRule } from '../../src/lab/routed.js';
import { LAB_STATE_DIR } from '../../src/lab/state.js';
import { ensureListenerBuilt, requireRoot } from './helpers/lab.js';
import { CLI } from './helpers/rawscan.js';

const rawscan = (args: string[]) => run(process.execPath, [CLI, ...args], { timeoutMs: 120_000 });

describe.runIf(requireRoot())('rawscan lab up --routed, status, down', () => {
  const name = generateLabName();
  const names = routedLabNames(name);
  const mine = async () => (await listNamespaces()).filter((ns) => labNamespaces(names).includes(ns));

  afterAll(async () => {
    if ((await mine()).length > 0) await rawscan(['lab', 'down', name]);
  });

  it('refuses the plain lab’s options next to --routed, naming them', async () => {
    const r = await rawscan(['lab', 'up', name, '--routed', '--open', '22', '--loss', '5']);
    expect([r.code, r.stderr.trim()]).toEqual([
      1,
      'rawscan: --open, --loss are options of the plain lab, not of --routed; leave them out (the routed lab is fixed: `rawscan lab status` shows its policy once it is up)',
    ]);
    expect(await mine()).toEqual([]);
  });

  it('up: five namespaces that outlive the command, listeners included', async () => {
    ensureListenerBuilt();
    const up = await rawscan(['lab', 'up', name, '--routed']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^lab ${name} is up \\(routed\\)\n`));
    expect((await mine()).sort()).toEqual(labNamespaces(names).sort());
    expect(existsSync(join(LAB_STATE_DIR, `${name}.json`))).toBe(true);
    const scan = await execInNamespace(
      names.scannerNs,
      process.execPath,
      [CLI, '-sS', '-n', '--max-retries', '1', '-p', '22,23', '-oG', '-', ROUTED_ADDRESSES.hostA],
      { timeoutMs: 60_000 },
    );
    expect(scan.stdout).toMatch(/Ports: 22\/open\/tcp\/\/ssh\/\/\/, 23\/filtered\/tcp/);
  });

  it('status: the router’s policy as the truth, and how to scan through it', async () => {
    const status = await rawscan(['lab', 'status']);
    const text = status.stdout.slice(status.stdout.indexOf(`lab ${name} (up since`));
    const byRule = new Map<RouterRule, number[]>();
    for (const [port, rule] of Object.entries(DEFAULT_ROUTER_POLICY)) {
      byRule.set(rule, [...(byRule.get(rule) ?? []), Number(port)]);
    }
    for (const [rule, ports] of byRule) {
      expect(text).toMatch(new RegExp(`^    ${rule} +${ports.join(',')} `, 'm'));
    }
    expect(text).toContain(`  router   ${names.routerNs}`);
    expect(text).toContain(`scan it:       sudo ip netns exec ${names.scannerNs} rawscan -sS -sA -p `);
    expect(text).toContain(`remove:        sudo rawscan lab down ${name}`);
  });

  it('down: removes all five namespaces and the record', async () => {
    const down = await rawscan(['lab', 'down', name]);
    expect([down.code, down.stdout]).toEqual([0, `removed lab ${name}\n`]);
    expect(await mine()).toEqual([]);
    expect(existsSync(join(LAB_STATE_DIR, `${name}.json`))).toBe(false);
    expect((await rawscan(['lab', 'status'])).stdout).not.toContain(`lab ${name} `);
  });
});
