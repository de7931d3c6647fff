/**
 * The one limit every link shares: how big a routed message a link agrees to carry.
 *
 * Design: one number for all three links (TCP, UART, BLE) rather than one per link, because a
 * gateway forwards a message from one link kind to another; a message one link accepts and the
 * next refuses would be lost in the middle of its route. Each decoder may be given a lower limit
 * (a device short of RAM), never a higher one than its peer's.
 */

// Our limits.
/**
 * Largest routed message on any link, in bytes. The routing layer bounds an encoded routed
 * message to a few KiB (a 4 KiB payload plus two routes of up to 8 hops: 6,181 bytes in
 * protocol/routing/codec.ts MAX_ENCODED_MESSAGE at the time of writing); 8 KiB covers that
 * with headroom for route growth, stays one allocation an ESP32's XS heap can make, and fits
 * the 16-bit total length in UART and BLE headers.
 */
export const MAX_LINK_MESSAGE = 8192;
