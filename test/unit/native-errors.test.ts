// mapEngineError (src/native/addon.ts): the engine's error codes become the
// messages a user can act on, once, however many layers map them.
import { describe, expect, it } from 'vitest';
import { EngineOpenError, PRIVILEGE_MESSAGE, mapEngineError } from '../../src/native/addon.js';

const native = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('mapEngineError', () => {
  it.each([
    ['EPERM_RAW', 'socket: Operation not permitted', PRIVILEGE_MESSAGE],
    ['EPERM_PCAP', 'pcap_activate (permission denied)', PRIVILEGE_MESSAGE],
    [
      'NO_DEVICE',
      'no such interface: eth9',
      'interface eth9 does not exist (see `ip link`); pick one with -e',
    ],
    [
      'PCAP',
      'pcap_activate (generic error)',
      'packet capture on interface eth9 failed: pcap_activate (generic error)',
    ],
  ])('%s: one message, kept as is when mapped again', (code, message, mapped) => {
    const once = mapEngineError(native(code, message), 'eth9');
    expect(once).toBeInstanceOf(EngineOpenError);
    expect(once).toMatchObject({ code, message: mapped });
    expect(mapEngineError(once, 'eth9')).toBe(once);
  });

  it('passes any other error through (a bug, with its stack)', () => {
    const bug = native('LOGIC', 'engine: open() called twice');
    expect(mapEngineError(bug, 'eth9')).toBe(bug);
  });
});
