// Decoding of the engine's 32-byte records (layout: native/engine/record.h).
// A batch is decoded in place with one DataView and no per-reply allocation:
// every reply of a batch is decoded into the same ReplyRecord object, which
// the visitor must copy from if it keeps anything past its reply() call.
import { PORT_STATES, PROBE_KINDS, REASONS, type ReplyRecord } from '../scan/types.js';

export const RECORD_SIZE = 32;

export const enum RecordType {
  Reply = 1,
  Sent = 2,
  Stats = 3,
  Error = 4,
}

export interface SentRecord {
  sent: number;
  sendErrors: number;
  time: number;
}

export interface PcapStatsRecord {
  received: number;
  dropped: number;
  time: number;
}

export interface ValidationStatsRecord {
  malformed: number;
  badCookie: number;
  notOurs: number;
  time: number;
}

export interface EngineErrorRecord {
  source: 'sender' | 'capture' | 'engine';
  fatal: boolean;
  errno: number;
  context: string;
}

/** Receives the records of a batch in order. */
export interface RecordVisitor {
  /** r is reused for the next reply: valid only during this call */
  reply(r: ReplyRecord): void;
  sent(r: SentRecord): void;
  pcapStats(r: PcapStatsRecord): void;
  validationStats(r: ValidationStatsRecord): void;
  error(r: EngineErrorRecord): void;
}

const ERROR_SOURCES = ['sender', 'capture', 'engine'] as const;

export function decodeBatch(batch: Uint8Array, visit: RecordVisitor): void {
  if (batch.byteLength % RECORD_SIZE !== 0) {
    throw new Error(`record batch of ${batch.byteLength} bytes is not a multiple of ${RECORD_SIZE}`);
  }
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const reply = emptyReply();
  for (let off = 0; off < batch.byteLength; off += RECORD_SIZE) {
    switch (view.getUint8(off)) {
      case RecordType.Reply:
        visit.reply(decodeReply(view, off, reply));
        break;
      case RecordType.Sent:
        visit.sent({
          sent: view.getFloat64(off + 8, true),
          sendErrors: view.getFloat64(off + 16, true),
          time: view.getFloat64(off + 24, true),
        });
        break;
      case RecordType.Stats:
        if (view.getUint8(off + 1) === 0) {
          visit.pcapStats({
            received: view.getFloat64(off + 8, true),
            dropped: view.getFloat64(off + 16, true),
            time: view.getFloat64(off + 24, true),
          });
        } else {
          visit.validationStats({
            malformed: view.getUint32(off + 4, true),
            badCookie: view.getFloat64(off + 8, true),
            notOurs: view.getFloat64(off + 16, true),
            time: view.getFloat64(off + 24, true),
          });
        }
        break;
      case RecordType.Error:
        visit.error(decodeError(view, batch, off));
        break;
      default:
        throw new Error(`unknown record type ${view.getUint8(off)} at offset ${off}`);
    }
  }
}

/** A reply record to decode into (decodeBatch) or fill in (fake engines). */
export function emptyReply(): ReplyRecord {
  return {
    state: 'open',
    reason: 'syn-ack',
    kind: 'syn',
    target: 0,
    port: 0,
    tryNo: 0,
    ttl: 0,
    responder: 0,
    window: 0,
    ipId: 0,
    tcpFlags: 0,
    icmpType: 0,
    icmpCode: 0,
    time: 0,
  };
}

/** Decodes the reply record at off into r; returns r. */
function decodeReply(view: DataView, off: number, r: ReplyRecord): ReplyRecord {
  r.state = PORT_STATES[view.getUint8(off + 1)];
  r.reason = REASONS[view.getUint8(off + 2)];
  r.kind = PROBE_KINDS[view.getUint8(off + 3)];
  r.target = view.getUint32(off + 4, true);
  r.port = view.getUint16(off + 8, true);
  r.tryNo = view.getUint8(off + 10);
  r.ttl = view.getUint8(off + 11);
  r.responder = view.getUint32(off + 12, true);
  r.window = view.getUint16(off + 16, true);
  r.ipId = view.getUint16(off + 18, true);
  r.tcpFlags = view.getUint8(off + 20);
  r.icmpType = view.getUint8(off + 21);
  r.icmpCode = view.getUint8(off + 22);
  r.time = view.getFloat64(off + 24, true);
  return r;
}

function decodeError(view: DataView, batch: Uint8Array, off: number): EngineErrorRecord {
  const raw = batch.subarray(off + 8, off + 32);
  const end = raw.indexOf(0);
  return {
    source: ERROR_SOURCES[view.getUint8(off + 1)] ?? 'engine',
    fatal: view.getUint8(off + 2) !== 0,
    errno: view.getInt32(off + 4, true),
    context: Buffer.from(end < 0 ? raw : raw.subarray(0, end)).toString('ascii'),
  };
}

/** Encodes a reply record exactly as the engine does (fake engines and tests). */
export function encodeReply(r: ReplyRecord, into = new Uint8Array(RECORD_SIZE), off = 0): Uint8Array {
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  view.setUint8(off, RecordType.Reply);
  view.setUint8(off + 1, PORT_STATES.indexOf(r.state));
  view.setUint8(off + 2, REASONS.indexOf(r.reason));
  view.setUint8(off + 3, PROBE_KINDS.indexOf(r.kind));
  view.setUint32(off + 4, r.target, true);
  view.setUint16(off + 8, r.port, true);
  view.setUint8(off + 10, r.tryNo);
  view.setUint8(off + 11, r.ttl);
  view.setUint32(off + 12, r.responder, true);
  view.setUint16(off + 16, r.window, true);
  view.setUint16(off + 18, r.ipId, true);
  view.setUint8(off + 20, r.tcpFlags);
  view.setUint8(off + 21, r.icmpType);
  view.setUint8(off + 22, r.icmpCode);
  view.setFloat64(off + 24, r.time, true);
  return into;
}

/** Encodes a sent watermark record (fake engines and tests). */
export function encodeSent(sent: number, sendErrors: number, time: number): Uint8Array {
  const out = new Uint8Array(RECORD_SIZE);
  const view = new DataView(out.buffer);
  view.setUint8(0, RecordType.Sent);
  view.setFloat64(8, sent, true);
  view.setFloat64(16, sendErrors, true);
  view.setFloat64(24, time, true);
  return out;
}
