/** Formatting at the edge only (R1): amounts travel as integer minor units with a currency code. */
import {
  CURRENCIES,
  formatMoney as formatSharedMoney,
  isCurrencyCode,
  parseDecimalToMinor,
} from '../../shared/currency';
import { PAYMENT_LABELS } from '../../shared/status-label';

// Intl formatters are expensive to build and cheap to reuse; a virtualized table formats thousands
// of cells while scrolling, so every formatter is made once per option set (money: in ../../shared/currency).
const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

/** Digits after the decimal point, from the shared currency table (0 for a code the table does not know). */
export function currencyDigits(currency: string): number {
  return isCurrencyCode(currency) ? CURRENCIES[currency].exponent : 0;
}

/**
 * 7875, "USD" → "$78.75" in the viewer's locale, exactly (no division). An unknown code shows the code and
 * the integer ("XYZ 1234"); it never throws for one.
 */
export function formatMoney(minor: number, currency: string): string {
  return formatSharedMoney(minor, currency);
}

/** "12.50", "$12.50", "1,234.50" typed by a person → minor units; null when it is not a valid amount. */
export function parseMoney(text: string, currency: string): number | null {
  return isCurrencyCode(currency) ? parseDecimalToMinor(text, currency) : null;
}

export const viewerTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatDateTime(date: Date, timeZone: string = viewerTimeZone): string {
  return cached(
    `datetime:${timeZone}`,
    () => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
  ).format(date);
}

export function formatTime(date: Date, timeZone: string = viewerTimeZone): string {
  // timeStyle cannot be combined with timeZoneName, so spell the fields out.
  return cached(
    `time:${timeZone}`,
    () => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }),
  ).format(date);
}

/** The server's messages name instants in ISO-8601 ("2026-11-30T19:43:53.551Z"); shown in the viewer's time. */
export function localizeInstants(text: string, timeZone: string = viewerTimeZone): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (instant) => {
    const date = new Date(instant);
    return Number.isNaN(date.getTime()) ? instant : formatDateTime(date, timeZone);
  });
}

export function formatRelative(date: Date, now = new Date()): string {
  const minutes = Math.round((date.getTime() - now.getTime()) / 60_000);
  const rtf = cached('relative', () => new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }));
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}

export const STATUS_LABEL: Record<string, string> = {
  PENDING: 'Awaiting teacher',
  CONFIRMED: 'Confirmed',
  COMPLETED: 'Completed',
  CANCELLED: 'Cancelled',
  REFUNDED: 'Refunded',
  UNPAID: 'Unpaid',
  PAID: 'Paid',
  PARTIALLY_REFUNDED: 'Partly refunded',
  FAILED: 'Payment failed',
};

/** A payment's status (and a booking's payment status) in words: the shared table's (src/shared/status-label). */
export const PAYMENT_STATUS_LABEL: Record<string, string> = Object.fromEntries(
  Object.entries(PAYMENT_LABELS).map(([status, { label }]) => [status, label]),
);
