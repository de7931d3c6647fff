/**
 * The control socket of a running `burrow cloud`: HTTP/1.1 with JSON bodies over a Unix
 * socket in the data directory (<data>/control.sock, 0600 inside a 0700 directory), so only
 * the service's own user can reach it and no TCP port is opened for operators. Chosen over
 * HTTP on localhost because a port is reachable by every local user and must be configured;
 * a socket file is found from the data directory the CLI already knows.
 *
 *   GET  /status              {identifier, listening, startedAt, channels: ChannelStatus[], counters}
 *   POST /commands            {device, name, args}  -> 201 {command}   (queued, sent if the channel is up)
 *   POST /revoke              {identifier}          -> {revoked, closed}
 *
 * What needs no running service goes straight to the database instead (enroll, ticket,
 * readings, command list): WAL lets the CLI and the service share it.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { BurrowError, ConfigError } from '../protocol/errors.ts';
import { errorFields, type Logger } from './log.ts';

// Our limits.
/** Request bodies: a command is under 1 KB; anything larger is not ours. */
const MAX_BODY_BYTES = 16 * 1024;
/** sun_path holds 108 bytes on Linux and 104 on macOS, with the terminating NUL. */
const MAX_SOCKET_PATH = 103;
/** How long a CLI waits for the service to answer. */
const CLIENT_TIMEOUT_MS = 10_000;

export type ControlHandler = (method: string, path: string, body: unknown) => { status: number; body: unknown };

/** Thrown to a handler's caller as a 4xx answer. */
export class ControlRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ControlRequestError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ControlRequestError(400, 'request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Refuses to start beside a live service on the same data directory; removes a stale socket
 * file left by one that died.
 */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new ConfigError('CONFIG_INVALID', `a cloud service is already running on this data directory (${path})`);
  rmSync(path, { force: true });
}

export class ControlServer {
  private readonly server: http.Server;

  private constructor(server: http.Server, private readonly path: string) {
    this.server = server;
  }

  static async listen(path: string, handler: ControlHandler, log: Logger): Promise<ControlServer> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new ConfigError('CONFIG_INVALID', `control socket path ${path} is too long for a Unix socket; use a shorter --data`);
    await clearStaleSocket(path);
    const server = http.createServer((req, res) => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      readBody(req).then((body) => {
        const out = handler(req.method ?? 'GET', new URL(req.url ?? '/', 'http://control').pathname, body);
        answer(out.status, out.body);
      }).catch((e: unknown) => {
        if (e instanceof ControlRequestError) return answer(e.status, { error: e.message });
        if (e instanceof BurrowError) return answer(400, { error: e.message, code: e.code });
        log.error({ ...errorFields(e) }, 'control request failed');
        answer(500, { error: 'internal error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(); });
    });
    chmodSync(path, 0o600);
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One request to a running service; undefined when none listens on `path`. */
export function controlRequest(path: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<ControlAnswer | undefined> {
  return new Promise((resolve, reject) => {
    if (!existsSync(path)) return resolve(undefined);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      socketPath: path, method, path: route, timeout: CLIENT_TIMEOUT_MS,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        } catch {
          reject(new ConfigError('CONFIG_INVALID', 'the service answered something that is not JSON'));
        }
      });
    });
    req.on('timeout', () => req.destroy(new ConfigError('CONFIG_INVALID', 'the service did not answer in time')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A socket file with nobody behind it: the service died without cleaning up.
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') resolve(undefined);
      else reject(e);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
