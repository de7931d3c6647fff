/**
 * The commands service (LOCAL worker `commands`): downlink commands from the operator to a
 * device's `app` worker, through the device's channel, and their results back.
 *
 * Lifecycle (persisted, so a restart loses nothing): queued -> sent -> done | failed.
 * - A command is sent as soon as it is queued if the device's channel is up, otherwise when
 *   the channel next opens.
 * - A sent command with no result is sent again on the next channel (the device may have
 *   rebooted before it answered), at most `maxDeliveries` times: delivery is at least once, so
 *   a device applies a command id once (design: commands are idempotent or checked by id).
 * - A command that could not be handed to the channel (its route was down: a gateway
 *   restarting) is tried again at every poll until it goes, since the channel may live on
 *   without reopening (the cloud follows the device to its new route, design.md "Roaming").
 * - A sent command with no result after `resultTimeoutMs` fails, so nothing waits for ever.
 * - A result is accepted only from the device the command was for.
 */
import { AppMessageType, command, decodeAppMessage, encodeAppMessage } from '../../protocol/app/messages.ts';
import { ConfigError, DecodeError, IdentityError } from '../../protocol/errors.ts';
import { parseIdentifier } from '../../protocol/identity/identifier.ts';
import { Address } from '../../protocol/routing/address.ts';
import { routedMessage } from '../../protocol/routing/message.ts';
import { Route } from '../../protocol/routing/route.ts';
import type { Worker } from '../../protocol/routing/router.ts';
import { errorFields } from '../log.ts';
import type { CloudStore, CommandRecord } from '../storage/store.ts';
import { guardedWorker, newCounters, senderOf, type ServiceContext } from './context.ts';

export const COMMANDS_SERVICE = 'commands';
/** The device's application worker (firmware), the far end of every command. */
export const DEVICE_APP = 'app';

// Our limits.
export const DEFAULT_RESULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_DELIVERIES = 3;

export interface CommandsOptions {
  readonly resultTimeoutMs?: number;
  readonly maxDeliveries?: number;
}

/** What a command must be before it is stored: CONFIG_INVALID or a DecodeError (wire limits). */
export function checkCommand(device: string, name: string, args: string): void {
  parseIdentifier(device);
  try {
    JSON.parse(args);
  } catch {
    throw new ConfigError('CONFIG_INVALID', 'command arguments must be JSON');
  }
  encodeAppMessage(command(0, name, args));
}

export class CommandsService {
  readonly counters = { ...newCounters(), sent: 0, results: 0, timedOut: 0 };
  readonly worker: Worker;
  private readonly ctx: ServiceContext;
  private readonly store: CloudStore;
  private readonly resultTimeoutMs: number;
  private readonly maxDeliveries: number;
  private readonly self = Route.of([Address.local(COMMANDS_SERVICE)]);
  /** Devices whose queued commands a channel refused (its route was down), retried at poll. */
  private readonly undelivered = new Set<string>();

  constructor(ctx: ServiceContext, store: CloudStore, options: CommandsOptions = {}) {
    this.ctx = ctx;
    this.store = store;
    this.resultTimeoutMs = options.resultTimeoutMs ?? DEFAULT_RESULT_TIMEOUT_MS;
    this.maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.worker = guardedWorker(COMMANDS_SERVICE, ctx.log, this.counters, (message) => {
      const { device } = senderOf(ctx, COMMANDS_SERVICE, message);
      const result = decodeAppMessage(message.payload);
      if (result.type !== AppMessageType.RESULT) throw new DecodeError('DECODE_BAD_VALUE', `commands takes RESULT messages, not type ${result.type}`);
      const finished = store.finishCommand(result.id, device.identifier, result.ok ? 'done' : 'failed', result.detail, ctx.wallClock());
      if (finished === undefined) throw new IdentityError('IDENTITY_NOT_TRUSTED', `result for command ${result.id}, which is not pending for ${device.identifier}`);
      this.counters.results++;
      ctx.log.info({ device: device.identifier, command: finished.id, name: finished.name, state: finished.state }, 'command finished');
    });
  }

  /**
   * Queues a command for an enrolled device and sends it if its channel is up. Throws
   * CONFIG_INVALID (unknown or revoked device, args not JSON) or DecodeError (name or args
   * outside the wire limits).
   */
  queue(device: string, name: string, args: string): CommandRecord {
    checkCommand(device, name, args);
    if (this.ctx.registry.activeDevice(device) === undefined) throw new ConfigError('CONFIG_INVALID', `${device} is not an enrolled device`);
    const queued = this.store.queueCommand(device, name, args, this.ctx.wallClock());
    this.ctx.log.info({ device, command: queued.id, name }, 'command queued');
    this.deliverPending(device, false);
    return this.store.command(queued.id)!;
  }

  /**
   * Sends a device's queued commands through its channel, if it has one; with `resend` (a new
   * channel) also those sent on an earlier channel without a result.
   */
  deliverPending(device: string, resend: boolean): void {
    this.undelivered.delete(device);
    const channel = this.ctx.channels.channelOf(device);
    if (channel === undefined) return;
    const to = Route.of([channel.encryptor, Address.local(DEVICE_APP)]);
    for (const c of this.store.pendingCommands(device)) {
      if (c.state === 'sent' && !resend) continue;
      const now = this.ctx.wallClock();
      if (c.deliveries >= this.maxDeliveries) {
        this.store.finishCommand(c.id, device, 'failed', `no result after ${c.deliveries} deliveries`, now);
        continue;
      }
      try {
        this.ctx.send(routedMessage(to, this.self, encodeAppMessage(command(c.id, c.name, c.args))));
      } catch (e) {
        // The channel's route is down or full: the rest waits for the next poll or channel.
        this.ctx.log.warn({ device, command: c.id, ...errorFields(e) }, 'command not delivered');
        this.undelivered.add(device);
        return;
      }
      this.store.markSent(c.id, now);
      this.counters.sent++;
    }
  }

  /** Retries commands a channel refused; fails sent commands whose result is overdue. */
  poll(): void {
    for (const device of [...this.undelivered]) this.deliverPending(device, false);
    const now = this.ctx.wallClock();
    for (const c of this.store.overdueCommands(now - this.resultTimeoutMs)) {
      if (this.store.finishCommand(c.id, c.device, 'failed', `no result within ${this.resultTimeoutMs / 1000} s`, now)) {
        this.counters.timedOut++;
        this.ctx.log.warn({ device: c.device, command: c.id, name: c.name }, 'command timed out');
      }
    }
  }
}
