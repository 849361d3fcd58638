/**
 * Customer matching at scale on a labelled synthetic set (src/customers/match/synthetic.ts).
 *
 *   node --import tsx bench/match.ts            (BENCH_MATCH_RECORDS, default 1,000,000)
 *
 * Baseline measured in the same run: exact-key de-duplication alone, written the plain way (a Map
 * per key: phone + name, e-mail + birth date, source person id; union-find), i.e. what a "same
 * phone and name / same e-mail and birth date" job costs and finds.
 * Then the full matcher (exact + blocking + EM training + scoring + clustering + keys) on the
 * same records, and an incremental run: 1% of the records held out of the first run and then
 * matched against its xref with its parameters. Prints pairwise precision / recall / F1 against
 * the true person ids, times, ratios to the baseline and peak RSS. Asserts nothing.
 */
import { UnionFind } from '../src/customers/match/cluster.js';
import { matchProfiles, pairwiseMetrics, type PairwiseMetrics } from '../src/customers/match/index.js';
import { generateProfiles, type SyntheticSet } from '../src/customers/match/synthetic.js';
import { generateMixedProfiles, identifierRecall } from '../src/customers/match/synthetic-mixed.js';
import type { StandardProfile } from '../src/customers/profile.js';

const N = Number(process.env.BENCH_MATCH_RECORDS ?? 1_000_000);
/** mixed (four systems, characters and pinyin: synthetic-mixed.ts), classic (synthetic.ts) or both. */
const SETS = (process.env.BENCH_MATCH_SET ?? 'mixed,classic').split(',');

const fmt = (m: PairwiseMetrics): string =>
  `precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  F1 ${m.f1.toFixed(4)}  (${m.truePositivePairs.toLocaleString('en-US')} of ${m.truePairs.toLocaleString('en-US')} true pairs, ${m.predictedPairs.toLocaleString('en-US')} predicted)`;
const mib = (): number => process.resourceUsage().maxRSS / 1024;

/** The baseline: exact keys only, one Map per key. Returns a group number per record. */
function exactKeys(profiles: readonly StandardProfile[]): Int32Array {
  const uf = new UnionFind(profiles.length);
  const maps = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  const link = (m: Map<string, number>, key: string, i: number): void => {
    const first = m.get(key);
    if (first === undefined) m.set(key, i);
    else uf.union(first, i);
  };
  profiles.forEach((p, i) => {
    if (p.fullName) for (const ph of p.phones) link(maps[0]!, `${ph.e164}|${p.fullName}`, i);
    if (p.email && p.birthDate) link(maps[1]!, `${p.email}|${p.birthDate}`, i);
    if (p.sourcePersonId) link(maps[2]!, `${p.sourceSystem}|${p.sourcePersonId}`, i);
  });
  return Int32Array.from(profiles, (_, i) => uf.find(i));
}

export async function main(): Promise<void> {
  for (const name of SETS) {
    const t = performance.now();
    const set = name === 'classic' ? generateProfiles({ records: N, seed: 42 }) : generateMixedProfiles({ records: N, seed: 42 });
    const genSeconds = (performance.now() - t) / 1000;
    console.log(`match bench (${name}): ${N.toLocaleString('en-US')} profiles of ${set.persons.toLocaleString('en-US')} people generated in ${genSeconds.toFixed(1)} s (peak RSS so far ${mib().toFixed(0)} MiB)`);
    console.log(
      `  identifiers alone would link: e-mail + phone ${identifierRecall(set, ['email', 'phone']).toFixed(3)}, ` +
        `+ birth date or street ${identifierRecall(set, ['email', 'phone', 'dob', 'street']).toFixed(3)} of the true pairs`,
    );
    benchSet(set);
    console.log('');
  }
}

function benchSet(set: SyntheticSet): void {
  let t: number;

  // Baseline: exact keys only.
  t = performance.now();
  const groups = exactKeys(set.profiles);
  const baseline = (performance.now() - t) / 1000;
  const exactMetrics = pairwiseMetrics(Array.from(groups, String), set.personOf);
  console.log(`  baseline  exact-key dedup: ${baseline.toFixed(2)} s, ${new Set(groups).size.toLocaleString('en-US')} groups`);
  console.log(`            ${fmt(exactMetrics)}`);

  // Full matching.
  t = performance.now();
  const full = matchProfiles(set.profiles);
  const fullSeconds = (performance.now() - t) / 1000;
  const fullMetrics = pairwiseMetrics(full.xref.map((x) => x.customer_key), set.personOf);
  const s = full.stats;
  console.log(`  full      ${fullSeconds.toFixed(2)} s = ${(fullSeconds / baseline).toFixed(1)}× baseline = ${Math.round(N / fullSeconds).toLocaleString('en-US')} records/s`);
  console.log(`            ${fmt(fullMetrics)}`);
  console.log(
    `            ${s.entities.toLocaleString('en-US')} entities, ${s.candidatePairs.toLocaleString('en-US')} candidate pairs, ${s.mergeEdges.toLocaleString('en-US')} merge edges, ` +
      `${s.refusedByGuard} refused by the chaining guard, ${s.refusedByNameRule} by the name rule, ${s.refusedAmbiguous} partial-name edges ambiguous, ${s.linkedByMobile} nameless placed by their mobile, ${s.review.toLocaleString('en-US')} to review, ${s.clusters.toLocaleString('en-US')} customers`,
  );
  console.log(`            phases (ms): ${Object.entries(s.ms).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const capped = s.blocking.filter((b) => b.cappedBlocks > 0).map((b) => `${b.rule} ${b.cappedBlocks} blocks / ${b.cappedRows} rows`);
  console.log(`            blocking pairs: ${s.blocking.map((b) => `${b.rule} ${b.pairs.toLocaleString('en-US')}`).join(', ')}; capped: ${capped.join(', ') || 'none'}`);
  const training = full.params.training!;
  console.log(
    `            EM: ${training.sessions.map((x) => `${x.rule} λ=${x.lambda.toFixed(3)} ${x.iterations} it`).join(', ')}; prior ${full.params.prior.toExponential(3)}`,
  );
  console.log(`  peak RSS  ${mib().toFixed(0)} MiB`);

  // Incremental: hold out 1% of records, match them against the first run's xref.
  const held = (i: number): boolean => (Math.imul(i + 1, 2654435761) >>> 0) % 100 === 0;
  const first = set.profiles.filter((_, i) => !held(i));
  const run1 = matchProfiles(first, { params: full.params, runId: 'run1' });
  t = performance.now();
  const run2 = matchProfiles(set.profiles, { previous: run1.xref, previousEvents: run1.events, params: full.params, runId: 'run2' });
  const incSeconds = (performance.now() - t) / 1000;
  const incMetrics = pairwiseMetrics(run2.xref.map((x) => x.customer_key), set.personOf);
  const kept = run1.xref.length;
  const prevKey = new Map(run1.xref.map((x) => [x.record_id, x.customer_key]));
  const moved = run2.xref.filter((x) => prevKey.has(x.record_id) && prevKey.get(x.record_id) !== x.customer_key).length;
  console.log(
    `  incremental ${run2.stats.activeRecords.toLocaleString('en-US')} new records against ${kept.toLocaleString('en-US')}: ${incSeconds.toFixed(2)} s = ${(incSeconds / baseline).toFixed(1)}× baseline; ` +
      `keys: ${run2.stats.keys.created} created, ${run2.stats.keys.merged} merged, ${run2.stats.keys.split} split; ${moved} earlier records changed key`,
  );
  console.log(`            ${fmt(incMetrics)}`);
  console.log(`            phases (ms): ${Object.entries(run2.stats.ms).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  peak RSS  ${mib().toFixed(0)} MiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
