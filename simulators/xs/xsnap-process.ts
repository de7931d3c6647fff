/**
 * A thin host for one `xsnap-worker` process: the real XS engine built by @agoric/xsnap. We
 * speak its netstring protocol directly instead of using @agoric/xsnap's JS API, which brings
 * SES lockdown and a large dependency tree we do not need.
 *
 * Protocol (xsnap-worker.c): to XS on fd 3, 'e'+source evaluates a script and '?'+bytes calls
 * globalThis.handleCommand(ArrayBuffer); from XS on fd 4, '.'+meterJSON+'\x01'+result on success
 * or '!'+message on an uncaught exception. While running, XS may call `issueCommand(buffer)`,
 * which blocks XS until the host answers '/'+bytes: that is how firmware shims reach the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { encodeNetstring, NetstringReader } from './netstring.ts';

/** XS's deterministic cost figures for one crank (one evaluate or command). */
export interface XsMeter {
  /** Meter units: a deterministic count of XS computation. */
  readonly compute: number;
  /** Live heap slots (16 bytes each on a 32-bit ESP32 build) after the crank. */
  readonly heapSlots: number;
  /** Bytes XS had allocated for chunks and slots. */
  readonly allocate: number;
}

export interface XsResult {
  readonly result: Uint8Array;
  readonly meter: XsMeter;
}

export class XsError extends Error {
  override name = 'XsError';
}

export function xsnapWorkerPath(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve('@agoric/xsnap/package.json'));
  const bin = join(pkg, 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker');
  if (!existsSync(bin)) {
    throw new XsError(`xsnap-worker not found at ${bin}: run \`npm install\` (it builds the XS engine from source)`);
  }
  return bin;
}

type Pending = { resolve: (r: XsResult) => void; reject: (e: Error) => void };

export class XsnapProcess {
  private readonly child: ChildProcess;
  private readonly toXs: Writable;
  private readonly reader = new NetstringReader();
  private readonly queue: Pending[] = [];
  private exited: Error | undefined;
  private onIssue: (request: Uint8Array) => Uint8Array = () => new Uint8Array(0);
  readonly stdout: string[] = [];

  constructor(options: { meteringLimit?: number; name?: string } = {}) {
    const args = options.meteringLimit ? ['-l', String(options.meteringLimit)] : [];
    this.child = spawn(xsnapWorkerPath(), args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe', 'pipe'] });
    this.toXs = this.child.stdio[3] as Writable;
    const fromXs = this.child.stdio[4] as Readable;
    (this.child.stdout as Readable).setEncoding('utf8').on('data', (s: string) => this.stdout.push(s));
    fromXs.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.on('exit', (code, signal) => this.fail(new XsError(`xsnap-worker ${options.name ?? ''} exited (code ${code}, signal ${signal})`)));
    this.child.on('error', (e) => this.fail(e));
  }

  /** Answers XS's synchronous `issueCommand(buffer)` calls. */
  onIssueCommand(handler: (request: Uint8Array) => Uint8Array): void {
    this.onIssue = handler;
  }

  /** Evaluates a script in XS's global scope. */
  evaluate(source: string): Promise<XsResult> {
    return this.send(Buffer.from('e'), Buffer.from(source, 'utf8'));
  }

  /** Calls globalThis.handleCommand(bytes) in XS; resolves with what it returns. */
  command(bytes: Uint8Array): Promise<XsResult> {
    return this.send(Buffer.from('?'), bytes);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill();
    await done;
  }

  private send(kind: Buffer, body: Uint8Array): Promise<XsResult> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.toXs.write(encodeNetstring(kind, body));
    });
  }

  private receive(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      this.child.kill();
      return;
    }
    for (const m of messages) this.dispatch(m);
  }

  private dispatch(message: Buffer): void {
    const kind = message[0];
    if (kind === 0x3f /* '?' */) {
      let reply: Uint8Array;
      try {
        reply = this.onIssue(new Uint8Array(message.subarray(1)));
      } catch {
        reply = new Uint8Array(0);
      }
      this.toXs.write(encodeNetstring(Buffer.from('/'), reply));
      return;
    }
    const pending = this.queue.shift();
    if (!pending) return this.fail(new XsError('xsnap sent a reply nobody asked for'));
    if (kind === 0x2e /* '.' */) {
      const sep = message.indexOf(1, 1);
      const meterJson = JSON.parse(message.subarray(1, sep).toString('utf8')) as { compute: number; currentHeapCount: number; allocate: number };
      pending.resolve({
        result: new Uint8Array(message.subarray(sep + 1)),
        meter: { compute: meterJson.compute, heapSlots: meterJson.currentHeapCount, allocate: meterJson.allocate },
      });
    } else {
      pending.reject(new XsError(`XS exception: ${message.subarray(1).toString('utf8')}`));
    }
  }

  private fail(error: Error): void {
    if (this.exited) return;
    this.exited = error;
    for (const p of this.queue.splice(0)) p.reject(error);
  }
}
