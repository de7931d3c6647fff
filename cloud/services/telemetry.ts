/**
 * The telemetry service (LOCAL worker `telemetry`): stores each reading of a batch exactly
 * once, keyed by (device, seq), and answers the batch's return route, through the channel,
 * with the device's cumulative acknowledgement. The ack is sent only after the store commits,
 * so a reading the device forgets because of an ack is on disk; a storage failure sends no ack
 * and the device re-sends.
 */
import { AppMessageType, decodeAppMessage, encodeAppMessage, telemetryAck } from '../../protocol/app/messages.ts';
import { DecodeError } from '../../protocol/errors.ts';
import type { Worker } from '../../protocol/routing/router.ts';
import type { CloudStore } from '../storage/store.ts';
import { guardedWorker, newCounters, senderOf, type ServiceContext } from './context.ts';

export const TELEMETRY_SERVICE = 'telemetry';

export class TelemetryService {
  readonly counters = { ...newCounters(), readings: 0, stored: 0, duplicates: 0 };
  readonly worker: Worker;

  constructor(ctx: ServiceContext, store: CloudStore) {
    this.worker = guardedWorker(TELEMETRY_SERVICE, ctx.log, this.counters, (message, context) => {
      const { device } = senderOf(ctx, TELEMETRY_SERVICE, message);
      const batch = decodeAppMessage(message.payload);
      if (batch.type !== AppMessageType.TELEMETRY) throw new DecodeError('DECODE_BAD_VALUE', `telemetry takes TELEMETRY messages, not type ${batch.type}`);
      const result = store.storeReadings(device.identifier, batch.floor, batch.readings, ctx.wallClock());
      this.counters.readings += batch.readings.length;
      this.counters.stored += result.stored;
      this.counters.duplicates += result.duplicates;
      context.reply(message, encodeAppMessage(telemetryAck(result.next)));
    });
  }
}
