/**
 * Child-process entry for a simulated BLE device (FragmentDevice), so tests put devices in
 * other processes than the gateway and the radio. Controlled by JSON lines on stdin, reports
 * JSON lines on stdout (see device-child.ts for the parent side):
 *
 *   argv: --endpoint <hub endpoint> [--address aa:bb:..] [--max-mtu N] [--name text]
 *   in:   {"op":"send","hex":".."}  {"op":"raw","hex":".."}  {"op":"busy","ms":N}
 *         {"op":"disconnect"}  {"op":"exit"}
 *   out:  {"ev":"attached","address":".."}  {"ev":"connect","mtu":N}  {"ev":"ready"}
 *         {"ev":"message","hex":".."}  {"ev":"disconnect","reason":N}  {"ev":"sent","ok":bool}
 *
 * "busy" makes the next writes wait N ms before they are answered, as a device computing a DH.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { FragmentDevice } from './fragment-device.ts';

const { values } = parseArgs({
  options: { endpoint: { type: 'string' }, address: { type: 'string' }, 'max-mtu': { type: 'string' }, name: { type: 'string' } },
});
if (values.endpoint === undefined) {
  process.stderr.write('device-process: --endpoint is required\n');
  process.exit(2);
}

function report(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

const device = await FragmentDevice.start({
  endpoint: values.endpoint,
  ...(values.address === undefined ? {} : { address: values.address }),
  ...(values['max-mtu'] === undefined ? {} : { maxMtu: Number(values['max-mtu']) }),
  ...(values.name === undefined ? {} : { localName: values.name }),
});
let busyMs = 0;
const consume = device.peripheral.handlers.onWrite!;
device.peripheral.handlers.onWrite = async (characteristic, value) => {
  if (busyMs > 0) await new Promise((resolve) => setTimeout(resolve, busyMs));
  await consume(characteristic, value);
};
device.on('connect', (mtu: number) => report({ ev: 'connect', mtu }));
device.on('ready', () => report({ ev: 'ready' }));
device.on('message', (message: Uint8Array) => report({ ev: 'message', hex: toHex(message) }));
device.on('disconnect', (reason: number) => report({ ev: 'disconnect', reason }));
device.peripheral.on('close', () => process.exit(0));
report({ ev: 'attached', address: device.address });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: string; hex?: string; ms?: number };
  switch (command.op) {
    case 'send':
      report({ ev: 'sent', ok: device.send(fromHex(command.hex ?? '')) });
      break;
    case 'raw':
      report({ ev: 'sent', ok: device.sendRaw(fromHex(command.hex ?? '')) });
      break;
    case 'busy':
      busyMs = command.ms ?? 0;
      break;
    case 'disconnect':
      device.peripheral.disconnect();
      break;
    case 'exit':
      device.close();
      process.exit(0);
  }
}
device.close();
