/**
 * The echo service (LOCAL worker `echo`): answers any payload with itself, through the channel
 * it came from, for tests and diagnostics (`is the channel up end to end?`). Only channel
 * traffic from devices allowed to use `echo` is answered.
 */
import type { Worker } from '../../protocol/routing/router.ts';
import { guardedWorker, newCounters, senderOf, type ServiceContext } from './context.ts';

export const ECHO_SERVICE = 'echo';

export class EchoService {
  readonly counters = newCounters();
  readonly worker: Worker;

  constructor(ctx: ServiceContext) {
    this.worker = guardedWorker(ECHO_SERVICE, ctx.log, this.counters, (message, context) => {
      senderOf(ctx, ECHO_SERVICE, message);
      context.reply(message, message.payload);
    });
  }
}
