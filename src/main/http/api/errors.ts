import { DomainError, type DomainErrorCode } from '../../domain/errors';
import { BODY_LIMIT_BYTES } from '../server';

/**
 * The marketplace API's error answers (seed-api.md, Conventions) and the one mapping from the
 * services' DomainError codes to them. Every refusal leaves here as an ApiProblem: a status, the
 * body the contract names for that status, and the headers it needs (WWW-Authenticate, Retry-After).
 */
export type FieldProblems = Record<string, string[]>;

export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly body: Readonly<Record<string, unknown>>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    const words = body['detail'] ?? body['error'];
    super(typeof words === 'string' ? words : `HTTP ${status}`);
  }
}

const REALM = 'Bearer realm="LinguaFlex"';

/** 400: invalid input, naming each field. */
export const invalidInput = (details: FieldProblems): ApiProblem =>
  new ApiProblem(400, { error: 'Invalid input', details });

/** 401 with WWW-Authenticate; `badToken` when a token was presented and refused (RFC 6750). */
export const unauthorized = (detail: string, badToken = false): ApiProblem =>
  new ApiProblem(401, { detail }, { 'WWW-Authenticate': badToken ? `${REALM}, error="invalid_token"` : REALM });

export const forbidden = (detail: string): ApiProblem => new ApiProblem(403, { detail });
export const notFound = (detail: string): ApiProblem => new ApiProblem(404, { detail });
export const conflict = (error: string): ApiProblem => new ApiProblem(409, { error });
export const declined = (error: string, code: string | null, declineCode: string | null): ApiProblem =>
  new ApiProblem(402, { error, code: code ?? 'card_declined', decline_code: declineCode });

const INTERNAL = 'Something went wrong on the server. The details are in the server log.';

/** Which answer each service refusal gets; a new code must be placed here before it compiles. */
const STATUS_OF: Record<DomainErrorCode, number> = {
  VALIDATION: 400,
  UNKNOWN_CURRENCY: 400,
  AMOUNT_TOO_LARGE: 400,
  REFUND_EXCEEDS_REMAINING: 400,
  UNAUTHENTICATED: 401,
  PAYMENT_DECLINED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  GUARD_FAILED: 409,
  CONFLICT: 409,
  OVERLAP: 409,
  RATE_LIMITED: 429,
  INTEGRATION_FAILED: 502,
  DATABASE_LOCKED: 503,
};

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The `fields` a service named (validation.ts), renamed to the API's field names. */
function serviceFields(error: DomainError, rename: Readonly<Record<string, string>>): FieldProblems | null {
  const fields = error.details['fields'];
  if (!fields || typeof fields !== 'object') return null;
  const renamed: FieldProblems = {};
  for (const [field, messages] of Object.entries(fields as Record<string, unknown>)) {
    const name = rename[field] ?? field;
    const list = Array.isArray(messages) ? messages.map(String) : [String(messages)];
    (renamed[name] ??= []).push(...list);
  }
  return Object.keys(renamed).length > 0 ? renamed : null;
}

export interface ProblemOptions {
  /** Service field names → the API's (`hourlyRateMinor` → `hourly_rate_cents`). */
  rename?: Readonly<Record<string, string>>;
  /** The field a 400 names when the service named none. */
  field?: string;
}

/**
 * Stripe's answer behind an INTEGRATION_FAILED, when it was about the client's input rather than an
 * outage: a card error (Stripe answers those with HTTP 402: expired card, wrong CVC…) is a decline; an
 * id Stripe does not know is invalid input.
 */
function statusOf(error: DomainError): number {
  if (error.code === 'INTEGRATION_FAILED') {
    if (error.details['status'] === 402) return 402;
    if (error.details['code'] === 'resource_missing') return 400;
  }
  return STATUS_OF[error.code];
}

/** One DomainError → its API answer. */
export function problemForDomainError(error: DomainError, options: ProblemOptions = {}): ApiProblem {
  const status = statusOf(error);
  switch (status) {
    case 400: {
      const named = stringOrNull(error.details['field']);
      return invalidInput(
        serviceFields(error, options.rename ?? {}) ?? {
          [(named && options.rename?.[named]) ?? named ?? options.field ?? 'non_field_errors']: [error.message],
        },
      );
    }
    case 401:
      return unauthorized(error.message);
    case 402:
      return declined(error.message, stringOrNull(error.details['code']), stringOrNull(error.details['declineCode']));
    case 403:
      return forbidden(error.message);
    case 404:
      return notFound(error.message);
    case 409:
      return conflict(error.message);
    case 429: {
      const seconds = Number(error.details['retryAfterSeconds']);
      const retryAfter = Number.isSafeInteger(seconds) && seconds > 0 ? seconds : 60;
      return new ApiProblem(429, { detail: error.message }, { 'Retry-After': String(retryAfter) });
    }
    case 503:
      return new ApiProblem(503, { detail: error.message }, { 'Retry-After': '5' });
    default:
      return new ApiProblem(status, { detail: error.message });
  }
}

interface FrameworkError {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * Any error → its answer, and whether it is the server's fault (to be logged). Fastify's own errors
 * (body too large, unreadable body) keep their status in the API's shapes; anything unknown is a 500
 * that says nothing about the cause.
 */
export function problemFor(
  error: unknown,
  options: ProblemOptions = {},
): { problem: ApiProblem; serverFault: boolean } {
  if (error instanceof ApiProblem) return { problem: error, serverFault: error.status >= 500 };
  if (error instanceof DomainError) {
    const problem = problemForDomainError(error, options);
    return { problem, serverFault: false };
  }
  const framework = (error ?? {}) as FrameworkError;
  const status = typeof framework.statusCode === 'number' ? framework.statusCode : 500;
  if (status === 413)
    return {
      // The rest of the body is not read: the connection ends with this answer.
      problem: new ApiProblem(
        413,
        { detail: `The request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MB` },
        { Connection: 'close' },
      ),
      serverFault: false,
    };
  if (status === 415) return { problem: notJson(), serverFault: false };
  if (status === 400)
    return {
      problem: invalidInput({ body: [typeof framework.message === 'string' ? framework.message : 'cannot be read'] }),
      serverFault: false,
    };
  if (status > 400 && status < 500)
    return {
      problem: new ApiProblem(status, {
        detail: typeof framework.message === 'string' ? framework.message : `HTTP ${status}`,
      }),
      serverFault: false,
    };
  return { problem: new ApiProblem(500, { detail: INTERNAL }), serverFault: true };
}

export const notJson = (): ApiProblem =>
  invalidInput({ body: ['must be a JSON object sent with Content-Type: application/json'] });

export const malformedJson = (): ApiProblem => invalidInput({ body: ['is not valid JSON'] });
