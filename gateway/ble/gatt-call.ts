/**
 * Timeouts and cancellation around noble calls. noble 1.9 reports a GATT result only as an
 * event and never fails a call whose link dropped: the request stays pending forever. Every
 * call therefore goes through gattCall, which listens for the answer with its own removable
 * listener (never noble's callback form, whose listeners cannot be removed and would fire for
 * a later call's answer), gives up after a timeout, and ends at once when the link's session
 * is aborted (disconnect, adapter off, shutdown).
 */
import { GatewayError } from '../errors.ts';

export interface GattCall<T> {
  /** For error messages and logs: 'connect', 'write', … */
  readonly what: string;
  readonly timeoutMs: number;
  /** The link's session: aborted when the link is lost. */
  readonly signal: AbortSignal;
  /** Registers the listener(s) for the answer; returns what removes them. */
  listen(resolve: (value: T) => void, reject: (error: unknown) => void): () => void;
  /** Issues the request (after listening, so no answer can be missed). */
  start(): void;
  /** Called when the call is abandoned (timeout or abort), e.g. to cancel a pending connect. */
  abandon?(): void;
}

/** Rejects with LINK_TIMEOUT, LINK_LOST, or what `listen` rejected with. */
export function gattCall<T>(call: GattCall<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (call.signal.aborted) {
      reject(new GatewayError('LINK_LOST', `${call.what}: link already down`));
      return;
    }
    let settled = false;
    let unlisten: () => void = () => undefined;
    const finish = (outcome: () => void, abandoned: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
      unlisten();
      if (abandoned) call.abandon?.();
      outcome();
    };
    const onAbort = () => finish(() => reject(new GatewayError('LINK_LOST', `${call.what}: link lost`)), true);
    const timer = setTimeout(() => finish(() => reject(new GatewayError('LINK_TIMEOUT', `${call.what}: no answer in ${call.timeoutMs} ms`)), true), call.timeoutMs);
    call.signal.addEventListener('abort', onAbort);
    unlisten = call.listen(
      (value) => finish(() => resolve(value), false),
      (error) => finish(() => reject(error), false),
    );
    try {
      call.start();
    } catch (error) {
      finish(() => reject(error), false);
    }
  });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
