// A JSON Schema (draft 2020-12) validator for exactly the keywords that
// docs/schema/rawscan-report.schema.json uses. A keyword outside that subset
// throws instead of being ignored, so the schema cannot silently outgrow it.

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description', 'format']);

export function validate(root: Schema, value: unknown, schema: Schema = root, path = '$'): string[] {
  const errors: string[] = [];
  const fail = (message: string): void => void errors.push(`${path}: ${message}`);
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case '$ref':
        errors.push(...validate(root, value, resolve(root, arg as string), path));
        break;
      case 'type':
        if (![arg].flat().some((t) => hasType(value, t as string))) fail(`expected ${String(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).includes(value)) fail(`${JSON.stringify(value)} not in enum`);
        break;
      case 'const':
        if (value !== arg) fail(`expected ${JSON.stringify(arg)}, got ${JSON.stringify(value)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`${value} < ${String(arg)}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail(`${value} > ${String(arg)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value))
          fail(`"${value}" !~ ${String(arg)}`);
        break;
      case 'required':
        if (isObject(value)) for (const key of arg as string[]) if (!(key in value)) fail(`missing "${key}"`);
        break;
      case 'properties':
        if (isObject(value))
          for (const [key, sub] of Object.entries(arg as Record<string, Schema>))
            if (key in value) errors.push(...validate(root, value[key], sub, `${path}.${key}`));
        break;
      case 'additionalProperties':
        if (isObject(value)) errors.push(...additional(root, value, schema, arg as boolean | Schema, path));
        break;
      case 'propertyNames':
        if (isObject(value))
          for (const key of Object.keys(value))
            errors.push(...validate(root, key, arg as Schema, `${path}[key ${key}]`));
        break;
      case 'items':
        if (Array.isArray(value))
          value.forEach((item, i) => errors.push(...validate(root, item, arg as Schema, `${path}[${i}]`)));
        break;
      default:
        throw new Error(`schema keyword "${keyword}" is outside the validator's subset`);
    }
  }
  return errors;
}

function additional(
  root: Schema,
  value: Record<string, unknown>,
  schema: Schema,
  rule: boolean | Schema,
  path: string,
): string[] {
  const declared = new Set(Object.keys((schema.properties as object | undefined) ?? {}));
  const errors: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (declared.has(key)) continue;
    if (rule === false) errors.push(`${path}: unexpected property "${key}"`);
    else if (rule !== true) errors.push(...validate(root, v, rule, `${path}.${key}`));
  }
  return errors;
}

function resolve(root: Schema, ref: string): Schema {
  const match = /^#\/\$defs\/([\w-]+)$/.exec(ref);
  const target = match ? (root.$defs as Record<string, Schema> | undefined)?.[match[1]] : undefined;
  if (!target) throw new Error(`unresolvable $ref ${ref}`);
  return target;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
