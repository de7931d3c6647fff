/**
 * `npm run bench`: every figure from one run, each beside its ceiling measured in the same run,
 * written to bench/results.json (name -> number) and bench/results-meta.json (date, machine).
 * Not a test: nothing here passes or fails.
 *
 * `BENCH_ONLY=e2e,gateway npm run bench` runs only those sections and merges their figures into
 * results.json over the last full run's (other keys stay; the meta file records which sections
 * were measured when).
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
const SECTIONS = ['sizes', 'handshake', 'channel', 'xs', 'firmware', 'cloud', 'gateway', 'e2e'] as const;
const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const unknown = only?.filter((s) => !(SECTIONS as readonly string[]).includes(s)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY: no section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
const selected = (section: (typeof SECTIONS)[number]) => only === undefined || only.includes(section);
const report = new BenchReport();
const started = new Date();
console.log(`Burrow bench — ${started.toISOString()} — ${cpus()[0]?.model ?? 'unknown CPU'} — Node ${process.version}${only ? ` — only ${only.join(', ')}` : ''}`);

if (selected('sizes')) benchSizes(report);
if (selected('handshake')) benchHandshakes(report, ms);
const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
if (selected('channel')) {
  benchChannel(report, () => {
    const { device, cloud } = handshake(provider, makeParties(provider));
    return [device.channel, cloud.channel];
  }, ms);
}
if (selected('xs')) await benchXs(report);
if (selected('firmware')) await (await import('./sections/firmware.ts')).benchFirmware(report);
if (selected('cloud')) (await import('./sections/cloud.ts')).benchCloud(report, ms);
if (selected('gateway')) await (await import('./sections/gateway.ts')).benchGateway(report, ms);
if (selected('e2e')) await (await import('./sections/e2e.ts')).benchE2e(report, ms);

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
report.write(here('./results.json'), here('./results-meta.json'), {
  date: started.toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: String(cpus().length),
  node: process.version,
}, only);
console.log('\nwrote bench/results.json');
