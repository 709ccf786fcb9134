// SYN vs ACK results → filter labels (src/audit/stateful.ts), as a table.
import { describe, expect, it } from 'vitest';
import {
  filterLabel,
  filterRanges,
  hostFilterRanges,
  portFilterLabels,
  type FilterLabel,
} from '../../src/audit/stateful.js';
import type { HostResult, PortResult, PortState, ScanType } from '../../src/scan/types.js';

function result(port: number, scan: ScanType, state: PortState): PortResult {
  return { port, protocol: 'tcp', scan, state, reason: 'no-response', reasonTtl: 0 };
}

describe('filterLabel', () => {
  it.each<[PortState, PortState, FilterLabel | undefined]>([
    ['open', 'filtered', 'stateful'],
    ['closed', 'filtered', 'stateful'],
    ['filtered', 'unfiltered', 'stateless'],
    ['open', 'unfiltered', 'none'],
    ['closed', 'unfiltered', 'none'],
    // a plain drop of the port stops both: stateful and stateless look alike
    ['filtered', 'filtered', 'blocked'],
    ['open|filtered', 'filtered', undefined],
    ['open', 'open|filtered', undefined],
  ])('SYN %s, ACK %s → %s', (syn, ack, label) => {
    expect(filterLabel(syn, ack)).toBe(label);
  });
});

describe('portFilterLabels and ranges', () => {
  const host: HostResult = {
    address: '198.19.0.1',
    ports: [
      result(22, 'syn', 'open'),
      result(22, 'ack', 'filtered'),
      result(23, 'syn', 'open'),
      result(23, 'ack', 'filtered'),
      result(24, 'syn', 'filtered'),
      result(24, 'ack', 'unfiltered'),
      result(25, 'syn', 'closed'),
      result(25, 'ack', 'unfiltered'),
      result(26, 'syn', 'filtered'),
      result(26, 'ack', 'filtered'),
      result(30, 'syn', 'open'),
      result(30, 'ack', 'filtered'),
      result(31, 'syn', 'open'), // no ACK result: no label
    ],
  };

  it('labels only ports with both results', () => {
    const labels = portFilterLabels(host);
    expect([...labels]).toEqual([
      [22, 'stateful'],
      [23, 'stateful'],
      [24, 'stateless'],
      [25, 'none'],
      [26, 'blocked'],
      [30, 'stateful'],
    ]);
  });

  it('groups the labels into range lists in a fixed label order', () => {
    expect(hostFilterRanges(host)).toEqual([
      { label: 'stateful', ports: '22-23,30', count: 3 },
      { label: 'stateless', ports: '24', count: 1 },
      { label: 'none', ports: '25', count: 1 },
      { label: 'blocked', ports: '26', count: 1 },
    ]);
  });

  it('has nothing to say without an ACK scan', () => {
    const synOnly = { ...host, ports: host.ports.filter((p) => p.scan === 'syn') };
    expect(hostFilterRanges(synOnly)).toEqual([]);
    expect(filterRanges(new Map())).toEqual([]);
  });

  it('reads a connect scan as the SYN side', () => {
    const connect: HostResult = {
      address: '198.19.0.1',
      ports: [result(80, 'connect', 'open'), result(80, 'ack', 'filtered')],
    };
    expect([...portFilterLabels(connect)]).toEqual([[80, 'stateful']]);
  });
});
