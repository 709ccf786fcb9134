// Parsing and validation of an audit policy (docs/policy.md). Pure: text in,
// Policy out, or a PolicyError that names file, line and field.
import { parseHostBlock, type HostBlock } from './ip.js';
import { checkConflicts } from './policy-conflicts.js';
import { parsePortEntry, spanText } from './policy-ports.js';
import {
  AUDIT_SCANS,
  DEFAULT_CATEGORIES,
  DEFAULT_SAMPLING,
  PORT_CATEGORIES,
  type Policy,
  type PortRule,
  type Sampling,
  type Zone,
} from './policy-types.js';
import { readPolicyDocument, type PolicyValue } from './policy-yaml.js';

const POLICY_KEYS = ['version', 'description', 'defaults', 'zones'] as const;
const DEFAULTS_KEYS = ['scan', 'rangeSample', 'defaultSample', 'seed'] as const;
export const ZONE_KEYS = ['name', 'description', 'hosts', ...PORT_CATEGORIES, 'default'] as const;

/** Upper bounds that keep a sampled plan a sample; --full covers everything. */
const MAX_RANGE_SAMPLE = 1024;
const MAX_DEFAULT_SAMPLE = 65535;

/** Parse and validate a policy file's text; `file` is used in error messages only. */
export function parsePolicy(text: string, file: string): Policy {
  const root = readPolicyDocument(text, file);
  const fields = root.fields(POLICY_KEYS, ['version', 'zones']);
  const version = fields.get('version')!;
  if (version.scalar() !== 1)
    version.fail(`this rawscan reads policy version 1, found ${JSON.stringify(version.scalar())}`);
  const defaults = fields.get('defaults');
  const { scan, sampling } = defaults
    ? parseDefaults(defaults)
    : { scan: 'syn' as const, sampling: DEFAULT_SAMPLING };
  const zonesValue = fields.get('zones')!;
  const zoneValues = zonesValue.items('[{ name: dmz, hosts: [198.19.0.1], open: [443] }]');
  if (zoneValues.length === 0) zonesValue.fail('the policy has no zones; add at least one');
  const zones: Zone[] = [];
  for (const value of zoneValues) zones.push(parseZone(value, zones));
  checkConflicts(zones, file);
  const description = fields.get('description')?.string();
  return { file, version: 1, description, scan, sampling, zones };
}

function parseDefaults(value: PolicyValue): { scan: Policy['scan']; sampling: Sampling } {
  const fields = value.fields(DEFAULTS_KEYS, []);
  return {
    scan: fields.get('scan')?.oneOf(AUDIT_SCANS) ?? 'syn',
    sampling: {
      rangeSample: fields.get('rangeSample')?.integer(0, MAX_RANGE_SAMPLE) ?? DEFAULT_SAMPLING.rangeSample,
      defaultSample:
        fields.get('defaultSample')?.integer(0, MAX_DEFAULT_SAMPLE) ?? DEFAULT_SAMPLING.defaultSample,
      seed: fields.get('seed')?.integer(0, 2 ** 32 - 1) ?? DEFAULT_SAMPLING.seed,
    },
  };
}

/** The zone at `value`, which follows `earlier` in the file. */
function parseZone(value: PolicyValue, earlier: readonly Zone[]): Zone {
  const index = earlier.length;
  const fields = value.fields(ZONE_KEYS, ['name', 'hosts']);
  const nameValue = fields.get('name')!;
  const name = nameValue.string();
  const taken = earlier.find((zone) => zone.name === name);
  if (taken)
    nameValue.fail(`zone name "${name}" is already used by zones[${taken.index}] (line ${taken.line})`);
  const hosts = parseHosts(fields.get('hosts')!);
  const rules: PortRule[] = [];
  for (const category of PORT_CATEGORIES) {
    const list = fields.get(category);
    if (!list) continue;
    list.items('[22, 443, "8000-8010"]').forEach((entry, i) => {
      const written = entry.scalar();
      const span = parsePortEntry(written);
      if (typeof span === 'string') return entry.fail(span);
      rules.push({
        zone: name,
        zoneIndex: index,
        field: category,
        index: i,
        category,
        spec: typeof written === 'string' ? written.trim() : spanText(span),
        path: entry.path,
        line: entry.line,
        ...span,
      });
    });
  }
  const defaultValue = fields.get('default');
  const defaultCategory = defaultValue?.oneOf(DEFAULT_CATEGORIES) ?? 'any';
  const zone: Zone = {
    name,
    index,
    line: value.line,
    description: fields.get('description')?.string(),
    hosts,
    rules,
  };
  if (defaultCategory !== 'any') {
    zone.defaultRule = {
      zone: name,
      zoneIndex: index,
      field: 'default',
      category: defaultCategory,
      spec: 'other ports',
      path: defaultValue!.path,
      line: defaultValue!.line,
    };
  }
  if (rules.length === 0 && !zone.defaultRule) {
    value.fail(
      `zone "${name}" checks nothing: list ports under ${PORT_CATEGORIES.join('/')} or set a default`,
    );
  }
  return zone;
}

function parseHosts(value: PolicyValue): HostBlock[] {
  const items = value.items('[198.19.0.1, 198.19.1.0/30]');
  if (items.length === 0) value.fail('the zone has no hosts; list addresses or CIDR blocks');
  return items.map((item) => {
    const block = parseHostBlock(item.string().trim());
    if (typeof block === 'string') return item.fail(block);
    return block;
  });
}
