// A small, strict, non-validating XML reader: enough for nmap's -oX output and
// ours. It builds a tree of elements with their attributes and the line each
// starts on; character data is checked (well-formed, known entities) but not
// kept, since nmap's scan results live in attributes.
//
// Accepted: the <?xml?> declaration, other processing instructions (skipped,
// e.g. nmap's xml-stylesheet), comments (no "--" inside, as XML 1.0 requires),
// one DOCTYPE with or without an internal subset (skipped: no validation, no
// entity declarations honoured), CDATA sections, the five predefined entities
// and character references &#n; / &#xn;. Anything else — a second root,
// mismatched or unclosed tags, a duplicate attribute, an unknown entity, "<"
// in an attribute value — is an XmlSyntaxError naming the source and line.

export interface XmlElement {
  name: string;
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** 1-based line of the element's "<" */
  line: number;
}

export class XmlSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source} line ${line}: not well-formed XML: ${detail}`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.\-]*/y;
const SPACE = /[ \t\r\n]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses a whole document; returns its root element. source names it in errors. */
export function parseXml(text: string, source: string): XmlElement {
  return new XmlReader(text, source).document();
}

class XmlReader {
  private pos = 0;
  /** offsets of every "\n", ascending, for offset → line */
  private readonly newlines: number[] = [];

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.newlines.push(i);
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): XmlElement {
    if (this.text.startsWith('<?xml', this.pos)) this.skipPast('?>', 'the <?xml ?> declaration');
    let root: XmlElement | undefined;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) break;
      if (this.misc()) continue;
      if (this.text.startsWith('<!DOCTYPE', this.pos)) {
        if (root) this.fail('DOCTYPE after the root element');
        this.doctype();
        continue;
      }
      if (this.text[this.pos] !== '<') this.fail('text outside the root element');
      if (root) this.fail(`a second root element after </${root.name}>`);
      root = this.element();
    }
    if (!root) this.fail('no root element');
    return root;
  }

  /** Elements, nested, without recursion: deep documents cannot overflow the stack. */
  private element(): XmlElement {
    const root = this.startTag();
    if (root.selfClosed) return root.element;
    const open: XmlElement[] = [root.element];
    while (open.length > 0) {
      const parent = open[open.length - 1];
      this.characterData(parent);
      if (this.misc()) continue;
      if (this.text.startsWith('<![CDATA[', this.pos)) {
        this.skipPast(']]>', 'a CDATA section');
      } else if (this.text.startsWith('</', this.pos)) {
        this.endTag(parent);
        open.pop();
      } else {
        const child = this.startTag();
        parent.children.push(child.element);
        if (!child.selfClosed) open.push(child.element);
      }
    }
    return root.element;
  }

  private startTag(): { element: XmlElement; selfClosed: boolean } {
    const line = this.line(this.pos);
    this.pos++; // "<"
    const name = this.name('an element name after "<"');
    const attributes = new Map<string, string>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.text.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { element: { name, attributes, children: [], line }, selfClosed: true };
      }
      if (this.text[this.pos] === '>') {
        this.pos++;
        return { element: { name, attributes, children: [], line }, selfClosed: false };
      }
      if (this.pos >= this.text.length) this.fail(`<${name}> is not closed with ">"`, line);
      if (!spaced) this.fail(`expected white space, ">" or "/>" in <${name}>`);
      const key = this.name(`an attribute name in <${name}>`);
      if (attributes.has(key)) this.fail(`attribute ${key} appears twice in <${name}>`);
      this.skipSpace();
      if (this.text[this.pos] !== '=') this.fail(`expected "=" after attribute ${key} in <${name}>`);
      this.pos++;
      this.skipSpace();
      attributes.set(key, this.attributeValue(key, name));
    }
  }

  private endTag(open: XmlElement): void {
    this.pos += 2;
    const name = this.name('an element name after "</"');
    this.skipSpace();
    if (this.text[this.pos] !== '>') this.fail(`expected ">" to end </${name}>`);
    this.pos++;
    if (name !== open.name) this.fail(`</${name}> closes <${open.name}> opened on line ${open.line}`);
  }

  private attributeValue(key: string, element: string): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail(`the value of ${key} in <${element}> must be quoted`);
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail(`the value of ${key} in <${element}> has no closing ${quote}`);
    const raw = this.text.slice(this.pos + 1, end);
    const lt = raw.indexOf('<');
    if (lt >= 0)
      this.fail(`"<" in the value of ${key} in <${element}> (write &lt;)`, this.line(this.pos + 1 + lt));
    // Attribute-value normalisation (XML 1.0 §3.3.3): literal white space becomes a space, references keep theirs.
    const value = this.decode(raw.replace(/[\t\n\r]/g, ' '), this.pos + 1);
    this.pos = end + 1;
    return value;
  }

  /** Text up to the next "<": checked for entities, then dropped. */
  private characterData(inside: XmlElement): void {
    const lt = this.text.indexOf('<', this.pos);
    if (lt < 0) this.fail(`<${inside.name}> is not closed before the end of the document`, inside.line);
    if (lt > this.pos) this.decode(this.text.slice(this.pos, lt), this.pos);
    this.pos = lt;
  }

  /** Replaces entity and character references; at = offset of raw in the text, for errors. */
  private decode(raw: string, at: number): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&<\s]*);?/g, (match, body: string, offset: number) => {
      const where = this.line(at + offset);
      if (!match.endsWith(';')) this.fail(`"&" must start a reference such as &amp;`, where);
      if (body in PREDEFINED) return PREDEFINED[body];
      const ref = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
      if (!ref)
        this.fail(
          `unknown entity &${body}; (only &lt; &gt; &amp; &quot; &apos; and &#n; are defined)`,
          where,
        );
      const code = ref[1] !== undefined ? parseInt(ref[1], 16) : parseInt(ref[2], 10);
      if (!isXmlChar(code)) this.fail(`&${body}; is not a character XML allows`, where);
      return String.fromCodePoint(code);
    });
  }

  /** Skips a comment or processing instruction at pos; false if there is none. */
  private misc(): boolean {
    if (this.text.startsWith('<!--', this.pos)) {
      const start = this.pos;
      const end = this.text.indexOf('-->', start + 4);
      if (end < 0) this.fail('a comment is not closed with "-->"');
      const dashes = this.text.indexOf('--', start + 4);
      if (dashes < end) this.fail('"--" inside a comment', this.line(dashes));
      this.pos = end + 3;
      return true;
    }
    if (this.text.startsWith('<?', this.pos)) {
      if (/^<\?xml[\s?]/i.test(this.text.slice(this.pos, this.pos + 6)))
        this.fail('<?xml ?> is allowed only at the start');
      this.skipPast('?>', 'a processing instruction');
      return true;
    }
    return false;
  }

  /** <!DOCTYPE name [SYSTEM "..."] [internal subset]>: skipped; quoted strings may hold "]" and ">". */
  private doctype(): void {
    const start = this.pos;
    let depth = 0;
    for (let i = start + 9; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '"' || c === "'") {
        const close = this.text.indexOf(c, i + 1);
        if (close < 0) break;
        i = close;
      } else if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth === 0) {
        this.pos = i + 1;
        return;
      }
    }
    this.fail('the DOCTYPE is not closed with ">"', this.line(start));
  }

  private name(what: string): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    if (!match) this.fail(`expected ${what}`);
    this.pos = NAME.lastIndex;
    return match[0];
  }

  /** true if any white space was skipped */
  private skipSpace(): boolean {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    const skipped = SPACE.lastIndex > this.pos;
    this.pos = SPACE.lastIndex;
    return skipped;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.text.indexOf(terminator, this.pos);
    if (end < 0) this.fail(`${what} is not closed with "${terminator}"`);
    this.pos = end + terminator.length;
  }

  /** 1-based line of an offset */
  private line(offset: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.newlines[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private fail(detail: string, line = this.line(this.pos)): never {
    throw new XmlSyntaxError(this.source, line, detail);
  }
}

/** XML 1.0 Char production */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
