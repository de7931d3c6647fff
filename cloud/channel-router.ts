/**
 * The cloud's router, with one rule more than the core's: plaintext that comes out of a
 * secure channel may reach the cloud's services and nothing else.
 *
 * Why: a channel delivers its inner message to any LOCAL head (channel-end.ts). On the cloud
 * the LOCAL workers include the listener and every other device's channel encryptor
 * (`sc.<id>.e`, whose name follows from the decryptor name any hop sees in return routes). A
 * device, or whoever stole its key, could then write into another device's channel in the
 * cloud's name. So a message whose return route starts at a channel encryptor must be headed
 * for a service. The rule lives here, in the cloud, because only the cloud knows its services.
 */
import { RoutingError } from '../protocol/errors.ts';
import { formatAddress, type Address } from '../protocol/routing/address.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { Router, type RouterOptions } from '../protocol/routing/router.ts';

export class ChannelRouter extends Router {
  private readonly services: ReadonlySet<string>;
  private isChannelEncryptor: (head: Address) => boolean = () => false;

  constructor(services: readonly string[], options: RouterOptions = {}) {
    super(options);
    this.services = new Set(services);
  }

  /** Set once the listener exists (it is built on this router). */
  recognizeChannels(isChannelEncryptor: (head: Address) => boolean): void {
    this.isChannelEncryptor = isChannelEncryptor;
  }

  override route(message: RoutedMessage): void {
    if (!message.returnRoute.isEmpty && this.isChannelEncryptor(message.returnRoute.next())) {
      const head = message.onwardRoute.next();
      if (!head.isLocal || !this.services.has(new TextDecoder().decode(head.value))) {
        throw new RoutingError('ROUTE_FORBIDDEN', `channel traffic may reach services only, not '${formatAddress(head)}'`);
      }
    }
    super.route(message);
  }
}
