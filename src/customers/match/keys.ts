/**
 * Stable customer keys. A new key is `C` + 13 base32 characters of SHA-256(first record id of
 * the cluster): deterministic (the same data gives the same keys on any machine) and opaque.
 * A key already issued (present in the previous xref or the event log) is never issued again:
 * a collision re-hashes with a counter.
 *
 * Across runs a previous key follows the majority of its records (ties: the cluster holding the
 * smallest record id). A cluster that holds the majority of two or more keys keeps the oldest
 * (earliest created in the event log; else the smallest) and the others are recorded as merged
 * into it. Records whose key is kept by another cluster move: to the key their new cluster keeps,
 * or to a new key; either way a split event records it.
 */
import { createHash } from 'node:crypto';

export type KeyEventType = 'create' | 'merge' | 'split';

export interface KeyEvent {
  run_id: string;
  /** create: a new key; merge: from_key merged into customer_key; split: records moved from from_key to customer_key. */
  event: KeyEventType;
  customer_key: string;
  from_key: string | null;
  record_ids: string[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function keyFor(recordId: string, attempt = 0): string {
  const h = createHash('sha256').update(attempt === 0 ? recordId : `${recordId}#${attempt}`).digest();
  let out = 'C';
  let acc = 0;
  let bits = 0;
  for (let i = 0; out.length < 14; i++) {
    acc = (acc << 8) | h[i]!;
    bits += 8;
    while (bits >= 5 && out.length < 14) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export interface KeyAssignment {
  /** Key per cluster. */
  keys: string[];
  events: KeyEvent[];
}

/**
 * `clusters[c]` lists record ids of cluster c, smallest first. `previousKey` gives a record's key
 * in the previous run (undefined for new records). `issued` holds every key ever issued (it is
 * extended in place); `createdOrder` ranks keys by creation (lower = older): see `creationOrder`.
 */
export function assignKeys(
  clusters: readonly string[][],
  previousKey: (recordId: string) => string | undefined,
  issued: Set<string>,
  createdOrder: ReadonlyMap<string, number>,
  runId: string,
): KeyAssignment {
  // Votes: (previous key, cluster) pairs, sorted, counted in runs; the holder of a key is the
  // cluster with most of its records (ties: the cluster with the smallest record id).
  const keyIdx = new Map<string, number>();
  const keyNames: string[] = [];
  const votes: number[] = [];
  clusters.forEach((members, c) => {
    for (const r of members) {
      const k = previousKey(r);
      if (k === undefined) continue;
      let ki = keyIdx.get(k);
      if (ki === undefined) {
        keyIdx.set(k, (ki = keyNames.length));
        keyNames.push(k);
      }
      votes.push(ki * 2 ** 26 + c);
    }
  });
  const sorted = Float64Array.from(votes).sort();
  const holderOf = new Int32Array(keyNames.length).fill(-1);
  const inherited = new Map<number, string[]>();
  for (let x = 0; x < sorted.length; ) {
    const ki = Math.floor(sorted[x]! / 2 ** 26);
    let best = -1;
    let bestCount = 0;
    while (x < sorted.length && Math.floor(sorted[x]! / 2 ** 26) === ki) {
      const v = sorted[x]!;
      let count = 0;
      while (x < sorted.length && sorted[x] === v) {
        count++;
        x++;
      }
      const c = v - ki * 2 ** 26;
      if (count > bestCount || (count === bestCount && clusters[c]![0]! < clusters[best]![0]!)) {
        best = c;
        bestCount = count;
      }
    }
    holderOf[ki] = best;
    const list = inherited.get(best);
    if (list) list.push(keyNames[ki]!);
    else inherited.set(best, [keyNames[ki]!]);
  }
  const holds = (k: string, c: number): boolean => holderOf[keyIdx.get(k)!] === c;

  const older = (x: string, y: string): number => {
    const ox = createdOrder.get(x);
    const oy = createdOrder.get(y);
    if (ox !== undefined && oy !== undefined && ox !== oy) return ox - oy;
    if (ox !== undefined && oy === undefined) return -1;
    if (oy !== undefined && ox === undefined) return 1;
    return x < y ? -1 : x > y ? 1 : 0;
  };

  const keys: string[] = new Array(clusters.length);
  const events: KeyEvent[] = [];
  clusters.forEach((members, c) => {
    const inh = inherited.get(c) ?? [];
    let key: string;
    if (inh.length === 0) {
      let attempt = 0;
      do key = keyFor(members[0]!, attempt++);
      while (issued.has(key));
      issued.add(key);
    } else {
      inh.sort(older);
      key = inh[0]!;
    }
    keys[c] = key;
    // Records of this cluster grouped by where they came from.
    let from: Map<string, string[]> | undefined;
    let fresh: string[] | undefined;
    for (const r of members) {
      const k = previousKey(r);
      if (k === undefined) (fresh ??= []).push(r);
      else if (k !== key) {
        from ??= new Map();
        let list = from.get(k);
        if (!list) from.set(k, (list = []));
        list.push(r);
      }
    }
    // A key made for records split off another key is logged by its split event(s) alone.
    if (inh.length === 0 && (fresh || !from)) events.push({ run_id: runId, event: 'create', customer_key: key, from_key: null, record_ids: fresh ?? [] });
    if (from) {
      for (const [k, rs] of [...from].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const merged = holds(k, c);
        events.push({ run_id: runId, event: merged ? 'merge' : 'split', customer_key: key, from_key: k, record_ids: rs });
      }
    }
  });
  return { keys, events };
}

/** Keys ranked by their first appearance as `customer_key` in an event log (create or split). */
export function creationOrder(events: readonly KeyEvent[]): Map<string, number> {
  const order = new Map<string, number>();
  events.forEach((ev, i) => {
    if ((ev.event === 'create' || ev.event === 'split') && !order.has(ev.customer_key)) order.set(ev.customer_key, i);
  });
  return order;
}
