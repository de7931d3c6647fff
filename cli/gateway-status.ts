/** Text form of a gateway's /status for `burrow gateway status`: aligned tables, no colour. */
import type { GatewayStatus } from '../gateway/status.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function drops(counts: Record<string, number | undefined>): string {
  const parts = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0).map(([reason, n]) => `${reason}=${n}`);
  return parts.length === 0 ? '-' : parts.join(' ');
}

export function formatStatus(status: GatewayStatus): string {
  const ble = status.ble === null ? 'ble off' : `ble adapter ${status.ble.adapter}, ${status.devices.filter((d) => d.kind === 'ble').length}/${status.ble.maxLinks} links`;
  const head = `gateway ${status.name}  up ${status.uptimeSec}s  ${ble}  tcp drops: ${drops(status.tcp.dropped)}`;
  const upstreams = table(
    ['UPSTREAM', 'STATE', 'QUEUED', 'BYTES', 'SENT', 'RECONNECTS', 'DROPS'],
    status.upstreams.map((u) => [u.address, u.state, String(u.queued), String(u.queuedBytes), String(u.counters.sent), String(Math.max(0, u.counters.connects - 1)), drops(u.counters.drops)]),
  );
  const devices =
    status.devices.length === 0
      ? 'no device links'
      : table(
          ['DEVICE', 'KIND', 'LINK', 'FRAMES UP', 'FRAMES DOWN', 'QUEUED', 'CONNECTS', 'DROPS'],
          status.devices.map((d) => [
            d.address,
            d.kind,
            d.up ? 'up' : 'down',
            String(d.counters.framesUp),
            String(d.counters.framesDown),
            String(d.downlinkQueued),
            String(d.counters.connects),
            drops({ ...d.counters.drops, ...d.linkDrops }),
          ]),
        );
  return [head, '', upstreams, '', devices].join('\n');
}
