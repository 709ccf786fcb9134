// nmap's port range lists ("1-1024,8080"), as in <scaninfo services>,
// <extrareasons ports> and the JSON document's ports.tcp.

/** "1-3,5" → [1, 2, 3, 5], ascending and without duplicates; null if the text is not a range list. */
export function parseRanges(text: string): number[] | null {
  if (text === '') return [];
  const ports = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (!match) return null;
    const lo = Number(match[1]);
    const hi = match[2] === undefined ? lo : Number(match[2]);
    if (lo > hi || hi > 65535) return null;
    for (let p = lo; p <= hi; p++) ports.add(p);
  }
  return [...ports].sort((a, b) => a - b);
}

/** The first difference between two ascending port lists, for messages; undefined when equal. */
export function firstDifference(a: readonly number[], b: readonly number[]): string | undefined {
  const inB = new Set(b);
  const inA = new Set(a);
  const onlyA = a.find((p) => !inB.has(p));
  if (onlyA !== undefined) return `port ${onlyA} is in the first but not the second`;
  const onlyB = b.find((p) => !inA.has(p));
  if (onlyB !== undefined) return `port ${onlyB} is in the second but not the first`;
  return undefined;
}
