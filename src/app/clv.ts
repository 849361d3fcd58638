import { dayToIso, toDayNumber } from '../clv/data.js';
import { fitClv, type ClvFitResult } from '../clv/fitCommand.js';
import { readOrders } from '../clv/models.js';
import type { Lake } from '../lake/lake.js';
import type { WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

/**
 * Fits the lifetime-value models on the lake's orders (`int_customer_orders`, after a build).
 * Calibration ends two thirds into the history unless given; the rest is the hold-out.
 */
export async function fitClvOnLake(
  lake: Lake,
  options: Omit<Parameters<typeof fitClv>[1], 'source' | 'hasValues' | 'calibrationEnd'> & { calibrationEnd?: string; settings?: WarehouseSettings },
): Promise<ClvFitResult> {
  return withWarehouse(
    lake,
    async (engine) => {
      if (!engine.catalog().some((e) => e.name === 'int_customer_orders')) {
        throw new Error('The lake has no int_customer_orders model yet: run `crmlake build` first, or give a transactions file');
      }
      const orders = await readOrders({ engine }, engine.modelRelation('int_customer_orders'));
      if (orders.rows === 0) throw new Error('The lake has no orders with a customer');
      const first = toDayNumber(orders.firstDate!);
      const last = toDayNumber(orders.lastDate!);
      const { settings: _settings, ...fit } = options;
      const calibrationEnd = options.calibrationEnd ?? dayToIso(first + Math.floor((2 * (last - first)) / 3));
      return fitClv(orders, { ...fit, source: 'lake: int_customer_orders', hasValues: true, calibrationEnd });
    },
    { settings: options.settings, readOnly: true, reads: ['int_customer_orders'] },
  );
}
