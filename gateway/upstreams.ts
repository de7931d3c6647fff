/**
 * The configured upstreams, keyed by their `tcp:host:port` address: the gateway's allow-list
 * (a device can reach these and nothing else) and their queues.
 */
import { Address, TransportType } from '../protocol/routing/address.ts';
import type { TcpTransport } from '../transport-node/tcp.ts';
import { Upstream, type UpstreamOptions } from './upstream.ts';

/** A typical frame's size, for "would this device be refused now" (congestion) checks. */
const PROBE_FRAME_BYTES = 256;

export class UpstreamSet {
  private readonly upstreams = new Map<string, Upstream>();
  /** The allow-list as addresses: a hop is matched by bytes, with no text decoding per frame. */
  private readonly byAddress: { readonly address: Address; readonly upstream: Upstream }[] = [];

  constructor(tcp: TcpTransport, values: readonly string[], options: Omit<UpstreamOptions, 'value' | 'tcp'>) {
    for (const value of values) {
      const upstream = new Upstream({ ...options, value, tcp });
      this.upstreams.set(value, upstream);
      this.byAddress.push({ address: new Address(TransportType.TCP, value), upstream });
    }
  }

  /** The upstream a next hop names, if the config allows it. */
  get(address: Address): Upstream | undefined {
    if (address.type !== TransportType.TCP) return undefined;
    for (const entry of this.byAddress) if (entry.address.equals(address)) return entry.upstream;
    return undefined;
  }

  allows(address: Address): boolean {
    return this.get(address) !== undefined;
  }

  all(): Upstream[] {
    return [...this.upstreams.values()];
  }

  /** True when some upstream would refuse this device's next frame. */
  congested(source: string): boolean {
    for (const upstream of this.upstreams.values()) if (upstream.refusal(source, PROBE_FRAME_BYTES) !== undefined) return true;
    return false;
  }

  start(): void {
    for (const upstream of this.upstreams.values()) upstream.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
  }

  toString(): string {
    return [...this.upstreams.values()].map((u) => u.name).join(', ');
  }
}
