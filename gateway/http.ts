/**
 * The gateway's HTTP side: GET /metrics (Prometheus), /health (200 while at least one
 * upstream is connected, else 503: a gateway that cannot reach the cloud is only buffering),
 * /status (JSON for `burrow gateway status`). Listens on loopback by default: counters name
 * devices, which is fleet information, not for the whole network.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../transport-node/log.ts';
import { ConfigError } from '../protocol/errors.ts';
import { type GatewayStatus, isHealthy } from './status.ts';

/** 'host:port' or '[v6]:port' to listen on; port 0 picks a free one. Throws CONFIG_INVALID. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ConfigError('CONFIG_INVALID', `'${text.slice(0, 60)}' is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

export async function startHttp(listen: string, status: () => GatewayStatus, registry: Registry, log: Logger): Promise<{ server: Server; port: number }> {
  const { host, port } = parseListen(listen);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          log.error({ error: String(error) }, 'metrics failed');
          response.writeHead(500).end();
        },
      );
      return;
    }
    if (path === '/health') {
      const s = status();
      const healthy = isHealthy(s);
      const body = { status: healthy ? 'ok' : 'degraded', upstreams: s.upstreams.map((u) => ({ address: u.address, state: u.state, queued: u.queued })) };
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (path === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}
