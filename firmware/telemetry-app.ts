/**
 * The device application's LOCAL worker `app`: sends telemetry batches from the delivery buffer
 * through the secure channel to the cloud's `telemetry` service, takes its acknowledgements,
 * and applies the cloud's commands.
 *
 * One batch in flight at a time (stop-and-wait above the channel): the next batch goes when the
 * acknowledgement for this one arrives, or, if none arrives within `ackTimeoutMs`, the same
 * readings go again (the cloud stores each seq once, so a resend is harmless). After a new
 * channel is established the unacknowledged readings are resent at once. Stop-and-wait rather
 * than a window because the device's links carry a few hundred bytes a second at best, and one
 * batch holds up to 32 readings.
 *
 * Only messages that came out of the channel are accepted: the channel delivers with its
 * encryptor at the head of the return route, and nothing else on the device may reach `app`
 * (the links also refuse network messages for any worker but the channel's, see device.ts).
 */
import { AppMessageType, decodeAppMessage, encodeAppMessage, type AppMessage } from '../protocol/app/messages.ts';
import { BurrowError } from '../protocol/errors.ts';
import { Address } from '../protocol/routing/address.ts';
import { routedMessage, type RoutedMessage } from '../protocol/routing/message.ts';
import { Route } from '../protocol/routing/route.ts';
import type { Router, WorkerContext } from '../protocol/routing/router.ts';
import type { CommandHandler } from './commands.ts';
import type { DeliveryBuffer } from './delivery.ts';
import type { Log } from './log.ts';

/** Cloud services (LOCAL workers on the cloud's router). */
export const CLOUD_TELEMETRY = 'telemetry';
export const APP_WORKER = 'app';

export interface ChannelView {
  readonly state: string;
  readonly encryptor: Address;
}

export interface TelemetryAppOptions {
  readonly router: Router;
  readonly channel: ChannelView;
  readonly buffer: DeliveryBuffer;
  readonly commands: CommandHandler;
  readonly ackTimeoutMs: number;
  readonly log: Log;
}

export class TelemetryApp {
  readonly address: Address;
  readonly counters = { batchesSent: 0, resends: 0, acks: 0, commands: 0, refused: 0 };
  private readonly o: TelemetryAppOptions;
  private readonly telemetryRoute: Route;
  private readonly returnRoute: Route;
  /** The batch in flight: every seq below `upTo` was in it; sent at `at`. */
  private inFlight: { upTo: number; at: number } | undefined;

  constructor(options: TelemetryAppOptions) {
    this.o = options;
    this.address = options.router.register(APP_WORKER, { handleMessage: (m, c) => this.onMessage(m, c) });
    this.telemetryRoute = Route.of([options.channel.encryptor, Address.local(CLOUD_TELEMETRY)]);
    this.returnRoute = Route.of([this.address]);
  }

  /** A new channel: whatever was in flight on the old one is sent again now. */
  channelEstablished(): void {
    this.inFlight = undefined;
  }

  /** Sends what is due; returns when to look again (the ack timeout), if anything waits. */
  service(now: number): number | undefined {
    if (this.o.channel.state !== 'established') return undefined;
    if (this.inFlight !== undefined) {
      if (now < this.inFlight.at + this.o.ackTimeoutMs) return this.inFlight.at + this.o.ackTimeoutMs;
      this.counters.resends++;
      this.inFlight = undefined;
    }
    const batch = this.o.buffer.nextBatch();
    if (batch === undefined) return undefined;
    try {
      this.o.router.route(routedMessage(this.telemetryRoute, this.returnRoute, encodeAppMessage(batch)));
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      // The link refused it (queue full, link down): the ack timeout brings it back.
      this.o.log(`telemetry not sent: ${e.code}`);
    }
    this.counters.batchesSent++;
    this.inFlight = { upTo: batch.readings[batch.readings.length - 1]!.seq + 1, at: now };
    return now + this.o.ackTimeoutMs;
  }

  private onMessage(message: RoutedMessage, context: WorkerContext): void {
    if (message.returnRoute.isEmpty || !message.returnRoute.next().equals(this.o.channel.encryptor)) {
      this.counters.refused++;
      return;
    }
    let m: AppMessage;
    try {
      m = decodeAppMessage(message.payload);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.counters.refused++;
      this.o.log(`app message refused: ${e.code}`);
      return;
    }
    if (m.type === AppMessageType.ACK) {
      this.counters.acks++;
      this.o.buffer.acknowledge(m.next);
      if (this.inFlight !== undefined && m.next >= this.inFlight.upTo) this.inFlight = undefined;
    } else if (m.type === AppMessageType.COMMAND) {
      this.counters.commands++;
      const result = this.o.commands.handle(m);
      this.o.log(`command ${m.id} ${m.name}: ${result.ok ? 'ok' : 'failed'}`);
      try {
        context.reply(message, encodeAppMessage(result));
      } catch (e) {
        if (!(e instanceof BurrowError)) throw e;
        // The cloud resends a command whose result it misses; the repeat is answered from memory.
        this.o.log(`command result not sent: ${e.code}`);
      }
    } else {
      this.counters.refused++;
    }
  }
}
