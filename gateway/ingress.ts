/**
 * What the gateway does with a message a device sent: the core's routing rule for a hop
 * (stepForward with the link's own address, so replies find the way back) and the gateway's
 * policy (the next hop must be a configured upstream: no open proxy), then the upstream's
 * queue. Anything else is dropped and counted against that device only; nothing a device
 * sends can throw out of here or touch another device's traffic.
 */
import { BurrowError } from '../protocol/errors.ts';
import { formatAddress } from '../protocol/routing/address.ts';
import { decodeMessage } from '../protocol/routing/codec.ts';
import { stepForward, type RoutedMessage } from '../protocol/routing/message.ts';
import type { Logger } from '../transport-node/log.ts';
import type { DeviceLink, LinkSink } from './device-link.ts';
import type { UpstreamSet } from './upstreams.ts';

export class DeviceIngress implements LinkSink {
  constructor(
    private readonly upstreams: UpstreamSet,
    private readonly log: Logger,
  ) {}

  fromDevice(link: DeviceLink, bytes: Uint8Array): void {
    let message: RoutedMessage;
    try {
      message = stepForward(decodeMessage(bytes), link.address);
    } catch (error) {
      if (!(error instanceof BurrowError)) this.log.error({ device: link.key, error: String(error) }, 'unexpected error on a device frame');
      const code = error instanceof BurrowError ? error.code : '';
      link.drop(code.startsWith('ROUTE_') ? 'bad_route' : 'malformed');
      return;
    }
    const head = message.onwardRoute.next();
    const upstream = this.upstreams.get(head);
    if (upstream === undefined) {
      link.drop('forbidden_upstream');
      this.log.debug({ device: link.key, to: formatAddress(head) }, 'next hop is not an allowed upstream');
      return;
    }
    // The frame grows by the return address the gateway pushed (type and length bytes + value).
    const refusal = upstream.enqueue(link.key, message, bytes.length + 2 + link.address.value.length);
    if (refusal !== undefined) link.drop(refusal);
  }

  congested(link: DeviceLink): boolean {
    return this.upstreams.congested(link.key);
  }
}
