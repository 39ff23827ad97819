/**
 * Stripe's error answers [facts §1]: `{error:{type, code?, decline_code?, message, param?, doc_url?, …}}` with the
 * HTTP status the SDK maps to its error classes (400/404 invalid request or idempotency, 401, 402 card, 409 and 5xx
 * API error, 429 rate limit).
 *
 * Each error also says whether Stripe would save it under the request's Idempotency-Key: Stripe saves the first
 * answer "once the endpoint starts running" (business errors, card declines, 5xx) but nothing when the request
 * fails validation (missing or malformed parameters, unknown currency, amount out of range, unknown URL) [D1].
 */
export type Json = Record<string, unknown>;

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
    /** Saved under the Idempotency-Key and replayed (false for request-shape validation failures). */
    readonly saved = true,
  ) {
    super(typeof body['message'] === 'string' ? body['message'] : 'Stripe error');
  }
}

export const docUrl = (code: string): string => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

function errorBody(type: string, message: string, param?: string, code?: string, extra: Json = {}): Json {
  return {
    type,
    ...(code ? { code, doc_url: docUrl(code) } : {}),
    message,
    ...(param ? { param } : {}),
    ...extra,
  };
}

/** A business error raised while the endpoint ran (saved under the idempotency key). */
export function invalid(
  message: string,
  options: { param?: string; code?: string; status?: number } = {},
): StripeError {
  return new StripeError(
    options.status ?? 400,
    errorBody('invalid_request_error', message, options.param, options.code),
  );
}

/** A request-shape validation failure: missing or malformed parameters (not saved under the idempotency key). */
export function paramError(message: string, param?: string, code?: string, status = 400): StripeError {
  return new StripeError(status, errorBody('invalid_request_error', message, param, code), false);
}

/**
 * `resource_missing`: 404 with `param:"id"` when the ID is in the URL path, 400 with the body field as `param`
 * when it is a body parameter [facts §1].
 */
export function missing(what: string, id: string, param: string, status: 400 | 404): StripeError {
  return invalid(`No such ${what}: '${id}'`, { param, code: 'resource_missing', status });
}

export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
  param?: string;
}

/** 402 `card_error` [facts §3, §4]. */
export function cardError(decline: Decline, extra: Json = {}): StripeError {
  const { code, message, param, ...rest } = decline;
  return new StripeError(402, errorBody('card_error', message, param, code, { ...rest, ...extra }));
}

/** 409 for a key whose first request is still running; shape as Stripe answers it (recorded in public issues). */
export function keyInUse(key: string): StripeError {
  return new StripeError(
    409,
    errorBody(
      'invalid_request_error',
      `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      undefined,
      'idempotency_key_in_use',
    ),
    false,
  );
}

/** 400 `idempotency_error` for a key reused with other parameters [facts §1]; Stripe sends no `code`. */
export function keyReused(key: string): StripeError {
  return new StripeError(
    400,
    errorBody(
      'idempotency_error',
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    ),
    false,
  );
}

/** What an injected `status` fault answers. */
export function injectedFailure(status: number): StripeError {
  if (status === 429)
    return new StripeError(
      429,
      errorBody(
        'invalid_request_error',
        'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
        undefined,
        'rate_limit',
      ),
      false,
    );
  if (status >= 500)
    return new StripeError(status, errorBody('api_error', 'Sandbox fault: the server failed (injected).'), true);
  return new StripeError(status, errorBody('invalid_request_error', 'Sandbox fault (injected).'), false);
}
