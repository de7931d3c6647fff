/** Gateway configuration: schema validation, clear errors, CLI flags over the file. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BurrowError } from '../protocol/errors.ts';
import { readConfigFile, validateConfig } from '../gateway/config.ts';
import { applyFlags } from '../cli/gateway.ts';

function problems(document: unknown): string[] {
  try {
    validateConfig(document, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof BurrowError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message.split('\n').slice(1).map((l) => l.trim());
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('gateway config', () => {
  it('fills defaults and normalises BLE UUIDs to noble’s form', () => {
    const config = validateConfig({ upstreams: ['tcp:cloud.example.com:4000'], ble: { service: '6E400001-B5A3-F393-E0A9-E50E24DCCA9E', devices: ['C0:DE:00:00:00:01'] } });
    assert.deepEqual(config.upstreams, ['cloud.example.com:4000']);
    assert.equal(config.ble?.service, '6e400001b5a3f393e0a9e50e24dcca9e');
    assert.deepEqual(config.ble?.devices, ['c0de00000001']);
    assert.equal(config.ble?.maxLinks, 7);
    assert.equal(config.queue.perDevice, 256);
    assert.equal(config.http.listen, '127.0.0.1:9464');
    assert.deepEqual(config.serial, []);
  });

  it('reports every mistake at once, each with its path', () => {
    const issues = problems({
      upstreams: ['ble:c0de00000001', 'tcp:nohost', 'udp:1.2.3.4:5'],
      ble: { maxLinks: 0, service: 0x180d, timeouts: { writeMs: 'soon' } },
      serial: [{ baudRate: 9600 }],
      queus: {},
    });
    assert.deepEqual(issues, [
      "queus: unknown option (did you mean 'queue'?)",
      "upstreams[0]: upstream 'ble:c0de00000001' must be a tcp: address",
      "upstreams[1]: tcp address 'nohost' is not host:port",
      "upstreams[2]: address 'udp:1.2.3.4:5': unknown transport 'udp' (local names containing ':' need 'local:')",
      "ble.service: must be a UUID in quotes, e.g. '6e400001-b5a3-f393-e0a9-e50e24dcca9e', got 6157",
      'ble.maxLinks: must be an integer from 1 to 64, got 0',
      "ble.timeouts.writeMs: must be an integer from 100 to 120000, got 'soon'",
      "serial[0].path: must be a serial device path, e.g. '/dev/ttyUSB0', got undefined",
    ]);
  });

  it('requires at least one upstream: a gateway with nowhere to send is a mistake', () => {
    assert.deepEqual(problems({}), ['upstreams: must be a list of 1 to 16 entries, got undefined']);
  });

  it('reads YAML and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-cfg-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, "upstreams: ['tcp:10.0.0.5:4000']\nble:\n  adapter: hci\n  rx: '6e400002-b5a3-f393-e0a9-e50e24dcca9e'\n");
    assert.equal(validateConfig(readConfigFile(good)).ble?.rx, '6e400002b5a3f393e0a9e50e24dcca9e');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'upstreams: [\n');
    assert.throws(() => readConfigFile(bad), /bad\.yaml: not valid YAML/);
    assert.throws(() => readConfigFile(join(dir, 'missing.yaml')), /cannot read config file .*ENOENT/);
  });

  it('CLI flags override the file and pass the same validation', () => {
    const file = { upstreams: ['tcp:a:1'], ble: { adapter: 'hci', maxLinks: 3 }, serial: [{ path: '/dev/ttyUSB0' }] };
    const config = validateConfig(
      applyFlags(file, { upstream: ['tcp:b:2'], 'max-links': '5', serial: ['/dev/ttyACM0@230400'], 'queue-disk': '/var/lib/q.sqlite', http: '0.0.0.0:9000', 'log-level': 'debug' }),
    );
    assert.deepEqual(config.upstreams, ['b:2']);
    assert.equal(config.ble?.maxLinks, 5);
    assert.equal(config.ble?.adapter, 'hci');
    assert.deepEqual(config.serial, [{ path: '/dev/ttyACM0', baudRate: 230400, maxHoldMs: 2000 }]);
    assert.equal(config.queue.disk, '/var/lib/q.sqlite');
    assert.equal(config.http.listen, '0.0.0.0:9000');
    assert.equal(config.log.level, 'debug');
    assert.equal(file.ble.maxLinks, 3, 'the file document is not modified');
    assert.deepEqual(problems(applyFlags(file, { 'max-links': '99' })), ['ble.maxLinks: must be an integer from 1 to 64, got 99']);
    assert.equal(validateConfig(applyFlags(file, { 'no-ble': true })).ble?.enabled, false);
  });
});
