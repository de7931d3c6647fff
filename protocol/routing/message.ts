/**
 * A routed message (Ockam's model): an onward route, a return route and an opaque payload
 * (a Noise handshake or channel message; hops never read it).
 *
 * How replies find their way without per-message state at the hops: the node that receives a
 * message over a link calls stepForward, which pops the head of the onward route (the address
 * the previous node used to reach this one) and pushes the address this node uses to reach
 * back over the same link. When the message arrives, its return route is the whole path back,
 * and a reply's onward route is simply that return route. Chosen over popping at the sender
 * because only the receiver knows the address of the link a message came in on.
 */
import { RoutingError } from '../errors.ts';
import type { Address } from './address.ts';
import type { Route } from './route.ts';

// Our limits.
/** Payload bytes: the largest channel message (MAX_CHANNEL_MESSAGE, 4096, see
 *  channel/constants.ts) plus its one-byte secure-channel envelope, rounded up to 4160; an XX
 *  handshake message with identity and attestation fits easily, while a device with ~166 KB of
 *  RAM can still hold a few messages in flight. */
export const MAX_PAYLOAD = 4160;

export interface RoutedMessage {
  readonly onwardRoute: Route;
  readonly returnRoute: Route;
  readonly payload: Uint8Array;
}

/** Throws ROUTE_OVERSIZE beyond MAX_PAYLOAD. */
export function checkPayload(payload: Uint8Array): void {
  if (payload.length > MAX_PAYLOAD) {
    throw new RoutingError('ROUTE_OVERSIZE', `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
}

export function routedMessage(onwardRoute: Route, returnRoute: Route, payload: Uint8Array): RoutedMessage {
  checkPayload(payload);
  return { onwardRoute, returnRoute, payload };
}

/**
 * Moves a message one hop on: pops this hop off the onward route, pushes `returnAddress` (how
 * this node reaches back to where the message came from) onto the return route.
 * Throws ROUTE_EMPTY unless a hop is left after this one (a message must have somewhere to
 * go), ROUTE_TOO_LONG when the return route is already full.
 */
export function stepForward(message: RoutedMessage, returnAddress: Address): RoutedMessage {
  const onwardRoute = message.onwardRoute.pop();
  if (onwardRoute.isEmpty) throw new RoutingError('ROUTE_EMPTY', 'no hop left after this one');
  return { onwardRoute, returnRoute: message.returnRoute.prepend(returnAddress), payload: message.payload };
}
