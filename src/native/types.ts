// The typed interface of the native addon. The orchestrator depends on this
// interface only, so unit tests can hand it a fake engine.

export interface EngineConfig {
  /** capture interface */
  device: string;
  /** scanner address, host-order u32 */
  sourceAddress: number;
  /** first scanner-side port; the engine uses kinds.length * 16 ports from here */
  sourcePortBase: number;
  /** 16-byte SipHash key */
  key: Uint8Array;
  /** probe kind ordinals (PROBE_KINDS index) in slot order */
  kinds: number[];
  ttl: number;
  dataLength: number;
  badsum: boolean;
  /** --scanflags value and the kind its replies are classified as */
  customFlags: number;
  customBase: number;
  /** probes per second; 0 = unlimited */
  ratePps: number;
  /** sending threads, 1 to 8; 0 or absent: two on a machine with 2+ CPUs, else one */
  senderThreads?: number;
  pcapBufferBytes?: number;
  flushRecords?: number;
  flushMs?: number;
  statsMs?: number;
}

/** Probe descriptors: two u32 per probe, [address, port | try << 16 | slot << 24]. */
export type DescriptorChunk = Uint32Array;

export interface NativeEngine {
  /** open the raw socket and pcap handle; throws an Error with .code on failure */
  open(): void;
  /**
   * open() on a thread of its own (the capture's open waits 10-30 ms for the
   * kernel): settles as open() would return or throw. start(), enqueue() and
   * datalink() throw until it has settled; stop() waits for it.
   */
  openAsync(): Promise<void>;
  /** start threads; onBatch receives record batches (multiples of 32 bytes) */
  start(onBatch: (batch: Buffer) => void): void;
  enqueue(chunk: DescriptorChunk): void;
  setRate(pps: number): void;
  /** probes queued but not yet sent */
  pending(): number;
  /** stop threads; resolves after the last batch was delivered */
  stop(): Promise<void>;
  datalink(): number;
}

export interface NativeAddon {
  createEngine(config: EngineConfig): NativeEngine;
  monotonicMs(): number;
  /** test hook: SipHash-2-4 cookie of a 4-tuple (host-order numbers) */
  probeCookie(key: Uint8Array, saddr: number, daddr: number, sport: number, dport: number): number;
  /** test hook: the bytes of one probe as the sender would send it */
  buildProbe(config: EngineConfig, slot: number, daddr: number, dport: number, tryNo: number): Buffer;
  /** test hook: parse + judge one captured frame; returns a 32-byte reply record or null */
  judgeFrame(config: EngineConfig, linkType: number, frame: Uint8Array): Buffer | null;
}
