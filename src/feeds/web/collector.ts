import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { WEB_EVENT_TYPES } from './schema.js';

/**
 * The HTTPS collector's contract, independent of Lambda: authenticate a request, check a batch
 * of web events, and turn it into one JSON-lines object for the landing zone. The web feed's
 * `collector` mapping ingests those objects like any other delivery.
 */
export const COLLECTOR_LIMITS = {
  /** Largest request body accepted (bytes); API Gateway allows more, a browser batch needs less. */
  maxBodyBytes: 1024 * 1024,
  maxEvents: 1000,
  /** How far a request's timestamp may be from the collector's clock (replay window). */
  maxClockSkewSeconds: 300,
  /** Deepest nesting of arrays and objects in a body ({"events": [{…}]} is 3). */
  maxDepth: 32,
};

export class CollectorError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const SIGNATURE_HEADER = 'x-crmlake-signature';
export const TIMESTAMP_HEADER = 'x-crmlake-timestamp';

/** `v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the shared secret (as Stripe and Slack sign webhooks). */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks the signed-request headers; throws 401 with the reason. Header names are lower-case. */
export function authenticate(headers: Record<string, string | undefined>, body: string, secret: string, now = Date.now()): void {
  const signature = headers[SIGNATURE_HEADER];
  const timestamp = headers[TIMESTAMP_HEADER];
  if (!signature || !timestamp) throw new CollectorError(401, `missing ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER} header`);
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) throw new CollectorError(401, `${TIMESTAMP_HEADER} must be Unix seconds`);
  if (Math.abs(now / 1000 - seconds) > COLLECTOR_LIMITS.maxClockSkewSeconds) {
    throw new CollectorError(401, `request timestamp is more than ${COLLECTOR_LIMITS.maxClockSkewSeconds} s from the collector's clock`);
  }
  const expected = Buffer.from(signBody(secret, seconds, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new CollectorError(401, 'signature does not match the body');
}

/** A text field with a limit; the message says which limit was broken (not "is required" for a 900 kB value). */
const text = (name: string, max: number) => z.string({ error: `${name} must be a string` }).max(max, `${name} is longer than ${max} characters`);

const CollectedEvent = z
  .object({
    event_id: text('event_id', 200).min(1, 'event_id is empty').optional(),
    session_id: z
      .string({ error: (issue) => (issue.input === undefined ? 'session_id is required' : 'session_id must be a string') })
      .min(1, 'session_id is empty')
      .max(200, 'session_id is longer than 200 characters'),
    event_type: z.enum(WEB_EVENT_TYPES, { error: `event_type must be one of ${WEB_EVENT_TYPES.join(', ')}` }),
    occurred_at: z.iso.datetime({ offset: true, error: 'occurred_at must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T10:15:00Z' }),
    customer_id: text('customer_id', 200).nullish(),
    item_id: text('item_id', 200).nullish(),
    page_url: text('page_url', 4000).nullish(),
    order_id: text('order_id', 200).nullish(),
    value: z.number().nonnegative('value is negative').nullish(),
    currency: z.string().regex(/^[A-Za-z]{3}$/, 'currency must be an ISO 4217 code').nullish(),
  })
  .loose();

const Batch = z.object({
  batch_id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'batch_id must be 8-64 letters, digits, - or _').optional(),
  events: z.array(z.unknown(), { error: 'events must be an array' }),
});

export interface CollectedBatch {
  batchId: string;
  /** The client named the batch (a retry of it is the same batch) rather than the signature naming it. */
  clientBatchId: boolean;
  events: Record<string, unknown>[];
  /** Landing-relative key of the object the batch is written to. */
  key: string;
  /** The batch as JSON lines, each event with the collector's receive time. */
  body: string;
}

/** The signed request a batch came in: its signature and signed timestamp (Unix seconds). */
export interface SignedRequest {
  signature: string;
  timestamp: number;
}

/**
 * Parses and checks a batch: `{"batch_id"?: "...", "events": [...]}`, and names the landing
 * object it must be stored as, created only if absent (so nothing acknowledged is overwritten):
 * - with a batch_id: `web/collector/batch/<batch_id>.jsonl`, whatever the hour, so a retry an
 *   hour later finds the batch it already delivered;
 * - without: the signature names it (`sig-<hmac>`) under the signed timestamp's date and hour,
 *   so a replay of the same signed request finds the object the first one stored.
 * Throws 413 for a body or batch too large, 400 naming each bad event's index and field.
 */
export function acceptBatch(body: string, receivedAt: Date, request: SignedRequest): CollectedBatch {
  if (Buffer.byteLength(body) > COLLECTOR_LIMITS.maxBodyBytes) {
    throw new CollectorError(413, `body is larger than ${COLLECTOR_LIMITS.maxBodyBytes} bytes; send smaller batches`);
  }
  // Checked before parsing: validating or re-serializing a 10,000-level nesting overflows the stack,
  // which answered 500 "retry" and made clients retry forever.
  if (nestingExceeds(body, COLLECTOR_LIMITS.maxDepth)) {
    throw new CollectorError(400, `body is nested deeper than ${COLLECTOR_LIMITS.maxDepth} levels of arrays and objects`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new CollectorError(400, `body is not JSON: ${(error as Error).message}`);
  }
  const batch = Batch.safeParse(json);
  if (!batch.success) {
    throw new CollectorError(400, `body must be {"batch_id"?: string, "events": [...]}: ${batch.error.issues[0]!.message}`);
  }
  const { events } = batch.data;
  if (events.length === 0) throw new CollectorError(400, 'events is empty');
  if (events.length > COLLECTOR_LIMITS.maxEvents) throw new CollectorError(413, `more than ${COLLECTOR_LIMITS.maxEvents} events in one batch`);
  const errors: { index: number; field: string; message: string }[] = [];
  const checked = events.map((event, index) => {
    const result = CollectedEvent.safeParse(event);
    if (!result.success) {
      for (const issue of result.error.issues) errors.push({ index, field: issue.path.join('.') || '(event)', message: issue.message });
      return undefined;
    }
    return result.data;
  });
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new CollectorError(400, `${errors.length} problem(s) in the batch; first: event ${first.index}, ${first.field}: ${first.message}`, {
      errors: errors.slice(0, 50),
    });
  }
  const clientBatchId = batch.data.batch_id !== undefined;
  const batchId = batch.data.batch_id ?? `sig-${request.signature.replace(/^v1=/, '').slice(0, 40)}`;
  const received = receivedAt.toISOString();
  const rows = checked.map((event, index) => ({ ...event!, event_id: event!.event_id ?? `${batchId}-${index}`, received_at: received }));
  const signedAt = new Date(request.timestamp * 1000).toISOString();
  return {
    batchId,
    clientBatchId,
    events: rows,
    key: clientBatchId ? `web/collector/batch/${batchId}.jsonl` : `web/collector/${signedAt.slice(0, 10)}/${signedAt.slice(11, 13)}/${batchId}.jsonl`,
    body: rows.map((row) => JSON.stringify(row)).join('\n') + '\n',
  };
}

/** The same events as a stored batch body (the receive time aside): a retry, not a new batch. */
export function sameBatch(stored: string, batch: CollectedBatch): boolean {
  const strip = (line: string) => {
    const { received_at: _, ...event } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(event);
  };
  const lines = stored.split('\n').filter(Boolean);
  return lines.length === batch.events.length && lines.every((line, i) => strip(line) === strip(JSON.stringify(batch.events[i])));
}

/** Whether arrays and objects in JSON text nest deeper than `limit` (strings skipped). */
function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}
