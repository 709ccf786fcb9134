// --resume FILE for raw scans. A missing or empty FILE starts a new scan whose
// journal FILE becomes; a FILE with a journal continues that scan: the same
// seed (so the same probe order), and every probe it holds a verdict for is
// reported from the file, not probed again. The command must describe the
// same scan (targets, ports, scan types, probe options); timing and output
// options may change between runs.
import { open, readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';
import { setExitCode } from './exit.js';
import { parseSeed } from './raw-scan.js';
import { customBase, type ScanSettings } from './scan-options.js';
import type { ScanHooks } from '../scan/orchestrator.js';
import { ProbeSpace } from '../scan/probe-space.js';
import {
  JournalWriter,
  decodeVerdict,
  type DecidedProbe,
  headerLine,
  identityDifferences,
  readJournal,
  scanIdentity,
  type ScanIdentity,
} from '../scan/resume.js';
import type { ProbeKind, ScanPlan } from '../scan/types.js';
import type { TargetSet } from '../targets/target-set.js';
import { randomSeed } from '../scan/random.js';

/** Exit status when the journal could not be written (the scan's results are still reported). */
const EXIT_JOURNAL_FAILED = 2;

export interface ResumeSession {
  readonly path: string;
  /** permutation seed of the scan (the journal's, or new) */
  readonly seed: bigint;
  /** probes decided by earlier runs */
  readonly decided: DecidedProbe[];
  readonly journal: JournalWriter;
}

/** --resume FILE of the scan command: the plan as runRawScan builds it, --seed as given. */
export async function openScanResume(
  path: string,
  settings: ScanSettings,
  targets: TargetSet,
  ports: number[],
  requestedScans: readonly string[] | undefined,
  seedText: string | undefined,
): Promise<ResumeSession> {
  if (path === '') {
    throw new UsageError('--resume needs a file name: give the journal file to create or continue');
  }
  if (settings.scanTypes.includes('connect')) {
    throw new UsageError(
      `--resume ${path} needs a raw scan type (-sS, -sF, ...): a connect scan (-sT) cannot resume`,
    );
  }
  const base = customBase(requestedScans) as ProbeKind;
  const plan: ScanPlan = { targets, ports, scanTypes: settings.scanTypes as ProbeKind[], customBase: base };
  const shard = settings.shard ? `${settings.shard.index}/${settings.shard.count}` : 'none';
  const identity = scanIdentity(plan.scanTypes, ports, targets.intervals(), {
    ttl: settings.ttl,
    'data-length': settings.dataLength,
    badsum: settings.badsum,
    scanflags: settings.customFlags,
    'scanflags-base': base,
    shard,
  });
  return openResume(path, plan, identity, seedText === undefined ? undefined : parseSeed(seedText));
}

/** ScanHooks.verdict that journals each verdict, then hands it to next. */
export function journalingVerdicts(
  session: ResumeSession,
  next?: ScanHooks['verdict'],
): ScanHooks['verdict'] {
  return (address, result, index) => {
    session.journal.record(index, address, result);
    next?.(address, result, index);
  };
}

/** Reads (or starts) the journal at path; UsageError when it belongs to another scan or is damaged. */
export async function openResume(
  path: string,
  plan: ScanPlan,
  identity: ScanIdentity,
  seed: bigint | undefined,
): Promise<ResumeSession> {
  const contents = await readContents(path);
  const header = contents.header;
  let decided: DecidedProbe[] = [];
  let scanSeed = seed ?? randomSeed();
  if (header) {
    const diff = identityDifferences(header.identity, identity);
    if (diff.length > 0) {
      throw new UsageError(
        `--resume ${path} is the journal of a different scan (${diff.join(', ')} differ): ` +
          'repeat the original command (same targets, ports, scan types and probe options) or give a new file',
      );
    }
    const stored = BigInt(header.seed);
    if (seed !== undefined && seed !== stored) {
      throw new UsageError(
        `--seed ${seed} differs from the seed ${stored} of --resume ${path}: drop --seed to continue that scan`,
      );
    }
    scanSeed = stored;
    decided = decodeAll(path, contents.verdicts, new ProbeSpace(plan));
  }
  const journal = await openForAppend(
    path,
    contents.validBytes,
    header ? null : headerLine(scanSeed, identity),
  );
  return { path, seed: scanSeed, decided, journal };
}

/** Writes what is pending and closes the journal; a write failure is reported, not thrown. */
export async function closeResume(session: ResumeSession): Promise<void> {
  try {
    await session.journal.close();
  } catch (err) {
    process.stderr.write(
      `rawscan: cannot write --resume ${session.path} (${(err as Error).message}): ` +
        'the results above are complete, but a later --resume will probe again what the file lacks\n',
    );
    setExitCode(EXIT_JOURNAL_FAILED);
  }
}

async function readContents(path: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`cannot read --resume ${path} (${(err as Error).message}): give a readable file`);
    }
    bytes = Buffer.alloc(0);
  }
  try {
    return readJournal(bytes);
  } catch (err) {
    throw new UsageError(
      `--resume ${path} is not a rawscan resume file: ${(err as Error).message}; give a new file name`,
    );
  }
}

function decodeAll(path: string, lines: { lineNo: number; text: string }[], space: ProbeSpace) {
  return lines.map(({ lineNo, text }) => {
    try {
      return decodeVerdict(text, space);
    } catch (err) {
      throw new UsageError(
        `--resume ${path} line ${lineNo}: ${(err as Error).message}; the file is damaged: remove it to scan again from the start`,
      );
    }
  });
}

/** Opens path for appending, cut to its whole lines, with the header written first when new. */
async function openForAppend(
  path: string,
  validBytes: number,
  header: string | null,
): Promise<JournalWriter> {
  try {
    const file = await open(path, 'a+');
    try {
      await file.truncate(validBytes);
      if (header !== null) {
        await file.write(header, null, 'utf8');
        await file.datasync();
      }
    } catch (err) {
      await file.close();
      throw err;
    }
    return new JournalWriter(file);
  } catch (err) {
    throw new UsageError(
      `cannot write --resume ${path} (${(err as Error).message}): give a writable file in an existing directory`,
      EXIT_JOURNAL_FAILED,
    );
  }
}
