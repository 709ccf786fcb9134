// Least privilege, without privileges: /proc status parsing, the drop plan for
// each way rawscan can be started, and the drop itself against a fake system
// (order of the calls, and the read-back that refuses a scan still privileged).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import {
  describeDrop,
  dropPrivileges,
  dropProblem,
  planDrop,
  type DropPlan,
  type DropSystem,
} from '../../src/cli/drop-privileges.js';
import { canUseRawSockets, parseStatus, type Credentials } from '../../src/cli/privilege.js';

function status(o: { uid?: number; gid?: number; groups?: string; caps?: string; nnp?: 0 | 1 } = {}): string {
  const uid = o.uid ?? 0;
  const gid = o.gid ?? 0;
  const caps = o.caps ?? '0000000000000000';
  return [
    'Name:\tnode',
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`,
    `Groups:\t${o.groups ?? ''}`,
    'CapInh:\t0000000000000000',
    `CapPrm:\t${caps}`,
    `CapEff:\t${caps}`,
    'CapBnd:\t000001ffffffffff',
    'CapAmb:\t0000000000000000',
    `NoNewPrivs:\t${o.nnp ?? 0}`,
  ].join('\n');
}

const NET_RAW_ADMIN = '0000000000003000'; // bits 12 and 13
const USERS: Record<string, { uid: number; gid: number }> = {
  nobody: { uid: 65534, gid: 65534 },
  scanner: { uid: 1001, gid: 1001 },
  root: { uid: 0, gid: 0 },
  toor: { uid: 0, gid: 0 },
};
const lookup = (name: string) => USERS[name] ?? null;
const asRoot = { euid: 0, credentials: parseStatus(status({ caps: '000001ffffffffff' })) };
const asScanner = (caps = '0000000000000000') => ({
  euid: 1001,
  credentials: parseStatus(status({ uid: 1001, gid: 1001, caps })),
});

describe('parseStatus', () => {
  it('reads ids, groups, capability sets and no_new_privs', () => {
    const c = parseStatus(status({ uid: 65534, gid: 65534, groups: '27 100', caps: NET_RAW_ADMIN, nnp: 1 }));
    expect(c).toEqual<Credentials>({
      uids: [65534, 65534, 65534, 65534],
      gids: [65534, 65534, 65534, 65534],
      groups: [27, 100],
      capInh: 0n,
      capPrm: 0x3000n,
      capEff: 0x3000n,
      capAmb: 0n,
      noNewPrivs: true,
    });
  });

  it('reads an empty Groups line and a missing file as nothing', () => {
    expect(parseStatus(status()).groups).toEqual([]);
    expect(parseStatus('')).toMatchObject({ uids: [], capEff: 0n, noNewPrivs: false });
  });

  it.each([
    [NET_RAW_ADMIN, true],
    ['0000000000001000', false], // CAP_NET_ADMIN alone
    ['000001ffffffffff', true],
    ['0000000000000000', false],
  ])('CapEff %s → raw sockets %s', (caps, expected) => {
    expect(canUseRawSockets(status({ caps }))).toBe(expected);
  });
});

describe('planDrop', () => {
  it.each<[string, string | undefined, ReturnType<typeof asScanner>, DropPlan]>([
    [
      'root, default user',
      undefined,
      asRoot,
      { kind: 'switch-user', user: 'nobody', uid: 65534, gid: 65534 },
    ],
    [
      'root, --user scanner',
      'scanner',
      asRoot,
      { kind: 'switch-user', user: 'scanner', uid: 1001, gid: 1001 },
    ],
    ['setcap user', undefined, asScanner(NET_RAW_ADMIN), { kind: 'clear-capabilities' }],
    ['setcap user naming itself', 'scanner', asScanner(NET_RAW_ADMIN), { kind: 'clear-capabilities' }],
    ['plain user (-sT)', undefined, asScanner(), { kind: 'none' }],
  ])('%s', (_, user, who, expected) => {
    expect(planDrop(user, who, lookup)).toEqual(expected);
  });

  it.each<[string, string | undefined, ReturnType<typeof asScanner>, (name: string) => unknown, RegExp]>([
    [
      'root without nobody',
      undefined,
      asRoot,
      () => null,
      /user nobody, which does not exist here.*--user NAME/,
    ],
    ['root, unknown --user', 'ghost', asRoot, lookup, /--user ghost: no such user/],
    ['root, --user root', 'root', asRoot, lookup, /--user root is root .*name an unprivileged user/],
    ['root, uid-0 alias', 'toor', asRoot, lookup, /--user toor is root/],
    [
      'user, --user other',
      'nobody',
      asScanner(NET_RAW_ADMIN),
      lookup,
      /--user nobody needs rawscan to start as root/,
    ],
  ])('refuses: %s', (_, user, who, look, message) => {
    const plan = () => planDrop(user, who, look as typeof lookup);
    expect(plan).toThrow(UsageError);
    expect(plan).toThrow(message);
  });
});

/** A fake process: records calls, and its status follows the calls the way the kernel's does. */
function fakeSystem(start: { uid: number; caps: string }, opts: { keepCaps?: boolean } = {}) {
  const calls: string[] = [];
  let uid = start.uid;
  let gid = start.uid;
  let groups = '0';
  let caps = start.caps;
  let nnp: 0 | 1 = 0;
  const system: DropSystem = {
    ops: {
      settleWarmCapture: () => void calls.push('settleWarmCapture'),
      clearCapabilities: () => {
        calls.push('clearCapabilities');
        nnp = 1;
        if (!opts.keepCaps) caps = '0000000000000000';
        return { threads: 10, privileged: 1 };
      },
    },
    setgroups: (g) => {
      calls.push(`setgroups ${g.join(',')}`);
      groups = g.join(' ');
    },
    setgid: (g) => {
      calls.push(`setgid ${g}`);
      gid = g;
    },
    setuid: (u) => {
      calls.push(`setuid ${u}`);
      if (uid === 0 && u !== 0 && !opts.keepCaps) caps = '0000000000000000';
      uid = u;
    },
    status: () => status({ uid, gid, groups, caps, nnp }),
    ignoreInspectorSignal: () => calls.push('ignore SIGUSR1'),
  };
  return { system, calls };
}

describe('dropPrivileges', () => {
  it('root: groups, gid, uid in that order, then capabilities, then checks', () => {
    const { system, calls } = fakeSystem({ uid: 0, caps: '000001ffffffffff' });
    const plan: DropPlan = { kind: 'switch-user', user: 'nobody', uid: 65534, gid: 65534 };
    const outcome = dropPrivileges(plan, system);
    expect(calls).toEqual([
      'settleWarmCapture',
      'ignore SIGUSR1',
      'setgroups ',
      'setgid 65534',
      'setuid 65534',
      'clearCapabilities',
    ]);
    expect(outcome.privilegedThreads).toBe(1);
    expect(describeDrop(outcome)).toMatch(
      /^running as nobody \(uid 65534, gid 65534\) without capabilities; 1 idle/,
    );
  });

  it('setcap user: clears capabilities without touching ids', () => {
    const { system, calls } = fakeSystem({ uid: 1001, caps: NET_RAW_ADMIN });
    dropPrivileges({ kind: 'clear-capabilities' }, system);
    expect(calls).toEqual(['settleWarmCapture', 'ignore SIGUSR1', 'clearCapabilities']);
  });

  it('nothing to drop: no call at all', () => {
    const { system, calls } = fakeSystem({ uid: 1001, caps: '0000000000000000' });
    expect(describeDrop(dropPrivileges({ kind: 'none' }, system))).toBe('no privileges to drop');
    expect(calls).toEqual([]);
  });

  it('refuses to go on when /proc/self/status still shows capabilities', () => {
    const { system } = fakeSystem({ uid: 1001, caps: NET_RAW_ADMIN }, { keepCaps: true });
    expect(() => dropPrivileges({ kind: 'clear-capabilities' }, system)).toThrow(
      /privilege drop failed, refusing to scan: .*capabilities 0x3000/,
    );
  });
});

describe('dropProblem', () => {
  const plan: DropPlan = { kind: 'switch-user', user: 'nobody', uid: 65534, gid: 65534 };
  const dropped = { uid: 65534, gid: 65534, nnp: 1 as const };
  it.each<[string, string, string | undefined]>([
    ['dropped', status(dropped), undefined],
    ['still root', status({ ...dropped, uid: 0 }), 'Uid 0 0 0 0'],
    ['group kept', status({ ...dropped, gid: 0 }), 'Gid 0 0 0 0'],
    ['supplementary groups', status({ ...dropped, groups: '27' }), 'Groups 27'],
    ['capabilities', status({ ...dropped, caps: NET_RAW_ADMIN }), 'capabilities 0x3000'],
    ['no_new_privs unset', status({ ...dropped, nnp: 0 }), 'NoNewPrivs 0'],
  ])('%s', (_, text, problem) => {
    expect(dropProblem(plan, parseStatus(text))).toBe(problem);
  });
});
