import { createHash } from 'node:crypto';

/**
 * The control group: a customer is held out when a number drawn from a hash of the audience
 * name and the customer key falls below the control share. The draw is uniform on [0, 1) (52
 * bits of SHA-256), independent of everything the segment selects on, and the same on every run
 * and machine: re-exporting an audience puts each customer in the same group, and the share of a
 * large audience converges to the configured one. Another audience draws independently.
 */
export function controlDraw(audience: string, customerKey: string): number {
  const digest = createHash('sha256').update(`${audience}\u0000${customerKey}`, 'utf8').digest();
  // 52 bits: exactly representable in a double.
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4) >>> 12;
  return (high * 2 ** 20 + low) / 2 ** 52;
}

export const isControl = (audience: string, customerKey: string, share: number) => controlDraw(audience, customerKey) < share;
