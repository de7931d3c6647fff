/**
 * Per-device counters and the reasons a frame is dropped. Reasons are stable strings: logs,
 * the status command and Prometheus labels key on them.
 */

/** Why the gateway dropped a message from or to a device. */
export type DropReason =
  /** Not a routed message (any DECODE_* error). */
  | 'malformed'
  /** Nothing after the gateway in the onward route, or a return route already full. */
  | 'bad_route'
  /** The next hop is not an allowed upstream: the gateway is no open proxy. */
  | 'forbidden_upstream'
  /** The upstream's store-and-forward queue is full. */
  | 'queue_full'
  /** This device already holds its share of the upstream queue. */
  | 'device_quota'
  /** The device's downlink queue is full (it is gone or slow). */
  | 'downlink_full'
  /** A downlink message the link can never carry (over the link's size limit). */
  | 'downlink_oversize'
  /** The link gave up on the device with messages in it (UART peer timeout). */
  | 'link_reset'
  /** The device was forgotten after a long absence, with messages queued for it. */
  | 'link_forgotten';

export const DROP_REASONS: readonly DropReason[] = [
  'malformed', 'bad_route', 'forbidden_upstream', 'queue_full', 'device_quota', 'downlink_full', 'downlink_oversize', 'link_reset', 'link_forgotten',
];

export interface DeviceCounters {
  framesUp: number;
  bytesUp: number;
  framesDown: number;
  bytesDown: number;
  connects: number;
  disconnects: number;
  drops: Partial<Record<DropReason, number>>;
}

export function newDeviceCounters(): DeviceCounters {
  return { framesUp: 0, bytesUp: 0, framesDown: 0, bytesDown: 0, connects: 0, disconnects: 0, drops: {} };
}

export function countDrop(counters: { drops: Partial<Record<string, number>> }, reason: string, n = 1): void {
  counters.drops[reason] = (counters.drops[reason] ?? 0) + n;
}
