/** Portable suites that run on XS as well as Node: adding one is one line here. */
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { Suite } from '../portable/suite.ts';
import { channelSuite } from '../portable/channel.suite.ts';

export const XS_SUITES: Record<string, (provider: CryptoProvider) => Suite> = {
  channel: channelSuite,
};
