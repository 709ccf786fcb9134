// Loads the native addon (build/Release/rawscan.node) behind the typed
// NativeAddon interface, and turns the engine's open() error codes
// (native/engine/engine.h EngineError) into UsageErrors that say what to do.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { UsageError } from '../cli/errors.js';
import type { EngineConfig, NativeAddon, NativeEngine } from './types.js';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';

/** Stable codes of EngineError, thrown by NativeEngine.open(). */
export const ENGINE_ERROR_CODES = [
  'EPERM_RAW',
  'EPERM_PCAP',
  'NO_DEVICE',
  'PCAP',
  'SOCKET',
  'FILTER',
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/** An engine that could not open its raw socket or capture, for a reason the user can fix. */
export class EngineOpenError extends UsageError {
  constructor(
    message: string,
    readonly code: EngineErrorCode,
  ) {
    super(message);
    this.name = 'EngineOpenError';
  }
}

export const PRIVILEGE_MESSAGE =
  'rawscan needs root or CAP_NET_RAW for raw sockets and packet capture: run it with sudo, or grant the ' +
  'capability to a copy of node kept for rawscan alone (every program that node runs gets it): ' +
  '`sudo setcap cap_net_raw,cap_net_admin+eip /usr/local/lib/rawscan/node` (README, Privileges); ' +
  '-sT (connect scan) works without privileges.';

/**
 * build/Release/rawscan.node, from src/native/ and from dist/native/ alike, unless
 * RAWSCAN_ADDON names another build of it (scripts/test-asan.sh: the sanitized one).
 */
export const ADDON_PATH = process.env.RAWSCAN_ADDON
  ? resolve(process.env.RAWSCAN_ADDON)
  : fileURLToPath(new URL('../../build/Release/rawscan.node', import.meta.url));

/**
 * The error open() should surface for a native error: an EngineOpenError for
 * the codes a user can act on, the native error itself otherwise (a bug).
 */
export function mapEngineError(err: unknown, device: string): unknown {
  // Already mapped (createEngine's engines map their own errors): mapping it again would repeat the prefix.
  if (err instanceof EngineOpenError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'EPERM_RAW':
    case 'EPERM_PCAP':
      return new EngineOpenError(PRIVILEGE_MESSAGE, code);
    case 'NO_DEVICE':
      return new EngineOpenError(
        `interface ${device} does not exist (see \`ip link\`); pick one with -e`,
        code,
      );
    case 'PCAP':
      return new EngineOpenError(`packet capture on interface ${device} failed: ${detail}`, code);
    default:
      return err;
  }
}

/**
 * The addon's privilege calls (native/binding/privilege.h), apart from
 * NativeAddon so that engine fakes need not implement them.
 */
export interface PrivilegeOps {
  /** uid and primary gid of a user (passwd database, NSS), or null when there is none */
  lookupUser(name: string): { uid: number; gid: number } | null;
  /**
   * Sets no_new_privs and empties every capability set of every thread that
   * accepts signals; `privileged` counts the other threads that still hold one.
   */
  clearCapabilities(): { threads: number; privileged: number };
  /**
   * Waits for the capture warm-up's thread (src/cli/warm-capture.ts) and
   * closes a warmed handle nobody took: none outlives the drop.
   */
  settleWarmCapture(): void;
}

/** The addon's route call (native/binding/route.h), apart from NativeAddon for the same reason. */
interface RouteOps {
  routeSource(address: number): number | null;
}

/** The addon's capture warm-up (native/engine/warm_capture.h), apart from NativeAddon for the same reason. */
interface WarmCaptureOps {
  warmCapture(device: string, bufferBytes: number): boolean;
  warmCaptureState(): WarmCaptureState;
}

/** What became of the warmed capture handle (native/engine/warm_capture.h). */
export type WarmCaptureState = 'none' | 'opening' | 'ready' | 'taken' | 'discarded' | 'failed';

let loaded: NativeAddon | undefined;
let native: (NativeAddon & PrivilegeOps & RouteOps & WarmCaptureOps) | undefined;

/** The privilege calls of the addon, loaded once. Throws a UsageError like loadAddon. */
export function loadPrivilegeOps(): PrivilegeOps {
  const raw = requireAddon();
  return {
    lookupUser: (name) => raw.lookupUser(name),
    clearCapabilities: () => raw.clearCapabilities(),
    settleWarmCapture: () => raw.settleWarmCapture(),
  };
}

/**
 * The source address the kernel picks to reach dest (a UDP connect(), which
 * sends nothing), undefined when it has none: what src/targets/kernel-route.ts
 * asks node:dgram, whose connect() also loads node's cluster and
 * child_process modules (~4 ms of a scan's start). Throws a UsageError like
 * loadAddon.
 */
export function kernelSourceFor(dest: string): string | undefined {
  const address = parseIpv4(dest);
  if (address === null) return undefined;
  const source = requireAddon().routeSource(address);
  return source === null ? undefined : ipToString(source);
}

/**
 * Starts opening a capture on device with a ring of bufferBytes on a native
 * thread, for the engine that will open one there (src/cli/warm-capture.ts);
 * false when a warm-up ran before. Throws a UsageError like loadAddon.
 */
export function warmCapture(device: string, bufferBytes: number): boolean {
  return requireAddon().warmCapture(device, bufferBytes);
}

/** What became of warmCapture's handle; 'none' when the addon does not load. */
export function warmCaptureState(): WarmCaptureState {
  try {
    return requireAddon().warmCaptureState();
  } catch {
    return 'none';
  }
}

/** The addon, loaded once. Throws a UsageError when it is not built or cannot load. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  const raw = requireAddon();
  loaded = {
    createEngine: (config: EngineConfig) => withErrorMapping(raw.createEngine(config), config.device),
    monotonicMs: () => raw.monotonicMs(),
    probeCookie: (key, saddr, daddr, sport, dport) => raw.probeCookie(key, saddr, daddr, sport, dport),
    buildProbe: (config, slot, daddr, dport, tryNo) => raw.buildProbe(config, slot, daddr, dport, tryNo),
    judgeFrame: (config, linkType, frame) => raw.judgeFrame(config, linkType, frame),
  };
  return loaded;
}

function requireAddon(): NativeAddon & PrivilegeOps & RouteOps & WarmCaptureOps {
  if (native) return native;
  if (!existsSync(ADDON_PATH)) {
    throw new UsageError(
      `rawscan's native engine is not built (${ADDON_PATH} is missing): run npm run build`,
    );
  }
  try {
    native = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon &
      PrivilegeOps &
      RouteOps &
      WarmCaptureOps;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new UsageError(
      `rawscan's native engine (${ADDON_PATH}) failed to load: ${detail}; rebuild it with npm run build`,
    );
  }
  return native;
}

function withErrorMapping(engine: NativeEngine, device: string): NativeEngine {
  return {
    open: () => {
      try {
        engine.open();
      } catch (err) {
        throw mapEngineError(err, device);
      }
    },
    openAsync: () =>
      engine.openAsync().catch((err: unknown) => {
        throw mapEngineError(err, device);
      }),
    start: (onBatch) => engine.start(onBatch),
    enqueue: (chunk) => engine.enqueue(chunk),
    setRate: (pps) => engine.setRate(pps),
    pending: () => engine.pending(),
    stop: () => engine.stop(),
    datalink: () => engine.datalink(),
  };
}
