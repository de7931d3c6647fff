/**
 * `npm run bench`: every figure from one run, each beside its ceiling measured in the same run,
 * written to bench/results.json (name -> number) and bench/results-meta.json (date, machine).
 * Not a test: nothing here passes or fails.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { handshake, makeParties } from '../test/portable/secure-channel.suite.ts';
import { BenchReport } from './report.ts';
import { benchChannel } from './sections/channel.ts';
import { benchHandshakes } from './sections/handshake.ts';
import { benchSizes } from './sections/sizes.ts';
import { benchXs } from './sections/xs.ts';

const ms = Number(process.env['BENCH_MS'] ?? 1500);
const report = new BenchReport();
const started = new Date();
console.log(`Burrow bench — ${started.toISOString()} — ${cpus()[0]?.model ?? 'unknown CPU'} — Node ${process.version}`);

benchSizes(report);
benchHandshakes(report, ms);
const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
benchChannel(report, () => {
  const { device, cloud } = handshake(provider, makeParties(provider));
  return [device.channel, cloud.channel];
}, ms);
await benchXs(report);
await (await import('./sections/firmware.ts')).benchFirmware(report);
(await import('./sections/cloud.ts')).benchCloud(report, ms);
await (await import('./sections/gateway.ts')).benchGateway(report, ms);

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
report.write(here('./results.json'), here('./results-meta.json'), {
  date: started.toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: String(cpus().length),
  node: process.version,
});
console.log('\nwrote bench/results.json');
