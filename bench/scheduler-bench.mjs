#!/usr/bin/env node
// Micro benchmark (not a test): 1M probes through runScan's scheduler and the
// fake engine of the unit tests, in real time; prints probes per second.
//   node bench/scheduler-bench.mjs [probes] [rttMs] [lossPercent] [minRate]
// lossPercent is lost each way (probe and answer), as the lab's --loss.
// Node 20 cannot import TypeScript, so the modules involved are transpiled with
// the project's TypeScript into a temporary directory first.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Every TypeScript module under src/, and the fake engine. */
function sources() {
  const files = readdirSync(join(root, 'src'), { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('src', f));
  return [...files, 'test/unit/fake-engine.ts'];
}

function transpile(out) {
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  for (const file of sources()) {
    const { outputText } = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
}

const probes = Number(process.argv[2] ?? 1_000_000);
const rttMs = Number(process.argv[3] ?? 1);
const loss = Number(process.argv[4] ?? 0) / 100;
const minRate = Number(process.argv[5] ?? 0);

const out = mkdtempSync(join(tmpdir(), 'rawscan-bench-'));
try {
  transpile(out);
  const load = (file) => import(pathToFileURL(join(out, file)).href);
  const { runScan } = await load('src/scan/orchestrator.js');
  const { FakeEngine } = await load('test/unit/fake-engine.js');

  // 16 ports on as many addresses as it takes; a third of the ports open.
  const ports = Array.from({ length: 16 }, (_, i) => 1000 + i);
  const targets = { size: Math.ceil(probes / ports.length), at: (i) => 0x0a000000 + i };
  const engine = new FakeEngine({
    truth: (_address, port) => (port % 3 === 0 ? 'open' : 'closed'),
    kinds: ['syn'],
    rttMs,
    loss,
    lossBack: loss,
  });
  const t0 = performance.now();
  const report = await runScan(
    { targets, ports, scanTypes: ['syn'] },
    engine,
    {
      clock: engine.clock,
      template: 4,
      seed: 1n,
      minRate,
    },
    {
      progress: (p) =>
        console.error(
          `  ${p.done}/${p.total} decided, ${Math.round(p.rate)} probes/s, cwnd ${p.cwnd.toFixed(1)}, timeout ${p.timeoutMs.toFixed(1)} ms`,
        ),
    },
  );
  const totalMs = performance.now() - t0;
  const scanMs = report.endTime - report.startTime; // the report is built after endTime
  const total = targets.size * ports.length;
  const decided = report.hosts.reduce((n, h) => n + h.ports.length, 0);
  console.log(
    `${total} probes (${engine.sent} sent, ${report.stats.retransmissions} retransmitted, rtt ${rttMs} ms, ` +
      `loss ${loss * 100}%): scan ${scanMs} ms = ${Math.round((total / scanMs) * 1000)} probes/s; ` +
      `with the report ${totalMs.toFixed(0)} ms; ${decided} ports decided; srtt ${report.stats.srttMs} ms`,
  );
  for (const note of report.stats.notes) console.log(`  note: ${note}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
