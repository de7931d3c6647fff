/**
 * The firmware's platform-free logic on Node: build configuration, the delivery buffer, command
 * handling and provisioning. The same modules run on XS in test/firmware-xs.test.ts, inside the
 * whole device.
 */
import { strict as assert } from 'node:assert';
import { decodeAppMessage, encodeAppMessage, command } from '../protocol/app/messages.ts';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { encodeStoredIdentity, MAX_STORED_IDENTITY } from '../protocol/identity/identity.ts';
import { formatRoute } from '../protocol/routing/route.ts';
import { seededRandom } from '../simulators/xs/random.ts';
import { CommandHandler, REMEMBERED_COMMANDS, type DeviceControl } from '../firmware/commands.ts';
import { readConfig } from '../firmware/config.ts';
import { DeliveryBuffer, SEQ_BLOCK } from '../firmware/delivery.ts';
import { loadOrProvisionIdentity } from '../firmware/identity-store.ts';
import { readU32, StoreKey, type KeyValueStore } from '../firmware/storage.ts';
import { errorCodeOf } from './support/decoder-harness.ts';

const ANCHOR = `I${'ab'.repeat(20)}`;

class MapStore implements KeyValueStore {
  readonly values = new Map<string, Uint8Array>();
  writes = 0;
  getBytes(key: string): Uint8Array | undefined {
    return this.values.get(key)?.slice();
  }
  setBytes(key: string, value: Uint8Array): void {
    assert.ok(key.length <= 15, `preference name '${key}' too long`);
    assert.ok(value.length <= 4000);
    this.values.set(key, value.slice());
    this.writes++;
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

describe('firmware: build configuration', () => {
  const base = { route: 'uart:gw => tcp:cloud.example:4000 => api', trustAnchor: ANCHOR, buildTime: 1_767_225_600 };

  it('reads a minimal config with defaults', () => {
    const c = readConfig(base);
    assert.equal(formatRoute(c.route), 'uart:gw => tcp:cloud.example:4000 => api');
    assert.deepEqual(c.links, ['uart']);
    assert.equal(c.intervalMs, 10_000);
    assert.equal(c.ledPin, undefined);
    assert.ok(Object.isFrozen(c));
  });

  it('accepts numbers written as strings (mcconfig command-line overrides)', () => {
    assert.equal(readConfig({ ...base, intervalMs: '2500', ledPin: '2' }).intervalMs, 2500);
    assert.equal(readConfig({ ...base, ledPin: '2' }).ledPin, 2);
  });

  const refused: [string, Record<string, unknown>][] = [
    ['no route', { trustAnchor: ANCHOR }],
    ['a route whose first hop is not an enabled link', { ...base, route: 'tcp:cloud:4000 => api' }],
    ['a BLE route with only UART enabled', { ...base, route: 'ble:gw => tcp:c:1 => api' }],
    ['a route that ends at the gateway', { ...base, route: 'uart:gw' }],
    ['a trust anchor that is not an identifier', { ...base, trustAnchor: 'cloud' }],
    ['an unknown link', { ...base, links: 'uart,wifi' }],
    ['an interval under a second', { ...base, intervalMs: 10 }],
    ['a fractional interval', { ...base, intervalMs: 1500.5 }],
    ['a batch larger than the buffer', { ...base, bufferReadings: 4, batchReadings: 8 }],
    ['no build time (the attestation would be dated 1970)', { route: base.route, trustAnchor: ANCHOR }],
    ['a build time of 0', { ...base, buildTime: 0 }],
    ['a build time before 2020', { ...base, buildTime: 1_000_000_000 }],
  ];
  for (const [what, raw] of refused) {
    it(`refuses ${what} with CONFIG_INVALID`, () => {
      assert.equal(errorCodeOf(() => readConfig(raw)), 'CONFIG_INVALID');
    });
  }
});

describe('firmware: delivery buffer', () => {
  const values = [{ name: 'temperature_c', value: 21.5 }];

  it('numbers readings, batches the oldest, and releases them on a cumulative ack', () => {
    const b = new DeliveryBuffer({ capacity: 10, batchReadings: 3, store: new MapStore() });
    for (let i = 0; i < 5; i++) b.add(0, i * 1000, values);
    const batch = b.nextBatch()!;
    assert.deepEqual(batch.readings.map((r) => r.seq), [0, 1, 2]);
    assert.equal(batch.floor, 0);
    assert.equal(b.acknowledge(2), 2);
    assert.deepEqual(b.nextBatch()!.readings.map((r) => r.seq), [2, 3, 4]);
    assert.equal(b.nextBatch()!.floor, 2);
    assert.equal(b.acknowledge(5), 3);
    assert.equal(b.nextBatch(), undefined);
    assert.equal(b.floor, 5);
  });

  it('drops the oldest when full, counts it, and raises the floor past it', () => {
    const b = new DeliveryBuffer({ capacity: 3, batchReadings: 8, store: new MapStore() });
    for (let i = 0; i < 5; i++) b.add(0, i, values);
    assert.equal(b.counters.dropped, 2);
    const batch = b.nextBatch()!;
    assert.equal(batch.floor, 2);
    assert.deepEqual(batch.readings.map((r) => r.seq), [2, 3, 4]);
    // The batch encodes: the floor and readings satisfy the codec's rules.
    assert.deepEqual(decodeAppMessage(encodeAppMessage(batch)), batch);
  });

  it('ignores acknowledgements beyond what it produced, and stale ones', () => {
    const b = new DeliveryBuffer({ capacity: 4, batchReadings: 4, store: new MapStore() });
    b.add(0, 0, values);
    assert.equal(b.acknowledge(7), 0);
    assert.equal(b.size, 1);
    assert.equal(b.acknowledge(1), 1);
    assert.equal(b.acknowledge(1), 0);
    assert.equal(b.counters.staleAcks, 2);
  });

  it('reserves sequence numbers in blocks, so a reboot never reuses one and NVS is written rarely', () => {
    const store = new MapStore();
    const first = new DeliveryBuffer({ capacity: 1000, batchReadings: 8, store });
    for (let i = 0; i < SEQ_BLOCK + 10; i++) first.add(0, i, values);
    assert.equal(store.writes, 2, 'one write per block');
    assert.equal(readU32(store, StoreKey.seqReserved), 2 * SEQ_BLOCK);
    const rebooted = new DeliveryBuffer({ capacity: 1000, batchReadings: 8, store });
    assert.equal(rebooted.floor, 2 * SEQ_BLOCK, 'everything before the reservation is declared given up');
    assert.equal(rebooted.add(0, 0, values).seq, 2 * SEQ_BLOCK);
  });
});

describe('firmware: commands', () => {
  function control() {
    const calls: string[] = [];
    const c: DeviceControl = {
      setIntervalMs: (ms) => calls.push(`interval ${ms}`),
      identify: (n) => calls.push(`identify ${n}`),
      status: () => ({ id: 'I00', buffered: 0 }),
    };
    return { c, calls };
  }

  it('applies set-interval, identify and status, and refuses bad arguments without applying them', () => {
    const { c, calls } = control();
    const h = new CommandHandler(c);
    assert.deepEqual(h.handle(command(1, 'set-interval', '{"ms":5000}')), { type: 4, id: 1, ok: true, detail: '{"intervalMs":5000}' });
    assert.equal(h.handle(command(2, 'identify', '{}')).ok, true);
    assert.deepEqual(JSON.parse(h.handle(command(3, 'status')).detail), { id: 'I00', buffered: 0 });
    for (const [id, name, args] of [[4, 'set-interval', '{"ms":5}'], [5, 'set-interval', '{"ms":"5000"}'], [6, 'identify', '{"blinks":99}'], [7, 'set-interval', 'not json'], [8, 'set-interval', '[1]'], [9, 'reboot', '{}']] as const) {
      const r = h.handle(command(id, name, args));
      assert.equal(r.ok, false, `${name} ${args}`);
      assert.ok(typeof JSON.parse(r.detail).error === 'string');
    }
    assert.deepEqual(calls, ['interval 5000', 'identify 3']);
    assert.deepEqual(h.counters, { applied: 3, repeated: 0, failed: 6 });
  });

  it('answers a resent command from memory instead of applying it twice', () => {
    const { c, calls } = control();
    const h = new CommandHandler(c);
    const first = h.handle(command(10, 'identify', '{"blinks":2}'));
    assert.deepEqual(h.handle(command(10, 'identify', '{"blinks":2}')), first);
    assert.deepEqual(calls, ['identify 2']);
    for (let i = 0; i < REMEMBERED_COMMANDS; i++) h.handle(command(100 + i, 'status'));
    h.handle(command(10, 'identify', '{"blinks":2}'));
    assert.deepEqual(calls, ['identify 2', 'identify 2'], 'forgotten after REMEMBERED_COMMANDS others');
  });
});

describe('firmware: provisioning', () => {
  const provider = nobleProvider(seededRandom(7));
  const options = { now: undefined, buildTime: 1_767_225_600, attestationDays: 10 };

  it('creates an identity once, stores it in one preference, and loads the same one later', () => {
    const store = new MapStore();
    const lines: string[] = [];
    const first = loadOrProvisionIdentity(provider, store, options, (l) => lines.push(l));
    assert.equal(first.provisioned, true);
    const stored = store.getBytes(StoreKey.identity)!;
    assert.ok(stored.length <= MAX_STORED_IDENTITY);
    // Without a clock, the attestation is dated by the build time.
    assert.equal(first.identity.attestation.created, options.buildTime);
    assert.equal(first.identity.attestation.expires, options.buildTime + 10 * 86_400);
    const again = loadOrProvisionIdentity(provider, store, options, (l) => lines.push(l));
    assert.equal(again.provisioned, false);
    assert.equal(again.identity.id, first.identity.id);
    assert.deepEqual(encodeStoredIdentity(again.identity), stored);
    assert.deepEqual(lines, []);
  });

  it('sets a corrupted identity aside and provisions a new one, saying so', () => {
    const store = new MapStore();
    const first = loadOrProvisionIdentity(provider, store, options, () => {});
    const bytes = store.getBytes(StoreKey.identity)!;
    bytes[10] = bytes[10]! ^ 1;
    store.setBytes(StoreKey.identity, bytes);
    const lines: string[] = [];
    const next = loadOrProvisionIdentity(provider, store, options, (l) => lines.push(l));
    assert.equal(next.provisioned, true);
    assert.notEqual(next.identity.id, first.identity.id);
    assert.deepEqual(store.getBytes(StoreKey.badIdentity), bytes);
    assert.match(lines.join('\n'), /DECODE_BAD_CHECKSUM/);
  });
});
