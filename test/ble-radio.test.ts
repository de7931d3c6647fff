/**
 * The simulated BLE radio driven through the real noble classes (noble/with-bindings + our
 * binding), with a device in a child process and faults injected at the hub.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { BleReassembler, fragment } from '../protocol/framing/ble-fragment.ts';
import { BURROW_GATT, FragmentDevice } from '../simulators/ble/fragment-device.ts';
import { DeviceChild } from '../simulators/ble/device-child.ts';
import { RadioHub } from '../simulators/ble/hub.ts';
import { simulatedNoble, type SimRadioBinding } from '../simulators/ble/noble-binding.ts';
import { SimPeripheral } from '../simulators/ble/peripheral.ts';

const SERVICE = BURROW_GATT.service.replace(/-/g, '');
const RX = BURROW_GATT.rx.replace(/-/g, '');
const TX = BURROW_GATT.tx.replace(/-/g, '');

/** The parts of a noble instance these tests use (noble's own typings describe the singleton). */
interface Central {
  state: string;
  on(event: 'discover', listener: (p: Peripheral) => void): void;
  on(event: 'stateChange', listener: (s: string) => void): void;
  startScanningAsync(uuids: string[], allowDuplicates: boolean): Promise<void>;
  stopScanning(): void;
}

async function poweredOn(noble: Central): Promise<void> {
  if (noble.state === 'poweredOn') return;
  await new Promise<void>((resolve) => noble.on('stateChange', (s) => s === 'poweredOn' && resolve()));
}

async function discover(noble: Central, id: string): Promise<Peripheral> {
  await poweredOn(noble);
  const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p) => p.id === id && resolve(p)));
  await noble.startScanningAsync([SERVICE], false);
  return found;
}

async function openLink(peripheral: Peripheral): Promise<{ rx: Characteristic; tx: Characteristic }> {
  await peripheral.connectAsync();
  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [RX, TX]);
  const rx = characteristics.find((c) => c.uuid === RX)!;
  const tx = characteristics.find((c) => c.uuid === TX)!;
  await tx.subscribeAsync();
  return { rx, tx };
}

describe('simulated BLE radio through real noble', function () {
  this.timeout(20_000);
  let hub: RadioHub;
  let noble: Central;
  let binding: SimRadioBinding;

  beforeEach(async () => {
    hub = await RadioHub.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'burrow-radio-')), 'radio.sock') });
    const sim = simulatedNoble({ endpoint: hub.endpoint, desiredMtu: 517 });
    noble = sim.noble as unknown as Central;
    binding = sim.binding;
  });

  afterEach(async () => {
    binding.stop();
    await hub.close();
  });

  it('discovers, connects, negotiates the MTU, writes with response and notifies a device in another process', async () => {
    const child = await DeviceChild.spawn({ endpoint: hub.endpoint, name: 'burrow-child' });
    try {
      const peripheral = await discover(noble, child.id);
      assert.equal(peripheral.advertisement.localName, 'burrow-child');
      assert.deepEqual(peripheral.advertisement.serviceUuids, [SERVICE]);
      const childReady = once(child, 'ready');
      const { rx, tx } = await openLink(peripheral);
      await childReady;
      // Central asked 517, an ESP32 offers 256: the link runs at 256.
      assert.equal(peripheral.mtu, 256);
      // Gateway -> device: fragments written with response, reassembled in the child.
      const message = new Uint8Array(700).map((_, i) => (i * 7) & 255);
      const delivered = once(child, 'message');
      for (const piece of fragment(message, 253)) await rx.writeAsync(Buffer.from(piece), false);
      assert.equal((await delivered)[0], Buffer.from(message).toString('hex'));
      // Device -> gateway: notifications arrive as read(..., isNotification = true).
      const reassembler = new BleReassembler();
      const got = new Promise<Uint8Array>((resolve) =>
        tx.on('data', (data: Buffer, isNotification: boolean) => {
          assert.equal(isNotification, true);
          const m = reassembler.push(data);
          if (m !== undefined) resolve(m);
        }),
      );
      assert.equal(await child.send(message), true);
      assert.deepEqual(Buffer.from(await got), Buffer.from(message));
    } finally {
      await child.exit();
    }
  });

  it('truncates a notification to MTU - 3 as an ESP32 does', async () => {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint });
    try {
      const peripheral = await discover(noble, device.id);
      const { tx } = await openLink(peripheral);
      await new Promise((r) => setImmediate(r));
      const received = once(tx, 'data');
      assert.equal(device.sendRaw(new Uint8Array(300).fill(9)), true);
      const [data] = (await received) as [Buffer];
      assert.equal(data.length, 253);
    } finally {
      device.close();
    }
  });

  it('answers a write only after the device consumed it (flow control)', async () => {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint });
    let release: () => void = () => undefined;
    device.peripheral.handlers.onWrite = () => new Promise<void>((resolve) => (release = resolve));
    try {
      const peripheral = await discover(noble, device.id);
      const { rx } = await openLink(peripheral);
      let answered = false;
      const write = rx.writeAsync(Buffer.from([1, 2, 3]), false).then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(answered, false, 'the write must wait for the busy device');
      release();
      await write;
      assert.equal(answered, true);
    } finally {
      device.close();
    }
  });

  it('link loss: both ends see a disconnect and a write in flight is never answered', async () => {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint });
    device.peripheral.handlers.onWrite = () => new Promise<void>(() => undefined); // never done
    try {
      const peripheral = await discover(noble, device.id);
      const { rx } = await openLink(peripheral);
      let answered = false;
      void rx.writeAsync(Buffer.from([1]), false).then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 20));
      const centralSide = once(peripheral, 'disconnect');
      const deviceSide = once(device, 'disconnect');
      assert.equal(hub.dropLink(device.address), true);
      assert.equal((await centralSide)[0], 0x08);
      assert.equal((await deviceSide)[0], 0x08);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(answered, false);
      assert.equal(peripheral.state, 'disconnected');
      // It advertises again and accepts a new connection with fresh characteristics.
      const again = await openLink(peripheral);
      assert.notEqual(again.rx, rx);
    } finally {
      device.close();
    }
  });

  it('connect failures and adapter power-off reach noble', async () => {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint });
    try {
      const peripheral = await discover(noble, device.id);
      hub.failConnects(device.address, 1);
      await assert.rejects(peripheral.connectAsync(), /0x3e/);
      await openLink(peripheral);
      const off = new Promise<void>((resolve) => noble.on('stateChange', (s) => s === 'poweredOff' && resolve()));
      const lost = once(peripheral, 'disconnect');
      hub.setPower(false);
      await off;
      await lost;
      assert.equal(hub.links().length, 0);
      hub.setPower(true);
      await poweredOn(noble);
      await openLink(peripheral);
      assert.equal(hub.links().length, 1);
    } finally {
      device.close();
    }
  });

  it('refuses a second peripheral with an address already attached', async () => {
    const first = await SimPeripheral.attach({ endpoint: hub.endpoint, address: 'c0:de:00:00:00:aa' });
    try {
      await assert.rejects(SimPeripheral.attach({ endpoint: hub.endpoint, address: 'C0:DE:00:00:00:AA' }), /already attached/);
    } finally {
      first.close();
    }
  });
});
