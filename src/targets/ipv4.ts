// IPv4 addresses as host-order unsigned 32-bit numbers (0 .. 2^32-1), the form
// every rawscan layer passes around; dotted quads only at the edges.

/** Exactly four decimal octets 0-255 ("198.18.0.1"), else null. No shorthand forms ("10.1", hex, octal). */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let addr = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    addr = addr * 256 + octet;
  }
  return addr;
}

/** Dotted quad of a host-order u32. */
export function ipToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** The first and last address of the /prefix block that contains addr (prefix 0..32). */
export function cidrBounds(addr: number, prefix: number): [number, number] {
  const hostBits = 32 - prefix;
  const blockSize = 2 ** hostBits;
  const first = addr - (addr % blockSize);
  return [first, first + blockSize - 1];
}
