/**
 * String similarity for matching: Jaro-Winkler written here rather than taken from npm. The
 * `jaro-winkler` package (0.2.x) allocates two arrays per call and lower-cases both strings on
 * every call; matching runs millions of comparisons on already-normalized text, so this version
 * reuses its flag buffers and works on UTF-16 code units. Winkler's prefix bonus (scale 0.1, up
 * to 4 characters) is applied only when the Jaro similarity exceeds 0.7 (Winkler's boost
 * threshold), as in jellyfish, rapidfuzz and Splink.
 */
let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (flagsA.length < la) flagsA = new Uint8Array(la * 2);
  if (flagsB.length < lb) flagsB = new Uint8Array(lb * 2);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = i > window ? i - window : 0;
    const hi = i + window + 1 < lb ? i + window + 1 : lb;
    const c = a.charCodeAt(i);
    for (let j = lo; j < hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - transpositions / 2) / m) / 3;
}

export function jaroWinkler(a: string, b: string, prefixScale = 0.1, boostThreshold = 0.7): number {
  const j = jaro(a, b);
  if (j <= boostThreshold) return j;
  const max = Math.min(4, a.length, b.length);
  let prefix = 0;
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * prefixScale * (1 - j);
}

/** American Soundex of a Latin word ('' when it has no letters): Robert → R163, Tymczak → T522. */
export function soundex(word: string): string {
  const codes = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digit = '01230120022455012623010202';
  const s = word.toUpperCase();
  let out = '';
  let last = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const idx = codes.indexOf(ch);
    if (idx < 0) continue;
    const d = digit[idx]!;
    if (out === '') {
      out = ch;
      last = d;
      continue;
    }
    if (ch === 'H' || ch === 'W') continue; // H and W do not separate letters with the same code
    if (d !== '0' && d !== last) out += d;
    last = d;
    if (out.length === 4) break;
  }
  return out === '' ? '' : out.padEnd(4, '0');
}
