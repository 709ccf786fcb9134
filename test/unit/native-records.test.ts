import { describe, expect, it } from 'vitest';
import {
  RECORD_SIZE,
  decodeBatch,
  encodeReply,
  encodeSent,
  type RecordVisitor,
} from '../../src/native/records.js';
import type { ReplyRecord } from '../../src/scan/types.js';

const closed: ReplyRecord = {
  state: 'closed',
  reason: 'reset',
  kind: 'syn',
  target: 0xc6130001,
  port: 443,
  tryNo: 1,
  ttl: 64,
  responder: 0xc6130001,
  window: 0,
  ipId: 4660,
  tcpFlags: 0x14,
  icmpType: 0,
  icmpCode: 0,
  time: 1234.5,
};
const unreachable: ReplyRecord = {
  ...closed,
  state: 'filtered',
  reason: 'port-unreach',
  kind: 'fin',
  port: 8080,
  tryNo: 0,
  responder: 0xc6120002,
  tcpFlags: 0,
  icmpType: 3,
  icmpCode: 3,
  time: 99.25,
};

function visitor(into: { replies: ReplyRecord[]; seen: ReplyRecord[]; sent: number[] }): RecordVisitor {
  return {
    reply: (r) => {
      into.seen.push(r);
      into.replies.push({ ...r });
    },
    sent: (s) => into.sent.push(s.sent),
    pcapStats: () => {},
    validationStats: () => {},
    error: () => {},
  };
}

describe('decodeBatch', () => {
  it('decodes every record of a batch in order, reusing one reply object', () => {
    const batch = new Uint8Array(3 * RECORD_SIZE);
    encodeReply(closed, batch, 0);
    batch.set(encodeSent(2, 0, 1240), RECORD_SIZE);
    encodeReply(unreachable, batch, 2 * RECORD_SIZE);
    const got = { replies: [] as ReplyRecord[], seen: [] as ReplyRecord[], sent: [] as number[] };
    decodeBatch(batch, visitor(got));
    expect(got.replies).toEqual([closed, unreachable]);
    expect(got.sent).toEqual([2]);
    // No per-reply allocation: the visitor sees the same object, overwritten.
    expect(got.seen[0]).toBe(got.seen[1]);
  });

  it('rejects a batch that is not whole records, or an unknown record type', () => {
    const got = { replies: [] as ReplyRecord[], seen: [] as ReplyRecord[], sent: [] as number[] };
    expect(() => decodeBatch(new Uint8Array(RECORD_SIZE + 1), visitor(got))).toThrow(/not a multiple of 32/);
    const unknown = new Uint8Array(RECORD_SIZE);
    unknown[0] = 9;
    expect(() => decodeBatch(unknown, visitor(got))).toThrow(/unknown record type 9/);
  });
});
