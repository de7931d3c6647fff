/**
 * The verdict of a fleet run: did the store get every reading the devices were told is safe,
 * each exactly once? Judged per device from the two ends' own records, the device's delivery
 * buffer (its status) and the cloud's table, never from counters in between.
 *
 * For each device, in this order (the fleet keeps running while it is read):
 *   1. its status: `floor` (every seq below it was acknowledged, or given up and counted in
 *      `dropped`) and `seq` (the next it will use);
 *   2. the seqs the store holds for it;
 *   3. its status again.
 * An acknowledgement leaves the cloud after the store commits, so every seq below the first
 * floor that the device did not drop must be in (2): a missing one is lost. The store holds
 * (device, seq) once by construction; `count - distinct` says whether that held. A stored seq
 * at or above the second `seq` is one the device never produced. Readings between floor and
 * seq are in flight, neither lost nor stored yet.
 *
 * Devices start from fresh NVS, so their first seq is 0 (delivery.ts: a reboot would skip to
 * the next reserved block, and the seqs it skips sit below its floor as if acknowledged).
 */
import type { LiveFleet, FleetMember } from './live-fleet.ts';

export interface DeviceDelivery {
  readonly name: string;
  readonly identifier: string;
  readonly channel: string;
  /** Readings the device produced (its next seq). */
  readonly sent: number;
  readonly acknowledged: number;
  /** Produced, not yet acknowledged when it was read. */
  readonly inFlight: number;
  /** Given up by the device because its buffer was full (data lost before the store). */
  readonly dropped: number;
  readonly stored: number;
  /** Acknowledged to the device but not in the store. */
  readonly lost: number;
  /** Rows beyond one per seq. */
  readonly duplicated: number;
  /** Stored seqs the device never produced. */
  readonly unexpected: number;
}

export interface FleetVerdict {
  readonly devices: number;
  readonly withChannel: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly inFlight: number;
  readonly stored: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly dropped: number;
  readonly unexpected: number;
  /** Simulator faults (a device callback threw). */
  readonly faults: number;
  readonly ok: boolean;
  /** The devices that failed, worst first. */
  readonly failing: readonly DeviceDelivery[];
  readonly perDevice: { readonly minSent: number; readonly maxSent: number; readonly minStored: number; readonly maxStored: number };
}

const num = (status: Record<string, unknown>, key: string): number => {
  const v = status[key];
  if (typeof v !== 'number') throw new TypeError(`device status has no number '${key}'`);
  return v;
};

/** Reads one device's delivery as the header describes. */
export async function deliveryOf(fleet: LiveFleet, member: FleetMember): Promise<DeviceDelivery> {
  const before = await member.device.status();
  const seqs = fleet.storedSeqs(member.identifier);
  const stats = fleet.stored(member.identifier);
  const after = await member.device.status();
  const floor = num(before, 'floor');
  const dropped = num(before, 'dropped');
  const produced = num(after, 'seq');
  let belowFloor = 0;
  let unexpected = 0;
  for (const s of new Set(seqs)) {
    if (s < floor) belowFloor++;
    if (s >= produced) unexpected++;
  }
  return {
    name: member.name,
    identifier: member.identifier,
    channel: String(before['channel']),
    sent: num(before, 'seq'),
    acknowledged: num(before, 'acknowledged'),
    inFlight: num(before, 'buffered'),
    dropped,
    stored: stats.count,
    // Below the floor every seq was acknowledged except the dropped ones (which may or may not
    // have reached the store before the device gave them up).
    lost: Math.max(0, floor - dropped - belowFloor),
    duplicated: stats.count - stats.distinctSeqs,
    unexpected,
  };
}

/** A device's share of trouble, for ordering the failing list. */
const trouble = (d: DeviceDelivery) => d.lost + d.duplicated + d.unexpected + d.dropped + (d.channel === 'established' ? 0 : 1);

export function judge(deliveries: readonly DeviceDelivery[], faults: number): FleetVerdict {
  const sum = (f: (d: DeviceDelivery) => number) => deliveries.reduce((a, d) => a + f(d), 0);
  const failing = deliveries.filter((d) => trouble(d) > 0).sort((a, b) => trouble(b) - trouble(a));
  const stored = sum((d) => d.stored);
  const sent = deliveries.map((d) => d.sent);
  const kept = deliveries.map((d) => d.stored);
  return {
    devices: deliveries.length,
    withChannel: deliveries.filter((d) => d.channel === 'established').length,
    sent: sum((d) => d.sent),
    acknowledged: sum((d) => d.acknowledged),
    inFlight: sum((d) => d.inFlight),
    stored,
    lost: sum((d) => d.lost),
    duplicated: sum((d) => d.duplicated),
    dropped: sum((d) => d.dropped),
    unexpected: sum((d) => d.unexpected),
    faults,
    // A run where nothing arrived, or a device never got a channel, proves nothing.
    ok: failing.length === 0 && faults === 0 && deliveries.length > 0 && stored > 0,
    failing,
    perDevice: { minSent: Math.min(...sent), maxSent: Math.max(...sent), minStored: Math.min(...kept), maxStored: Math.max(...kept) },
  };
}

/** Reads every device (one after another: each read is a command to its engine) and judges. */
export async function fleetVerdict(fleet: LiveFleet): Promise<FleetVerdict> {
  const deliveries: DeviceDelivery[] = [];
  for (const m of fleet.members) deliveries.push(await deliveryOf(fleet, m));
  return judge(deliveries, fleet.errors.length);
}
