// --output-ndjson as a true stream: the header when the scan starts, one port
// line per probe as its verdict is decided (ScanHooks.verdict), and the host
// lines and footer when the scan ends. A reader tailing the file sees results
// while the scan runs; an interrupted scan's file still ends with a footer
// saying "incomplete": true.
//
// Line order: header, port lines in the order verdicts were decided (the
// permuted probe order, hosts interleaved), then one host line per host, then
// the footer. Lines are those of src/output/ndjson.ts, so a streamed file
// holds the same records as one rendered after the scan.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { UsageError } from './errors.js';
import { ndjsonFooter, ndjsonHeader, ndjsonHost, ndjsonPort, type RenderOptions } from '../output/index.js';
import { keepPort } from '../output/json.js';
import { openOutputFile } from '../output/write.js';
import { ipToString } from '../targets/ipv4.js';
import type { PortResult, ScanReport, TargetList } from '../scan/types.js';

/** Port lines are gathered up to this many characters, or this long, before each write. */
const BATCH_CHARS = 64 * 1024;
const FLUSH_MS = 250;
const WHAT = '--output-ndjson output';

export type StreamHead = Pick<ScanReport, 'version' | 'args' | 'scanTypes' | 'ports' | 'startTime'>;

export class NdjsonStream {
  private batch = '';
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly path: string,
    /** a file stream, or undefined for standard output */
    private readonly file: WriteStream | undefined,
    private readonly targets: TargetList,
    private readonly opts: RenderOptions,
    private readonly beforeStdout: () => void,
  ) {
    if (file) file.on('error', this.onError);
    else process.stdout.on('error', this.onError);
  }

  // A closed pipe (rawscan ... | head) ends a stdout stream quietly.
  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE' || this.file) this.failure ??= err;
  };

  /**
   * Opens path ("-" = standard output) and writes the header. beforeStdout runs
   * before each write to standard output (it erases the progress line).
   */
  static async open(
    path: string,
    head: StreamHead,
    targets: TargetList,
    opts: RenderOptions,
    beforeStdout: () => void = () => {},
  ): Promise<NdjsonStream> {
    // openOutputFile: the other outputs' rules (no symbolic link of another user; UsageError).
    const file = path === '-' ? undefined : createWriteStream('', { fd: await openOutputFile(path, WHAT) });
    const stream = new NdjsonStream(path, file, targets, opts, beforeStdout);
    stream.batch = ndjsonHeader(head);
    stream.flush();
    return stream;
  }

  /** ScanHooks.verdict: one decided probe. */
  readonly port = (address: number, result: PortResult): void => {
    if (!keepPort(result, this.opts)) return;
    const host = { address: ipToString(address), hostname: this.targets.hostnames?.get(address) };
    this.batch += ndjsonPort(host, result, this.opts);
    if (this.batch.length >= BATCH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  };

  /** Writes the host lines and the footer of the finished (or interrupted) scan, and closes. */
  async finish(report: ScanReport): Promise<void> {
    for (const host of report.hosts) this.batch += ndjsonHost(host);
    this.batch += ndjsonFooter(report);
    this.flush();
    await this.close();
  }

  /** Closes without a footer (the scan failed); safe to call after finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    if (this.file) {
      this.file.end();
      if (!this.file.closed) await once(this.file, 'close').catch(() => {});
    } else {
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      process.stdout.off('error', this.onError);
    }
    if (this.failure) throw writeError(this.failure, this.path);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch === '' || this.closed) return;
    const text = this.batch;
    this.batch = '';
    if (this.file) {
      this.file.write(text);
    } else {
      this.beforeStdout();
      process.stdout.write(text, (err) => err && this.onError(err));
    }
  }
}

function writeError(err: unknown, path: string): Error {
  if ((err as NodeJS.ErrnoException).code === undefined) return err as Error;
  return new UsageError(
    `cannot write ${WHAT} to '${path}' (${(err as Error).message}): give a writable file in an existing directory, or '-' for standard output`,
  );
}
