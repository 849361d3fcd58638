/**
 * Runs `work` with the process clock `days` days back. The benches land a history and then "the
 * next day" within minutes of each other; a model that goes by the day deliveries landed
 * (`data_quality`, dates_by='ingest_date') would see them all land on one day and recompute it
 * whole, which a daily feed never does. The product reads the clock through `Date`, so shifting
 * it moves the deliveries' landing time (`_ingested_at`) and nothing the benches time: they
 * measure with performance.now().
 */
export async function landedDaysAgo<T>(days: number, work: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  const shift = -days * 86_400_000;
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + shift);
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
    static override now(): number {
      return RealDate.now() + shift;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}
