// kernelSourceFor (native/binding/route.cc through src/native/addon.ts), which
// a raw scan's route lookup uses, answers as node:dgram's connect() does
// (src/targets/kernel-route.ts thisHost): the source address the kernel picks,
// or none. Needs the built addon, no root; a UDP connect() sends nothing.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { kernelSourceFor } from '../../src/native/addon.js';
import { thisHost } from '../../src/targets/kernel-route.js';

/** This host's own IPv4 addresses: a connect() to each is routed over lo, from that address. */
const ownAddresses = Object.values(networkInterfaces())
  .flatMap((infos) => infos ?? [])
  .filter((info) => info.family === 'IPv4')
  .map((info) => info.address);

describe('the kernel source address through the addon', () => {
  it.each([
    ['loopback', '127.0.0.1'],
    ['another loopback address', '127.9.8.7'],
    ['the broadcast address (connect() refuses it)', '255.255.255.255'],
    ...ownAddresses.map((address) => [`this host's ${address}`, address]),
  ])('%s: as node:dgram says', async (_, address) => {
    expect(kernelSourceFor(address)).toBe(await thisHost.sourceFor(address));
  });

  it('gives loopback for loopback, and nothing where connect() fails or the address is no address', () => {
    expect(kernelSourceFor('127.9.8.7')).toBe('127.0.0.1');
    expect(kernelSourceFor('255.255.255.255')).toBeUndefined();
    expect(kernelSourceFor('not-an-address')).toBeUndefined();
  });
});
