/**
 * The host side of host calls (host-call.ts): routes each issueCommand request from XS to the
 * service its first byte names, and wraps the answer or the failure in a status byte.
 *
 * A service failure is answered, not fatal: XS gets a HostCallError it can handle, and the
 * process lives on. Only a broken router (which cannot happen here) would kill the process.
 */
import { randomBytes } from 'node:crypto';
import { DecodeError } from '../../protocol/errors.ts';
import { HOST_SERVICE, STATUS_FAILED, STATUS_OK } from './host-call.ts';
import { MAX_RANDOM_REQUEST } from './random.ts';
import type { IssueCommandHandler, XsnapProcess } from './xsnap-process.ts';

export type HostService = (body: Uint8Array) => Uint8Array | Promise<Uint8Array>;

// Our limits.
/** Failure reasons sent back into XS are cut to this length (they are for logs only). */
const MAX_REASON = 500;

export class HostServices {
  private readonly services = new Map<number, HostService>();

  /** Registers (or replaces) the handler for one service id. */
  register(service: number, handler: HostService): this {
    if (!Number.isInteger(service) || service < 0 || service > 255) throw new RangeError('service id must be one byte');
    this.services.set(service, handler);
    return this;
  }

  /** The issueCommand handler to install on an XsnapProcess. */
  readonly handle: IssueCommandHandler = async (request) => {
    const service = request[0];
    const handler = service === undefined ? undefined : this.services.get(service);
    if (!handler) return failed(`no host service ${String(service)}`);
    try {
      const answer = await handler(request.subarray(1));
      const out = new Uint8Array(1 + answer.length);
      out[0] = STATUS_OK;
      out.set(answer, 1);
      return out;
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e));
    }
  };

  /** Installs this router as the process's issueCommand handler. */
  attach(xs: XsnapProcess): this {
    xs.onIssueCommand(this.handle);
    return this;
  }
}

function failed(reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason.slice(0, MAX_REASON));
  const out = new Uint8Array(1 + text.length);
  out[0] = STATUS_FAILED;
  out.set(text, 1);
  return out;
}

/** HOST_SERVICE.random: answers a u16 big-endian length with that many CSPRNG bytes. */
export function randomService(): HostService {
  return (body) => {
    if (body.length !== 2) throw new DecodeError('DECODE_BAD_VALUE', 'random request must be a 2-byte length');
    const length = (body[0]! << 8) | body[1]!;
    if (length > MAX_RANDOM_REQUEST) throw new DecodeError('DECODE_OVERSIZE', `random request of ${length} bytes exceeds ${MAX_RANDOM_REQUEST}`);
    return new Uint8Array(randomBytes(length));
  };
}

/** A router with the services every simulated device gets (randomness). */
export function defaultHostServices(): HostServices {
  return new HostServices().register(HOST_SERVICE.random, randomService());
}
