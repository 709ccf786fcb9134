// The text of a host's port listing, kept for the next host. The hosts of a
// large scan mostly have the same few ports in the same states (a /16 scan of
// one port: 65536 times "80/tcp open http"), and so the same listing: normal
// and XML output reuse it instead of sectioning and writing the ports again.
//
// A listing is reused when the next host's rows read the same in every field
// that a listing shows: port, protocol, scan type, state, reason, reasonTtl
// and service; and when no row of either has a reply from another address
// (reason_ip, "from ..."), the one thing in a listing that depends on the
// host. Only short rows are compared and kept (LISTING_MAX_ROWS).
//
// A HostFrame goes one step further: a host's whole text but its address (and
// in normal output its latency), kept with the listing.
import type { PortRows } from '../scan/port-rows.js';
import type { HostResult, PortResult, ScanType } from '../scan/types.js';
import { StringSink, flat, type TextSink } from './chunks.js';

export const LISTING_MAX_ROWS = 8;

export class ListingCache {
  private readonly kept: PortResult[] = [];
  /** PortRows.listed of the kept rows, when they had it; with their scan types */
  private readonly keys: number[] = [];
  private keysOf: readonly ScanType[] | undefined;
  private text: string | undefined;
  /** the frame of a host with the kept listing; dropped with it */
  private frame: HostFrame | undefined;

  /**
   * Adds the listing of rows to out: the kept one when rows read as the rows
   * it was made of; else what make adds, kept for the next host when make
   * returns true (the listing does not name the host). Returns the kept
   * listing that out got, the same string for every host whose rows read
   * alike; undefined when this host's listing was not kept.
   */
  add(out: TextSink, rows: PortRows, make: (sink: TextSink) => boolean): string | undefined {
    const kept = this.reuse(rows);
    if (kept !== undefined) {
      out.add(kept);
      return kept;
    }
    this.text = undefined;
    this.frame = undefined;
    if (rows.length > LISTING_MAX_ROWS) {
      make(out);
      return undefined;
    }
    const listing = new StringSink();
    if (make(listing)) this.keep(rows, listing.text);
    out.add(this.text ?? listing.text);
    return this.text;
  }

  /** the kept frame, when it is host's text but the address; rows: portRows(host) */
  frameFor(host: HostResult, rows: PortRows): HostFrame | undefined {
    return this.frame !== undefined && framable(host) && this.reuse(rows) !== undefined
      ? this.frame
      : undefined;
  }

  /**
   * Keeps frame, made of host, with the listing that add() has just returned
   * for host (not undefined).
   */
  keepFrame(host: HostResult, frame: HostFrame): void {
    if (this.text === undefined || !framable(host)) return;
    frame.before = flat(frame.before);
    frame.after = flat(frame.after);
    frame.tail = flat(frame.tail);
    this.frame = frame;
  }

  /** the kept listing when rows read as the rows it was made of */
  private reuse(rows: PortRows): string | undefined {
    if (this.text === undefined || rows.length !== this.kept.length) return undefined;
    if (rows.listed !== undefined && this.keysOf !== undefined && rows.scanTypes === this.keysOf) {
      // Rows of the same store: compared without decoding them.
      for (let i = 0; i < rows.length; i++) {
        const key = rows.listed(i);
        if (key < 0 || key !== this.keys[i]) return undefined;
      }
      return this.text;
    }
    for (let i = 0; i < rows.length; i++) if (!sameListing(rows.row(i), this.kept[i])) return undefined;
    return this.text;
  }

  private keep(rows: PortRows, text: string): void {
    const kept = this.kept;
    kept.length = rows.length;
    this.keysOf = undefined;
    for (let i = 0; i < rows.length; i++) {
      const p = rows.row(i);
      if (p.evidence?.responder !== undefined) return;
      const { port, protocol, scan, state, reason, reasonTtl, service } = p;
      kept[i] = { port, protocol, scan, state, reason, reasonTtl, service };
    }
    if (rows.listed !== undefined && rows.scanTypes !== undefined) {
      this.keys.length = rows.length;
      for (let i = 0; i < rows.length; i++) this.keys[i] = rows.listed(i);
      this.keysOf = rows.scanTypes;
    }
    // Flat: added to every host's text, a rope would be walked again for each.
    this.text = flat(text);
  }
}

/**
 * A host's text but its address, kept with the listing (ListingCache.keepFrame)
 * for the hosts after it. A host without a hostname or times whose rows read
 * as the kept listing's has the same status and liveness as the host the frame
 * was made from: both follow from the states and reasons of the rows, which
 * the listing compares. A /16 sweep's hosts are then a few strings each
 * instead of a host's worth of analysis and text apiece.
 */
export interface HostFrame {
  /** the text before the address */
  before: string;
  /** the text after the address (normal output: up to the latency) */
  after: string;
  /** normal output: the text after the latency */
  tail: string;
  /** whether the host answered */
  up: boolean;
}

/** Hosts whose text may come from a frame: no hostname and no times, the parts of a host beside its address and rows. */
function framable(host: HostResult): boolean {
  return host.hostname === undefined && host.startTime === undefined && host.endTime === undefined;
}
function sameListing(p: PortResult, kept: PortResult): boolean {
  return (
    p.port === kept.port &&
    p.state === kept.state &&
    p.reason === kept.reason &&
    p.reasonTtl === kept.reasonTtl &&
    p.scan === kept.scan &&
    p.protocol === kept.protocol &&
    p.service === kept.service &&
    p.evidence?.responder === undefined
  );
}
