import { Command, Option } from 'commander';
import { fitClvOnLake } from '../app/clv.js';
import { runClvFit, type ClvFitResult } from '../clv/fitCommand.js';
import { formatSeconds, formatTable, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

interface FitOptions {
  customerCol?: string;
  dateCol?: string;
  valueCol?: string;
  dateFormat?: string;
  calibrationEnd?: string;
  observationEnd?: string;
  period: 'week' | 'day';
  model: 'bgnbd' | 'pareto-nbd';
  horizonMonths: string;
  discountRate: string;
  json?: boolean;
}

const isoDate = (value: string, flag: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new Error(`${flag} must be a date written YYYY-MM-DD, not "${value}"`);
  return value;
};

function printFit(result: ClvFitResult): void {
  const se = result.standardErrors ?? {};
  console.log(`${result.model} fitted on ${result.source}`);
  console.log(
    `  ${result.customers.toLocaleString('en-US')} customers, ${result.transactions.toLocaleString('en-US')} purchase days, ` +
      `${result.distinctPatterns.toLocaleString('en-US')} distinct (x, t_x, T) patterns; calibration to ${result.calibrationEnd}, ` +
      `hold-out to ${result.observationEnd} (${result.holdoutPeriods.toFixed(1)} ${result.period}s)`,
  );
  console.log(formatTable(['parameter', 'estimate', 'std. error'], Object.entries(result.params).map(([k, v]) => ({ parameter: k, estimate: v.toFixed(4), 'std. error': se[k]?.toFixed(4) ?? '' }))));
  console.log(`  log-likelihood ${result.logLikelihood.toFixed(4)}; ${result.converged ? 'converged' : 'NOT converged'} in ${result.iterations} iterations, ${formatSeconds(result.fitSeconds)}`);
  if (result.gammaGamma) {
    const g = result.gammaGamma;
    console.log(`gamma-gamma on ${g.customers.toLocaleString('en-US')} repeat buyers: p=${g.p.toFixed(4)} q=${g.q.toFixed(4)} v=${g.v.toFixed(4)} (log-likelihood ${g.logLikelihood.toFixed(4)})`);
  }
  if (result.holdoutPeriods > 0) {
    console.log(`hold-out: ${result.holdout.actual.toLocaleString('en-US')} actual vs ${result.holdout.expected.toFixed(1)} expected repeat purchases`);
    console.log(formatTable(['x', 'customers', 'actual mean', 'expected mean'], result.holdout.byFrequency.map((b) => ({ x: b.x, customers: b.customers, 'actual mean': b.actualMean.toFixed(3), 'expected mean': b.expectedMean.toFixed(3) }))));
  }
  if (result.clv) {
    console.log(`CLV over ${result.clv.months} months at ${result.clv.discountRate} per month: mean ${result.clv.mean.toFixed(2)}, total ${result.clv.total.toFixed(0)}`);
  }
}

export function registerClv(program: Command): void {
  const clv = program.command('clv').description('Customer lifetime value: BG/NBD, Pareto/NBD and Gamma-Gamma models.');
  clv
    .command('fit')
    .description('Fit the purchase and spend models on a transaction file, or on the lake\'s orders, and compare them with a hold-out period.')
    .argument('[file]', 'transactions (CSV, TSV or whitespace-separated); default: the lake\'s orders (int_customer_orders, after `crmlake build`)')
    .option('--customer-col <name|index>', 'customer id column (name, or 0-based index)')
    .option('--date-col <name|index>', 'purchase date column')
    .option('--value-col <name|index>', 'purchase value column (enables Gamma-Gamma and CLV)')
    .option('--date-format <format>', 'YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY, … (default: auto)')
    .option('--calibration-end <YYYY-MM-DD>', 'last day of the calibration period (default: two thirds into the history)')
    .option('--observation-end <YYYY-MM-DD>', 'last day of the hold-out period (default: the last purchase)')
    .addOption(new Option('--period <unit>', 'time unit').choices(['week', 'day']).default('week'))
    .addOption(new Option('--model <name>', 'purchase model').choices(['bgnbd', 'pareto-nbd']).default('bgnbd'))
    .option('--horizon-months <n>', 'CLV horizon in months', '12')
    .option('--discount-rate <rate>', 'monthly discount rate for CLV', '0.01')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--json', 'print the full result as JSON (parameters, log-likelihood, diagnostics)')
    .addHelpText(
      'after',
      `
Example (the data of Fader, Hardie & Lee 2005; prints r=0.2426 alpha=4.4136 a=0.7929 b=2.4259, LL -9582.43):
  crmlake clv fit samples/datasets/cdnow/CDNOW_sample.txt --customer-col 0 --date-col 2 --value-col 4 \\
    --date-format YYYYMMDD --calibration-end 1997-09-30`,
    )
    .action(async (file: string | undefined, options: FitOptions, command: Command) => {
      const common = {
        period: options.period,
        model: options.model,
        clvMonths: Number(options.horizonMonths),
        discountRate: Number(options.discountRate),
        ...(options.observationEnd ? { observationEnd: isoDate(options.observationEnd, '--observation-end') } : {}),
      };
      let result: ClvFitResult;
      if (file) {
        if (!options.customerCol || !options.dateCol) throw new Error('With a file, give --customer-col and --date-col');
        if (!options.calibrationEnd) throw new Error('With a file, give --calibration-end');
        result = await runClvFit({
          file,
          customerCol: options.customerCol,
          dateCol: options.dateCol,
          ...(options.valueCol ? { valueCol: options.valueCol } : {}),
          ...(options.dateFormat ? { dateFormat: options.dateFormat } : {}),
          calibrationEnd: isoDate(options.calibrationEnd, '--calibration-end'),
          ...common,
        });
      } else {
        result = await fitClvOnLake(lakeFrom(command), {
          ...common,
          ...(options.calibrationEnd ? { calibrationEnd: isoDate(options.calibrationEnd, '--calibration-end') } : {}),
          settings: settingsFrom(command),
        });
      }
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else printFit(result);
    });
}
