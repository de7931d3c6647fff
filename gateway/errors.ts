/**
 * Errors of the gateway's own making (link operations and upstreams), with stable codes like
 * protocol/errors.ts. Kept here because protocol/errors.ts is the core's file; the codes
 * belong there eventually (LINK_TIMEOUT, LINK_LOST, LINK_CONNECT_FAILED).
 */
export type GatewayErrorCode =
  /** A link operation (GATT call, connect) did not finish in time. */
  | 'LINK_TIMEOUT'
  /** The link went down while an operation was pending. */
  | 'LINK_LOST'
  /** The radio or port refused the connection. */
  | 'LINK_CONNECT_FAILED';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'GatewayError';
  }
}

/** A stable code for logs: BurrowError and GatewayError codes, a Node errno, or 'UNEXPECTED'. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'UNEXPECTED';
}
