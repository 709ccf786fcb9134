// The attacker's link to the scanner: which interface and MAC to send forged
// Ethernet frames to (from the namespace's routing and neighbour tables), and
// a libpcap handle (the `cap` package) that sends them with pcap_sendpacket
// and captures the target's real replies for replay.
//
// Why frames through libpcap and not IPPROTO_RAW: the kernel fills in the IPv4
// total length and checksum of raw-socket packets and refuses some header
// lengths, so the malformed categories could not be written as crafted; a
// packet socket puts every byte on the wire unchanged, and cap is already the
// tests' capture witness, so no helper process or extra dependency is needed.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { UsageError } from '../../cli/errors.js';
import { cidrBounds, ipToString, parseIpv4 } from '../../targets/ipv4.js';
import { FORGED_SOURCE_MAC, macToString, parseMac } from './packet.js';

const LAB_SPACE = cidrBounds(parseIpv4('198.18.0.0')!, 15);
/** A port nothing listens on; the datagram only makes the kernel resolve the next hop's MAC. */
const DISCARD_PORT = 9;
const NEIGHBOUR_WAIT_MS = 2000;

export interface Link {
  interface: string;
  peerMac: Uint8Array;
}

async function ipJson(args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await promisify(execFile)('ip', ['-j', ...args], { encoding: 'utf8' });
  return stdout.trim() === '' ? [] : (JSON.parse(stdout) as Record<string, unknown>[]);
}

function inLabSpace(addr: number | null): boolean {
  return addr !== null && addr >= LAB_SPACE[0] && addr <= LAB_SPACE[1];
}

/**
 * Finds the interface and the next hop's MAC towards the scanner. Refuses to
 * run in a namespace with a default route or with a next hop outside the lab
 * space: forged frames must never reach anything but the lab.
 */
export async function discoverLink(
  scanner: number,
  iface: string | null,
  peerMac: Uint8Array | null,
): Promise<Link> {
  if ((await ipJson(['route', 'show', 'default'])).length > 0) {
    throw new UsageError(
      'attacker: this namespace has a default route; run the attacker inside a lab namespace',
    );
  }
  const [route] = await ipJson(['route', 'get', ipToString(scanner)]);
  const nextHop = typeof route?.gateway === 'string' ? route.gateway : ipToString(scanner);
  const device = iface ?? (typeof route?.dev === 'string' ? route.dev : null);
  if (device === null || !inLabSpace(parseIpv4(nextHop))) {
    throw new UsageError(`attacker: no lab route to the scanner ${ipToString(scanner)} in this namespace`);
  }
  const [link] = await ipJson(['link', 'show', 'dev', device]);
  if (link?.link_type !== 'ether') {
    throw new UsageError(
      `attacker: interface ${device} is not an Ethernet link (the attacker writes Ethernet frames)`,
    );
  }
  return { interface: device, peerMac: peerMac ?? (await resolveNeighbour(nextHop, device)) };
}

async function neighbourMac(address: string, device: string): Promise<Uint8Array | null> {
  const [entry] = await ipJson(['neigh', 'show', 'to', address, 'dev', device]);
  const states = Array.isArray(entry?.state) ? (entry.state as string[]) : [];
  const usable = !states.includes('FAILED') && !states.includes('INCOMPLETE');
  return usable && typeof entry?.lladdr === 'string' ? parseMac(entry.lladdr) : null;
}

/** The next hop's MAC from the neighbour table, prompting resolution with one datagram if needed. */
async function resolveNeighbour(address: string, device: string): Promise<Uint8Array> {
  const known = await neighbourMac(address, device);
  if (known) return known;
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.send(Buffer.alloc(1), DISCARD_PORT, address, () => resolve()));
  socket.close();
  for (let waited = 0; waited < NEIGHBOUR_WAIT_MS; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    const mac = await neighbourMac(address, device);
    if (mac) return mac;
  }
  throw new UsageError(
    `attacker: could not resolve the MAC of ${address} on ${device}; give it with --peer-mac`,
  );
}

/** The slice of the `cap` package's Cap object that the attacker uses. */
interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  send(frame: Buffer, length: number): void;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}

/** Filter that matches no frame: a send-only handle must not queue captures. */
const MATCH_NOTHING = 'less 1';
/**
 * Capture ring, bytes. cap fixes the snaplen at 65535, so every ring slot takes
 * ~64 KiB whatever the frame's size: 64 MiB holds a burst of ~1000 replies
 * between two reads of the event loop (8 MiB lost a third of a 200-reply burst).
 * A send-only handle needs next to none.
 */
const REPLAY_RING_BYTES = 64 << 20;
const SEND_ONLY_RING_BYTES = 1 << 20;

/** Capture filter for replays: real TCP replies to the scanner's port range, never our own frames. */
export function replayFilter(scanner: number, sportBase: number, sportSpan: number): string {
  const ports = `${sportBase}-${sportBase + sportSpan - 1}`;
  return `tcp and dst host ${ipToString(scanner)} and dst portrange ${ports} and not ether src ${macToString(FORGED_SOURCE_MAC)}`;
}

/** One libpcap handle on the link: sends frames, and captures what `filter` admits (none if null). */
export class Wire {
  private readonly cap: CapHandle;
  private readonly captureBuffer = Buffer.alloc(65536);

  constructor(device: string, filter: string | null, onFrame?: (frame: Buffer, length: number) => void) {
    const { Cap } = createRequire(import.meta.url)('cap') as { Cap: new () => CapHandle };
    this.cap = new Cap();
    const ringBytes = filter === null ? SEND_ONLY_RING_BYTES : REPLAY_RING_BYTES;
    const linkType = this.cap.open(device, filter ?? MATCH_NOTHING, ringBytes, this.captureBuffer);
    if (linkType !== 'ETHERNET') {
      this.cap.close();
      throw new UsageError(`attacker: ${device} has link type ${linkType}; the attacker needs Ethernet`);
    }
    if (onFrame) this.cap.on('packet', (nbytes) => onFrame(this.captureBuffer, nbytes));
  }

  /** Hands one frame to the kernel; throws the libpcap error text if it refuses. */
  send(frame: Buffer, length: number): void {
    this.cap.send(frame, length);
  }

  close(): void {
    this.cap.close();
  }
}
