/** Pairwise precision / recall of a clustering against true labels (one label per record). */
export interface PairwiseMetrics {
  precision: number;
  recall: number;
  f1: number;
  truePositivePairs: number;
  predictedPairs: number;
  truePairs: number;
}

const pairs = (k: number): number => (k * (k - 1)) / 2;

export function pairwiseMetrics(predicted: readonly string[], truth: readonly string[]): PairwiseMetrics {
  if (predicted.length !== truth.length) throw new Error('predicted and truth differ in length');
  const byPred = new Map<string, number>();
  const byTrue = new Map<string, number>();
  const byBoth = new Map<string, number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    byPred.set(p, (byPred.get(p) ?? 0) + 1);
    byTrue.set(t, (byTrue.get(t) ?? 0) + 1);
    const both = `${p}\u0001${t}`;
    byBoth.set(both, (byBoth.get(both) ?? 0) + 1);
  }
  let predictedPairs = 0;
  let truePairs = 0;
  let tp = 0;
  for (const c of byPred.values()) predictedPairs += pairs(c);
  for (const c of byTrue.values()) truePairs += pairs(c);
  for (const c of byBoth.values()) tp += pairs(c);
  const precision = predictedPairs === 0 ? 1 : tp / predictedPairs;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePositivePairs: tp, predictedPairs, truePairs };
}
