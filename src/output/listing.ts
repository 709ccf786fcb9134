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
import type { PortRows } from '../scan/port-rows.js';
import type { PortResult } from '../scan/types.js';
import { StringSink, type TextSink } from './chunks.js';

export const LISTING_MAX_ROWS = 8;

export class ListingCache {
  private readonly kept: PortResult[] = [];
  private text: string | undefined;

  /**
   * Adds the listing of rows to out: the kept one when rows read as the rows
   * it was made of; else what make adds, kept for the next host when make
   * returns true (the listing does not name the host).
   */
  add(out: TextSink, rows: PortRows, make: (sink: TextSink) => boolean): void {
    const kept = this.get(rows);
    if (kept !== undefined) return out.add(kept);
    this.text = undefined;
    if (rows.length > LISTING_MAX_ROWS) {
      make(out);
      return;
    }
    const listing = new StringSink();
    if (make(listing)) this.keep(rows, listing.text);
    out.add(listing.text);
  }

  private get(rows: PortRows): string | undefined {
    if (this.text === undefined || rows.length !== this.kept.length) return undefined;
    for (let i = 0; i < rows.length; i++) if (!sameListing(rows.row(i), this.kept[i])) return undefined;
    return this.text;
  }

  private keep(rows: PortRows, text: string): void {
    const kept = this.kept;
    kept.length = rows.length;
    for (let i = 0; i < rows.length; i++) {
      const p = rows.row(i);
      if (p.evidence?.responder !== undefined) return;
      const { port, protocol, scan, state, reason, reasonTtl, service } = p;
      kept[i] = { port, protocol, scan, state, reason, reasonTtl, service };
    }
    this.text = text;
  }
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
