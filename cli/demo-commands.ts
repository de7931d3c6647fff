/**
 * The demo's downlink traffic: once a device's channel is up at the cloud, it is sent `status`
 * and then `identify`, through the cloud's command service as an operator's `burrow command`
 * would, and each outcome the device reports back is shown.
 */
import type { CommandRecord } from '../cloud/storage/store.ts';
import type { LiveFleet } from '../simulators/stack/live-fleet.ts';

const SCRIPT: readonly { readonly name: string; readonly args: string }[] = [
  { name: 'status', args: '{}' },
  { name: 'identify', args: '{"blinks":2}' },
];

interface Sent {
  readonly device: string;
  readonly deviceName: string;
  readonly id: number;
}

export class DemoCommands {
  private readonly sent: Sent[] = [];
  private readonly next = new Map<string, number>();

  constructor(private readonly fleet: LiveFleet) {}

  /** Sends each device its next command once the previous one is answered. */
  poll(): void {
    const up = new Set(this.fleet.cloud.node.status().map((c) => c.identifier));
    for (const m of this.fleet.members) {
      const step = this.next.get(m.identifier) ?? 0;
      if (!up.has(m.identifier) || step >= SCRIPT.length) continue;
      const previous = [...this.sent].reverse().find((s) => s.device === m.identifier);
      if (previous !== undefined && !this.finished(this.record(previous))) continue;
      const { name, args } = SCRIPT[step]!;
      const queued = this.fleet.cloud.node.commands.queue(m.identifier, name, args);
      this.sent.push({ device: m.identifier, deviceName: m.name, id: queued.id });
      this.next.set(m.identifier, step + 1);
    }
  }

  lines(): string[] {
    return this.sent.map((s) => {
      const r = this.record(s);
      if (r === undefined) return `${s.deviceName} #${s.id}: (unknown)`;
      const result = r.result === undefined ? '' : ` -> ${r.result.length > 90 ? `${r.result.slice(0, 87)}...` : r.result}`;
      return `${s.deviceName}: ${r.name} ${r.args} ${r.state}${result}`;
    });
  }

  summary(): { done: number; failed: number; pending: number } {
    const states = this.sent.map((s) => this.record(s)?.state);
    return {
      done: states.filter((x) => x === 'done').length,
      failed: states.filter((x) => x === 'failed').length,
      pending: states.filter((x) => x === 'queued' || x === 'sent').length,
    };
  }

  private record(s: Sent): CommandRecord | undefined {
    return this.fleet.cloud.node.store.command(s.id);
  }

  private finished(r: CommandRecord | undefined): boolean {
    return r === undefined || r.state === 'done' || r.state === 'failed';
  }
}
