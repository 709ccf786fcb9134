// ProbeSpace's ports: sorted and unique whatever order the plan gives them in,
// with the plan's own array kept for the report when it was that already.
import { describe, expect, it } from 'vitest';
import { ProbeSpace } from '../../src/scan/probe-space.js';

const targets = { size: 1, at: () => 0xc6130001 };

describe('ProbeSpace ports', () => {
  it('sorts and de-duplicates the plan’s ports; the report list follows', () => {
    const space = new ProbeSpace({ targets, ports: [443, 22, 80, 22, 443], scanTypes: ['syn'] });
    expect(Array.from(space.ports)).toEqual([22, 80, 443]);
    expect(space.portList).toEqual([22, 80, 443]);
    expect(space.size).toBe(3);
  });

  it('keeps an ascending plan’s own array, and a full range whole', () => {
    const plan = Array.from({ length: 65535 }, (_, i) => i + 1);
    const space = new ProbeSpace({ targets, ports: plan, scanTypes: ['syn', 'fin'] });
    expect(space.portList).toBe(plan);
    expect(space.ports).toHaveLength(65535);
    expect(space.ports[0]).toBe(1);
    expect(space.ports[65534]).toBe(65535);
  });

  it('treats a repeated port as out of order', () => {
    const plan = [1, 2, 2, 3];
    const space = new ProbeSpace({ targets, ports: plan, scanTypes: ['syn'] });
    expect(space.portList).not.toBe(plan);
    expect(space.portList).toEqual([1, 2, 3]);
  });

  it.each([[[]], [[70000]], [[1.5]], [[-1]]])('refuses ports %j', (ports) => {
    expect(() => new ProbeSpace({ targets, ports, scanTypes: ['syn'] })).toThrow(/port/);
  });
});
