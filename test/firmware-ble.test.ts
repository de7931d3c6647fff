/**
 * The firmware's BLE link end to end, in real time: a simulated device (real firmware on XS)
 * advertising its GATT service on the simulated radio, found by the real gateway's BLE central
 * (noble over the radio's binding), which routes its messages over real TCP to a cloud running
 * the core's channel listener. Handshake, telemetry and acknowledgements all cross BLE
 * fragmentation at the MTU the central negotiates.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { validateConfig } from '../gateway/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import { Address, TransportType } from '../protocol/routing/address.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { RadioHub } from '../simulators/ble/hub.ts';
import { BleBridge } from '../simulators/device/ble-bridge.ts';
import { BLE_SERVICE_FILE } from '../simulators/device/bundle.ts';
import { CloudTwin } from '../simulators/device/cloud-twin.ts';
import { loadGattService } from '../simulators/device/gatt.ts';
import { SimDevice } from '../simulators/device/sim-device.ts';
import { RealWorld } from '../simulators/device/world.ts';

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('firmware on XS over BLE (simulated radio, real gateway central)', function () {
  this.timeout(30_000);

  it('handshakes through the gateway and gets its readings acknowledged', async () => {
    const closers: (() => Promise<void> | void)[] = [];
    try {
      const errors: unknown[] = [];
      const world = new RealWorld((e) => errors.push(e));
      const hub = await RadioHub.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'burrow-fwble-')), 'radio.sock') });
      closers.push(() => hub.close());
      let tcp: TcpTransport | undefined;
      const cloud = new CloudTwin({
        world,
        provider: nodeCryptoProvider(),
        epochSeconds: Math.floor(Date.now() / 1000),
        attach: (router) => {
          tcp = new TcpTransport(router);
          return new Address(TransportType.TCP, 'cloud');
        },
      });
      closers.push(() => cloud.stop());
      const { port } = await tcp!.listen(0);
      closers.push(() => tcp!.close());
      const upstream = `tcp:127.0.0.1:${port}`;

      const gatt = loadGattService(BLE_SERVICE_FILE);
      const lines: string[] = [];
      const device = await SimDevice.start({
        name: 'ble1', engine: 'xs', world, gatt: gatt.characteristics,
        config: { route: `ble:gw => ${upstream} => api`, trustAnchor: cloud.identity.id, links: 'ble', intervalMs: 1_000, buildTime: Math.floor(Date.now() / 1000) - 86_400 },
        onLine: (l) => lines.push(l),
      });
      closers.push(() => device.close());
      const bridge = await BleBridge.attach(world, device, gatt, { endpoint: hub.endpoint, address: 'c0:de:00:00:00:01' });
      closers.push(() => bridge.close());
      await device.boot();
      const id = String((await device.status())['id']);

      const gateway = await Gateway.start(validateConfig({
        upstreams: [upstream],
        ble: { adapter: `sim:${hub.endpoint}`, mtu: 517, reconnect: { initialMs: 20, maxMs: 200 } },
      }), { log: recordingLogger(), http: false });
      closers.push(() => gateway.close());

      const stored = () => cloud.devices.get(id)?.stored.size ?? 0;
      assert.ok(await until(() => stored() >= 3, 20_000), `stored ${stored()}; device said:\n${lines.join('\n')}\ncloud: ${cloud.events.join('; ')}`);
      const record = cloud.devices.get(id)!;
      assert.deepEqual([...record.stored.keys()].slice(0, 3), [0, 1, 2]);
      const status = await device.status();
      assert.equal(status['channel'], 'established');
      assert.deepEqual(status['links'], ['ble:up']);
      assert.deepEqual(device.faults, []);
      assert.deepEqual(errors, []);
    } finally {
      for (const close of closers.reverse()) await close();
    }
  });
});
