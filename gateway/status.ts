/** What `burrow gateway status` shows and the metrics are made of. */
import type { TcpCounters } from '../transport-node/tcp.ts';
import type { LinkStatus } from './device-link.ts';
import type { UpstreamCounters, UpstreamState } from './upstream.ts';

export interface UpstreamStatus {
  readonly address: string;
  readonly state: UpstreamState;
  readonly queued: number;
  readonly queuedBytes: number;
  readonly counters: UpstreamCounters;
}

export interface GatewayStatus {
  readonly name: string;
  readonly uptimeSec: number;
  readonly ble: { readonly adapter: string; readonly maxLinks: number; readonly refusedForCapacity: number } | null;
  readonly devices: readonly LinkStatus[];
  readonly upstreams: readonly UpstreamStatus[];
  readonly tcp: TcpCounters;
}

/** Healthy: running with at least one upstream connected. */
export function isHealthy(status: GatewayStatus): boolean {
  return status.upstreams.some((u) => u.state === 'up');
}
