/**
 * Parent side of device-process.ts: spawns a simulated BLE device in its own Node process
 * and exposes its reports as awaitable events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../protocol/bytes.ts';

const ENTRY = fileURLToPath(new URL('./device-process.ts', import.meta.url));

export interface DeviceChildOptions {
  readonly endpoint: string;
  readonly address?: string;
  readonly maxMtu?: number;
  readonly name?: string;
}

/** Events as reported by the child: 'connect' (mtu), 'ready', 'message' (hex), 'disconnect' (reason). */
export class DeviceChild extends EventEmitter {
  readonly messages: string[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {
    super();
  }

  static async spawn(options: DeviceChildOptions): Promise<DeviceChild> {
    const args = ['--import', 'tsx', ENTRY, '--endpoint', options.endpoint];
    if (options.address !== undefined) args.push('--address', options.address);
    if (options.maxMtu !== undefined) args.push('--max-mtu', String(options.maxMtu));
    if (options.name !== undefined) args.push('--name', options.name);
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const attached = new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`device process exited (${code}) before attaching`)));
      lines.once('line', (line) => resolve((JSON.parse(line) as { address: string }).address));
    });
    const device = new DeviceChild(child, await attached);
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { ev: string; hex?: string; mtu?: number; reason?: number; ok?: boolean };
      if (event.ev === 'message') device.messages.push(event.hex!);
      device.emit(event.ev, event.hex ?? event.mtu ?? event.reason ?? event.ok);
    });
    return device;
  }

  /** The noble id of this device. */
  get id(): string {
    return this.address.split(':').join('');
  }

  private command(command: Record<string, unknown>): void {
    this.child.stdin!.write(JSON.stringify(command) + '\n');
  }

  /** Sends one link message (fragmented); resolves with whether the device could send it. */
  async send(message: Uint8Array): Promise<boolean> {
    const sent = once(this, 'sent');
    this.command({ op: 'send', hex: toHex(message) });
    return (await sent)[0] as boolean;
  }

  async sendRaw(bytes: Uint8Array): Promise<boolean> {
    const sent = once(this, 'sent');
    this.command({ op: 'raw', hex: toHex(bytes) });
    return (await sent)[0] as boolean;
  }

  busy(ms: number): void {
    this.command({ op: 'busy', ms });
  }

  disconnect(): void {
    this.command({ op: 'disconnect' });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.command({ op: 'exit' });
    await exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
