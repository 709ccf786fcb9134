import { describe, expect, test } from 'vitest';
import { normalFormatter } from '../../src/output/normal.js';
import { renderToString } from '../../src/output/types.js';
import type { RenderOptions } from '../../src/output/types.js';
import type { ScanReport } from '../../src/scan/types.js';
import { port, rangeList, withReport } from '../fixtures/reports/build.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

process.env.TZ = 'UTC';

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http', 443: 'https', 8080: 'http-proxy' };
const serviceName = (p: number): string | undefined => SERVICES[p];
const render = (report: ScanReport, opts: RenderOptions = {}): string =>
  renderToString(normalFormatter, report, { serviceName, ...opts });

describe('normal output', () => {
  test('-oN file: nmap layout, collapsed states with reasons, unknown host, notes', () => {
    expect(render(firewallAudit)).toBe(
      [
        '# rawscan 0.1.0 scan initiated Thu Jan 15 10:30:00 2026 as: rawscan -sS -p 1-100,443,8080 -Pn 198.18.0.2-4',
        'rawscan scan report for www.lab (198.18.0.2)',
        'Host is up (0.00014s latency).',
        'Not shown: 55 closed tcp ports (reset), 39 filtered tcp ports (no-response), 5 filtered tcp ports (admin-prohibited)',
        'PORT    STATE SERVICE',
        '22/tcp  open  ssh',
        '80/tcp  open  http',
        '443/tcp open  https',
        '',
        'rawscan scan report for 198.18.0.3',
        'Host is up (0.00025s latency).',
        'Not shown: 99 closed tcp ports (reset)',
        'PORT     STATE    SERVICE',
        '100/tcp  filtered unknown',
        '443/tcp  filtered https',
        '8080/tcp open     http-proxy',
        '',
        'rawscan scan report for 198.18.0.4',
        'Host did not answer any probe (state unknown).',
        'All 102 scanned ports on 198.18.0.4 are in ignored states.',
        'Not shown: 102 filtered tcp ports (no-response)',
        '',
        'Note: ICMP rate limit detected on 198.18.0.254: unreachables are throttled, some filtered ports may be silent',
        '',
        '# rawscan done at Thu Jan 15 10:30:01 2026 -- 3 IP addresses (2 hosts up) scanned in 1.53 seconds',
        '',
      ].join('\n'),
    );
  });

  test('terminal flavour with --reason: Starting/done lines, REASON column, router as responder', () => {
    const text = render(firewallAudit, { interactive: true, reason: true });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Starting rawscan 0.1.0 at 2026-01-15 10:30 UTC');
    expect(lines).toContain('Host is up, received syn-ack ttl 64 (0.00014s latency).');
    expect(lines).toContain('PORT     STATE    SERVICE    REASON');
    expect(lines).toContain('100/tcp  filtered unknown    no-response');
    expect(lines).toContain('443/tcp  filtered https      admin-prohibited from 198.18.0.254 ttl 63');
    expect(lines).toContain('8080/tcp open     http-proxy syn-ack ttl 63');
    expect(lines.at(-2)).toBe('rawscan done: 3 IP addresses (2 hosts up) scanned in 1.53 seconds');
    expect(text).not.toMatch(/^#/m);
  });

  test('--open collapses closed and filtered however few, keeps open', () => {
    const lines = render(firewallAudit, { openOnly: true }).split('\n');
    expect(lines).toContain(
      'Not shown: 99 closed tcp ports (reset), 1 filtered tcp port (no-response), 1 filtered tcp port (admin-prohibited)',
    );
    expect(lines).toContain('8080/tcp open  http-proxy');
    expect(lines.some((l) => l.startsWith('100/tcp'))).toBe(false);
  });

  test('--open keeps open|filtered and unfiltered ports listed', () => {
    const text = render(multiType, { openOnly: true });
    expect(text).toContain('22/tcp open|filtered ssh');
    expect(text).toContain('22/tcp unfiltered ssh');
    expect(text).not.toMatch(/^\d+\/tcp +closed/m);
    expect(text).toContain('Not shown: 5 closed tcp ports (reset)');
  });

  test('several scan types: one headed section per type, in report order', () => {
    const text = render(multiType, { reason: true });
    const headings = text.split('\n').filter((l) => l.endsWith('Scan:'));
    expect(headings).toEqual(['SYN Stealth Scan:', 'FIN Scan:', 'ACK Scan:']);
    const fin = text.slice(text.indexOf('FIN Scan:'), text.indexOf('ACK Scan:'));
    expect(fin).toContain('80/tcp open|filtered http    no-response');
    expect(fin).toContain('20/tcp closed        unknown reset ttl 64');
    expect(fin).not.toContain('syn-ack');
  });

  test('an incomplete scan is marked before the final line', () => {
    const lines = render(multiType).trimEnd().split('\n');
    expect(lines.at(-4)).toBe('Note: interrupted by SIGINT');
    expect(lines.at(-3)).toMatch(/^WARNING: scan incomplete/);
    expect(render(firewallAudit)).not.toContain('WARNING');
  });

  test('a port without a service name shows "unknown"; PortResult.service wins over the lookup', () => {
    const p22 = { ...port(22, 'syn', 'open', 'syn-ack', 64), service: 'my-ssh' };
    const report = withReport({
      ports: [22, 23],
      hosts: [{ address: '198.18.0.5', ports: [p22, port(23, 'syn', 'open', 'syn-ack', 64)] }],
    });
    const lines = render(report).split('\n');
    expect(lines).toContain('22/tcp open  my-ssh');
    expect(lines).toContain('23/tcp open  unknown');
    expect(lines[lines.indexOf('Host is up.') + 1]).toBe('');
  });

  test('26 closed ports collapse, 25 are listed', () => {
    const closed = (n: number): ScanReport =>
      withReport({
        ports: rangeList(1, n),
        hosts: [
          { address: '198.18.0.6', ports: rangeList(1, n).map((p) => port(p, 'syn', 'closed', 'reset', 64)) },
        ],
      });
    expect(render(closed(26))).toContain(
      'All 26 scanned ports on 198.18.0.6 are in ignored states.\nNot shown: 26 closed tcp ports (reset)\n',
    );
    expect(render(closed(25)).match(/^\d+\/tcp +closed/gm)).toHaveLength(25);
  });

  test('no hosts: header, a blank line and the done line', () => {
    expect(render(withReport({}))).toBe(
      '# rawscan 0.1.0 scan initiated Thu Jan 15 10:30:00 2026 as: rawscan\n\n' +
        '# rawscan done at Thu Jan 15 10:30:01 2026 -- 0 IP addresses (0 hosts up) scanned in 1.53 seconds\n',
    );
  });
});
