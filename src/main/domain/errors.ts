/**
 * Every refusal of the domain and the services is a DomainError with a stable machine code
 * (carried to clients as `data.domainCode`) and a message a support person can read.
 */
export const DOMAIN_ERROR_CODES = [
  'VALIDATION',
  'UNKNOWN_CURRENCY',
  'AMOUNT_TOO_LARGE',
  'ILLEGAL_TRANSITION',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'NOT_FOUND',
  'GUARD_FAILED',
  'OVERLAP',
  'PAYMENT_DECLINED',
  'REFUND_EXCEEDS_REMAINING',
  'DATABASE_LOCKED',
  'INTEGRATION_FAILED',
  'RATE_LIMITED',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
