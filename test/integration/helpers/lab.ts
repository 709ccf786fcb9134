// Helpers for tests that need a lab (root): the root gate, a lab that is
// always destroyed, and nmap as the independent witness of a lab's truth.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll } from 'vitest';
import { createLab, type Lab, type LabOptions } from '../../../src/lab/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Whether root-only tests can run here. Under CI (CI=true) a missing root is
 * an error, not a skip, so that a lab test can never pass by not running:
 * `describe.runIf(requireRoot())(...)`.
 */
export function requireRoot(): boolean {
  const root = process.getuid?.() === 0;
  if (!root && process.env.CI === 'true') {
    throw new Error(
      'lab tests need root (network namespaces) and CI=true forbids skipping them: run as root',
    );
  }
  return root;
}

/** Creates a lab, runs `body` with it and destroys it, whatever happens. */
export async function withLab<T>(opts: LabOptions, body: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createTestLab(opts);
  try {
    return await body(lab);
  } finally {
    await lab.destroy();
  }
}

/** A lab and a scratch directory, shared by the tests of one describe block. */
export interface LabFixture {
  readonly lab: Lab;
  /** the scratch directory, removed with the lab */
  readonly dir: string;
}

/**
 * For the tests of the describe block it is called in: a lab made before them
 * and a scratch directory named after prefix, both removed after them (also
 * when one fails). Read the fields inside the tests: they are set by then.
 */
export function labFixture(opts: LabOptions, prefix: string): LabFixture {
  const fixture: { lab?: Lab; dir?: string } = {};
  beforeAll(async () => {
    fixture.lab = await createTestLab(opts);
    fixture.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
    await fixture.lab?.destroy();
  });
  return fixture as LabFixture;
}

/** createLab for tests: builds the listener first when dist/ lacks it or has an older one. */
export async function createTestLab(opts: LabOptions): Promise<Lab> {
  ensureListenerBuilt();
  return createLab(opts);
}

/** Builds dist/lab/listener.js (what `npm run build:ts` makes of src/lab/listener.ts) if it is stale. */
export function ensureListenerBuilt(): void {
  const source = join(REPO, 'src/lab/listener.ts');
  const built = join(REPO, 'dist/lab/listener.js');
  if (existsSync(built) && statSync(built).mtimeMs >= statSync(source).mtimeMs) return;
  transpileFile(source, built);
}

/**
 * Transpiles every module under src/ into outDir/ (same layout), without type
 * checking: seconds instead of a minute of tsc, for tests that run lab code in
 * a child process of their own.
 */
export function transpileSources(outDir: string): void {
  const src = join(REPO, 'src');
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts')) transpileFile(join(src, file), join(outDir, file.replace(/\.ts$/, '.js')));
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
}

function transpileFile(source: string, target: string): void {
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}

export interface NmapPort {
  state: string;
  reason: string;
}

/** nmap -sS from the scanner namespace; every scanned port with nmap's state and reason. */
export async function nmapSyn(lab: Lab, address: string, ports: string, extra: string[] = []) {
  const args = ['-sS', '-n', '-Pn', '-oX', '-', '-p', ports, ...extra, address];
  const r = await lab.execInScanner('nmap', args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`nmap ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  return parseNmapXml(r.stdout);
}

/** Port results of nmap's XML, including those folded into <extraports> (their ranges are in extrareasons). */
export function parseNmapXml(xml: string): Map<number, NmapPort> {
  const ports = new Map<number, NmapPort>();
  for (const m of xml.matchAll(
    /<port protocol="tcp" portid="(\d+)"><state state="([^"]+)" reason="([^"]+)"/g,
  )) {
    ports.set(Number(m[1]), { state: m[2], reason: m[3] });
  }
  for (const extra of xml.matchAll(/<extraports state="([^"]+)"[^>]*>([\s\S]*?)<\/extraports>/g)) {
    for (const r of extra[2].matchAll(/<extrareasons reason="([^"]+)"[^>]*ports="([^"]+)"/g)) {
      for (const range of r[2].split(',')) {
        const [first, last = first] = range.split('-').map(Number);
        for (let p = first; p <= last; p++) ports.set(p, { state: extra[1], reason: r[1] });
      }
    }
  }
  return ports;
}
