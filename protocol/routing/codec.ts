/**
 * The wire form of a routed message, version 1:
 *
 *   message = version (u8 = 1) || route(onward) || route(return) || length (u16) || payload
 *   route   = count (u8, 0..MAX_HOPS) || count x address
 *   address = type (u8) || length (u8, 1..MAX_ADDRESS_VALUE) || value
 *
 * The onward route has at least one address (the receiving hop's own name). Every structure
 * has exactly one encoding: the decoder refuses trailing bytes and anything over a limit,
 * before allocating for it. Any type byte is accepted, so hops forward addresses of
 * transports they do not know (only the head has to be understood).
 *
 * Fixed-width u8/u16 lengths rather than varints: the limits fit them, and a hop can find the
 * payload with no arithmetic beyond additions. The encoder sizes its output first and writes
 * once, rather than growing a list, because every allocation counts on XS.
 */
import { DecodeError, RoutingError } from '../errors.ts';
import { ByteReader } from '../wire.ts';
import { Address, MAX_ADDRESS_VALUE } from './address.ts';
import { checkPayload, MAX_PAYLOAD, type RoutedMessage } from './message.ts';
import { MAX_HOPS, Route } from './route.ts';

// Protocol constants.
export const WIRE_VERSION = 1;

/** Largest encoding the limits allow (a link's frame limit must be at least this). */
export const MAX_ENCODED_MESSAGE = 1 + 2 * (1 + MAX_HOPS * (2 + MAX_ADDRESS_VALUE)) + 2 + MAX_PAYLOAD;

function routeSize(r: Route): number {
  let size = 1;
  for (const a of r.addresses) size += 2 + a.value.length;
  return size;
}

function writeRoute(out: Uint8Array, offset: number, r: Route): number {
  out[offset++] = r.length;
  for (const a of r.addresses) {
    out[offset++] = a.type;
    out[offset++] = a.value.length;
    out.set(a.value, offset);
    offset += a.value.length;
  }
  return offset;
}

/** Throws ROUTE_EMPTY (no onward hop) or ROUTE_OVERSIZE (payload); routes bound themselves. */
export function encodeMessage(message: RoutedMessage): Uint8Array {
  if (message.onwardRoute.isEmpty) throw new RoutingError('ROUTE_EMPTY', 'cannot encode a message with no onward hop');
  checkPayload(message.payload);
  const size = 1 + routeSize(message.onwardRoute) + routeSize(message.returnRoute) + 2 + message.payload.length;
  const out = new Uint8Array(size);
  out[0] = WIRE_VERSION;
  let offset = writeRoute(out, 1, message.onwardRoute);
  offset = writeRoute(out, offset, message.returnRoute);
  out[offset++] = message.payload.length >> 8;
  out[offset++] = message.payload.length & 255;
  out.set(message.payload, offset);
  return out;
}

function readRoute(reader: ByteReader, which: string): Route {
  const count = reader.u8();
  if (count > MAX_HOPS) throw new DecodeError('DECODE_OVERSIZE', `${which} route: ${count} hops, limit ${MAX_HOPS}`);
  const hops: Address[] = [];
  for (let i = 0; i < count; i++) {
    const type = reader.u8();
    const length = reader.u8();
    if (length === 0) throw new DecodeError('DECODE_BAD_VALUE', `${which} route: empty address value`);
    if (length > MAX_ADDRESS_VALUE) throw new DecodeError('DECODE_OVERSIZE', `${which} route: address value over ${MAX_ADDRESS_VALUE} bytes`);
    hops.push(new Address(type, reader.bytesOf(length)));
  }
  return Route.of(hops);
}

/** Strict: DECODE_TRUNCATED, DECODE_TRAILING, DECODE_BAD_VERSION, DECODE_OVERSIZE, DECODE_BAD_VALUE. */
export function decodeMessage(bytes: Uint8Array): RoutedMessage {
  const reader = new ByteReader(bytes, 'routed message');
  const version = reader.u8();
  if (version !== WIRE_VERSION) throw new DecodeError('DECODE_BAD_VERSION', `routed message version ${version}, expected ${WIRE_VERSION}`);
  const onwardRoute = readRoute(reader, 'onward');
  if (onwardRoute.isEmpty) throw new DecodeError('DECODE_BAD_VALUE', 'onward route is empty');
  const returnRoute = readRoute(reader, 'return');
  const length = reader.u16();
  if (length > MAX_PAYLOAD) throw new DecodeError('DECODE_OVERSIZE', `payload of ${length} bytes, limit ${MAX_PAYLOAD}`);
  const payload = reader.bytesOf(length);
  reader.end();
  return { onwardRoute, returnRoute, payload };
}
