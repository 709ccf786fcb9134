// What the probes look like on the wire, as seen by an independent capture
// (the `cap` binding) in the target namespace: flags, TTL, options, payload and
// checksums computed by the witness itself, not by rawscan.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { labNames } from '../../src/lab/names.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { rawscanInLab, removeRun } from './helpers/rawscan.js';

const WITNESS = fileURLToPath(new URL('./helpers/wire-witness.cjs', import.meta.url));

interface WireProbe {
  ttl: number;
  ipChecksumOk: boolean;
  tcpChecksumOk: boolean;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  dataOffset: number;
  flags: number;
  window: number;
  payload: number;
  options: { kind: number; value: number | null }[];
}

/** Captures in the target namespace while `scan` runs; resolves with every probe seen. */
async function witness(lab: Lab, scan: () => Promise<unknown>, max = 2000): Promise<WireProbe[]> {
  const iface = labNames(lab.name).targetVeth;
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      lab.targetNs,
      process.execPath,
      WITNESS,
      iface,
      lab.scannerAddress,
      String(max),
      '20000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    }),
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await ready;
  try {
    await scan();
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await exited;
  }
  return out
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WireProbe);
}

const PORTS = '1-40';

describe.runIf(requireRoot())('probes on the wire (cap witness in the target namespace)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createTestLab({ ports: { 22: 'open', 23: 'drop' } });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  async function probesOf(args: string[]): Promise<WireProbe[]> {
    let run;
    const probes = await witness(lab, async () => {
      run = await rawscanInLab(lab, [...args, '-p', PORTS, '-n', '--max-retries', '0', lab.targetAddress]);
    });
    removeRun(run);
    return probes;
  }

  it('SYN probes: SYN only, MSS option, TTL as asked, valid IP and TCP checksums', async () => {
    const probes = await probesOf(['-sS', '--ttl', '37']);
    expect(new Set(probes.map((p) => p.dport)).size).toBe(40);
    for (const p of probes) {
      expect(p).toMatchObject({
        flags: 0x02,
        ttl: 37,
        ipChecksumOk: true,
        tcpChecksumOk: true,
        dataOffset: 24,
      });
      expect(p.options).toEqual([{ kind: 2, value: 1460 }]);
      expect(p.payload).toBe(0);
    }
    // Cookies: every probe carries its own sequence number.
    expect(new Set(probes.map((p) => p.seq)).size).toBe(probes.length);
  });

  it.each([
    ['-sF', 0x01],
    ['-sN', 0x00],
    ['-sX', 0x29],
    ['-sA', 0x10],
    ['-sM', 0x11],
  ])('%s probes carry flags %i, no options, valid checksums', async (flag, flags) => {
    const probes = await probesOf([flag]);
    expect(probes.length).toBeGreaterThanOrEqual(40);
    for (const p of probes) {
      expect(p).toMatchObject({ flags, ttl: 64, ipChecksumOk: true, tcpChecksumOk: true, dataOffset: 20 });
    }
  });

  it('--data-length appends payload that the checksum covers; --badsum breaks only the TCP checksum', async () => {
    const padded = await probesOf(['-sS', '--data-length', '25']);
    expect(padded.every((p) => p.payload === 25 && p.tcpChecksumOk && p.ipChecksumOk)).toBe(true);
    const bad = await probesOf(['-sS', '--badsum']);
    expect(bad.length).toBeGreaterThanOrEqual(40);
    expect(bad.every((p) => !p.tcpChecksumOk && p.ipChecksumOk)).toBe(true);
  });
});
