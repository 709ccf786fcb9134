import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parsePolicy, ZONE_KEYS } from '../../src/audit/policy.js';
import { PolicyError, PORT_CATEGORIES, DEFAULT_CATEGORIES } from '../../src/audit/policy-types.js';

const FIXTURE = new URL('../fixtures/policies/dmz.yaml', import.meta.url);

/** A one-zone policy whose zone body starts on line 4. */
function zone(body: string): string {
  return `version: 1\nzones:\n  - name: web\n${body}`;
}

function errorOf(text: string): PolicyError {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('policy was accepted');
}

describe('parsePolicy: the documented example', () => {
  it('reads zones, hosts, rules with their lines, and defaults', () => {
    const policy = parsePolicy(readFileSync(FIXTURE, 'utf8'), 'dmz.yaml');
    expect(policy.scan).toBe('syn');
    expect(policy.sampling).toEqual({ rangeSample: 8, defaultSample: 64, seed: 1 });
    const [web, db] = policy.zones;
    expect(web.hosts.map((b) => [b.spec, b.last - b.first + 1])).toEqual([
      ['198.19.0.1', 1],
      ['198.19.1.0/30', 4],
    ]);
    expect(web.rules.map((r) => [r.category, r.spec, r.low, r.high, r.path, r.line])).toEqual([
      ['open', '22', 22, 22, 'zones[0].open[0]', 13],
      ['open', 'http', 80, 80, 'zones[0].open[1]', 13],
      ['open', '443', 443, 443, 'zones[0].open[2]', 13],
      ['closed', '8080', 8080, 8080, 'zones[0].closed[0]', 14],
      ['blocked', '23', 23, 23, 'zones[0].blocked[0]', 15],
      ['blocked', '3000-3010', 3000, 3010, 'zones[0].blocked[1]', 15],
    ]);
    expect(web.defaultRule).toMatchObject({ category: 'blocked', line: 16, path: 'zones[0].default' });
    expect(db.defaultRule?.category).toBe('filtered');
  });

  it('treats a missing default as any (no default rule)', () => {
    const policy = parsePolicy(zone('    hosts: [198.19.0.1]\n    open: [22]\n'), 'p.yaml');
    expect(policy.zones[0].defaultRule).toBeUndefined();
  });

  it.each([
    [
      'closed and blocked on one port of one zone',
      zone('    hosts: [198.19.0.1]\n    closed: [23]\n    blocked: ["1-100"]\n'),
    ],
    ['the same port twice in one category', zone('    hosts: [198.19.0.1]\n    open: [22, "20-30"]\n')],
    [
      'two zones opening the same port on the same host',
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.0/24], open: [80] }\n  - { name: b, hosts: [198.19.0.7], open: [80] }\n',
    ],
    [
      "a default and another zone's explicit rule",
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.0/24], default: blocked }\n  - { name: b, hosts: [198.19.0.7], open: [80] }\n',
    ],
    [
      'blocked and filtered defaults on shared hosts',
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.0/24], default: blocked }\n  - { name: b, hosts: [198.19.0.7], default: filtered }\n',
    ],
  ])('accepts rules that overlap without contradicting: %s', (_, text) => {
    expect(() => parsePolicy(text, 'p.yaml')).not.toThrow();
  });
});

describe('parsePolicy: malformed policies name file, line and field', () => {
  it.each([
    [
      'unknown top-level key',
      'verison: 1\nzones: []\n',
      'p.yaml:1: field verison: unknown key "verison" (did you mean "version"?); expected one of version, description, defaults, zones',
    ],
    [
      'unknown zone key',
      zone('    hosts: [198.19.0.1]\n    opne: [22]\n'),
      'p.yaml:5: field zones[0].opne: unknown key "opne" (did you mean "open"?); expected one of name, description, hosts, open, closed, filtered, blocked, default',
    ],
    [
      'unknown defaults key',
      'version: 1\ndefaults: { sample: 3 }\nzones: []\n',
      'p.yaml:2: field defaults.sample: unknown key "sample"; expected one of scan, rangeSample, defaultSample, seed',
    ],
    [
      'port out of range',
      zone('    hosts: [198.19.0.1]\n    open: [22, 80, 70000]\n'),
      'p.yaml:5: field zones[0].open[2]: port 70000 is out of range (1-65535)',
    ],
    [
      'port 0',
      zone('    hosts: [198.19.0.1]\n    blocked:\n      - 23\n      - 0\n'),
      'p.yaml:7: field zones[0].blocked[1]: port 0 is out of range (1-65535)',
    ],
    [
      'range end out of range',
      zone('    hosts: [198.19.0.1]\n    blocked: ["60000-65536"]\n'),
      'p.yaml:5: field zones[0].blocked[0]: port 65536 is out of range (1-65535)',
    ],
    [
      'fractional port',
      zone('    hosts: [198.19.0.1]\n    open: [22.5]\n'),
      'p.yaml:5: field zones[0].open[0]: port 22.5 is not a whole number',
    ],
    [
      'reversed range',
      zone('    hosts: [198.19.0.1]\n    closed: ["3010-3000"]\n'),
      'p.yaml:5: field zones[0].closed[0]: range 3010-3000 is reversed; write 3000-3010',
    ],
    [
      'unknown service',
      zone('    hosts: [198.19.0.1]\n    open: [sshh]\n'),
      'p.yaml:5: field zones[0].open[0]: "sshh" is not a port, a range ("3000-3010") or a known service name; write the port number',
    ],
    [
      'bad address',
      zone('    hosts: [198.19.300.1]\n    open: [22]\n'),
      'p.yaml:4: field zones[0].hosts[0]: "198.19.300.1" is not an IPv4 address or CIDR block (expected e.g. 198.19.0.1 or 198.19.0.0/24)',
    ],
    [
      'CIDR with host bits',
      zone('    hosts:\n      - 198.19.0.1\n      - 198.19.1.1/30\n    open: [22]\n'),
      'p.yaml:6: field zones[0].hosts[1]: "198.19.1.1/30" has host bits set; the block is 198.19.1.0/30',
    ],
    [
      'CIDR prefix too long',
      zone('    hosts: [198.19.1.0/33]\n    open: [22]\n'),
      'p.yaml:4: field zones[0].hosts[0]: "198.19.1.0/33" has prefix length "33"; it must be 0-32',
    ],
    [
      'hostname instead of address',
      zone('    hosts: [db.example]\n    open: [22]\n'),
      'p.yaml:4: field zones[0].hosts[0]: "db.example" is not an IPv4 address or CIDR block (expected e.g. 198.19.0.1 or 198.19.0.0/24)',
    ],
    ['missing hosts', zone('    open: [22]\n'), 'p.yaml:3: field zones[0]: missing required key "hosts"'],
    [
      'empty hosts',
      zone('    hosts: []\n    open: [22]\n'),
      'p.yaml:4: field zones[0].hosts: the zone has no hosts; list addresses or CIDR blocks',
    ],
    [
      'scalar where a list belongs',
      zone('    hosts: [198.19.0.1]\n    open: 22\n'),
      'p.yaml:5: field zones[0].open: expected a list like [22, 443, "8000-8010"], found 22',
    ],
    [
      'bad default',
      zone('    hosts: [198.19.0.1]\n    default: open\n'),
      'p.yaml:5: field zones[0].default: expected one of blocked, closed, filtered, any, found "open"',
    ],
    [
      'zone that checks nothing',
      zone('    hosts: [198.19.0.1]\n    default: any\n'),
      'p.yaml:3: field zones[0]: zone "web" checks nothing: list ports under open/closed/filtered/blocked or set a default',
    ],
    [
      'bad scan type',
      'version: 1\ndefaults:\n  scan: fin\nzones: []\n',
      'p.yaml:3: field defaults.scan: expected one of syn, connect, found "fin"',
    ],
    [
      'negative sample',
      'version: 1\ndefaults:\n  rangeSample: -1\nzones: []\n',
      'p.yaml:3: field defaults.rangeSample: expected a whole number from 0 to 1024, found -1',
    ],
    [
      'wrong version',
      'version: 2\nzones: []\n',
      'p.yaml:1: field version: this rawscan reads policy version 1, found 2',
    ],
    [
      'no zones',
      'version: 1\nzones: []\n',
      'p.yaml:2: field zones: the policy has no zones; add at least one',
    ],
    ['empty file', '# nothing\n', 'p.yaml:1: the policy is empty'],
    [
      'not a mapping',
      '- 22\n',
      'p.yaml:1: expected a mapping with keys version, description, defaults, zones, found a list',
    ],
    ['YAML syntax', zone('    hosts: [198.19.0.1\n    open: [22]\n'), 'p.yaml:5: YAML syntax: '],
    [
      'duplicate key',
      zone('    hosts: [198.19.0.1]\n    open: [22]\n    open: [80]\n'),
      'p.yaml:6: YAML syntax: Map keys must be unique',
    ],
    [
      'duplicate zone name',
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.1], open: [22] }\n  - name: a\n    hosts: [198.19.0.2]\n    open: [22]\n',
      'p.yaml:4: field zones[1].name: zone name "a" is already used by zones[0] (line 3)',
    ],
    [
      'contradiction inside a zone',
      zone('    hosts: [198.19.0.1]\n    open: [22, 80]\n    blocked:\n      - "1-1023"\n'),
      'p.yaml:7: field zones[0].blocked[0]: port 22 is listed as blocked here and as open in zones[0].open[0] (line 5); a port cannot be both',
    ],
    [
      'closed vs filtered inside a zone',
      zone('    hosts: [198.19.0.1]\n    filtered: ["100-200"]\n    closed: [150]\n'),
      'p.yaml:6: field zones[0].closed[0]: port 150 is listed as closed here and as filtered in zones[0].filtered[0] (line 5); a port cannot be both',
    ],
    [
      'contradiction between zones sharing a host',
      'version: 1\nzones:\n  - name: lan\n    hosts: [198.19.0.0/16]\n    blocked: ["1-1024"]\n  - name: web\n    hosts: [198.19.5.0/24]\n    open: [443]\n',
      'p.yaml:8: field zones[1].open[0]: port 443 on 198.19.5.0 is expected open here but blocked by zones[0].blocked[0] (line 5) of zone "lan"',
    ],
    [
      'contradicting defaults on shared hosts',
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.0/24], default: closed }\n  - name: b\n    hosts: [198.19.0.9]\n    default: filtered\n',
      'p.yaml:6: field zones[1].default: default filtered contradicts default closed of zone "a" (zones[0].default (line 3)) for 198.19.0.9, which both zones cover',
    ],
  ])('%s', (_, text, message) => {
    const error = errorOf(text);
    expect(error.message.startsWith(message)).toBe(true);
    if (!message.endsWith(': ')) expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
  });

  it('does not see contradictions between zones whose hosts do not overlap', () => {
    const text =
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.0/24], blocked: ["1-1024"] }\n  - { name: b, hosts: [198.19.1.0/24], open: [443] }\n';
    expect(parsePolicy(text, 'p.yaml').zones).toHaveLength(2);
  });
});

describe('docs/schema/policy.schema.json agrees with the parser', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../../docs/schema/policy.schema.json', import.meta.url), 'utf8'),
  );
  it('lists the same zone keys, categories and defaults', () => {
    const zoneSchema = schema.$defs.zone;
    expect(Object.keys(zoneSchema.properties).sort()).toEqual([...ZONE_KEYS].sort());
    expect(zoneSchema.additionalProperties).toBe(false);
    expect(zoneSchema.properties.default.enum).toEqual([...DEFAULT_CATEGORIES]);
    for (const category of PORT_CATEGORIES)
      expect(zoneSchema.properties[category].$ref).toBe('#/$defs/ports');
  });
});

describe('docs/policy.md', () => {
  it('its example policy parses to the same zones as the fixture', () => {
    const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const strip = (text: string) =>
      parsePolicy(text, 'x.yaml').zones.map(({ name, hosts, rules, defaultRule }) => ({
        name,
        hosts,
        rules: rules.map(({ category, low, high, spec }) => ({ category, low, high, spec })),
        default: defaultRule?.category,
      }));
    expect(strip(example)).toEqual(strip(readFileSync(FIXTURE, 'utf8')));
  });
});
