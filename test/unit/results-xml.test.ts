import { describe, expect, it } from 'vitest';
import { XmlSyntaxError, parseXml, type XmlElement } from '../../src/results/xml.js';

const attrs = (e: XmlElement): Record<string, string> => Object.fromEntries(e.attributes);

describe('parseXml: well-formed documents', () => {
  it('reads elements, attributes, nesting and the line each element starts on', () => {
    const doc =
      '<?xml version="1.0"?>\n<!DOCTYPE nmaprun>\n<a x="1" y=\'two\'>\n  <b/>\n  <c><d z="3"/></c>\n</a>\n';
    const root = parseXml(doc, 'f.xml');
    expect(root.name).toBe('a');
    expect(attrs(root)).toEqual({ x: '1', y: 'two' });
    expect(root.line).toBe(3);
    expect(root.children.map((c) => [c.name, c.line])).toEqual([
      ['b', 4],
      ['c', 5],
    ]);
    expect(attrs(root.children[1].children[0])).toEqual({ z: '3' });
  });

  it.each([
    ['predefined entities', '&lt;&gt;&amp;&quot;&apos;', '<>&"\''],
    ['decimal reference', 'a&#45;-b', 'a--b'],
    ['hex reference', '&#x41;&#x1F600;', 'A😀'],
    ['literal white space normalised to spaces', 'a\tb\nc', 'a b c'],
    ['referenced white space kept', 'a&#9;b&#10;c', 'a\tb\nc'],
    ['">" is allowed', 'a>b', 'a>b'],
  ])('attribute values: %s', (_, raw, value) => {
    expect(parseXml(`<a v="${raw}"/>`, 'f.xml').attributes.get('v')).toBe(value);
  });

  it.each([
    [
      'comments, PIs and a stylesheet around the root',
      '<?xml version="1.0"?><?xml-stylesheet href="x"?><!-- c --><a/><!-- after -->\n',
    ],
    [
      'DOCTYPE with an internal subset holding ">" and "]" in quotes',
      '<!DOCTYPE a [ <!ENTITY e "x>]"> ]><a/>',
    ],
    ['DOCTYPE with a SYSTEM id', '<!DOCTYPE nmaprun SYSTEM "nmap.dtd"><a/>'],
    ['CDATA and text with references', '<a>text &amp; more<![CDATA[ <not> & markup ]]></a>'],
    ['a byte order mark', '\uFEFF<a/>'],
    ['white space in tags', '<a  x = "1" ></a >'],
  ])('accepts %s', (_, doc) => {
    expect(parseXml(doc, 'f.xml').name).toBe('a');
  });

  it('handles deep nesting without recursion', () => {
    const depth = 50_000;
    const root = parseXml('<a>'.repeat(depth) + '</a>'.repeat(depth), 'f.xml');
    let d = 1;
    for (let e = root; e.children.length > 0; e = e.children[0]) d++;
    expect(d).toBe(depth);
  });
});

describe('parseXml: errors name the source and the line', () => {
  it.each([
    ['mismatched end tag', '<a>\n<b>\n</a>', 3, '</a> closes <b> opened on line 2'],
    ['unclosed element', '<a>\n<b/>\n', 1, '<a> is not closed'],
    ['second root', '<a/>\n<b/>', 2, 'a second root element'],
    ['duplicate attribute', '<a x="1"\n x="2"/>', 2, 'attribute x appears twice'],
    ['unknown entity', '<a>\n&nbsp;</a>', 2, 'unknown entity &nbsp;'],
    ['bare ampersand in an attribute', '<a v="x & y"/>', 1, '"&" must start a reference'],
    ['"<" in an attribute', '<a v="\n<"/>', 2, '"<" in the value of v'],
    ['unquoted attribute', '<a v=1/>', 1, 'must be quoted'],
    ['"--" in a comment', '<a/>\n<!-- a -- b -->', 2, '"--" inside a comment'],
    ['unclosed comment', '<a/><!-- ', 1, 'comment is not closed'],
    ['text outside the root', 'hello <a/>', 1, 'text outside the root element'],
    ['empty document', '  ', 1, 'no root element'],
    ['reference to a non-character', '<a v="&#0;"/>', 1, 'not a character XML allows'],
    ['missing space between attributes', '<a x="1"y="2"/>', 1, 'expected white space'],
    ['late xml declaration', '<a/><?xml version="1.0"?>', 1, 'allowed only at the start'],
  ])('%s', (_, doc, line, detail) => {
    let error: unknown;
    try {
      parseXml(doc, 'scan.xml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(XmlSyntaxError);
    expect((error as XmlSyntaxError).line).toBe(line);
    expect((error as Error).message).toMatch(new RegExp(`^scan\\.xml line ${line}: `));
    expect((error as Error).message).toContain(detail);
  });
});
