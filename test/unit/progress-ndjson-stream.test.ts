// --output-ndjson streamed while the scan runs (src/cli/stream-output.ts): the
// same records as the NDJSON rendered after the scan, header first, footer last.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NdjsonStream } from '../../src/cli/stream-output.js';
import { UsageError } from '../../src/cli/errors.js';
import { ndjsonFormatter } from '../../src/output/ndjson.js';
import { renderToString, type RenderOptions } from '../../src/output/types.js';
import { parseIpv4 } from '../../src/targets/ipv4.js';
import type { ScanReport, TargetList } from '../../src/scan/types.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function targetsOf(report: ScanReport): TargetList {
  const addresses = report.hosts.map((h) => parseIpv4(h.address)!);
  const hostnames = new Map<number, string>();
  report.hosts.forEach((h, i) => h.hostname && hostnames.set(addresses[i], h.hostname));
  return { size: addresses.length, at: (i) => addresses[i], hostnames };
}

/** Streams report's ports in a shuffled order, as verdicts arrive during a scan. */
async function streamed(report: ScanReport, opts: RenderOptions): Promise<string[]> {
  dir = mkdtempSync(join(tmpdir(), 'rawscan-ndjson-'));
  const path = join(dir, 'out.ndjson');
  const stream = await NdjsonStream.open(path, report, targetsOf(report), opts);
  const verdicts = report.hosts.flatMap((h) => h.ports.map((p) => [parseIpv4(h.address)!, p] as const));
  verdicts.sort((a, b) => ((a[1].port * 7919 + a[0]) % 101) - ((b[1].port * 7919 + b[0]) % 101));
  for (const [address, result] of verdicts) stream.port(address, result);
  await stream.finish(report);
  return readFileSync(path, 'utf8').split('\n');
}

describe('NdjsonStream', () => {
  it.each([
    ['firewall audit', firewallAudit, {}],
    ['multi-type, incomplete', multiType, {}],
    ['--open', firewallAudit, { openOnly: true }],
  ] as const)(
    '%s: the same lines as the rendered NDJSON, header first, footer last',
    async (_, report, opts) => {
      const lines = await streamed(report, opts);
      const rendered = renderToString(ndjsonFormatter, report, opts).split('\n');
      expect(lines.at(-1)).toBe(''); // ends with a newline
      expect(lines[0]).toBe(rendered[0]);
      expect(lines.at(-2)).toBe(rendered.at(-2));
      expect(JSON.parse(lines.at(-2)!)).toMatchObject({ type: 'footer', incomplete: report.incomplete });
      expect([...lines].sort()).toEqual([...rendered].sort());
      // Port lines stream before every host line.
      const types = lines.slice(1, -2).map((l) => (JSON.parse(l) as { type: string }).type);
      expect(types.lastIndexOf('port')).toBeLessThan(Math.max(0, types.indexOf('host')));
    },
  );

  it('an unwritable path is a UsageError naming the option and the path', async () => {
    const open = NdjsonStream.open('/nonexistent-dir/x.ndjson', firewallAudit, targetsOf(firewallAudit), {});
    await expect(open).rejects.toThrow(UsageError);
    await expect(
      NdjsonStream.open('/nonexistent-dir/x.ndjson', firewallAudit, targetsOf(firewallAudit), {}),
    ).rejects.toThrow(/--output-ndjson output to '\/nonexistent-dir\/x.ndjson'/);
  });
});
