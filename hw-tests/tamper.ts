/**
 * A tampering hop: a TCP hop between a gateway and the cloud that carries every frame both
 * ways and, when told to, attacks them from a seed. It is what a compromised gateway can do to
 * the traffic it forwards (design.md, threat model): it sees routes and sizes, never content,
 * and may drop, flip bits, replay, reorder and inject frames.
 *
 * Why a hop and not a patched gateway: it needs nothing from the gateway's insides, so the same
 * hop sits in front of the cloud for simulated devices and for a real board behind a real
 * gateway (its route names the hop's port; see targets). With every rate at zero it is an
 * honest relay of length-prefixed frames, which the suite also uses to see where a handshake
 * is (observe) and to cut the path at a chosen frame (blackhole).
 *
 * One upstream connection per gateway connection, so the cloud still tells gateways apart (a
 * roam changes the route it sees). Either side closing closes the other.
 */
import net from 'node:net';
import { encodeFrame, LengthPrefixDecoder } from '../protocol/framing/length-prefix.ts';
import { parseHostPort } from '../transport-node/tcp.ts';
import { FORGERY_KINDS, flipBits, forge, type Direction, type ForgeryKind } from './forgeries.ts';
import { Dice } from './seed.ts';

export type { Direction } from './forgeries.ts';

/** Probability per genuine frame of each attack. */
export interface TamperRates {
  readonly drop: number;
  readonly flip: number;
  readonly replay: number;
  readonly reorder: number;
  readonly inject: number;
}

export const HONEST: TamperRates = { drop: 0, flip: 0, replay: 0, reorder: 0, inject: 0 };

/** What the hop did in one direction. */
export interface TamperCounters {
  /** Genuine frames that arrived. */
  frames: number;
  dropped: number;
  flipped: number;
  replayed: number;
  reordered: number;
  injected: Record<ForgeryKind, number>;
  /** Frames swallowed while the path was cut. */
  blackholed: number;
}

const newCounters = (): TamperCounters => ({
  frames: 0, dropped: 0, flipped: 0, replayed: 0, reordered: 0, blackholed: 0,
  injected: { ciphertext: 0, plaintext: 0, handshake: 0 },
});

// Our limits.
/** Genuine frames remembered per direction for replays: old enough to be outside a resend. */
const REPLAY_HISTORY = 32;
/** A frame held back for reordering goes out after the next one, or after this if none comes. */
const REORDER_HOLD_MS = 40;

export interface TamperHopOptions {
  readonly seed: number;
  readonly host?: string;
  /** Port to listen on (0: any). */
  readonly port?: number;
}

export class TamperHop {
  rates: TamperRates = HONEST;
  /** Swallow everything, both ways (a cut path), while set. */
  blackhole = false;
  /** Sees every genuine frame as it arrives, before any attack. */
  observe: ((direction: Direction, frame: Uint8Array) => void) | undefined;
  readonly counters: Readonly<Record<Direction, TamperCounters>> = { up: newCounters(), down: newCounters() };
  readonly dice: Dice;
  port = 0;
  private upstream: { host: string; port: number } | undefined;
  private upstreamKnown: () => void = () => undefined;
  private readonly known: Promise<void>;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(o: TamperHopOptions) {
    this.dice = new Dice(o.seed);
    this.known = new Promise((resolve) => (this.upstreamKnown = resolve));
    this.server = net.createServer((socket) => void this.splice(socket));
  }

  static async start(o: TamperHopOptions): Promise<TamperHop> {
    const hop = new TamperHop(o);
    await new Promise<void>((resolve, reject) => {
      hop.server.once('error', reject);
      hop.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    hop.port = (hop.server.address() as net.AddressInfo).port;
    return hop;
  }

  /** Where frames go (host:port); connections made before this wait for it. */
  setUpstream(hostPort: string): void {
    this.upstream = parseHostPort(hostPort);
    this.upstreamKnown();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    return socket;
  }

  private async splice(inbound: net.Socket): Promise<void> {
    this.track(inbound);
    inbound.pause();
    await this.known;
    const { host, port } = this.upstream!;
    const outbound = this.track(net.connect({ host, port }));
    outbound.setNoDelay(true);
    inbound.setNoDelay(true);
    // One side gone: the other is ended, not destroyed, so what was written to it still leaves
    // (a cloud's CLOSE messages as it stops).
    const close = () => {
      inbound.end();
      outbound.end();
    };
    inbound.on('close', close);
    outbound.on('close', close);
    outbound.once('connect', () => {
      this.pipe(inbound, outbound, 'up', close);
      this.pipe(outbound, inbound, 'down', close);
      inbound.resume();
    });
  }

  private pipe(from: net.Socket, to: net.Socket, direction: Direction, close: () => void): void {
    const decoder = new LengthPrefixDecoder();
    const lane = new Lane(this, direction, (frame) => {
      if (!to.destroyed) to.write(encodeFrame(frame));
    });
    from.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch {
        return close();
      }
      for (const frame of frames) lane.carry(frame);
    });
    from.on('close', () => lane.flush());
  }
}

/** One direction of one connection: its replay history and the frame held for reordering. */
class Lane {
  private readonly history: Uint8Array[] = [];
  private held: Uint8Array | undefined;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(private readonly hop: TamperHop, private readonly direction: Direction, private readonly emit: (frame: Uint8Array) => void) {}

  carry(frame: Uint8Array): void {
    const { hop, direction } = this;
    const c = hop.counters[direction];
    c.frames++;
    hop.observe?.(direction, frame);
    if (hop.blackhole) {
      c.blackholed++;
      return;
    }
    const r = hop.rates;
    const dice = hop.dice;
    if (dice.chance(r.drop)) {
      c.dropped++;
    } else {
      let out = frame;
      if (dice.chance(r.flip)) {
        out = flipBits(frame, dice);
        c.flipped++;
      }
      if (this.held === undefined && dice.chance(r.reorder)) {
        c.reordered++;
        this.hold(out);
      } else {
        this.emit(out);
        this.flush();
      }
    }
    if (this.history.length > 0 && dice.chance(r.replay)) {
      c.replayed++;
      this.emit(dice.pick(this.history));
    }
    if (dice.chance(r.inject)) {
      const kind = dice.pick(FORGERY_KINDS);
      const forged = forge(kind, direction, frame, dice);
      if (forged !== undefined) {
        c.injected[kind]++;
        this.emit(forged);
      }
    }
    this.history.push(frame);
    if (this.history.length > REPLAY_HISTORY) this.history.shift();
  }

  /** Sends the held frame, if any (it has now been overtaken). */
  flush(): void {
    clearTimeout(this.holdTimer);
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) this.emit(held);
  }

  private hold(frame: Uint8Array): void {
    this.held = frame;
    this.holdTimer = setTimeout(() => this.flush(), REORDER_HOLD_MS);
  }
}
