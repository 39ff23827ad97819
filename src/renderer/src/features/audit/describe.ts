import { isCurrencyCode } from '../../../../shared/currency';
import { bookingStatusLabel } from '../../../../shared/status-label';
import { formatDateTime, formatMoney, STATUS_LABEL } from '../../format';

/** An audit entry as the screen and its CSV show it: the reason, before and after, and the rest, in words. */
export interface DescribedEntry {
  reason: string | null;
  before: string | null;
  after: string | null;
  details: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** "paymentWindowMinutes" → "payment window minutes"; amounts lose their "Minor" (they are shown as money). */
export function fieldLabel(key: string): string {
  return key
    .replace(/Minor$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
}

/**
 * A value of the entry's data: `…Minor` amounts as money (R1: integers until this edge) in the
 * booking's currency, or per currency for settings that hold one amount per currency.
 */
export function fieldValue(key: string, value: unknown, currency: string | null): string {
  if (key.endsWith('Minor')) {
    if (typeof value === 'number' && currency) return formatMoney(value, currency);
    if (isRecord(value) && Object.values(value).every((amount) => typeof amount === 'number'))
      return Object.entries(value)
        .map(([code, amount]) =>
          isCurrencyCode(code) ? formatMoney(amount as number, code) : `${code} ${String(amount)}`,
        )
        .join(', ');
  }
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map((item) => fieldValue(key, item, currency)).join(', ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * A booking's state in the console's words: the pair (status, payment status) looked up in the one
 * table every screen uses, so the log says what the queues said at the time ("Awaiting payment").
 */
function stateText(state: Record<string, unknown>): string {
  const status = typeof state['status'] === 'string' ? state['status'] : null;
  const payment = typeof state['paymentStatus'] === 'string' ? state['paymentStatus'] : null;
  if (status && payment) return bookingStatusLabel(status, payment).label;
  return status ? (STATUS_LABEL[status] ?? status) : '';
}

/** A start time a move recorded (R53: from-time and to-time), as an instant in the viewer's zone. */
function startText(value: unknown): string | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : `starts ${formatDateTime(date)}`;
}

const joined = (...parts: (string | null)[]) =>
  parts.filter((part) => part !== null && part !== '').join(' · ') || null;

const fields = (record: Record<string, unknown>, keys: readonly string[], currency: string | null) =>
  keys.map((key) => `${fieldLabel(key)}: ${fieldValue(key, record[key], currency)}`).join('; ');

export function describeEntry(entry: { data: unknown; currency: string | null }): DescribedEntry {
  const data = isRecord(entry.data) ? entry.data : {};
  const used = new Set<string>();
  const text = (key: string) => {
    const value = data[key];
    if (typeof value !== 'string' || value.trim() === '') return null;
    used.add(key);
    return value;
  };
  const reason = text('reason') ?? text('note') ?? text('resolution');
  let before: string | null = null;
  let after: string | null = null;
  const from = data['from'];
  const to = data['to'];
  const previous = data['before'];
  const changes = data['changes'];
  if (isRecord(to)) {
    // A booking's transition: from one state to another, and for a move from one start to another.
    const fromStart = startText(data['fromStartsAt']);
    const toStart = startText(data['toStartsAt']);
    before = isRecord(from) ? joined(stateText(from), fromStart) : '—';
    after = joined(stateText(to), toStart);
    used.add('from').add('to');
    if (fromStart) used.add('fromStartsAt');
    if (toStart) used.add('toStartsAt');
  } else if (isRecord(previous) && isRecord(changes)) {
    // A settings change: only what changed, before and after.
    const keys = Object.keys(changes);
    before = fields(previous, keys, entry.currency);
    after = fields(changes, keys, entry.currency);
    used.add('before').add('changes');
  } else if (typeof data['status'] === 'string' && data['status'] !== '') {
    // A refund request's decision records only where it went ("AWAITING_SECOND_APPROVAL").
    after = data['status'].replaceAll('_', ' ').toLowerCase();
    used.add('status');
  }
  const rest = Object.keys(data).filter((key) => !used.has(key));
  return { reason, before, after, details: rest.length > 0 ? fields(data, rest, entry.currency) : null };
}
