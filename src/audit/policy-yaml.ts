// A typed walk over a YAML document that keeps every value's line, so that each
// validation error can name file, line and field (zones[0].open[2]).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { PolicyError } from './policy-types.js';

interface SourceFile {
  file: string;
  lines: LineCounter;
}

/** One value of the policy document, with its path and line. */
export class PolicyValue {
  constructor(
    private readonly source: SourceFile,
    readonly node: Node | null,
    /** e.g. zones[0].open[2]; "" for the document root */
    readonly path: string,
    readonly line: number,
  ) {}

  get file(): string {
    return this.source.file;
  }

  fail(problem: string): never {
    throw new PolicyError(this.source.file, this.line, this.path || undefined, problem);
  }

  /** The keys of a mapping, checked against `known`; `required` ones must be present. */
  fields(known: readonly string[], required: readonly string[]): Map<string, PolicyValue> {
    if (!isMap(this.node))
      this.fail(`expected a mapping with keys ${known.join(', ')}, found ${this.kind()}`);
    const fields = new Map<string, PolicyValue>();
    for (const pair of this.node.items) {
      const keyNode = pair.key as Node | null;
      const keyLine = this.lineOf(keyNode);
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      const path = this.path ? `${this.path}.${key ?? '?'}` : (key ?? '?');
      if (key === undefined || !known.includes(key)) {
        const hint = key === undefined ? '' : suggestion(key, known);
        throw new PolicyError(
          this.source.file,
          keyLine,
          path,
          `unknown key${hint}; expected one of ${known.join(', ')}`,
        );
      }
      const value = pair.value as Node | null;
      fields.set(key, new PolicyValue(this.source, value, path, value ? this.lineOf(value) : keyLine));
    }
    for (const key of required) {
      if (!fields.has(key)) this.fail(`missing required key "${key}"`);
    }
    return fields;
  }

  /** The items of a sequence. */
  items(example: string): PolicyValue[] {
    if (!isSeq(this.node)) this.fail(`expected a list like ${example}, found ${this.kind()}`);
    return this.node.items.map((item, i) => {
      const node = item as Node | null;
      return new PolicyValue(this.source, node, `${this.path}[${i}]`, node ? this.lineOf(node) : this.line);
    });
  }

  /** The plain value of a scalar: string, number, boolean or null. */
  scalar(): unknown {
    if (isAlias(this.node))
      this.fail('YAML aliases (*name) are not supported in a policy; write the value out');
    if (this.node === null) return null;
    if (!isScalar(this.node)) this.fail(`expected a single value, found ${this.kind()}`);
    return this.node.value;
  }

  string(): string {
    const value = this.scalar();
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`expected a non-empty text, found ${describe(value)}`);
    }
    return value;
  }

  /** A whole number in [min, max]. */
  integer(min: number, max: number): number {
    const value = this.scalar();
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(`expected a whole number from ${min} to ${max}, found ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    const value = this.scalar();
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.fail(`expected one of ${choices.join(', ')}, found ${describe(value)}`);
    }
    return value as T;
  }

  private kind(): string {
    if (isMap(this.node)) return 'a mapping';
    if (isSeq(this.node)) return 'a list';
    if (isAlias(this.node)) return 'an alias';
    return describe(isScalar(this.node) ? this.node.value : null);
  }

  private lineOf(node: Node | null): number {
    return node?.range ? this.source.lines.linePos(node.range[0]).line : this.line;
  }
}

/** Parse YAML text into its root value; YAML syntax errors become PolicyErrors. */
export function readPolicyDocument(text: string, file: string): PolicyValue {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0].line ?? 1;
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new PolicyError(file, line, undefined, `YAML syntax: ${message}`);
  }
  if (doc.contents === null) throw new PolicyError(file, 1, undefined, 'the policy is empty');
  const root = doc.contents as Node;
  return new PolicyValue({ file, lines }, root, '', root.range ? lines.linePos(root.range[0]).line : 1);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/** " (did you mean X?)" when a known key is one or two edits away. */
function suggestion(key: string, known: readonly string[]): string {
  const close = known.find((candidate) => editDistance(key.toLowerCase(), candidate) <= 2);
  return close ? ` "${key}" (did you mean "${close}"?)` : ` "${key}"`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
