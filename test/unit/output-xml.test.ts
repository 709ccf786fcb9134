import { describe, expect, test } from 'vitest';
import { comment, escapeAttribute, xmlFormatter } from '../../src/output/xml.js';
import { renderToString } from '../../src/output/types.js';
import type { RenderOptions } from '../../src/output/types.js';
import type { ScanReport } from '../../src/scan/types.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

process.env.TZ = 'UTC';

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http', 443: 'https', 8080: 'http-proxy' };
const render = (report: ScanReport, opts: RenderOptions = {}): string =>
  renderToString(xmlFormatter, report, { serviceName: (p) => SERVICES[p], ...opts });

/** the text of the <host> element whose address is addr */
function hostXml(xml: string, addr: string): string {
  const at = xml.indexOf(`<address addr="${addr}"`);
  return xml.slice(xml.lastIndexOf('<host', at), xml.indexOf('</host>', at));
}

describe('nmap XML output', () => {
  const xml = render(firewallAudit);

  test('root, scaninfo and runstats in nmap form, naming rawscan wherever free text allows', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n')).toBe(true);
    expect(xml).toContain(
      '<nmaprun scanner="nmap" args="rawscan -sS -p 1-100,443,8080 -Pn 198.18.0.2-4" start="1768473000" ' +
        'startstr="Thu Jan 15 10:30:00 2026" version="rawscan-0.1.0" profile_name="rawscan" xmloutputversion="1.05">',
    );
    expect(xml).toContain(
      '<scaninfo type="syn" protocol="tcp" numservices="102" services="1-100,443,8080"/>',
    );
    expect(xml).toContain('<verbose level="0"/>\n<debugging level="0"/>');
    expect(xml).toContain(
      '<runstats><finished time="1768473001" timestr="Thu Jan 15 10:30:01 2026" summary="rawscan done at Thu Jan 15 10:30:01 2026; ' +
        '3 IP addresses (2 hosts up) scanned in 1.53 seconds" elapsed="1.53" exit="success"/><hosts up="2" down="1" total="3"/>',
    );
    expect(xml.endsWith('</runstats>\n</nmaprun>\n')).toBe(true);
  });

  test('host: status from the first reply, extraports with extrareasons, listed ports with service', () => {
    const www = hostXml(xml, '198.18.0.2');
    expect(www).toContain(
      '<host starttime="1768473000" endtime="1768473001"><status state="up" reason="syn-ack" reason_ttl="64"/>',
    );
    expect(www).toContain('<hostname name="www.lab" type="user"/>');
    expect(www).toContain(
      '<extraports state="filtered" count="44">\n' +
        '<extrareasons reason="no-response" count="39" proto="tcp" ports="1-21,23-40"/>\n' +
        '<extrareasons reason="admin-prohibited" count="5" proto="tcp" ports="41-45"/>\n' +
        '</extraports>',
    );
    expect(www).toContain('<extrareasons reason="reset" count="55" proto="tcp" ports="46-79,81-100,8080"/>');
    expect(www).toContain(
      '<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" method="table" conf="3"/></port>',
    );
    expect(www.match(/<port /g)).toHaveLength(3);
  });

  test('reason_ip only when a router, not the target, answered', () => {
    const app = hostXml(xml, '198.18.0.3');
    expect(app).toContain(
      '<state state="filtered" reason="admin-prohibited" reason_ttl="63" reason_ip="198.18.0.254"/>',
    );
    expect(app.match(/reason_ip=/g)).toHaveLength(1);
    expect(hostXml(xml, '198.18.0.2')).not.toContain('reason_ip');
  });

  test('a host that answered nothing is "unknown" with all its ports in extraports', () => {
    const dark = hostXml(xml, '198.18.0.4');
    expect(dark).toContain('<status state="unknown" reason="no-response" reason_ttl="0"/>');
    expect(dark).toContain('<extraports state="filtered" count="102">');
    expect(dark).not.toContain('<port ');
  });

  test('--open moves every not-possibly-open port into extraports', () => {
    const app = hostXml(render(firewallAudit, { openOnly: true }), '198.18.0.3');
    expect(app.match(/<port /g)).toHaveLength(1);
    expect(app).toContain('<extraports state="filtered" count="2">');
  });

  test('incomplete: exit="error" with a message; several types: scaninfo and <ports> per type', () => {
    const text = render(multiType);
    expect(text).toContain(
      'exit="error" errormsg="scan interrupted before every probe was answered or timed out"',
    );
    expect(text.match(/<scaninfo type="(\w+)"/g)).toEqual([
      '<scaninfo type="syn"',
      '<scaninfo type="fin"',
      '<scaninfo type="ack"',
    ]);
    expect(text.match(/<!-- [A-Za-z -]+ Scan -->\n<ports>/g)).toEqual([
      '<!-- SYN Stealth Scan -->\n<ports>',
      '<!-- FIN Scan -->\n<ports>',
      '<!-- ACK Scan -->\n<ports>',
    ]);
    expect(text).toContain(
      '<port protocol="tcp" portid="80"><state state="open|filtered" reason="no-response" reason_ttl="0"/>',
    );
  });

  test('escaping: attributes, hostnames and comments carry any text safely', () => {
    const text = render(multiType);
    expect(text).toContain(
      'args="rawscan -sS -sF -sA -p 20-25,80 --reason 198.18.0.9 --note=&quot;&lt;a&amp;b&gt;&apos;--&#9;&quot;"',
    );
    expect(text).toContain('<hostname name="db&quot;&amp;&lt;lab&gt;" type="user"/>');
    const comments = text.match(/<!--[\s\S]*?-->/g)!;
    for (const c of comments) expect(c.slice(4, -3)).not.toContain('--');
  });

  test.each([
    ['a&b', 'a&amp;b'],
    ['<x y="1">', '&lt;x y=&quot;1&quot;&gt;'],
    ["it's", 'it&apos;s'],
    ['tab\there\nline\r', 'tab&#9;here&#10;line&#13;'],
    ['nul\u0000bell\u0007', 'nul\uFFFDbell\uFFFD'],
  ])('escapeAttribute(%j)', (raw, escaped) => expect(escapeAttribute(raw)).toBe(escaped));

  test.each([
    ['a -- b', '<!-- a -&#45; b -->'],
    ['----', '<!-- -&#45;-&#45; -->'],
    ['ends with -', '<!-- ends with - -->'],
  ])('comment(%j)', (raw, xmlComment) => expect(comment(raw)).toBe(xmlComment));
});
