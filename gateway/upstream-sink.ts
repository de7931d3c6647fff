/**
 * A stand-in for the cloud in tests and the bench: a Router with a TcpTransport listening on
 * loopback and one local worker ('api') that records what arrives and, if asked, answers each
 * message along its return route (so a reply retraces the path through the gateway).
 */

import { Router, type Worker } from '../protocol/routing/router.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { TcpTransport } from '../transport-node/tcp.ts';

export class UpstreamSink {
  readonly received: RoutedMessage[] = [];
  /** Answer every message with its own payload. */
  echo = false;
  /** Called for every message (bench timing). */
  onMessage: (message: RoutedMessage) => void = () => undefined;

  private constructor(
    readonly tcp: TcpTransport,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  static async start(port = 0, worker = 'api'): Promise<UpstreamSink> {
    const router = new Router();
    const tcp = new TcpTransport(router);
    let sink: UpstreamSink | undefined;
    const api: Worker = {
      handleMessage(message, context) {
        sink!.received.push(message);
        sink!.onMessage(message);
        if (sink!.echo) context.reply(message, message.payload);
      },
    };
    router.register(worker, api);
    const bound = await tcp.listen(port);
    sink = new UpstreamSink(tcp, bound.port);
    return sink;
  }

  /** The upstream address a gateway config lists for this sink. */
  get address(): string {
    return `tcp:127.0.0.1:${this.port}`;
  }

  /** Resolves once `count` messages have arrived in total. */
  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`sink got ${this.received.length} of ${count} messages`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    await this.tcp.close();
  }
}

