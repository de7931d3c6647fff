/**
 * `burrow cloud` over real TCP on localhost: a device node with the TCP transport and the
 * secure-channel initiator sends telemetry and answers a command queued through the control
 * socket; status lists its channel; garbage on another connection is dropped; revocation
 * through the control socket closes the channel; a second service on the same data directory
 * is refused; stop removes the socket.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { AppMessageType, commandResult, decodeAppMessage, encodeAppMessage, telemetryBatch } from '../protocol/app/messages.ts';
import { utf8Encode } from '../protocol/bytes.ts';
import { createIdentity } from '../protocol/identity/identity.ts';
import { PeerCache, pinnedAnchor } from '../protocol/identity/trust.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { route } from '../protocol/routing/route.ts';
import { Router } from '../protocol/routing/router.ts';
import { SecureChannelInitiator } from '../protocol/secure-channel/initiator.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { controlRequest } from '../cloud/control.ts';
import type { ChannelStatus } from '../cloud/node.ts';
import { startCloud, type RunningCloud } from '../cloud/server.ts';
import { provider, reading, temporaryDir } from './cloud-fixture.ts';

async function waitFor(what: string, condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('cloud service over TCP', function () {
  this.timeout(20_000);
  let tmp: ReturnType<typeof temporaryDir>;
  let cloud: RunningCloud;
  const log = recordingLogger();
  beforeEach(async () => {
    tmp = temporaryDir('burrow-cloud-tcp-');
    cloud = await startCloud({ dataDir: tmp.dir, port: 0, host: '127.0.0.1', log, pollMs: 50 });
  });
  afterEach(async () => {
    await cloud.stop();
    tmp.remove();
  });

  it('carries telemetry and a command end to end, lists the channel, and closes it on revocation', async () => {
    const now = Math.floor(Date.now() / 1000);
    const identity = createIdentity(provider, now - 60, now + 86_400);
    cloud.node.registry.enroll(identity.id, { role: 'sensor' });

    const router = new Router();
    const tcp = new TcpTransport(router);
    const inbox: RoutedMessage[] = [];
    router.register('app', {
      handleMessage: (m, context) => {
        inbox.push(m);
        const message = decodeAppMessage(m.payload);
        if (message.type === AppMessageType.COMMAND) context.reply(m, encodeAppMessage(commandResult(message.id, true, '{"uptime":1}')));
      },
    });
    const initiator = new SecureChannelInitiator(router, {
      name: 'channel',
      route: route(`tcp:127.0.0.1:${cloud.port}`, 'api'),
      handshake: { provider, identity, policy: pinnedAnchor(cloud.node.identity.id), cache: new PeerCache(), now: () => Math.floor(Date.now() / 1000) },
      clock: () => performance.now(),
    });
    const timer = setInterval(() => initiator.poll(performance.now()), 20);
    try {
      initiator.start();
      await waitFor('the channel', () => initiator.state === 'established');

      router.route({ onwardRoute: route(initiator.encryptor, 'telemetry'), returnRoute: route('app'), payload: encodeAppMessage(telemetryBatch(0, [reading(0), reading(1)])) });
      await waitFor('the ack', () => inbox.some((m) => decodeAppMessage(m.payload).type === AppMessageType.ACK));
      assert.deepEqual(decodeAppMessage(inbox[0]!.payload), { type: AppMessageType.ACK, next: 2 });

      const status = await controlRequest(cloud.paths.controlSocket, 'GET', '/status');
      const channels = status!.body['channels'] as ChannelStatus[];
      assert.equal(channels.length, 1);
      assert.equal(channels[0]!.identifier, identity.id);
      assert.match(channels[0]!.route, /^tcp:#\d+ => channel$/);

      const queued = await controlRequest(cloud.paths.controlSocket, 'POST', '/commands', { device: identity.id, name: 'status', args: '{}' });
      assert.equal(queued!.status, 201);
      const id = (queued!.body['command'] as { id: number }).id;
      await waitFor('the command result', () => cloud.node.commands.counters.results === 1);
      assert.deepEqual(inbox.map((m) => decodeAppMessage(m.payload)).find((m) => m.type === AppMessageType.COMMAND), { type: AppMessageType.COMMAND, id, name: 'status', args: '{}' });
      assert.equal((await controlRequest(cloud.paths.controlSocket, 'POST', '/commands', { device: identity.id, name: 'bad name', args: '{}' }))!.status, 400);

      // Garbage from another TCP peer: dropped and counted, the channel unharmed.
      const rogue = net.connect(cloud.port, '127.0.0.1');
      await new Promise((resolve) => rogue.once('connect', resolve));
      rogue.write(Uint8Array.of(0, 0, 0, 5, 1, 2, 3, 4, 5));
      rogue.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
      await waitFor('the rogue connection to be closed', () => rogue.destroyed || rogue.readableEnded, 2_000).catch(() => undefined);
      rogue.destroy();
      assert.ok(Object.keys(cloud.tcp.counters.dropped).length > 0, 'garbage was counted');
      assert.ok(log.records.some((r) => r.level === 'warn' && r.message === 'dropped frame'), 'and logged');
      router.route({ onwardRoute: route(initiator.encryptor, 'echo'), returnRoute: route('app'), payload: utf8Encode('still up') });
      await waitFor('the echo', () => inbox.some((m) => String(m.returnRoute.recipient()) === 'echo'));

      const revoked = await controlRequest(cloud.paths.controlSocket, 'POST', '/revoke', { identifier: identity.id });
      assert.deepEqual(revoked!.body, { revoked: true, closed: true });
      await waitFor('the device to see the close', () => initiator.state !== 'established');
      assert.equal(cloud.node.listener.channelCount, 0);
    } finally {
      clearInterval(timer);
      await tcp.close();
    }
  });

  it('refuses a second service on the same data directory, and removes its socket on stop', async () => {
    await assert.rejects(startCloud({ dataDir: tmp.dir, port: 0, host: '127.0.0.1', log }), /already running/);
    assert.ok(existsSync(cloud.paths.controlSocket));
    await cloud.stop();
    assert.ok(!existsSync(cloud.paths.controlSocket));
  });
});
