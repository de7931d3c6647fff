/**
 * What a compromised hop can make up, given a genuine frame it just carried as a template: it
 * knows the routes (they are outside the encryption), the envelope kind and the channel counter
 * in the clear header, and nothing else. Each forgery is aimed at one defence:
 *
 * - `ciphertext`: a transport message on the real channel's route with the counter just ahead
 *   (inside the replay window) or far ahead (a window that moved before authentication would
 *   then refuse every genuine message), and random sealed bytes: AEAD must refuse it;
 * - `plaintext`: an application message sent around the channel, straight to the cloud's
 *   `telemetry` (a reading) or to the device's `app` (an ACK far ahead, or a command): the
 *   cloud's network policy and the device's link policy must drop it;
 * - `handshake`: junk handshake messages (message 1 to the listener, message 2 to a device that
 *   already has its channel): they must cost a bounded amount and change nothing.
 */
import { command, encodeAppMessage, telemetryAck, telemetryBatch } from '../protocol/app/messages.ts';
import { COUNTER_BYTES } from '../protocol/channel/constants.ts';
import { readCounter, writeCounter } from '../protocol/channel/codec.ts';
import { Address } from '../protocol/routing/address.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import { routedMessage, type RoutedMessage } from '../protocol/routing/message.ts';
import { Route } from '../protocol/routing/route.ts';
import { EnvelopeKind } from '../protocol/secure-channel/envelope.ts';
import type { Dice } from './seed.ts';

export type Direction = 'up' | 'down';
export type ForgeryKind = 'ciphertext' | 'plaintext' | 'handshake';
export const FORGERY_KINDS: readonly ForgeryKind[] = ['ciphertext', 'plaintext', 'handshake'];

/** Seqs no simulated device reaches in a test: a stored one is a forgery that got through. */
export const FORGED_SEQ_BASE = 3_000_000_000;
/** A reporting interval no test sets: a device that took it obeyed a forged command. */
export const FORGED_INTERVAL_MS = 86_400_000;

/** A forged frame (an encoded routed message) modelled on `frame`, or undefined when it does not fit. */
export function forge(kind: ForgeryKind, direction: Direction, frame: Uint8Array, dice: Dice): Uint8Array | undefined {
  let m: RoutedMessage;
  try {
    m = decodeMessage(frame);
  } catch {
    return undefined;
  }
  if (m.onwardRoute.length < 2) return undefined;
  const head = m.onwardRoute.next();
  // Up: [tcp hop, decryptor or api]. Down: [tcp hop, device link, device channel worker].
  const beforeRecipient = m.onwardRoute.addresses.slice(0, -1);
  const to = (recipient: Address) => Route.of([...beforeRecipient, recipient]);
  switch (kind) {
    case 'ciphertext': {
      if (m.payload[0] !== EnvelopeKind.TRANSPORT || m.payload.length < 1 + COUNTER_BYTES + 17) return undefined;
      const forged = dice.bytes(m.payload.length);
      forged[0] = EnvelopeKind.TRANSPORT;
      const counter = readCounter(m.payload, 1);
      writeCounter(forged, 1, dice.chance(0.5) ? counter + dice.int(1, 64) : counter + 2 ** 40);
      return encodeMessage(routedMessage(m.onwardRoute, m.returnRoute, forged));
    }
    case 'plaintext': {
      if (direction === 'up') {
        const reading = { seq: FORGED_SEQ_BASE + dice.int(0, 1000), time: 0, uptimeMs: 0, values: [{ name: 'temperature_c', value: 99.99 }] };
        return encodeMessage(routedMessage(Route.of([head, Address.local('telemetry')]), m.returnRoute, encodeAppMessage(telemetryBatch(reading.seq, [reading]))));
      }
      const app = dice.chance(0.5) ? telemetryAck(FORGED_SEQ_BASE) : command(dice.int(1, 1_000_000), 'set-interval', JSON.stringify({ ms: FORGED_INTERVAL_MS }));
      return encodeMessage(routedMessage(to(Address.local('app')), Route.of([Address.local('commands')]), encodeAppMessage(app)));
    }
    case 'handshake': {
      const kindByte = direction === 'up' ? EnvelopeKind.MESSAGE1 : EnvelopeKind.MESSAGE2;
      const body = dice.bytes(direction === 'up' ? 40 : 120);
      body[0] = kindByte;
      const onward = direction === 'up' ? Route.of([head, Address.local('api')]) : m.onwardRoute;
      return encodeMessage(routedMessage(onward, m.returnRoute, body));
    }
  }
}

/** A copy of `frame` with 1 to 3 bits flipped at random places. */
export function flipBits(frame: Uint8Array, dice: Dice): Uint8Array {
  const out = frame.slice();
  const flips = dice.int(1, 3);
  for (let i = 0; i < flips; i++) {
    const at = dice.int(0, out.length - 1);
    out[at] = out[at]! ^ (1 << dice.int(0, 7));
  }
  return out;
}
