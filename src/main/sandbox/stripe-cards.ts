import { paramError, type Decline, type StripeError } from './stripe-errors';

/**
 * Stripe's test payment methods and currency rules, as documented on docs.stripe.com/testing and
 * docs.stripe.com/currencies [facts §3, §4]. Card numbers appear only in comments: the sandbox never stores one.
 */
export type Outcome =
  'success' | 'decline' | 'insufficient_funds' | 'expired_card' | 'processing_error' | 'authentication_required';

export interface TestCard {
  brand: string;
  last4: string;
  country: string;
  /** Declining cards "can't be attached to a Customer": attach answers the decline (402). */
  attachFails: boolean;
  outcome: Outcome;
  /**
   * What a refund of a charge on this card does ("Simulate an asynchronous refund"): `instant` succeeds for good;
   * `pending` answers pending and later succeeds (refund.updated); `fail` answers succeeded and later fails with
   * failure_reason `expired_or_canceled_card` (refund.updated, refund.failed).
   */
  refund: 'instant' | 'pending' | 'fail';
  /** "Bypass pending balance": the charge's funds are available at once instead of after the settlement delay. */
  bypassPending: boolean;
}

const card = (brand: string, last4: string, outcome: Outcome, more: Partial<TestCard> = {}): TestCard => ({
  brand,
  last4,
  country: 'US',
  attachFails: false,
  outcome,
  refund: 'instant',
  bypassPending: false,
  ...more,
});
const declining = (last4: string, outcome: Outcome) => card('visa', last4, outcome, { attachFails: true });

export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: card('visa', '4242', 'success'), // 4242 4242 4242 4242
  pm_card_mastercard: card('mastercard', '4444', 'success'), // 5555 5555 5555 4444
  pm_card_amex: card('amex', '0005', 'success'), // 3782 822463 10005
  pm_card_visa_chargeDeclined: declining('0002', 'decline'), // 4000 0000 0000 0002
  pm_card_chargeDeclined: declining('0002', 'decline'),
  pm_card_visa_chargeDeclinedInsufficientFunds: declining('9995', 'insufficient_funds'), // 4000 0000 0000 9995
  pm_card_chargeDeclinedInsufficientFunds: declining('9995', 'insufficient_funds'),
  pm_card_chargeDeclinedExpiredCard: declining('0069', 'expired_card'), // 4000 0000 0000 0069
  pm_card_chargeDeclinedProcessingError: declining('0119', 'processing_error'), // 4000 0000 0000 0119
  pm_card_visa_chargeDeclinedProcessingError: declining('0119', 'processing_error'), // undocumented alias
  pm_card_chargeCustomerFail: card('visa', '0341', 'decline'), // 4000 0000 0000 0341: attaches, charges fail
  pm_card_authenticationRequired: card('visa', '3184', 'authentication_required'), // 4000 0027 6000 3184
  pm_card_pendingRefund: card('visa', '7726', 'success', { refund: 'pending' }), // 4000 0000 0000 7726
  pm_card_refundFail: card('visa', '5126', 'success', { refund: 'fail' }), // 4000 0000 0000 5126
  pm_card_bypassPending: card('visa', '0077', 'success', { bypassPending: true }), // 4000 0000 0000 0077
};

export const DECLINES: Record<Exclude<Outcome, 'success' | 'authentication_required'>, Decline> = {
  decline: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  expired_card: { code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' },
  processing_error: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

/** Why a failing refund fails (`pm_card_refundFail`, `failNextRefund()`); Stripe's values: lost_or_stolen_card,
 * expired_or_canceled_card, unknown (and a few rarer ones). */
export const REFUND_FAIL_REASON = 'expired_or_canceled_card';

interface Currency {
  symbol: string;
  /** Digits after the decimal point: 0 for zero-decimal currencies (JPY, KRW), where amount = whole units. */
  decimals: 0 | 2;
  /** Smallest charge in minor units ("Minimum and maximum charge amounts"). */
  minimum: number;
  /**
   * Set for currencies Stripe's minimum table does not list: the charge must instead convert to at least 50 US
   * cents. The sandbox uses this fixed number of minor units per US dollar (KRW: ₩1,400, so ₩700 minimum).
   */
  perUsd?: number;
}

/** The presentment currencies the sandbox accepts; any other code is refused as Stripe refuses an unknown one. */
export const CURRENCIES: Record<string, Currency> = {
  usd: { symbol: '$', decimals: 2, minimum: 50 },
  eur: { symbol: '€', decimals: 2, minimum: 50 },
  gbp: { symbol: '£', decimals: 2, minimum: 30 },
  cad: { symbol: '$', decimals: 2, minimum: 50 },
  aud: { symbol: '$', decimals: 2, minimum: 50 },
  nzd: { symbol: '$', decimals: 2, minimum: 50 },
  sgd: { symbol: '$', decimals: 2, minimum: 50 },
  chf: { symbol: 'CHF ', decimals: 2, minimum: 50 },
  hkd: { symbol: '$', decimals: 2, minimum: 400 },
  mxn: { symbol: '$', decimals: 2, minimum: 1000 },
  sek: { symbol: 'kr', decimals: 2, minimum: 300 },
  nok: { symbol: 'kr', decimals: 2, minimum: 300 },
  dkk: { symbol: 'kr.', decimals: 2, minimum: 250 },
  pln: { symbol: 'zł', decimals: 2, minimum: 200 },
  jpy: { symbol: '¥', decimals: 0, minimum: 50 },
  krw: { symbol: '₩', decimals: 0, minimum: 700, perUsd: 1400 },
};

/** Amounts are "up to eight digits" in minor units, whatever the currency. */
export const MAX_AMOUNT = 99_999_999;

/** `$20.00`, `¥2000`: the form of Stripe's refund messages. */
export function money(amount: number, currency: string, grouped = false): string {
  const info = CURRENCIES[currency] ?? { symbol: '', decimals: 2 as const };
  const value = info.decimals === 0 ? amount : amount / 100;
  const text = grouped
    ? value.toLocaleString('en-US', { minimumFractionDigits: info.decimals, maximumFractionDigits: info.decimals })
    : value.toFixed(info.decimals);
  return `${info.symbol}${text}`;
}

/** A known lowercase currency code, or the 400 Stripe answers for an unknown one (a validation failure). */
export function currencyOf(raw: string | undefined, param = 'currency'): string {
  if (raw === undefined || raw === '') throw paramError(`Missing required param: ${param}.`, param);
  const code = raw.toLowerCase();
  if (!CURRENCIES[code])
    throw paramError(
      `Invalid currency: ${raw}. Stripe currently supports these currencies: ${Object.keys(CURRENCIES).join(', ')}`,
      param,
    );
  return code;
}

/** Stripe's charge limits: 400 `amount_too_small` / `amount_too_large` (validation failures). */
export function amountLimitError(amount: number, currency: string): StripeError | null {
  const info = CURRENCIES[currency];
  if (!info) return null;
  if (amount > MAX_AMOUNT)
    return paramError(`Amount must be no more than ${money(MAX_AMOUNT, currency, true)}`, 'amount', 'amount_too_large');
  if (amount >= info.minimum) return null;
  if (info.perUsd)
    return paramError(
      `Amount must convert to at least 50 cents. ${money(amount, currency, true)} converts to approximately $${(amount / info.perUsd).toFixed(2)}.`,
      'amount',
      'amount_too_small',
    );
  return paramError(
    `Amount must be at least ${money(info.minimum, currency)} ${currency}`,
    'amount',
    'amount_too_small',
  );
}
