/**
 * What every cloud service needs to decide whether to act on a message: who sent it (the
 * channel it came out of) and whether that device may use this service. The listener delivers
 * a channel's plaintext with the channel's encryptor at the head of the return route; anything
 * else reached the service some other way (a misrouted frame, a local bug) and is refused.
 *
 * Services run as guarded workers: a typed failure (bad bytes, refused sender) is dropped,
 * counted by code and logged; anything else (storage failure) is logged as an error. Neither
 * throws back into the channel, so one device's bad message never touches another's.
 */
import { BurrowError, IdentityError, RoutingError } from '../../protocol/errors.ts';
import type { Address } from '../../protocol/routing/address.ts';
import type { RoutedMessage } from '../../protocol/routing/message.ts';
import type { Worker, WorkerContext } from '../../protocol/routing/router.ts';
import type { ChannelInfo } from '../../protocol/secure-channel/listener.ts';
import type { AccessRules } from '../access.ts';
import { errorFields, type Logger } from '../log.ts';
import type { Registry } from '../registry.ts';
import type { DeviceRecord } from '../storage/store.ts';

/** The listener's view of its channels (SecureChannelListener implements it). */
export interface ChannelDirectory {
  peerOf(returnHead: Address): ChannelInfo | undefined;
  channelOf(identifier: string): ChannelInfo | undefined;
}

export interface ServiceContext {
  readonly channels: ChannelDirectory;
  readonly registry: Registry;
  readonly access: AccessRules;
  readonly log: Logger;
  /** Wall clock, ms since the Unix epoch (stored timestamps). */
  readonly wallClock: () => number;
  /** Routes a message on the cloud's router. */
  readonly send: (message: RoutedMessage) => void;
}

export interface Sender {
  readonly channel: ChannelInfo;
  readonly device: DeviceRecord;
}

/** Throws ROUTE_FORBIDDEN (not from a channel) or IDENTITY_NOT_TRUSTED (revoked, or no access). */
export function senderOf(ctx: ServiceContext, service: string, message: RoutedMessage): Sender {
  const channel = message.returnRoute.isEmpty ? undefined : ctx.channels.peerOf(message.returnRoute.next());
  if (channel === undefined) throw new RoutingError('ROUTE_FORBIDDEN', `${service}: message did not come out of a secure channel`);
  const device = ctx.registry.activeDevice(channel.identifier);
  if (device === undefined || !ctx.access.allows(service, device)) {
    throw new IdentityError('IDENTITY_NOT_TRUSTED', `${channel.identifier} may not use ${service}`);
  }
  return { channel, device };
}

export interface ServiceCounters {
  handled: number;
  /** Dropped messages by error code. */
  dropped: Record<string, number>;
  /** Messages that failed for a reason other than their content (e.g. storage). */
  failed: number;
}

export const newCounters = (): ServiceCounters => ({ handled: 0, dropped: {}, failed: 0 });

export function guardedWorker(service: string, log: Logger, counters: ServiceCounters, handle: (message: RoutedMessage, context: WorkerContext) => void): Worker {
  return {
    handleMessage(message, context) {
      try {
        handle(message, context);
        counters.handled++;
      } catch (e) {
        const from = message.returnRoute.isEmpty ? '' : String(message.returnRoute.next());
        if (e instanceof BurrowError) {
          counters.dropped[e.code] = (counters.dropped[e.code] ?? 0) + 1;
          log.warn({ service, from, code: e.code, reason: e.message }, `${service}: message dropped`);
        } else {
          counters.failed++;
          log.error({ service, from, ...errorFields(e) }, `${service}: message failed`);
        }
      }
    },
  };
}
