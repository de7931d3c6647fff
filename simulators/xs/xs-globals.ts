/**
 * The host functions xsnap-worker installs on XS's global object, typed, for the code we bundle
 * INTO XS (shims, test entries, measurement targets). Looked up at call time, never at import
 * time, so importing this on Node is harmless and only calling it off XS fails, with a clear
 * error instead of a ReferenceError deep inside a shim.
 */
import { ConfigError } from '../../protocol/errors.ts';

export interface XsHostFunctions {
  /** Sends bytes to the host and blocks until it answers (xsnap's '?' ... '/' exchange). */
  issueCommand(request: ArrayBuffer): ArrayBuffer;
  /** Writes its arguments, space-separated, and a newline to the process's stdout. */
  print(...values: unknown[]): void;
  /** A full collection. Organic collections are invisible to WeakRefs under xsnap (mxSnapshot). */
  gc(): void;
  /** Sets the crank's meter limit and index; returns the index before the call. */
  resetMeter(limit: number, index: number): number;
  /** The crank's meter limit (0: none). */
  currentMeterLimit(): number;
}

const NAMES: readonly (keyof XsHostFunctions)[] = ['issueCommand', 'print', 'gc', 'resetMeter', 'currentMeterLimit'];

/** The xsnap host functions; throws ConfigError when not running inside xsnap-worker. */
export function xsHost(): XsHostFunctions {
  const g = globalThis as unknown as Partial<Record<keyof XsHostFunctions, unknown>>;
  for (const name of NAMES) {
    if (typeof g[name] !== 'function') throw new ConfigError('CONFIG_INVALID', `global ${name}() is missing: this code runs only inside xsnap-worker`);
  }
  return g as unknown as XsHostFunctions;
}

/** A standalone ArrayBuffer holding exactly these bytes (issueCommand and handleCommand want one). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}
