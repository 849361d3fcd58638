/**
 * An open-addressing hash map from non-negative integer keys below 2^53 to int32 values. V8's
 * Map boxes keys beyond 2^31 as heap numbers: at a million composite keys that is seconds of
 * garbage collection; this keeps keys in a Float64Array.
 */
export class NumMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(k: number): number {
    // Mix the high and low 26-bit halves (composite keys are a * 2^26 + b).
    const hi = Math.floor(k / 67108864);
    const lo = k - hi * 67108864;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let s = h & this.mask;
    const keys = this.keys;
    while (keys[s] !== -1 && keys[s] !== k) s = (s + 1) & this.mask;
    return s;
  }

  get(k: number): number | undefined {
    const s = this.slot(k);
    return this.keys[s] === -1 ? undefined : this.vals[s];
  }

  /** The value for k, or `v` stored under k when absent. */
  getOrSet(k: number, v: number): number {
    const s = this.slot(k);
    if (this.keys[s] !== -1) return this.vals[s]!;
    this.keys[s] = k;
    this.vals[s] = v;
    if (++this.size * 2 > this.keys.length) this.grow();
    return v;
  }

  set(k: number, v: number): void {
    const s = this.slot(k);
    if (this.keys[s] === -1) {
      this.keys[s] = k;
      this.size++;
    }
    this.vals[s] = v;
    if (this.size * 2 > this.keys.length) this.grow();
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    this.keys = new Float64Array(oldK.length * 2).fill(-1);
    this.vals = new Int32Array(oldK.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldK.length; i++) {
      if (oldK[i] === -1) continue;
      const s = this.slot(oldK[i]!);
      this.keys[s] = oldK[i]!;
      this.vals[s] = oldV[i]!;
    }
  }
}
