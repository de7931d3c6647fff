/**
 * Prometheus metrics (prom-client), read from the gateway's own counters at scrape time
 * rather than updated on every frame: the hot path increments plain numbers, and a scrape
 * walks devices and upstreams once.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { GatewayStatus } from './status.ts';

/** One status snapshot serves every collector of a scrape. */
const SNAPSHOT_MS = 250;

export function gatewayMetrics(readStatus: () => GatewayStatus): Registry {
  let snapshot: { at: number; value: GatewayStatus } | undefined;
  const status = (): GatewayStatus => {
    const now = Date.now();
    if (snapshot === undefined || now - snapshot.at > SNAPSHOT_MS) snapshot = { at: now, value: readStatus() };
    return snapshot.value;
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'burrow_gateway_' });
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { this.reset(); fill(this); } });
  const counter = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, value: number) => void) => void) =>
    new Counter({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        fill((labels, value) => value > 0 && this.inc(labels, value));
      },
    });

  gauge('burrow_gateway_links_up', 'Device links currently up, by kind', ['kind'], (g) => {
    const up: Record<string, number> = { ble: 0, uart: 0, memory: 0 };
    for (const d of status().devices) if (d.up) up[d.kind] = (up[d.kind] ?? 0) + 1;
    for (const [kind, n] of Object.entries(up)) g.set({ kind }, n);
  });
  gauge('burrow_gateway_devices', 'Device links the gateway holds (up or reconnecting)', [], (g) => g.set(status().devices.length));
  counter('burrow_gateway_device_frames_total', 'Link messages per device and direction', ['device', 'direction'], (set) => {
    for (const d of status().devices) {
      set({ device: d.address, direction: 'up' }, d.counters.framesUp);
      set({ device: d.address, direction: 'down' }, d.counters.framesDown);
    }
  });
  counter('burrow_gateway_device_bytes_total', 'Link message bytes per device and direction', ['device', 'direction'], (set) => {
    for (const d of status().devices) {
      set({ device: d.address, direction: 'up' }, d.counters.bytesUp);
      set({ device: d.address, direction: 'down' }, d.counters.bytesDown);
    }
  });
  counter('burrow_gateway_drops_total', 'Frames dropped, by device and reason', ['device', 'reason'], (set) => {
    for (const d of status().devices) {
      for (const [reason, n] of Object.entries(d.counters.drops)) set({ device: d.address, reason }, n ?? 0);
      for (const [reason, n] of Object.entries(d.linkDrops)) set({ device: d.address, reason }, n);
    }
    for (const [reason, n] of Object.entries(status().tcp.dropped)) set({ device: 'upstream', reason }, n ?? 0);
  });
  counter('burrow_gateway_device_reconnects_total', 'Times a device link came up again', ['device'], (set) => {
    for (const d of status().devices) set({ device: d.address }, Math.max(0, d.counters.connects - 1));
  });
  gauge('burrow_gateway_upstream_up', '1 while the upstream connection is up', ['upstream'], (g) => {
    for (const u of status().upstreams) g.set({ upstream: u.address }, u.state === 'up' ? 1 : 0);
  });
  gauge('burrow_gateway_queue_depth', 'Frames waiting in the store-and-forward queue', ['upstream'], (g) => {
    for (const u of status().upstreams) g.set({ upstream: u.address }, u.queued);
  });
  gauge('burrow_gateway_queue_bytes', 'Bytes waiting in the store-and-forward queue', ['upstream'], (g) => {
    for (const u of status().upstreams) g.set({ upstream: u.address }, u.queuedBytes);
  });
  counter('burrow_gateway_upstream_frames_total', 'Frames handed to the upstream connection', ['upstream'], (set) => {
    for (const u of status().upstreams) set({ upstream: u.address }, u.counters.sent);
  });
  counter('burrow_gateway_upstream_drops_total', 'Frames the upstream queue refused, by reason', ['upstream', 'reason'], (set) => {
    for (const u of status().upstreams) for (const [reason, n] of Object.entries(u.counters.drops)) set({ upstream: u.address, reason }, n ?? 0);
  });
  counter('burrow_gateway_upstream_reconnects_total', 'Upstream connections re-established', ['upstream'], (set) => {
    for (const u of status().upstreams) set({ upstream: u.address }, Math.max(0, u.counters.connects - 1));
  });
  return registry;
}
