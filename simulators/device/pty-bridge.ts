/**
 * A simulated device's UART on a real pseudo-terminal, so a gateway opens it like the USB
 * serial port of a real board. socat owns the pty (`PTY,link=<path>,raw,echo=0`) and relays it
 * to our stdin/stdout: the device side needs no tty handling in Node, the gateway side sees a
 * real character device with termios, and `raw,echo=0` keeps every byte as sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ConfigError } from '../../protocol/errors.ts';
import type { UartPort } from './sim-device.ts';
import type { World } from './world.ts';

// Our limits.
/** socat creates the pty within milliseconds; a second means it failed. */
const PTY_APPEAR_MS = 5_000;

export class PtyBridge {
  private constructor(private readonly child: ChildProcess, readonly path: string) {}

  static async open(world: World, port: UartPort, path: string): Promise<PtyBridge> {
    if (existsSync(path)) throw new ConfigError('CONFIG_INVALID', `${path} exists: another simulator (or a stale link) holds it`);
    const child = spawn('socat', ['STDIO', `PTY,link=${path},raw,echo=0`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let failure = '';
    child.stderr?.setEncoding('utf8').on('data', (t: string) => { failure = (failure + t).slice(-500); });
    // A socat that cannot be started (not installed) emits 'error' and never 'exit'.
    let gone = false;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => { gone = true; resolve(); });
      child.once('error', (e) => { gone = true; failure = e.message; resolve(); });
    });
    const deadline = Date.now() + PTY_APPEAR_MS;
    while (!existsSync(path)) {
      if (gone || Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new ConfigError('CONFIG_INVALID', `socat could not create ${path}${failure ? `: ${failure.trim()}` : ''} (is socat installed?)`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // Once socat is gone (closed by us, or killed) the device's late bytes have nowhere to go,
    // as on a board whose cable was pulled: drop them instead of an EPIPE crashing the host.
    child.stdin?.on('error', () => undefined);
    port.listener = (bytes, at) => world.at(at, () => {
      const stdin = child.stdin;
      if (stdin && stdin.writable && child.exitCode === null && child.signalCode === null) stdin.write(bytes);
    });
    child.stdout?.on('data', (chunk: Buffer) => port.receive(new Uint8Array(chunk)));
    return new PtyBridge(child, path);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}
