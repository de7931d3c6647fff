/**
 * The TCP transport for Node routers (cloud, gateway, relay): one length-prefixed frame
 * (protocol/framing/length-prefix.ts) per routed message, over connections it dials on demand
 * or accepts.
 *
 * Addresses. `tcp:host:port` names a peer this node dials (a connection is opened on first use
 * and reused); `tcp:#<n>` names a connection this node accepted, so a reply to a message that
 * came in on it goes back the same way, the only way to reach a peer behind NAT. A message
 * read from a connection is moved one hop with that connection's address as the way back
 * (stepForward), then routed, so return routes need no per-message state here.
 *
 * Untrusted input. Whatever arrives is dropped, counted by reason and logged (error code and
 * peer, never bytes) when it does not decode, when `inboundPolicy` refuses its next hop (the
 * cloud lets the network reach only its listener and channel decryptors, not its services),
 * or when routing fails. An oversize length prefix is fatal for that connection only (a
 * length-prefixed stream cannot resynchronise). No input throws out of a socket handler.
 *
 * Backpressure: a connection whose user-space queue (what the kernel has not taken yet) holds
 * more than `maxBufferedBytes` refuses further frames (FRAME_QUEUE_FULL to the sender) rather
 * than growing without bound; the caller (a gateway's store-and-forward queue) keeps them.
 *
 * Bursts: frames past the first few of one tick are corked and leave together at its end
 * (see DIRECT_FRAMES_PER_TICK), at most CORK_BYTES of them at a time.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { BurrowError, FrameError, RoutingError, type ErrorCode } from '../protocol/errors.ts';
import { encodeFrame, LengthPrefixDecoder } from '../protocol/framing/length-prefix.ts';
import { Address, formatAddress, TransportType } from '../protocol/routing/address.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import { stepForward, type RoutedMessage } from '../protocol/routing/message.ts';
import type { Router, Transport } from '../protocol/routing/router.ts';
import { silentLogger, type Logger } from './log.ts';

// Our limits.
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Accepted connections at once: a gateway holds one to the cloud, so thousands is generous. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/**
 * Frames of one tick written one by one before the rest are coalesced. Coalescing from the
 * second frame on gave the gateway bench 0.76-0.78x of a raw relay but a p99 1.9-2.4x of its;
 * from the seventeenth, 0.64-0.74x with p99 1.1-1.3x, and 0.74-0.91x once corked bytes were
 * flushed every CORK_BYTES (writing every frame alone: 0.48-0.54x).
 */
const DIRECT_FRAMES_PER_TICK = 16;
/** Corked bytes that are flushed at once: a burst never looks like a peer that is not reading. */
const CORK_BYTES = 64 * 1024;
/** Per connection: ~250 largest messages; beyond that the peer is not reading. */
export const DEFAULT_MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

export interface TcpTransportOptions {
  readonly log?: Logger;
  /** Which next hops (after this node) a message from the network may have. Default: any. */
  readonly inboundPolicy?: (head: Address) => boolean;
  readonly connectTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly maxBufferedBytes?: number;
}

export interface TcpCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  connectionsAccepted: number;
  connectionsDialled: number;
  /** Frames refused by reason: an ErrorCode, 'INBOUND_REFUSED' or 'UNEXPECTED' (a bug, logged as an error). */
  dropped: Partial<Record<DropReason, number>>;
}

/** Why a frame was dropped. */
export type DropReason = ErrorCode | 'INBOUND_REFUSED' | 'UNEXPECTED';

interface Connection {
  readonly key: string;
  readonly socket: net.Socket;
  /** How this node reaches back over this connection. */
  readonly back: Address;
  readonly decoder: LengthPrefixDecoder;
  connected: boolean;
  /**
   * Frames sent in this tick. The first DIRECT_FRAMES_PER_TICK are written at once; those after
   * them are held (corked, while tickFrames > DIRECT_FRAMES_PER_TICK) and leave together.
   */
  tickFrames: number;
}

/** Parses 'host:port' or '[v6]:port'. Throws ROUTE_BAD_ADDRESS. */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new RoutingError('ROUTE_BAD_ADDRESS', `tcp address '${value.slice(0, 60)}' is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

export class TcpTransport extends EventEmitter implements Transport {
  readonly counters: TcpCounters = {
    framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, connectionsAccepted: 0, connectionsDialled: 0, dropped: {},
  };
  private readonly router: Router;
  private readonly log: Logger;
  private readonly options: TcpTransportOptions;
  private readonly connections = new Map<string, Connection>();
  private readonly servers: net.Server[] = [];
  private nextInbound = 1;

  constructor(router: Router, options: TcpTransportOptions = {}) {
    super();
    this.router = router;
    this.options = options;
    this.log = options.log ?? silentLogger;
    router.registerTransport(TransportType.TCP, this);
  }

  /** Accepts connections; resolves with the bound port (pass 0 for any free port). */
  listen(port: number, host = '127.0.0.1'): Promise<{ port: number; host: string }> {
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address() as net.AddressInfo;
        resolve({ port: a.port, host: a.address });
      });
    });
  }

  /** Open connections: accepted ones as '#n', dialled ones as 'host:port'. */
  connectionKeys(): string[] {
    return [...this.connections.keys()];
  }

  isConnected(value: string): boolean {
    return this.connections.get(value)?.connected ?? false;
  }

  /** Dials `host:port` now (sends dial on demand anyway); resolves once connected. */
  connect(value: string): Promise<void> {
    const c = this.connections.get(value) ?? this.dial(value);
    if (c.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = () => { c.socket.off('close', onClose); resolve(); };
      const onClose = () => { c.socket.off('connect', onConnect); reject(new RoutingError('ROUTE_NO_WORKER', `could not connect to tcp:${value}`)); };
      c.socket.once('connect', onConnect);
      c.socket.once('close', onClose);
    });
  }

  /** Throws ROUTE_NO_WORKER (accepted connection gone), ROUTE_BAD_ADDRESS, FRAME_QUEUE_FULL, FRAME_OVERSIZE. */
  send(message: RoutedMessage): void {
    const head = message.onwardRoute.next();
    const value = tcpKey(head);
    const c = value.startsWith('#') ? this.connections.get(value) : this.connections.get(value) ?? this.dial(value);
    // A destroyed socket takes writes without a word and drops them; its 'close' comes later.
    if (c === undefined || c.socket.destroyed || !c.socket.writable) throw new RoutingError('ROUTE_NO_WORKER', `connection tcp:${value} is closed`);
    const limit = this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (c.socket.writableLength > limit) throw new FrameError('FRAME_QUEUE_FULL', `tcp:${value} is not reading (${c.socket.writableLength} bytes queued)`);
    const frame = encodeFrame(encodeMessage(message));
    // A big burst (a gateway forwarding many devices' frames in one tick) costs one system call
    // for its tail, not one per frame; a lone frame or a small burst goes out at once.
    if (c.tickFrames === 0) process.nextTick(endTick, c);
    if (++c.tickFrames === DIRECT_FRAMES_PER_TICK + 1) c.socket.cork();
    c.socket.write(frame);
    if (isCorked(c) && c.socket.writableLength >= CORK_BYTES) {
      c.socket.uncork();
      c.socket.cork();
    }
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
  }

  /** Closes every connection and listener. */
  async close(): Promise<void> {
    for (const c of this.connections.values()) {
      // What this tick corked goes out first, as it would have without the cork.
      endTick(c);
      c.socket.destroy();
    }
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }

  private accept(socket: net.Socket): void {
    const key = `#${this.nextInbound++}`;
    this.counters.connectionsAccepted++;
    const c = this.attach(key, socket, true);
    this.log.info({ connection: key, remote: `${socket.remoteAddress}:${socket.remotePort}` }, 'tcp connection accepted');
    this.emit('connection', c.key);
  }

  private dial(value: string): Connection {
    const { host, port } = parseHostPort(value);
    this.counters.connectionsDialled++;
    const socket = net.connect({ host, port });
    socket.setTimeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () => {
      // Only the connect phase is timed: once up, a quiet connection is fine.
      if (!c.connected) socket.destroy(new Error('connect timeout'));
    });
    const c = this.attach(value, socket, false);
    socket.once('connect', () => {
      c.connected = true;
      socket.setTimeout(0);
      this.log.info({ peer: `tcp:${value}` }, 'tcp connected');
      this.emit('connected', value);
    });
    return c;
  }

  private attach(key: string, socket: net.Socket, connected: boolean): Connection {
    socket.setNoDelay(true);
    const c: Connection = { key, socket, back: new Address(TransportType.TCP, key), decoder: new LengthPrefixDecoder(), connected, tickFrames: 0 };
    this.connections.set(key, c);
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.log.warn({ peer: `tcp:${key}`, error: e.code ?? e.message }, 'tcp connection error');
    });
    socket.on('close', () => {
      if (this.connections.get(key) === c) this.connections.delete(key);
      this.emit('disconnect', key);
    });
    // Senders refused with FRAME_QUEUE_FULL resume on this rather than polling.
    socket.on('drain', () => this.emit('drain', key));
    return c;
  }

  private onData(c: Connection, chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    let frames: Uint8Array[];
    try {
      frames = c.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.drop(c, e);
      c.socket.destroy();
      return;
    }
    for (const frame of frames) {
      this.counters.framesIn++;
      try {
        const message = stepForward(decodeMessage(frame), c.back);
        const head = message.onwardRoute.next();
        if (this.options.inboundPolicy && !this.options.inboundPolicy(head)) {
          this.count('INBOUND_REFUSED');
          this.log.warn({ peer: `tcp:${c.key}`, to: formatAddress(head) }, 'dropped: next hop not reachable from the network');
          continue;
        }
        this.router.route(message);
      } catch (e) {
        this.drop(c, e);
      }
    }
  }

  private drop(c: Connection, e: unknown): void {
    if (!(e instanceof BurrowError)) {
      // A bug, not bad input: still never take the socket handler (and the process) down.
      this.count('UNEXPECTED');
      this.log.error({ peer: `tcp:${c.key}`, error: String(e) }, 'unexpected error handling a frame');
      return;
    }
    this.count(e.code);
    this.log.warn({ peer: `tcp:${c.key}`, code: e.code }, 'dropped frame');
  }

  private count(reason: DropReason): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
  }
}

/** For tests and logs: the peer key of an address ('#3' or 'host:port'). */
export const tcpKey = (a: Address): string => new TextDecoder().decode(a.value);

const isCorked = (c: Connection): boolean => c.tickFrames > DIRECT_FRAMES_PER_TICK;

function endTick(c: Connection): void {
  if (isCorked(c)) c.socket.uncork();
  c.tickFrames = 0;
}
