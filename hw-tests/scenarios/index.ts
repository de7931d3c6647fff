/** Every scenario, in the order a deployment meets them (issue 6). */
import type { Scenario } from '../scenario.ts';
import { downlinkCommands, handshakeAndTelemetry } from './channel.ts';
import { provisionAndEnroll, unenrolledRefused } from './enrollment.ts';
import { linkLossMidHandshake, linkLossMidStream } from './link-loss.ts';
import { cloudRestart, gatewayRestart } from './restarts.ts';
import { roaming } from './roaming.ts';
import { tamperingGateway } from './tampering.ts';

export const SCENARIOS: readonly Scenario[] = [
  provisionAndEnroll,
  handshakeAndTelemetry,
  downlinkCommands,
  linkLossMidHandshake,
  linkLossMidStream,
  gatewayRestart,
  cloudRestart,
  roaming,
  tamperingGateway,
  unenrolledRefused,
];
