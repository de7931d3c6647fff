/**
 * The demo fleet's live status, as text: one screen redrawn in place on a terminal, or a
 * compact block every few seconds when the output is a pipe or a log (CI, `npm start | tee`).
 * Pure: it renders a snapshot and knows nothing about where the numbers come from.
 */

export interface DeviceRow {
  readonly name: string;
  readonly engine: string;
  readonly link: string;
  readonly identifier: string;
  readonly channel: string;
  readonly stored: number;
  /** Stored readings beyond one per sequence number (0 when exactly once holds). */
  readonly duplicated: number;
  readonly lastReading: string;
}

export interface FrameRow {
  readonly at: number;
  readonly direction: 'up' | 'down';
  readonly device: string;
  readonly bytes: number;
}

export interface DemoSnapshot {
  readonly elapsedS: number;
  readonly cloud: { readonly identifier: string; readonly listening: string; readonly channels: number; readonly stored: number };
  readonly path: string;
  readonly devices: readonly DeviceRow[];
  readonly gateway: { readonly links: number; readonly framesUp: number; readonly framesDown: number; readonly bytesUp: number; readonly bytesDown: number; readonly dropped: number };
  readonly frames: readonly FrameRow[];
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

const short = (id: string) => (id.length > 13 ? `${id.slice(0, 9)}…${id.slice(-4)}` : id);

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}

export function renderSnapshot(s: DemoSnapshot): string {
  const lines: string[] = [];
  lines.push(`Burrow demo fleet — ${s.elapsedS.toFixed(0)} s — Ctrl-C to stop`);
  lines.push(`path: ${s.path}`);
  lines.push(`cloud ${short(s.cloud.identifier)} on ${s.cloud.listening}: ${s.cloud.channels} channels, ${s.cloud.stored} readings stored`);
  lines.push('');
  lines.push(...table([
    ['device', 'engine', 'link', 'identifier', 'channel', 'stored', 'last reading'],
    ...s.devices.map((d) => [d.name, d.engine, d.link, short(d.identifier), d.channel, String(d.stored), d.lastReading]),
  ]));
  lines.push('');
  const g = s.gateway;
  lines.push(`gateway: ${g.links} links up; up ${g.framesUp} frames / ${g.bytesUp} B, down ${g.framesDown} frames / ${g.bytesDown} B, dropped ${g.dropped}`);
  lines.push('what the gateway saw (ciphertext sizes only; it holds no channel key):');
  for (const f of s.frames.slice(-6)) lines.push(`  ${f.direction === 'up' ? '↑' : '↓'} ${f.device.padEnd(10)} ${String(f.bytes).padStart(5)} B`);
  if (s.commands.length > 0) {
    lines.push('');
    lines.push('downlink commands:');
    for (const c of s.commands.slice(-4)) lines.push(`  ${c}`);
  }
  for (const n of s.notes.slice(-3)) lines.push(n);
  return lines.join('\n');
}

/** Redraws on a TTY; otherwise prints every `everyMs`. */
export class StatusScreen {
  private lastPrint = -Infinity;
  constructor(private readonly out: NodeJS.WriteStream, private readonly everyMs = 5000) {}

  show(snapshot: DemoSnapshot, now: number): void {
    const text = renderSnapshot(snapshot);
    if (this.out.isTTY) {
      this.out.write(`\x1b[H\x1b[2J${text}\n`);
      return;
    }
    if (now - this.lastPrint < this.everyMs) return;
    this.lastPrint = now;
    this.out.write(`${text}\n\n`);
  }
}
