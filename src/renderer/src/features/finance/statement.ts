import { isCurrencyCode, minorToDecimalString } from '../../../../shared/currency';
import type { RouterOutputs } from '../../trpc';
import { toCsv } from '../revenue/csv';

export type Statement = RouterOutputs['statements']['get'];
export type StatementEntry = Statement['entries'][number];

/** A statement entry's kind in words, as the teacher reads it (R47). */
export const STATEMENT_KIND_LABEL: Record<StatementEntry['kind'], string> = {
  session: 'Session earned',
  refund: 'Refund (teacher’s part)',
  refund_failed: 'Refund failed (teacher’s part restored)',
  payout: 'Payout',
  reversal: 'Payout reversed (refund after payout)',
};

/** Each entry with the balance after it, from the opening balance (integer minor units throughout). */
export function withRunningBalance(statement: Statement): (StatementEntry & { balanceMinor: number })[] {
  let balance = statement.openingMinor;
  return statement.entries.map((entry) => {
    balance += entry.amountMinor;
    return { ...entry, balanceMinor: balance };
  });
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * The statement as CSV (RFC 4180, via the revenue report's writer): the opening balance, one row per
 * entry with the balance after it, the totals and the closing balance. Amounts are exact decimals in
 * the statement's currency (never floats); dates are UTC instants (ISO 8601).
 */
export function statementCsv(statement: Statement): string {
  const { currency } = statement;
  const decimal = (minor: number) => (isCurrencyCode(currency) ? minorToDecimalString(minor, currency) : String(minor));
  const rows: (string | number)[][] = [
    ['teacher_id', 'teacher', 'email', 'currency', 'from', 'to_exclusive'],
    [
      statement.teacher.id,
      statement.teacher.name,
      statement.teacher.email,
      currency,
      day(statement.from),
      day(statement.to),
    ],
    [],
    [
      'at',
      'kind',
      'description',
      'booking_id',
      'refund_request_id',
      'payout_run_id',
      'payout_line_id',
      `amount_${currency}`,
      `balance_${currency}`,
    ],
    ['', 'opening', 'Opening balance', '', '', '', '', '', decimal(statement.openingMinor)],
    ...withRunningBalance(statement).map((entry) => [
      entry.at.toISOString(),
      entry.kind,
      STATEMENT_KIND_LABEL[entry.kind],
      entry.bookingId ?? '',
      entry.refundRequestId ?? '',
      entry.payoutRunId ?? '',
      entry.payoutLineId ?? '',
      decimal(entry.amountMinor),
      decimal(entry.balanceMinor),
    ]),
    ['', 'closing', 'Closing balance', '', '', '', '', '', decimal(statement.closingMinor)],
    [],
    ['total', `amount_${currency}`],
    ['sessions', decimal(statement.totals.sessionsMinor)],
    ['refunds', decimal(statement.totals.refundsMinor)],
    ['payouts', decimal(statement.totals.payoutsMinor)],
    ['reversals', decimal(statement.totals.reversalsMinor)],
  ];
  return toCsv(rows);
}

export function statementFilename(statement: Statement): string {
  return `statement-teacher-${statement.teacher.id}-${statement.currency}-${day(statement.from)}-to-${day(statement.to)}.csv`;
}
