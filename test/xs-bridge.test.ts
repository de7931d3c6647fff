/**
 * What XS code reaches through its host: host calls and their failures, both RandomSources,
 * JSON commands, and the bundler's alias map (how firmware imports reach simulator shims).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '../protocol/bytes.ts';
import { BurrowError } from '../protocol/errors.ts';
import { bundleForXs } from '../simulators/xs/bundle.ts';
import { XsBundleHost } from '../simulators/xs/bundle-host.ts';
import { HOST_SERVICE, STATUS_FAILED } from '../simulators/xs/host-call.ts';
import { defaultHostServices, HostServices, randomService } from '../simulators/xs/host-services.ts';
import { XsCommandError } from '../simulators/xs/json-client.ts';
import { MAX_RANDOM_REQUEST, seededRandom } from '../simulators/xs/random.ts';
import { dispatchCommand } from '../simulators/xs/xs-commands.ts';
import { XsnapProcess } from '../simulators/xs/xsnap-process.ts';

const ENTRY = fileURLToPath(new URL('./xs/bridge-entry.ts', import.meta.url));

describe('XS host bridge', function () {
  this.timeout(30_000);
  let host: XsBundleHost;
  let randomCalls: number[] = [];
  const services = defaultHostServices();
  const random = randomService();
  services.register(HOST_SERVICE.random, (body) => {
    randomCalls.push((body[0]! << 8) | body[1]!);
    return random(body);
  });
  services.register(0x7e, () => {
    throw new RangeError('service refused');
  });
  services.register(0x7f, async (body) => Uint8Array.from(body).reverse());

  before(async () => {
    host = await XsBundleHost.start({ entry: ENTRY, name: 'xs-bridge', services });
  });
  after(async () => {
    await host?.close();
  });
  beforeEach(() => {
    randomCalls = [];
  });

  it('carries a host call and its answer (async services welcome)', async () => {
    const { value } = await host.request<string>({ op: 'callHost', service: 0x7f, body: '010203' });
    assert.equal(value, '030201');
  });

  it('turns a failing or unknown service into a typed error inside XS; the process lives on', async () => {
    for (const [service, reason] of [[0x7e, /service refused/], [0x42, /no host service 66/]] as const) {
      try {
        await host.request({ op: 'callHost', service, body: '' });
        assert.fail('no error');
      } catch (e) {
        assert.ok(e instanceof XsCommandError);
        assert.equal(e.remote.code, 'XS_HOST_CALL_FAILED');
        assert.match(e.remote.message, reason);
      }
    }
    assert.equal((await host.request<string>({ op: 'callHost', service: 0x7f, body: 'ff' })).value, 'ff');
  });

  it('hostRandom draws fresh CSPRNG bytes, split into bounded requests', async () => {
    const a = await host.request<string>({ op: 'hostRandom', length: 32 });
    const b = await host.request<string>({ op: 'hostRandom', length: 32 });
    assert.equal(a.value.length, 64);
    assert.notEqual(a.value, b.value);
    const big = await host.request<string>({ op: 'hostRandom', length: MAX_RANDOM_REQUEST * 2 + 5 });
    assert.equal(big.value.length, (MAX_RANDOM_REQUEST * 2 + 5) * 2);
    assert.deepEqual(randomCalls, [32, 32, MAX_RANDOM_REQUEST, MAX_RANDOM_REQUEST, 5]);
  });

  it('seededRandom gives the same bytes on XS and on Node, and different ones per seed', async () => {
    for (const [seed, length] of [[1, 32], [2, 7], [0, 1000]] as const) {
      const onXs = await host.request<string>({ op: 'seededRandom', seed, length });
      assert.equal(onXs.value, toHex(seededRandom(seed)(length)));
    }
    assert.notEqual(toHex(seededRandom(1)(32)), toHex(seededRandom(2)(32)));
    const stream = seededRandom(9);
    assert.notEqual(toHex(stream(16)), toHex(stream(16)), 'a stream moves on');
    const bytes = seededRandom(3)(4096);
    const ones = bytes.reduce((n, b) => n + b.toString(2).replaceAll('0', '').length, 0);
    assert.ok(Math.abs(ones / (4096 * 8) - 0.5) < 0.02, `bit balance ${ones}`);
  });

  it('the random service refuses malformed or oversized requests (answered, not fatal)', async () => {
    assert.throws(() => random(Uint8Array.of(1)), (e: unknown) => e instanceof BurrowError && e.code === 'DECODE_BAD_VALUE');
    const over = MAX_RANDOM_REQUEST + 1;
    assert.throws(() => random(Uint8Array.of(over >> 8, over & 255)), (e: unknown) => e instanceof BurrowError && e.code === 'DECODE_OVERSIZE');
    const answer = await new HostServices().register(1, random).handle(Uint8Array.of(1, 0xff, 0xff));
    assert.equal(answer[0], STATUS_FAILED);
  });

  it('JSON commands report failures with name and message, and refuse malformed requests', async () => {
    try {
      await host.request({ op: 'fail', message: 'as asked' });
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof XsCommandError);
      assert.deepEqual(e.remote, { name: 'RangeError', message: 'as asked' });
    }
    const reply = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(dispatchCommand({}, bytes)));
    assert.deepEqual(reply(new TextEncoder().encode('[1]')), { ok: false, error: { name: 'TypeError', message: 'request must be a JSON object with a string "op"' } });
    assert.deepEqual(reply(new TextEncoder().encode('{"op":"toString"}')), { ok: false, error: { name: 'TypeError', message: 'unknown op "toString"' } });
  });
});

describe('bundling for XS', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'burrow-xs-bundle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps Moddable module specifiers to shims and lowers syntax XS rejects', async () => {
    writeFileSync(join(dir, 'timer-shim.ts'), 'export default class Timer { static ticks = 3; static set(): number { return Timer.ticks; } }\n');
    writeFileSync(join(dir, 'entry.ts'), "import Timer from 'timer';\n(globalThis as { answer?: number }).answer = Timer.set();\n");
    const bundle = await bundleForXs(join(dir, 'entry.ts'), { alias: { timer: join(dir, 'timer-shim.ts') } });
    assert.equal(bundle.bytes, Buffer.byteLength(bundle.code));
    assert.doesNotMatch(bundle.code, /static ticks/, 'class static fields are lowered for XS');
    const xs = await XsnapProcess.start();
    try {
      await xs.evaluate(bundle.code);
      const r = await xs.evaluate('new TextEncoder().encode(String(globalThis.answer)).buffer');
      assert.equal(new TextDecoder().decode(r.result), '3');
    } finally {
      await xs.close();
    }
  });

  it('caches per entry and options, and does not cache a failure', async () => {
    const entry = join(dir, 'plain.ts');
    writeFileSync(entry, 'export const x = 1;\n');
    assert.equal(bundleForXs(entry), bundleForXs(entry, {}));
    assert.notEqual(bundleForXs(entry), bundleForXs(entry, { minify: true }));
    const missing = join(dir, 'later.ts');
    await assert.rejects(bundleForXs(missing));
    writeFileSync(missing, 'export const y = 2;\n');
    assert.ok((await bundleForXs(missing)).bytes > 0);
  });
});
