// Replays of real replies: exact copies, and copies moved to another 4-tuple
// (try number, target address, target port) with consistent checksums, from
// a bounded queue. Fixtures are frames Linux sent in a lab (captured with
// tcpdump on the scanner's veth): answers to nmap -sS -g 40005 from 198.19.0.5.
import { describe, expect, it } from 'vitest';
import type { ForgeContext } from '../../src/lab/attacker/forge.js';
import { FORGED_SOURCE_MAC } from '../../src/lab/attacker/packet.js';
import {
  MAX_REPLAY_FRAME,
  ReplayQueue,
  replayPlan,
  viewTcpFrame,
  writeReplay,
  type ReplayVariant,
} from '../../src/lab/attacker/replay.js';
import { Rng } from '../../src/lab/attacker/rng.js';

// 198.19.0.5:8080 -> 198.18.0.1:40005 SYN-ACK (open port), with an MSS option
const SYN_ACK = Buffer.from(
  '1a3cf97c797d1e1ea8b28f4108004500002c00004000400' +
    '6aea0c6130005c61200011f909c4590fdc7edb99cdd1e6012faf08c4a0000020405b4',
  'hex',
);
// 198.19.0.5:8081 -> 198.18.0.1:40005 RST-ACK (closed port)
const RST_ACK = Buffer.from(
  '1a3cf97c797d1e1ea8b28f41080045000028000040004006aea4c6130005c61200011f919c4500000000b99cdd1e50140000d1120000',
  'hex',
);

function context(sourceCount = 256): ForgeContext {
  return {
    scanner: 0xc6120001,
    sportBase: 40000,
    sportSpan: 128,
    sourceFirst: 0xc6130000,
    sourceCount,
    targetPorts: [80],
    peerMac: new Uint8Array(6),
    rng: new Rng(3),
  };
}

function onesSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The frame's TCP checksum field, and the full checksum its segment should carry. */
function tcpChecksums(frame: Buffer): { field: number; full: number; pseudoOnly: number } {
  const ip = frame.subarray(14);
  const tcp = Buffer.from(ip.subarray(20, ip.readUInt16BE(2)));
  const field = tcp.readUInt16BE(16);
  tcp.writeUInt16BE(0, 16);
  const pseudo = Buffer.concat([
    ip.subarray(12, 20),
    Buffer.from([0, 6, tcp.length >> 8, tcp.length & 0xff]),
  ]);
  return { field, full: ~onesSum(Buffer.concat([pseudo, tcp])) & 0xffff, pseudoOnly: onesSum(pseudo) };
}

/** IPv4 and TCP checksums of an Ethernet/IPv4(IHL 5)/TCP frame both verify. */
function checksumsOk(frame: Buffer): boolean {
  const { field, full } = tcpChecksums(frame);
  return onesSum(frame.subarray(14, 34)) === 0xffff && field === full;
}

/** Byte offsets (in the frame) where a replay differs from the captured frame, checksums excluded. */
function changedFields(original: Buffer, replay: Buffer): string[] {
  const fields: [string, number, number][] = [
    ['eth-src', 6, 12],
    ['ip-src', 26, 30],
    ['sport', 34, 36],
    ['dport', 36, 38],
  ];
  const known = new Set([
    24,
    25,
    50,
    51,
    ...fields.flatMap(([, a, b]) => Array.from({ length: b - a }, (_, i) => a + i)),
  ]);
  const other = [...original.keys()].filter((i) => !known.has(i) && original[i] !== replay[i]);
  const changed = fields
    .filter(([, a, b]) => !original.subarray(a, b).equals(replay.subarray(a, b)))
    .map(([n]) => n);
  return [...changed, ...other.map((i) => `byte ${i}`)];
}

describe('writeReplay', () => {
  it('the fixtures are real frames: the SYN-ACK left its TCP checksum to veth offload, the RST did not', () => {
    for (const f of [SYN_ACK, RST_ACK]) {
      expect(viewTcpFrame(f, f.length)).not.toBeNull();
      expect(onesSum(f.subarray(14, 34))).toBe(0xffff);
    }
    const synAck = tcpChecksums(SYN_ACK);
    expect(synAck.field).toBe(synAck.pseudoOnly); // CHECKSUM_PARTIAL: only the pseudo-header sum is filled in
    expect(checksumsOk(RST_ACK)).toBe(true);
  });

  it.each([
    ['replay-exact', SYN_ACK, ['eth-src']],
    ['replay-other-try', SYN_ACK, ['eth-src', 'dport']],
    ['replay-other-source', SYN_ACK, ['eth-src', 'ip-src']],
    ['replay-other-port', SYN_ACK, ['eth-src', 'sport']],
    ['replay-exact', RST_ACK, ['eth-src']],
    ['replay-other-try', RST_ACK, ['eth-src', 'dport']],
    ['replay-other-source', RST_ACK, ['eth-src', 'ip-src']],
    ['replay-other-port', RST_ACK, ['eth-src', 'sport']],
  ] as [ReplayVariant, Buffer, string[]][])('%s changes exactly %#', (variant, original, changed) => {
    const out = Buffer.alloc(MAX_REPLAY_FRAME);
    const length = writeReplay(variant, original, original.length, out, context());
    expect(length).toBe(original.length);
    const replay = out.subarray(0, length);
    expect(changedFields(original, replay)).toEqual(changed);
    expect(replay.subarray(6, 12)).toEqual(Buffer.from(FORGED_SOURCE_MAC));
    // an exact replay keeps the captured bytes; a modified one carries full, correct checksums
    expect(checksumsOk(replay)).toBe(variant === 'replay-exact' ? checksumsOk(original) : true);
  });

  it('moves to a neighbouring try inside the port range, and to another address inside the source range', () => {
    const out = Buffer.alloc(MAX_REPLAY_FRAME);
    writeReplay('replay-other-try', SYN_ACK, SYN_ACK.length, out, context());
    expect(out.readUInt16BE(36)).toBe(40004); // 40005 - 40000 = 5, 5 ^ 1 = 4
    for (let i = 0; i < 50; i++) {
      writeReplay('replay-other-source', SYN_ACK, SYN_ACK.length, out, context(8));
      const src = out.readUInt32BE(26);
      expect(src).not.toBe(0xc6130005);
      expect(src - 0xc6130000).toBeLessThan(8);
    }
  });

  it.each([
    ['replay-other-source', SYN_ACK, context(1)], // no other address to move to
    ['replay-other-try', SYN_ACK, { ...context(), sportBase: 40005, sportSpan: 1 }], // no other try
    ['replay-exact', SYN_ACK.subarray(0, 40), context()], // truncated TCP header
    [
      'replay-exact',
      Buffer.concat([SYN_ACK.subarray(0, 12), Buffer.from([0x86, 0xdd]), SYN_ACK.subarray(14)]),
      context(),
    ],
  ] as [ReplayVariant, Buffer, ForgeContext][])('%s does not apply (%#)', (variant, frame, ctx) => {
    expect(writeReplay(variant, frame, frame.length, Buffer.alloc(MAX_REPLAY_FRAME), ctx)).toBe(0);
  });
});

describe('ReplayQueue', () => {
  it('replays each captured reply by the plan, in capture order', () => {
    const q = new ReplayQueue(8, replayPlan(2));
    q.push(SYN_ACK, SYN_ACK.length);
    q.push(RST_ACK, RST_ACK.length);
    const out = Buffer.alloc(MAX_REPLAY_FRAME);
    const sent: string[] = [];
    for (let r = q.next(out, context()); r; r = q.next(out, context())) sent.push(`${r.variant}:${out[35]}`);
    const plan = [
      'replay-exact',
      'replay-exact',
      'replay-other-try',
      'replay-other-source',
      'replay-other-port',
    ];
    // out[35] is the low byte of the source port: 0x90 for 8080, 0x91 for 8081 (0x91/0x92 once moved by one)
    expect(sent).toEqual([
      ...plan.map((v) => `${v}:${v === 'replay-other-port' ? 0x91 : 0x90}`),
      ...plan.map((v) => `${v}:${v === 'replay-other-port' ? 0x92 : 0x91}`),
    ]);
    expect(q.pending).toBe(0);
  });

  it('stays within its capacity: counts what it drops and what it cannot replay', () => {
    const q = new ReplayQueue(2, replayPlan(1));
    for (let i = 0; i < 5; i++) q.push(SYN_ACK, SYN_ACK.length);
    q.push(SYN_ACK, 30); // not a whole TCP frame
    expect([q.captured, q.pending, q.dropped, q.unusable]).toEqual([6, 2, 3, 1]);
  });

  it('copies a captured frame, so the capture buffer can be reused at once', () => {
    const q = new ReplayQueue(2, replayPlan(1));
    const capture = Buffer.from(SYN_ACK);
    q.push(capture, capture.length);
    capture.fill(0);
    const out = Buffer.alloc(MAX_REPLAY_FRAME);
    const r = q.next(out, context());
    expect(out.subarray(14, r!.length)).toEqual(SYN_ACK.subarray(14));
  });
});
