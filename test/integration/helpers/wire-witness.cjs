// The independent witness: runs inside a lab's target namespace, captures the
// probes that arrive with the `cap` libpcap binding (not our addon), checks
// their checksums with its own arithmetic and prints one JSON line per probe.
// usage: node wire-witness.cjs IFACE SCANNER_ADDR MAX_PACKETS TIMEOUT_MS
'use strict';
const { Cap } = require('cap');

const [iface, scanner, maxPackets, timeoutMs] = process.argv.slice(2);
const cap = new Cap();
const buffer = Buffer.alloc(65535);
// The scanner's kernel answers SYN-ACKs with RSTs of its own; those are not probes.
const filter = `tcp and src host ${scanner} and (tcp[tcpflags] & tcp-rst) == 0`;
const linkType = cap.open(iface, filter, 10 * 1024 * 1024, buffer);
if (linkType !== 'ETHERNET') throw new Error(`unexpected link type ${linkType}`);
cap.setMinBytes?.(0);

function sum16(buf, start, end, initial = 0) {
  let s = initial;
  for (let i = start; i < end; i += 2) s += (buf[i] << 8) | (i + 1 < end ? buf[i + 1] : 0);
  return s;
}
function fold(s) {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function decode(frame) {
  const ip = 14;
  const ihl = (frame[ip] & 15) * 4;
  const total = frame.readUInt16BE(ip + 2);
  const tcp = ip + ihl;
  const doff = (frame[tcp + 12] >> 4) * 4;
  const pseudo = sum16(frame, ip + 12, ip + 20) + 6 + (total - ihl);
  const options = [];
  for (let o = tcp + 20; o < tcp + doff; ) {
    const kind = frame[o];
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    const len = frame[o + 1];
    options.push({ kind, value: len === 4 ? frame.readUInt16BE(o + 2) : null });
    o += Math.max(len, 2);
  }
  return {
    ttl: frame[ip + 8],
    ipChecksumOk: fold(sum16(frame, ip, ip + ihl)) === 0xffff,
    tcpChecksumOk: fold(sum16(frame, tcp, ip + total, pseudo)) === 0xffff,
    sport: frame.readUInt16BE(tcp),
    dport: frame.readUInt16BE(tcp + 2),
    seq: frame.readUInt32BE(tcp + 4),
    ack: frame.readUInt32BE(tcp + 8),
    dataOffset: doff,
    flags: frame[tcp + 13],
    window: frame.readUInt16BE(tcp + 14),
    payload: total - ihl - doff,
    options,
  };
}

let seen = 0;
const finish = () => {
  cap.close();
  process.exit(0);
};
cap.on('packet', (nbytes) => {
  process.stdout.write(`${JSON.stringify(decode(buffer.subarray(0, nbytes)))}\n`);
  if (++seen >= Number(maxPackets)) finish();
});
setTimeout(finish, Number(timeoutMs));
process.stdout.write('ready\n');
