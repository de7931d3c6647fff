/**
 * One line per reading for people: when it arrived, from whom, its sequence number, the
 * device's own time (or uptime when its clock was not set) and its values.
 */
import type { StoredReading } from './storage/store.ts';

export function formatReading(r: StoredReading): string {
  const deviceTime = r.time > 0 ? new Date(r.time * 1000).toISOString() : `up ${(r.uptimeMs / 1000).toFixed(1)}s`;
  const values = r.values.map(([name, value]) => `${name}=${value}`).join(' ');
  return `${new Date(r.receivedAt).toISOString()}  ${r.device}  seq ${r.seq}  ${deviceTime}  ${values}`;
}
