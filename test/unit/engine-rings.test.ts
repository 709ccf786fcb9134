// ringBytesPerEngine: the pcap ring of each engine a command opens before its
// privilege drop (audit: one per zone; firewalk: one per TTL).
import { describe, expect, it } from 'vitest';
import { ringBytesPerEngine } from '../../src/cli/raw-scan.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** EngineConfig.pcapBufferBytes below this is refused by the binding (native/binding/js_config.cc) */
const NATIVE_MIN = 64 * KIB;

describe('ringBytesPerEngine', () => {
  it.each<[string, number, number, number]>([
    ['one engine of a large scan takes the engine default', 1, 1_000_000, 16 * MIB],
    ['one engine of a one-port scan takes the smallest ring', 1, 1, 256 * KIB],
    ['a few probes get the smallest ring', 17, 3, 256 * KIB],
    ['a ring grows with the probes of its scan', 2, 1000, 2000 * KIB],
    ['never above the engine default', 2, 1_000_000, 16 * MIB],
    ['17 engines (firewalk --max-hops 16) share 64 MiB', 17, 1_000_000, Math.floor((64 * MIB) / 17)],
    ['256 engines (--max-hops 255) get the smallest ring', 256, 1_000_000, 256 * KIB],
  ])('%s', (_, engines, probes, want) => {
    expect(ringBytesPerEngine(engines, probes)).toBe(want);
  });

  it('keeps the rings of up to 256 engines within 64 MiB, and every ring one the binding accepts', () => {
    for (const engines of [1, 2, 3, 5, 16, 100, 256]) {
      for (const probes of [0, 1, 500, 40_000, 1_000_000]) {
        const ring = ringBytesPerEngine(engines, probes);
        expect(ring).toBeGreaterThanOrEqual(NATIVE_MIN);
        expect(ring * engines).toBeLessThanOrEqual(64 * MIB);
      }
    }
  });
});
