import { describe, expect, test } from 'vitest';
import { grepableFormatter } from '../../src/output/grepable.js';
import { renderToString } from '../../src/output/types.js';
import type { RenderOptions } from '../../src/output/types.js';
import type { ScanReport } from '../../src/scan/types.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

process.env.TZ = 'UTC';

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http', 443: 'https', 8080: 'http-proxy' };
const render = (report: ScanReport, opts: RenderOptions = {}): string =>
  renderToString(grepableFormatter, report, { serviceName: (p) => SERVICES[p], ...opts });

describe('grepable output', () => {
  test('nmap -oG lines: Status, Ports with Ignored State only when one state collapsed', () => {
    expect(render(firewallAudit)).toBe(
      [
        '# rawscan 0.1.0 scan initiated Thu Jan 15 10:30:00 2026 as: rawscan -sS -p 1-100,443,8080 -Pn 198.18.0.2-4',
        'Host: 198.18.0.2 (www.lab)\tStatus: Up',
        'Host: 198.18.0.2 (www.lab)\tPorts: 22/open/tcp//ssh///, 80/open/tcp//http///, 443/open/tcp//https///',
        'Host: 198.18.0.3 ()\tStatus: Up',
        'Host: 198.18.0.3 ()\tPorts: 100/filtered/tcp//unknown///, 443/filtered/tcp//https///, 8080/open/tcp//http-proxy///\tIgnored State: closed (99)',
        'Host: 198.18.0.4 ()\tStatus: Unknown',
        'Host: 198.18.0.4 ()\tPorts: \tIgnored State: filtered (102)',
        '# Note: ICMP rate limit detected on 198.18.0.254: unreachables are throttled, some filtered ports may be silent',
        '# rawscan done at Thu Jan 15 10:30:01 2026 -- 3 IP addresses (2 hosts up) scanned in 1.53 seconds',
        '',
      ].join('\n'),
    );
  });

  test('--open leaves closed and filtered ports out', () => {
    const line = render(firewallAudit, { openOnly: true })
      .split('\n')
      .find((l) => l.startsWith('Host: 198.18.0.3 ()\tPorts:'));
    expect(line).toBe('Host: 198.18.0.3 ()\tPorts: 8080/open/tcp//http-proxy///');
  });

  test('several scan types: a Ports line per type tagged with the scan; -v adds Ports scanned', () => {
    const lines = render(multiType).split('\n');
    expect(lines[1]).toBe('# Ports scanned: TCP(7;20-25,80) UDP(0;) SCTP(0;) PROTOCOLS(0;)');
    const portLines = lines.filter((l) => l.includes('\tPorts: '));
    expect(portLines.map((l) => l.split('\t').at(-1))).toEqual(['Scan: syn', 'Scan: fin', 'Scan: ack']);
    expect(portLines[1]).toContain('80/open|filtered/tcp//http///');
    expect(lines).toContain(
      '# WARNING: scan incomplete: interrupted before every probe was answered or timed out; unanswered ports may be misreported',
    );
  });

  test('tabs and newlines in free text cannot split fields or records; "/" and "," cannot split port entries', () => {
    const text = render(multiType, { serviceName: () => 'a/b,c' });
    expect(text.split('\n')[0]).toBe(
      '# rawscan 0.1.0 scan initiated Thu Jan 15 10:30:00 2026 as: rawscan -sS -sF -sA -p 20-25,80 --reason 198.18.0.9 --note="<a&b>\'-- "',
    );
    expect(text).toContain('22/open/tcp//a|b|c///');
    for (const line of text.split('\n').filter((l) => l.startsWith('Host:'))) {
      expect(line.split('\t')[0]).toBe('Host: 198.18.0.9 (db"&<lab>)');
    }
  });
});
