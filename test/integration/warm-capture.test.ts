// The capture warm-up as the CLI uses it, in a lab (root only): a raw scan's
// engine takes the capture that main() started opening before yargs parsed
// the command line (src/cli/warm-capture.ts), and the scan's answer is the
// same as without it. RAWSCAN_WARM_CAPTURE=report says what became of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { CLI } from './helpers/rawscan.js';

describe.runIf(requireRoot())('the capture warm-up of a scan', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await createTestLab({ ports: { 2222: 'open', 3333: 'drop' } });
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  const scan = (...args: string[]) =>
    lab.execInScanner('env', ['RAWSCAN_WARM_CAPTURE=report', process.execPath, CLI, '-n', ...args]);

  it('is taken by the engine of a one-port SYN scan, which finds the port open', async () => {
    const run = await scan('-sS', '-p', '2222', lab.targetAddress);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2222\/tcp +open /m);
    expect(run.stderr).toBe('rawscan: warm capture taken\n');
  });

  it('is taken with -e, and by a FIN scan of several ports', async () => {
    const run = await scan('-sF', '-e', lab.scannerInterface, '-p', '2222,3333,4444', lab.targetAddress);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2222\/tcp +open\|filtered /m);
    expect(run.stdout).toMatch(/^3333\/tcp +open\|filtered /m);
    expect(run.stdout).toMatch(/^4444\/tcp +closed /m);
    expect(run.stderr).toBe('rawscan: warm capture taken\n');
  });

  it('is not started for what the guess declines (--exclude), and the scan runs as before', async () => {
    const run = await scan('-sS', '-p', '2222', '--exclude', '198.19.0.9', lab.targetAddress);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2222\/tcp +open /m);
    expect(run.stderr).toBe('rawscan: warm capture none\n');
  });

  it('is not started for an interface that does not exist, and the scan says so as before', async () => {
    const run = await scan('-sS', '-e', 'rs-no-such-if', '-p', '2222', lab.targetAddress);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe(
      'rawscan: interface rs-no-such-if does not exist; see `ip link`\nrawscan: warm capture none\n',
    );
  });

  it('is not started for a pseudo-device that pcap knows (-e any)', async () => {
    const run = await scan('-sS', '-e', 'any', '-p', '2222', lab.targetAddress);
    expect(run.stderr).toMatch(/rawscan: warm capture none\n$/);
  });

  it('is not started for a connect scan', async () => {
    const run = await scan('-sT', '-p', '2222', lab.targetAddress);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2222\/tcp +open /m);
    expect(run.stderr).toBe('rawscan: warm capture none\n');
  });
});
