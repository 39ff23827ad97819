/** Formatting at the edge only (R1): amounts travel as integer minor units with a currency code. */

// Intl formatters are expensive to build and cheap to reuse; a virtualized table formats thousands
// of cells while scrolling, so every formatter is made once per option set.
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

export function currencyDigits(currency: string): number {
  return (
    cached(`digits:${currency}`, () => new Intl.NumberFormat('en', { style: 'currency', currency })).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

export function formatMoney(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const formatter = cached(
    `money:${currency}`,
    () =>
      new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }),
  );
  return formatter.format(minor / 10 ** digits);
}

/** "12.50" typed by a person → 1250 minor units; null when it is not a valid amount. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
  const trimmed = text.trim().replace(/,/g, '');
  if (!pattern.test(trimmed)) return null;
  const [whole = '0', fraction = ''] = trimmed.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
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
