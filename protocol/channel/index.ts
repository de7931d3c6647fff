/**
 * The secure channel's transport phase, for the ends that hold channels (firmware, cloud) to import
 * from one place. Only the transport and its wire constants are public; the window, the key
 * schedule and the codec are parts, exported for tests and tools.
 */
export * from './constants.ts';
export {
  ChannelTransport,
  type ChannelCounters,
  type ChannelKeys,
  type ChannelOptions,
  type ChannelState,
  type ReceivedMessage,
} from './transport.ts';
