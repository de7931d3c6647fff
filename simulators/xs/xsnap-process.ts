/**
 * A thin host for one `xsnap-worker` process: the real XS engine, as built by @agoric/xsnap.
 *
 * We speak xsnap-worker's netstring protocol ourselves instead of using @agoric/xsnap's JS API,
 * which brings SES lockdown and a dependency tree the simulators do not need. Calls are queued
 * and sent one at a time, so each has its own timeout that starts when XS actually receives it.
 *
 * Protocol (xsnap-worker.c): to XS on fd 3, 'e'+source evaluates a script and '?'+bytes calls
 * globalThis.handleCommand(ArrayBuffer); from XS on fd 4, '.'+meterJSON+'\x01'+result on success
 * or '!'+message on an uncaught exception. While running, XS may call `issueCommand(buffer)`,
 * which blocks XS until the host answers '/'+bytes on fd 3: that is how shims reach the host,
 * and the host may take its time (the handler may be async) because XS simply waits.
 *
 * Any fault that leaves the stream in an unknown state (timeout, bad netstring, a failing
 * issueCommand handler) kills the process: a half-answered XS cannot be trusted again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BurrowError, type ErrorCode } from '../../protocol/errors.ts';
import { encodeNetstring, NetstringReader } from './netstring.ts';
import { XS_PRELUDE } from './prelude.ts';

// Protocol constants (xsnap-worker.c).
const EVALUATE = 0x65; // 'e'
const COMMAND = 0x3f; // '?', also XS's issueCommand request
const ISSUE_REPLY = 0x2f; // '/'
const OK = 0x2e; // '.'
const FAILED = 0x21; // '!'
const METER_END = 0x01;
const BINARY_IN_PACKAGE = 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker';
/** xsnap-worker's ExitCode values. */
const EXIT_REASONS: Readonly<Record<number, string>> = {
  1: 'bad usage',
  2: 'I/O error on its pipes',
  11: 'XS ran out of memory',
  12: 'XS stack overflow',
  15: 'unhandled exception',
  16: 'XS ran out of property keys',
  17: 'metering limit exceeded',
};
const EXIT_TOO_MUCH_COMPUTATION = 17;
/** xsnap's default parser buffer (`-s 8192`, in kB): a longer script cannot be evaluated. */
const PARSER_BUFFER_BYTES = 8192 * 1024;

// Our limits.
/** Default per-call timeout: our slowest crank (a cold crypto suite) takes about a second. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** After EOF on fd 3 xsnap exits at once; one that does not within this gets SIGKILL. */
const CLOSE_GRACE_MS = 2_000;
/** Captured stdout is bounded (oldest text dropped) so a print loop cannot exhaust the host. */
const MAX_STDOUT_CAPTURE = 1024 * 1024;
/** The tail of stderr kept for error messages (XS's fatal messages are short). */
const STDERR_TAIL = 4096;
/** XS exception text quoted in errors. */
const MAX_EXCEPTION_TEXT = 2000;

/** XS's deterministic cost figures for one crank (one evaluate or command). */
export interface XsMeter {
  /** Meter units: a deterministic count of XS computation, identical on every run. */
  readonly compute: number;
  /** Heap slots in use when the crank ended: live ones plus garbage since the last collection. */
  readonly heapSlots: number;
  /** Bytes XS has reserved for its chunk and slot heaps. */
  readonly allocate: number;
}

export interface XsResult {
  /** The ArrayBuffer the script or handleCommand returned (or its `.result`), else empty. */
  readonly result: Uint8Array;
  readonly meter: XsMeter;
}

export type IssueCommandHandler = (request: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface XsnapOptions {
  /** Names the process in errors. */
  readonly name?: string;
  /** `-l`: XS aborts (and the process exits) when a crank exceeds this many meter units. */
  readonly meteringLimit?: number;
  /** `-i`: meter check interval. */
  readonly meteringInterval?: number;
  /** Default per-call timeout in ms. */
  readonly timeoutMs?: number;
  /** 'capture' (default) keeps XS's print output; 'inherit' sends it to our stdout. */
  readonly stdout?: 'capture' | 'inherit';
  /** Called with each piece of captured stdout as it arrives. */
  readonly onStdout?: (text: string) => void;
  /** Evaluate the console prelude first (default true). */
  readonly prelude?: boolean;
  /** Override the binary (tests); default: the one inside @agoric/xsnap. */
  readonly binary?: string;
}

export interface CallOptions {
  readonly timeoutMs?: number;
}

/** A failure of the engine or of our conversation with it; `code` says which. */
export class XsEngineError extends BurrowError {}

/** Path of the xsnap-worker binary inside the installed @agoric/xsnap package. */
export function xsnapWorkerPath(): string {
  let pkg: string;
  try {
    pkg = dirname(createRequire(import.meta.url).resolve('@agoric/xsnap/package.json'));
  } catch {
    throw new XsEngineError('XS_ENGINE_MISSING', '@agoric/xsnap is not installed: run `npm install`');
  }
  const bin = join(pkg, BINARY_IN_PACKAGE);
  if (!existsSync(bin)) {
    throw new XsEngineError('XS_ENGINE_MISSING', `xsnap-worker not found at ${bin}: reinstall @agoric/xsnap (its install script builds XS from source; it needs make and a C compiler)`);
  }
  return bin;
}

interface Call {
  readonly message: Uint8Array;
  readonly timeoutMs: number;
  readonly resolve: (r: XsResult) => void;
  readonly reject: (e: Error) => void;
}

export class XsnapProcess {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly toXs: Writable;
  private readonly reader = new NetstringReader();
  private readonly queue: Call[] = [];
  private readonly defaultTimeoutMs: number;
  private readonly onStdout: ((text: string) => void) | undefined;
  private readonly exit: Promise<void>;
  private current: Call | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failure: XsEngineError | undefined;
  private issueHandler: IssueCommandHandler | undefined;
  private stdoutParts: string[] = [];
  private stdoutLength = 0;
  private stderrTail = '';

  /** Spawns xsnap-worker and evaluates the prelude. */
  static async start(options: XsnapOptions = {}): Promise<XsnapProcess> {
    const xs = new XsnapProcess(options);
    if (options.prelude !== false) {
      try {
        await xs.evaluate(XS_PRELUDE);
      } catch (e) {
        await xs.close();
        throw e;
      }
    }
    return xs;
  }

  private constructor(options: XsnapOptions) {
    this.name = options.name ?? 'xsnap';
    this.defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onStdout = options.onStdout;
    const args: string[] = [];
    if (options.meteringLimit !== undefined) args.push('-l', String(options.meteringLimit));
    if (options.meteringInterval !== undefined) args.push('-i', String(options.meteringInterval));
    const capture = (options.stdout ?? 'capture') === 'capture';
    const binary = options.binary ?? xsnapWorkerPath();
    if (!existsSync(binary)) throw new XsEngineError('XS_ENGINE_MISSING', `xsnap-worker not found at ${binary}`);
    this.child = spawn(binary, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'pipe', 'pipe', 'pipe'] });
    this.toXs = this.child.stdio[3] as Writable;
    // Writes after XS died fail with EPIPE; the exit handler reports the real cause.
    this.toXs.on('error', () => {});
    (this.child.stdio[4] as Readable).on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => this.captureStdout(text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    });
    this.exit = new Promise((resolve) => {
      // 'close', not 'exit': it waits for stderr to drain, so the error can quote XS's last words.
      this.child.once('close', (code, signal) => {
        this.fail(this.exitError(code, signal));
        resolve();
      });
    });
    this.child.once('error', (e) => this.abort(new XsEngineError('XS_ENGINE_EXITED', `${this.name}: cannot run xsnap-worker: ${e.message}`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Set once the process has failed or closed; every later call rejects with it. */
  get error(): XsEngineError | undefined {
    return this.failure;
  }

  /** Answers XS's synchronous `issueCommand(buffer)` calls; XS waits until the handler settles. */
  onIssueCommand(handler: IssueCommandHandler | undefined): void {
    this.issueHandler = handler;
  }

  /** Evaluates a script in XS's global scope (indirect eval, so top-level `var`s become globals). */
  evaluate(source: string, options: CallOptions = {}): Promise<XsResult> {
    const body = new TextEncoder().encode(source);
    if (body.length > PARSER_BUFFER_BYTES) {
      return Promise.reject(new XsEngineError('XS_ENGINE_PROTOCOL', `script of ${body.length} bytes exceeds xsnap's ${PARSER_BUFFER_BYTES}-byte parser buffer`));
    }
    return this.enqueue(EVALUATE, body, options);
  }

  /** Calls globalThis.handleCommand(bytes) in XS; resolves with the ArrayBuffer it returns. */
  command(bytes: Uint8Array, options: CallOptions = {}): Promise<XsResult> {
    return this.enqueue(COMMAND, bytes, options);
  }

  /** Everything XS printed so far (bounded; see MAX_STDOUT_CAPTURE). */
  stdout(): string {
    return this.stdoutParts.join('');
  }

  /** Returns and forgets what XS printed so far. */
  takeStdout(): string {
    const text = this.stdout();
    this.stdoutParts = [];
    this.stdoutLength = 0;
    return text;
  }

  /** Ends the process: EOF on fd 3 lets xsnap exit on its own; SIGKILL if it does not. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.fail(new XsEngineError('XS_ENGINE_EXITED', `${this.name} was closed`));
      this.toXs.end();
      const grace = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
      await this.exit;
      clearTimeout(grace);
    }
  }

  private enqueue(kind: number, body: Uint8Array, options: CallOptions): Promise<XsResult> {
    if (this.failure) return Promise.reject(this.failure);
    let message: Uint8Array;
    try {
      message = encodeNetstring(Uint8Array.of(kind), body);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ message, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.failure) return;
    const call = this.queue.shift();
    if (!call) return;
    this.current = call;
    this.timer = setTimeout(() => {
      this.abort(new XsEngineError('XS_ENGINE_TIMEOUT', `${this.name}: no reply within ${call.timeoutMs} ms; process killed`));
    }, call.timeoutMs);
    this.toXs.write(call.message);
  }

  private receive(chunk: Buffer): void {
    let messages: Uint8Array[];
    try {
      messages = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.abort(this.protocolError(`unreadable netstring from XS (${String(e)})`));
      return;
    }
    for (const m of messages) this.dispatch(m);
  }

  private dispatch(message: Uint8Array): void {
    if (this.failure) return;
    const call = this.current;
    if (!call) return this.abort(this.protocolError('XS sent a message while no call was running'));
    const kind = message[0];
    if (kind === COMMAND) return this.answerIssue(message.subarray(1));
    clearTimeout(this.timer);
    this.current = undefined;
    if (kind === OK) {
      const parsed = this.parseOk(message);
      if (!parsed) return this.abort(this.protocolError('XS sent a malformed meter record'));
      call.resolve(parsed);
    } else if (kind === FAILED) {
      const text = new TextDecoder().decode(message.subarray(1)).slice(0, MAX_EXCEPTION_TEXT);
      call.reject(new XsEngineError('XS_ENGINE_EXCEPTION', `${this.name}: XS threw: ${text}`));
    } else {
      return this.abort(this.protocolError(`XS sent an unknown reply kind ${String(kind)}`));
    }
    this.pump();
  }

  private answerIssue(request: Uint8Array): void {
    const handler = this.issueHandler;
    if (!handler) {
      this.abort(new XsEngineError('XS_HOST_CALL_FAILED', `${this.name}: XS called issueCommand but no host handler is set`));
      return;
    }
    // The request is copied out of the reader's buffer before any await.
    const copy = request.slice();
    Promise.resolve()
      .then(() => handler(copy))
      .then(
        (reply) => {
          if (!this.failure) this.toXs.write(encodeNetstring(Uint8Array.of(ISSUE_REPLY), reply));
        },
        (e: unknown) => this.abort(new XsEngineError('XS_HOST_CALL_FAILED', `${this.name}: issueCommand handler failed: ${String(e)}`)),
      );
  }

  private parseOk(message: Uint8Array): XsResult | undefined {
    const end = message.indexOf(METER_END, 1);
    if (end < 0) return undefined;
    let meter: unknown;
    try {
      meter = JSON.parse(new TextDecoder().decode(message.subarray(1, end)));
    } catch {
      return undefined;
    }
    const m = meter as { compute?: unknown; currentHeapCount?: unknown; allocate?: unknown };
    if (typeof m.compute !== 'number' || typeof m.currentHeapCount !== 'number' || typeof m.allocate !== 'number') return undefined;
    return {
      result: message.subarray(end + 1),
      meter: { compute: m.compute, heapSlots: m.currentHeapCount, allocate: m.allocate },
    };
  }

  private captureStdout(text: string): void {
    this.onStdout?.(text);
    this.stdoutParts.push(text);
    this.stdoutLength += text.length;
    while (this.stdoutLength > MAX_STDOUT_CAPTURE && this.stdoutParts.length > 1) {
      this.stdoutLength -= this.stdoutParts.shift()!.length;
    }
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): XsEngineError {
    const reason = code !== null ? `exit code ${code}${EXIT_REASONS[code] ? ` (${EXIT_REASONS[code]})` : ''}` : `signal ${String(signal)}`;
    const errorCode: ErrorCode = code === EXIT_TOO_MUCH_COMPUTATION ? 'XS_ENGINE_METER_LIMIT' : 'XS_ENGINE_EXITED';
    const stderr = this.stderrTail.trim();
    return new XsEngineError(errorCode, `${this.name} exited: ${reason}${stderr ? `; stderr: ${stderr}` : ''}`);
  }

  private protocolError(detail: string): XsEngineError {
    return new XsEngineError('XS_ENGINE_PROTOCOL', `${this.name}: ${detail}; process killed`);
  }

  /** Records the first failure and rejects every pending call with it. */
  private fail(error: XsEngineError): void {
    if (this.failure) return;
    this.failure = error;
    clearTimeout(this.timer);
    const pending = this.current ? [this.current, ...this.queue.splice(0)] : this.queue.splice(0);
    this.current = undefined;
    for (const call of pending) call.reject(error);
  }

  /** Fails and kills: the conversation with XS is beyond repair. */
  private abort(error: XsEngineError): void {
    this.fail(error);
    this.child.kill('SIGKILL');
  }
}
