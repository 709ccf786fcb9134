// A scan's random key and seed, read from the kernel's random source,
// /dev/urandom (the same source node:crypto draws from; it does not block once
// the system has booted). node:crypto would serve as well, but loading that
// module costs ~6.5 ms, 4 % of a one-port scan, for the 24 bytes a scan needs;
// where /dev/urandom cannot be read, node:crypto is used after all.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** length random bytes */
export function randomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return cryptoRandomBytes(length);
  }
  try {
    for (let done = 0; done < length;) {
      const read = readSync(fd, bytes, done, length - done, null);
      if (read <= 0) return cryptoRandomBytes(length);
      done += read;
    }
  } catch {
    return cryptoRandomBytes(length);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** a random 64-bit seed */
export function randomSeed(): bigint {
  return randomBytes(8).readBigUInt64LE();
}
