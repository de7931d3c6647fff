/**
 * `burrow identity show [--data DIR] [--json]`: the cloud service's identifier, which devices
 * are built with as their pinned trust anchor, and its attestation's validity. Creates the
 * identity when the data directory has none yet (the same first start `burrow cloud` does), so
 * firmware can be built before the service first runs. Prints nothing secret.
 */
import { randomBytes } from 'node:crypto';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { toHex } from '../protocol/bytes.ts';
import { loadOrCreateServiceIdentity } from '../cloud/service-identity.ts';
import { parseCommandLine, UsageError } from './args.ts';
import { DATA_HELP, dataDir, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow identity show [--data DIR] [--json]

Prints the cloud service's identifier (build devices with it as their trust anchor), its
Noise static public key and the validity of the key's attestation. Creates the identity
(0600 file in the data directory) if there is none yet.

  ${DATA_HELP}
  --json       one JSON object instead of text`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, { data: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (parsed === undefined) return 0;
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'show') throw new UsageError(`expected 'show'\n\n${USAGE}`);
  return reportErrors('identity', () => {
    const paths = dataDir(parsed.values.data, true);
    const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
    const { identity, created, renewed } = loadOrCreateServiceIdentity(provider, paths, Math.floor(Date.now() / 1000));
    if (created) console.error(`created a new service identity in ${paths.identity}`);
    if (renewed) console.error('renewed the static key attestation');
    const info = {
      identifier: identity.id,
      trustAnchor: identity.id,
      staticKey: toHex(identity.staticKey.publicKey),
      attestedFrom: new Date(identity.attestation.created * 1000).toISOString(),
      attestedUntil: new Date(identity.attestation.expires * 1000).toISOString(),
      dataDir: paths.dir,
    };
    if (parsed.values.json) {
      console.log(JSON.stringify(info));
    } else {
      console.log(`identifier     ${info.identifier}`);
      console.log(`trust anchor   ${info.trustAnchor}   (devices pin this identifier)`);
      console.log(`static key     ${info.staticKey}   (X25519, public)`);
      console.log(`attested       ${info.attestedFrom} .. ${info.attestedUntil}`);
      console.log(`data           ${info.dataDir}`);
    }
    return 0;
  });
}
