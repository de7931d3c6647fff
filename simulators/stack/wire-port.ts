/**
 * A gateway serial port that is a simulated cable (UartWire) instead of a pty: the gateway's
 * real SerialLink, with its UART link state machine, talks to a simulated device's UART in the
 * same process. One pty per device is a real file descriptor and a socat process; a fleet of a
 * thousand devices needs this instead. Timing (baud), cuts and corruption are the wire's.
 *
 * The port behaves as serialport's does where SerialLink relies on it: `open` calls back
 * asynchronously, `data` carries Buffers, and an unplug closes it with `disconnected: true`.
 *
 * A cable is plugged into one gateway at a time: each port names the gateway it belongs to,
 * and only that gateway's port opens (moveTo() carries the cable to another gateway, a roam).
 */
import { EventEmitter } from 'node:events';
import type { PortLike } from '../../gateway/serial/serial-link.ts';
import { UartWire } from '../device/uart-wire.ts';
import type { UartPort } from '../device/sim-device.ts';
import type { World } from '../device/world.ts';

export class WirePort extends EventEmitter implements PortLike {
  private opened = false;

  /** `gateway`: which gateway this port belongs to ('' is the stack's own). */
  constructor(private readonly cable: WireCable, readonly gateway = '') {
    super();
  }

  get isOpen(): boolean {
    return this.opened;
  }

  open(callback: (error: Error | null) => void): void {
    setImmediate(() => {
      if (this.cable.unplugged || this.cable.pluggedInto !== this.gateway) return callback(new Error(`${this.cable.path}: no such device`));
      this.opened = true;
      this.cable.attach(this);
      callback(null);
    });
  }

  write(data: Buffer | Uint8Array): boolean {
    if (this.opened) this.cable.wire.toDevice(new Uint8Array(data));
    return true;
  }

  close(callback?: (error: Error | null) => void): void {
    this.shut(undefined);
    setImmediate(() => callback?.(null));
  }

  /** Ends this port object, as the OS does: 'close', with `disconnected` after an unplug. */
  shut(error: (Error & { disconnected?: boolean }) | undefined): void {
    if (!this.opened) return;
    this.opened = false;
    this.cable.detach(this);
    this.emit('close', error);
  }
}

/** The cable between one device UART and whichever gateway port has it open. */
export class WireCable {
  readonly wire: UartWire;
  unplugged = false;
  /** The gateway whose port may open the cable ('' is the stack's own). */
  pluggedInto = '';
  private port: WirePort | undefined;

  constructor(world: World, uart: UartPort, readonly path: string, baud = 115_200) {
    this.wire = new UartWire(world, uart, (bytes) => this.port?.emit('data', Buffer.from(bytes)), baud);
  }

  attach(port: WirePort): void {
    this.port = port;
  }

  detach(port: WirePort): void {
    if (this.port === port) this.port = undefined;
  }

  /** Pulls the USB cable: the open port closes as disconnected; reopening fails until replug(). */
  unplug(): void {
    this.unplugged = true;
    const error = Object.assign(new Error('disconnected'), { disconnected: true });
    this.port?.shut(error);
  }

  replug(): void {
    this.unplugged = false;
  }

  /** Unplugs the cable and plugs it into `gateway`'s port (the device roams; it stays powered). */
  moveTo(gateway: string): void {
    this.unplug();
    this.pluggedInto = gateway;
    this.unplugged = false;
  }
}
