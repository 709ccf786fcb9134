// `rawscan demo`: builds a throwaway lab (scanner and target namespaces, a
// target with random open, closed, dropped and rejected ports), runs a SYN
// scan of it from inside the scanner namespace, prints the result next to the
// lab's truth, and removes the lab.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { createLab, expectedState, randomPortPlan, requireRoot } from '../lab/index.js';
import { UsageError } from './errors.js';
import { setExitCode } from './exit.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

export const demoCommand: CommandModule<object, { seed: number }> = {
  command: 'demo',
  describe: 'build a lab of network namespaces, scan it, compare with the truth, clean up (needs root)',
  builder: (y) =>
    y.option('seed', { type: 'number', default: Date.now() % 100000, describe: 'lab port plan seed' }),
  handler: async ({ seed }) => {
    requireRoot();
    const plan = randomPortPlan(seed, {
      open: 12,
      drop: 6,
      rejectPort: 3,
      rejectAdmin: 3,
      rejectHost: 2,
      reset: 2,
    });
    const lab = await createLab({ ports: plan });
    try {
      const ports = Object.keys(plan).join(',');
      const scan = ['-sS', '-n', '-Pn', '--reason', '-p', `${ports},1-100`, lab.targetAddress];
      process.stdout.write(
        `lab ${lab.name}: scanning ${lab.targetAddress} from namespace ${lab.scannerNs}\n`,
      );
      process.stdout.write(`$ rawscan ${scan.join(' ')}\n\n`);
      const dir = await mkdtemp(join(tmpdir(), 'rawscan-demo-'));
      const json = join(dir, 'demo.json');
      const r = await lab.execInScanner(process.execPath, [CLI, ...scan, '-oJ', json], { timeoutMs: 60_000 });
      process.stdout.write(r.stdout);
      if (r.code !== 0) throw new UsageError(`demo scan failed (exit ${r.code}): ${r.stderr.trim()}`);
      const result = JSON.parse(await readFile(json, 'utf8')) as {
        hosts: { ports: { port: number; state: string }[] }[];
      };
      await rm(dir, { recursive: true, force: true });
      const wrong = result.hosts[0].ports.filter((p) => p.state !== expectedState('syn', lab.truth(p.port)));
      process.stdout.write(
        wrong.length === 0
          ? `\nall ${result.hosts[0].ports.length} ports agree with the lab's truth\n`
          : `\n${wrong.length} ports disagree with the lab's truth: ${wrong.map((p) => p.port).join(', ')}\n`,
      );
      if (wrong.length > 0) setExitCode(1);
    } finally {
      await lab.destroy();
    }
  },
};
