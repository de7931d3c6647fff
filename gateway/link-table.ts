/**
 * The gateway's device links by address, and the router's transport for device-link types:
 * a message from upstream whose next hop is `ble:<id>` or `uart:<port>` lands in that link's
 * downlink queue. Only addresses of links the gateway holds are reachable (the inbound policy
 * asks `has`), so the network cannot make the gateway dial anything.
 */
import { RoutingError } from '../protocol/errors.ts';
import { formatAddress, type Address } from '../protocol/routing/address.ts';
import { encodeMessage } from '../protocol/routing/codec.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import type { Transport } from '../protocol/routing/router.ts';
import type { DeviceLink } from './device-link.ts';

export class LinkTable implements Transport {
  private readonly links = new Map<string, DeviceLink>();

  add(link: DeviceLink): void {
    this.links.set(link.key, link);
  }

  remove(link: DeviceLink): void {
    if (this.links.get(link.key) === link) this.links.delete(link.key);
  }

  get(address: Address): DeviceLink | undefined {
    return this.links.get(formatAddress(address));
  }

  has(address: Address): boolean {
    return this.links.has(formatAddress(address));
  }

  all(): DeviceLink[] {
    return [...this.links.values()];
  }

  get size(): number {
    return this.links.size;
  }

  /** Throws ROUTE_NO_WORKER for an unknown device; a full downlink is counted by the link. */
  send(message: RoutedMessage): void {
    const link = this.get(message.onwardRoute.next());
    if (link === undefined) throw new RoutingError('ROUTE_NO_WORKER', `no device link '${formatAddress(message.onwardRoute.next())}'`);
    link.enqueueDown(encodeMessage(message));
  }
}
