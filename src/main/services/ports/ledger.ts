import type { LedgerAccount, LedgerEntryKind, LedgerLine } from '../../domain/ledger';

export interface LedgerEntryRef {
  bookingId?: number | null;
  paymentId?: number | null;
  refundRequestId?: number | null;
  payoutLineId?: number | null;
  transferReversalId?: number | null;
  teacherId?: number | null;
}

export interface LedgerEntryRecord extends LedgerEntryRef {
  id: number;
  kind: LedgerEntryKind;
  currency: string;
  at: Date;
  lines: LedgerLine[];
}

export interface AccountBalance {
  account: LedgerAccount;
  balanceMinor: number;
  lines: number;
}

/** R40/R46: the ledger, append-only. */
export interface LedgerStore {
  post(
    entry: LedgerEntryRef & { kind: LedgerEntryKind; currency: string; at: Date },
    lines: readonly LedgerLine[],
  ): Promise<number>;
  /** Many postings at once (entries and their lines in set-based statements); their entry ids, in order. */
  postMany(
    postings: readonly {
      entry: LedgerEntryRef & { kind: LedgerEntryKind; currency: string; at: Date };
      lines: readonly LedgerLine[];
    }[],
  ): Promise<number[]>;
  /** The entry of a refund's success (to reverse exactly when it fails), if it was posted. */
  refundEntry(refundRequestId: number): Promise<LedgerEntryRecord | null>;
  balances(currency: string): Promise<AccountBalance[]>;
  /** Lines of one account, newest first (drill-down from a balance). */
  accountLines(query: { account: string; currency: string; beforeId?: number | undefined; limit: number }): Promise<
    (LedgerLine & {
      id: number;
      entryId: number;
      kind: LedgerEntryKind;
      at: Date;
      bookingId: number | null;
      refundRequestId: number | null;
      payoutLineId: number | null;
      payoutRunId: number | null;
    })[]
  >;
  /** Per currency, the sum of all lines (R46: zero) and the number of unbalanced entries. */
  sums(): Promise<{ currency: string; sumMinor: number; unbalancedEntries: number }[]>;
  /** A teacher's lines in a period, with the entry's kind and references (statements, R47). */
  teacherLines(query: { teacherId: number; currency: string; from: Date; to: Date }): Promise<
    {
      at: Date;
      kind: LedgerEntryKind;
      amountMinor: number;
      bookingId: number | null;
      refundRequestId: number | null;
      payoutLineId: number | null;
    }[]
  >;
  /** Per period (UTC day, week or month): payouts sent net of reversals, and the platform's revenue net
   * of refunds' platform parts — the chart of money over time. */
  series(query: {
    currency: string;
    from: Date;
    to: Date;
    bucket: 'day' | 'week' | 'month';
  }): Promise<{ start: Date; payoutsMinor: number; revenueMinor: number }[]>;
  /** The teacher payable balance before an instant (the statement's opening balance). */
  teacherBalanceBefore(teacherId: number, currency: string, before: Date): Promise<number>;
}
