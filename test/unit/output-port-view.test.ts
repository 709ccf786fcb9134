import { describe, expect, test } from 'vitest';
import {
  hostLiveness,
  hostSections,
  portRanges,
  portSection,
  reasonText,
} from '../../src/output/port-view.js';
import { ctime, elapsedSeconds, shortStamp, twoSignificant } from '../../src/output/time.js';
import { stateCounts } from '../../src/output/rows-summary.js';
import { PORT_STATES, type PortResult, type PortState } from '../../src/scan/types.js';
import { T0, port, range, rangeList, withReport } from '../fixtures/reports/build.js';

process.env.TZ = 'UTC';

describe('portRanges', () => {
  test.each([
    [[], ''],
    [[7], '7'],
    [[1, 2, 3, 5], '1-3,5'],
    [[1, 3, 4, 5, 9, 10], '1,3-5,9-10'],
    [[65534, 65535], '65534-65535'],
  ])('%j → "%s"', (ports, text) => expect(portRanges(ports)).toBe(text));
});

/** n ports of one state, numbered from `from` */
const block = (from: number, n: number, state: PortState): PortResult[] =>
  range(from, from + n - 1, (p) => port(p, 'syn', state, state === 'closed' ? 'reset' : 'no-response'));

describe('portSection: nmap collapse rule', () => {
  test.each([
    { what: '25 closed are listed', ports: block(1, 25, 'closed'), verbose: 0, openOnly: false, ignored: [] },
    {
      what: '26 closed collapse',
      ports: block(1, 26, 'closed'),
      verbose: 0,
      openOnly: false,
      ignored: ['closed'],
    },
    {
      what: '-vvv raises the limit to 50',
      ports: block(1, 50, 'closed'),
      verbose: 3,
      openOnly: false,
      ignored: [],
    },
    {
      what: '51 collapse even at -vvv',
      ports: block(1, 51, 'closed'),
      verbose: 3,
      openOnly: false,
      ignored: ['closed'],
    },
    { what: 'open never collapses', ports: block(1, 100, 'open'), verbose: 0, openOnly: false, ignored: [] },
    {
      what: 'open|filtered collapses',
      ports: block(1, 30, 'open|filtered'),
      verbose: 0,
      openOnly: false,
      ignored: ['open|filtered'],
    },
    {
      what: 'unfiltered collapses',
      ports: block(1, 30, 'unfiltered'),
      verbose: 0,
      openOnly: false,
      ignored: ['unfiltered'],
    },
    {
      what: '--open hides few closed/filtered but keeps open|filtered and unfiltered',
      ports: [
        ...block(1, 2, 'closed'),
        ...block(3, 2, 'filtered'),
        ...block(5, 2, 'open|filtered'),
        ...block(7, 2, 'unfiltered'),
      ],
      verbose: 0,
      openOnly: true,
      ignored: ['closed', 'filtered'],
    },
    {
      what: 'larger ignored states come first',
      ports: [...block(1, 30, 'closed'), ...block(31, 40, 'filtered')],
      verbose: 0,
      openOnly: false,
      ignored: ['filtered', 'closed'],
    },
  ])('$what', ({ ports, verbose, openOnly, ignored }) => {
    const section = portSection('syn', ports, { openOnly }, verbose);
    expect(section.ignored.map((i) => i.state)).toEqual(ignored);
    expect(section.total).toBe(ports.length);
    const hidden = section.ignored.reduce((n, i) => n + i.count, 0);
    expect(section.shown.length + hidden).toBe(ports.length);
    expect(section.shown.every((p) => !ignored.includes(p.state))).toBe(true);
  });

  test('reasons within a collapsed state are grouped, largest first, with their ports', () => {
    const ports = [
      ...range(1, 3, (p) => port(p, 'syn', 'filtered', 'admin-prohibited', 63)),
      ...range(4, 30, (p) => port(p, 'syn', 'filtered', 'no-response')),
    ];
    const [filtered] = portSection('syn', ports, {}, 0).ignored;
    expect(filtered.reasons).toEqual([
      { reason: 'no-response', count: 27, ports: rangeList(4, 30) },
      { reason: 'admin-prohibited', count: 3, ports: [1, 2, 3] },
    ]);
  });
});

describe('reasonText', () => {
  const host = { address: '198.18.0.3', ports: [] };
  test.each([
    [port(22, 'syn', 'open', 'syn-ack', 64), 'syn-ack ttl 64'],
    [port(80, 'syn', 'filtered', 'no-response'), 'no-response'],
    [
      port(443, 'syn', 'filtered', 'admin-prohibited', 63, { responder: '198.18.0.254' }),
      'admin-prohibited from 198.18.0.254 ttl 63',
    ],
    [
      port(443, 'syn', 'filtered', 'admin-prohibited', 64, { responder: '198.18.0.3' }),
      'admin-prohibited ttl 64',
    ],
  ])('%#: %s', (p, text) => expect(reasonText(host, p as PortResult)).toBe(text));
});

describe('hostLiveness', () => {
  test('up with the lowest answered port as evidence and the smallest RTT as latency', () => {
    const live = hostLiveness({
      address: '198.18.0.2',
      ports: [
        port(1, 'syn', 'filtered', 'no-response'),
        port(2, 'syn', 'closed', 'reset', 64, { rttMs: 0.5 }),
        port(3, 'syn', 'open', 'syn-ack', 64, { rttMs: 0.2 }),
      ],
    });
    expect(live).toMatchObject({ up: true, latencyMs: 0.2 });
    expect(live.evidence?.port).toBe(2);
  });
  test('a host where nothing answered is not up', () => {
    expect(hostLiveness({ address: '198.18.0.2', ports: block(1, 3, 'filtered') }).up).toBe(false);
  });

  // A host of one port (a sweep's) is summarised without counting: the same answers.
  test.each([
    [port(80, 'syn', 'open', 'syn-ack', 64, { rttMs: 0.12 }), true, 0.12],
    [port(80, 'syn', 'closed', 'reset', 64, {}), true, undefined],
    [port(80, 'syn', 'filtered', 'no-response'), false, undefined],
    [port(80, 'fin', 'filtered', 'admin-prohibited', 61, { responder: '198.18.0.1', rttMs: 3 }), true, 3],
    [port(80, 'fin', 'open|filtered', 'no-response'), false, undefined],
  ])('one port, %o: up %s, latency %s', (p, up, latencyMs) => {
    const live = hostLiveness({ address: '198.18.0.2', ports: [p] });
    expect(live).toMatchObject({ up, latencyMs, scans: [p.scan] });
    expect(live.evidence).toEqual(up ? p : undefined);
    const { counts, total } = stateCounts(live, p.scan);
    expect(total).toBe(1);
    expect(counts[PORT_STATES.indexOf(p.state)]).toBe(1);
    expect(stateCounts(live, p.scan === 'syn' ? 'fin' : 'syn').total).toBe(0);
  });
});

describe('time strings', () => {
  test.each([
    [0.000009, '0.0000090'],
    [0.00012, '0.00012'],
    [0.0153, '0.015'],
    [1.534, '1.5'],
    [0, '0.0'],
  ])('twoSignificant(%d) = %s', (s, text) => expect(twoSignificant(s)).toBe(text));

  test('nmap date forms, local time', () => {
    expect(ctime(T0 + 5 * 86_400_000)).toBe('Tue Jan 20 10:30:00 2026');
    expect(ctime(Date.UTC(2026, 2, 1, 9, 5, 7))).toBe('Sun Mar 01 09:05:07 2026');
    expect(shortStamp(T0)).toBe('2026-01-15 10:30 UTC');
    expect(elapsedSeconds(T0, T0 + 1534)).toBe('1.53');
  });

  // UTC zones take a path without Intl; the others must still get Intl's en-US short names.
  test.each([
    ['UTC', '2026-01-15 10:30 UTC'],
    ['Etc/UTC', '2026-01-15 10:30 UTC'],
    ['Europe/London', '2026-01-15 10:30 GMT'],
    ['Europe/Berlin', '2026-01-15 11:30 GMT+1'],
    ['America/New_York', '2026-01-15 05:30 EST'],
    ['Asia/Kolkata', '2026-01-15 16:00 GMT+5:30'],
  ])('shortStamp with TZ=%s: %s', (zone, text) => {
    process.env.TZ = zone;
    try {
      expect(shortStamp(T0)).toBe(text);
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('hostLiveness of a host whose ports change', () => {
  test('a new or longer ports array is analysed again', () => {
    const host = { address: '198.18.0.2', ports: [port(22, 'syn', 'filtered', 'no-response', 0)] };
    expect(hostLiveness(host).up).toBe(false);
    host.ports.push(port(80, 'syn', 'open', 'syn-ack', 64));
    expect(hostLiveness(host).up).toBe(true);
    host.ports = [port(22, 'syn', 'filtered', 'no-response', 0)];
    expect(hostLiveness(host).up).toBe(false);
  });
});

describe('hostSections, kept with the host for the outputs of a report', () => {
  // 40 closed ports (collapsed unless -vvv), 30 filtered (collapsed unless -vvv), 2 open: 72 rows,
  // enough for the rows to keep their sections.
  const ports = [...block(1, 40, 'closed'), ...block(41, 30, 'filtered'), ...block(71, 2, 'open')];
  const plain = (sections: ReturnType<typeof hostSections>) => sections.map(({ rows: _, ...rest }) => rest);
  const fresh = (verbose: number, openOnly: boolean) =>
    plain(hostSections({ address: '198.18.0.1', ports: [...ports] }, withReport({ verbose }), { openOnly }));

  test('the same host asked with other options gets the sections of those options', () => {
    const host = { address: '198.18.0.1', ports };
    for (const [verbose, openOnly] of [
      [0, false],
      [3, false],
      [0, true],
      [3, true],
      [0, false],
    ] as const) {
      const sections = hostSections(host, withReport({ verbose }), { openOnly });
      expect(plain(sections), `-v ${verbose}, --open ${openOnly}`).toEqual(fresh(verbose, openOnly));
      expect(hostSections(host, withReport({ verbose }), { openOnly })).toBe(sections); // kept
    }
    expect(fresh(0, false)[0].shown).toHaveLength(2);
    expect(fresh(3, false)[0].shown).toHaveLength(72);
  });
});
