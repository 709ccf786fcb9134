// Loads the native addon (build/Release/rawscan.node) behind the typed
// NativeAddon interface, and turns the engine's open() error codes
// (native/engine/engine.h EngineError) into UsageErrors that say what to do.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { UsageError } from '../cli/errors.js';
import type { EngineConfig, NativeAddon, NativeEngine } from './types.js';

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
  'capability with `sudo setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which node))`; -sT (connect scan) ' +
  'works without privileges.';

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

let loaded: NativeAddon | undefined;

/** The addon, loaded once. Throws a UsageError when it is not built or cannot load. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    throw new UsageError(
      `rawscan's native engine is not built (${ADDON_PATH} is missing): run npm run build`,
    );
  }
  let raw: NativeAddon;
  try {
    raw = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new UsageError(
      `rawscan's native engine (${ADDON_PATH}) failed to load: ${detail}; rebuild it with npm run build`,
    );
  }
  loaded = {
    createEngine: (config: EngineConfig) => withErrorMapping(raw.createEngine(config), config.device),
    monotonicMs: () => raw.monotonicMs(),
    probeCookie: (key, saddr, daddr, sport, dport) => raw.probeCookie(key, saddr, daddr, sport, dport),
    buildProbe: (config, slot, daddr, dport, tryNo) => raw.buildProbe(config, slot, daddr, dport, tryNo),
    judgeFrame: (config, linkType, frame) => raw.judgeFrame(config, linkType, frame),
  };
  return loaded;
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
    start: (onBatch) => engine.start(onBatch),
    enqueue: (chunk) => engine.enqueue(chunk),
    setRate: (pps) => engine.setRate(pps),
    pending: () => engine.pending(),
    stop: () => engine.stop(),
    datalink: () => engine.datalink(),
  };
}
