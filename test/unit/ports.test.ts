import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { ServiceTable, serviceName, systemServices } from '../../src/ports/services.js';
import { defaultPorts, parsePortSpec } from '../../src/ports/spec.js';

const services = ServiceTable.parse(
  [
    '# test services',
    'ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol',
    'http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP',
    'http-alt\t8080/tcp\twebcache',
    'https\t\t443/tcp',
    'domain\t\t53/udp',
    'snmp 161/udp',
    'postgresql\t5432/tcp\tpostgres',
    'www-dup\t80/tcp',
    'bogus 70000/tcp',
    'broken-line',
    'crlf-line\t3000/tcp\tcrlf-alias\r',
    '  indented\t3001/TCP# a comment right after the port',
    'not-tcp\t3002/tcpx',
  ].join('\n'),
  'test-services',
);

const ports = (spec: string): number[] => parsePortSpec(spec, services);

describe('parsePortSpec', () => {
  it.each<[string, number[]]>([
    ['22', [22]],
    ['22,80,443', [22, 80, 443]],
    ['443,22,80,22', [22, 80, 443]],
    ['1000-1003', [1000, 1001, 1002, 1003]],
    ['5-7,6-9', [5, 6, 7, 8, 9]],
    ['-3', [1, 2, 3]],
    ['65533-', [65533, 65534, 65535]],
    ['T:443', [443]],
    ['t:443,8080', [443, 8080]],
    ['T:1-2,T:4', [1, 2, 4]],
    ['ssh,http', [22, 80]],
    ['HTTP', [80]],
    ['www', [80]],
    ['postgres', [5432]],
    ['http*', [80, 443, 8080]],
    ['*sql', [5432]],
    ['T:https,22', [22, 443]],
    ['65535', [65535]],
    // Runs of ports that touch, overlap or sit at either end of the range.
    ['1-3,4-6,10,9,65534-', [1, 2, 3, 4, 5, 6, 9, 10, 65534, 65535]],
    ['5-8,1,7-9,2', [1, 2, 5, 6, 7, 8, 9]],
  ])('%s', (spec, expected) => expect(ports(spec)).toEqual(expected));

  it('-p- is every port 1-65535, sorted', () => {
    const all = parsePortSpec('-', services);
    expect(all.length).toBe(65535);
    expect(all.every((port, i) => port === i + 1)).toBe(true);
  });

  it.each<[string, RegExp]>([
    ['0', /port 0 in -p 0 is outside 1-65535/],
    ['22,65536', /port 65536 in -p 22,65536 is outside 1-65535/],
    ['0-100', /port 0 in -p 0-100 is outside 1-65535/],
    ['70000-', /port 70000 in -p 70000- is outside 1-65535/],
    ['100-1', /port range 100-1 in -p 100-1 runs backwards; write 1-100/],
    ['22,,80', /empty port item in -p 22,,80/],
    ['', /^-p needs a port list; write e\.g\. -p 22,80,1000-2000$/],
    ['T:', /empty port item in -p T:/],
    ['U:53', /U:53 in -p U:53 asks for UDP ports; only TCP is supported/],
    ['22,S:80', /S:80 in -p 22,S:80 asks for SCTP ports/],
    ['X:80', /unknown protocol prefix X: in -p X:80/],
    ['gopher', /unknown service name gopher in -p gopher; give the port number or a name from test-services/],
    ['domain', /unknown service name domain/], // udp only
    ['zz*', /unknown service name zz\* in -p zz\*/],
    ['1-2-3', /malformed port item "1-2-3" in -p 1-2-3/],
    ['22;80', /malformed port item "22;80"/],
  ])('%j is rejected', (spec, message) => {
    const error = (() => {
      try {
        parsePortSpec(spec, services);
      } catch (e) {
        return e;
      }
      throw new Error(`${spec} was accepted`);
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('defaultPorts', () => {
  it('is 1-1024 plus the named TCP ports', () => {
    const list = defaultPorts(services);
    expect(list.length).toBe(1024 + 4); // 3000, 3001, 5432 and 8080 are above 1024
    expect(list.slice(0, 3)).toEqual([1, 2, 3]);
    expect(list.slice(-5)).toEqual([1024, 3000, 3001, 5432, 8080]);
  });

  it('from the system table includes well-known high ports', () => {
    const list = defaultPorts(systemServices());
    expect(list.length).toBeGreaterThanOrEqual(1024);
    if (systemServices().serviceName(3306) === 'mysql') expect(list).toContain(3306);
  });
});

describe('ServiceTable', () => {
  it.each<[number, string | undefined]>([
    [22, 'ssh'],
    [80, 'http'], // first name listed wins over www-dup
    [8080, 'http-alt'],
    [53, undefined], // udp only
    [161, undefined],
    [1, undefined],
    [3000, 'crlf-line'],
    [3001, 'indented'],
    [3002, undefined],
  ])('serviceName(%d) = %s', (port, name) => expect(serviceName(port, services)).toBe(name));

  it('answers the same while it searches the text and once it has built the whole table', () => {
    const text = [
      'first\t7/tcp',
      'second\t7/tcp',
      'zeros\t0009/tcp',
      'udp-only\t11/udp',
      ...Array.from({ length: 40 }, (_, i) => `svc${i}\t${100 + i}/tcp`),
    ].join('\n');
    const table = ServiceTable.parse(text);
    const asked = [7, 9, 11, 6, 70, 7.5, 0, 65536, ...Array.from({ length: 40 }, (_, i) => 100 + i)];
    const answers = asked.map((port) => table.serviceName(port)); // the first 16 by search
    expect(answers.slice(0, 8)).toEqual([
      'first',
      'zeros',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(answers.slice(8)).toEqual(Array.from({ length: 40 }, (_, i) => `svc${i}`));
    expect(asked.map((port) => table.serviceName(port))).toEqual(answers); // from the table
  });

  it('ignores entries outside 1-65535 and malformed lines', () => {
    expect(services.portsNamed('bogus')).toEqual([]);
    expect(services.portsNamed('broken-line')).toEqual([]);
    expect(services.portsNamed('crlf-alias')).toEqual([3000]);
    expect(services.portsNamed('not-tcp')).toEqual([]);
  });

  it('loads an empty table when the file is missing', () => {
    const missing = ServiceTable.load('/nonexistent/services');
    expect(missing.namedPorts()).toEqual([]);
    expect(() => parsePortSpec('ssh', missing)).toThrow(
      /unknown service name ssh .* \/nonexistent\/services/,
    );
    expect(parsePortSpec('22', missing)).toEqual([22]);
  });

  it('reads /etc/services', () => {
    expect(serviceName(22)).toBe('ssh');
    expect(parsePortSpec('ssh,http')).toEqual([22, 80]);
  });
});
