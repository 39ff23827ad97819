import type { PayoutLineStatus, PayoutRunStatus } from '../../domain/payout-machine';
import type { NewLifecycleTransition } from './lifecycle';

export interface PayoutRunRecord {
  id: number;
  currency: string;
  cutoff: Date;
  status: PayoutRunStatus;
  createdById: number;
  approvedById: number | null;
  discardReason: string | null;
  totalMinor: number;
  heldMinor: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PayoutLineRecord {
  id: number;
  runId: number;
  teacherId: number;
  currency: string;
  sessionsMinor: number;
  refundsMinor: number;
  carriedMinor: number;
  netMinor: number;
  status: PayoutLineStatus;
  heldReason: string | null;
  attempt: number;
  idempotencyKey: string;
  submittedAt: Date | null;
  stripeTransferId: string | null;
  error: string | null;
  sentAt: Date | null;
  version: number;
}

/** One teacher's totals for a preview (R42, R43), aggregated in SQL. */
export interface PayoutTotals {
  teacherId: number;
  teacherName: string;
  stripeAccountId: string | null;
  transfersActive: boolean;
  sessions: number;
  sessionsMinor: number;
  refundsMinor: number;
  /** Unrecovered teacher parts of refunds after earlier payouts (R45). */
  owedMinor: number;
}

export interface PayoutLinePlanRow {
  teacherId: number;
  sessionsMinor: number;
  refundsMinor: number;
  carriedMinor: number;
  netMinor: number;
  status: 'READY' | 'HELD';
  heldReason: string | null;
}

export interface TransferReversalRecord {
  id: number;
  refundRequestId: number;
  payoutLineId: number;
  stripeTransferId: string | null;
  teacherId: number;
  currency: string;
  amountMinor: number;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  idempotencyKey: string;
  submittedAt: Date | null;
  stripeReversalId: string | null;
  error: string | null;
}

/** A line being sent, with the connected account its transfer goes to (null: the teacher has none). */
export type SendingLine = PayoutLineRecord & { destination: string | null };

/** One line's outcome written by `recordLineOutcomes`: the decided state, versioned, with its record. */
export interface LineOutcomeWrite {
  id: number;
  expectedVersion: number;
  to: PayoutLineStatus;
  /** Set when Stripe made the transfer; kept as it is otherwise. */
  stripeTransferId: string | null;
  sentAt: Date | null;
  error: string | null;
  transition: NewLifecycleTransition;
}

export interface PayoutStore {
  totals(query: { currency: string; endedBy: Date }): Promise<PayoutTotals[]>;
  /** Writes a DRAFT run, then a line per teacher with their items — eligible sessions and debts —
   * selected in SQL (never loaded whole); returns each line's totals as its items add up. */
  createRun(
    run: { currency: string; cutoff: Date; endedBy: Date; createdById: number; at: Date },
    transition: NewLifecycleTransition,
  ): Promise<{ run: PayoutRunRecord; lines: (PayoutTotals & { lineId: number })[] }>;
  /** Records each line's plan (READY or HELD with the reason) and the run's totals. */
  planLines(runId: number, plans: readonly (PayoutLinePlanRow & { lineId: number })[]): Promise<PayoutRunRecord>;
  lockRun(id: number): Promise<void>;
  findRun(id: number): Promise<PayoutRunRecord | null>;
  listRuns(query: {
    statuses?: readonly PayoutRunStatus[] | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<PayoutRunRecord[]>;
  lines(runId: number): Promise<PayoutLineRecord[]>;
  lockLine(id: number): Promise<void>;
  findLine(id: number): Promise<PayoutLineRecord | null>;
  findLineByTransfer(stripeTransferId: string): Promise<PayoutLineRecord | null>;
  /** The line that paid out a session (its item claimed by a line that was sent or is being sent). */
  paidOutLineOf(bookingId: number): Promise<PayoutLineRecord | null>;
  applyRunTransition(
    id: number,
    expectedVersion: number,
    to: PayoutRunStatus,
    changes: { approvedById?: number; discardReason?: string | null; updatedAt: Date },
    transition: NewLifecycleTransition,
  ): Promise<PayoutRunRecord | null>;
  applyLineTransition(
    id: number,
    expectedVersion: number,
    to: PayoutLineStatus,
    changes: {
      attempt?: number;
      idempotencyKey?: string;
      submittedAt?: Date | null;
      stripeTransferId?: string | null;
      error?: string | null;
      sentAt?: Date | null;
      updatedAt: Date;
    },
    transition: NewLifecycleTransition,
  ): Promise<PayoutLineRecord | null>;
  /**
   * One page of the run's SENDING lines after `afterId`, in id order, each with its teacher's connected
   * account (one query); `lineIds` narrows it to those lines (a single retried line).
   */
  sendingLines(query: {
    runId: number;
    afterId: number;
    limit: number;
    lineIds?: readonly number[] | undefined;
  }): Promise<SendingLine[]>;
  /** R28: the lines are about to be sent (their `submittedAt`), in one statement. */
  markLinesSubmitted(ids: readonly number[], at: Date): Promise<void>;
  /** Row locks on the lines, in id order (one statement). */
  lockLines(ids: readonly number[]): Promise<void>;
  findLines(ids: readonly number[]): Promise<PayoutLineRecord[]>;
  /**
   * Stripe's answers for many lines: one versioned UPDATE and their transition records in one
   * statement; returns the ids written (a line whose version moved is left out).
   */
  recordLineOutcomes(rows: readonly LineOutcomeWrite[]): Promise<number[]>;
  /**
   * Every READY line of the run to `to` (the table's decision for `start`, the same for each) with one
   * transition record per line, in one statement; returns the ids moved.
   */
  startLines(runId: number, to: PayoutLineStatus, transition: NewLifecycleTransition): Promise<number[]>;
  /** R42: claims the items of the run's READY lines; false when a session or debt is already claimed. */
  claimItems(runId: number): Promise<boolean>;
  /** Sessions claimed more than once by lines that were sent (R46: must be none). */
  sessionsPaidTwice(): Promise<number[]>;
  sentLinesMissingTransfer(): Promise<number[]>;
  reversal(refundRequestId: number): Promise<TransferReversalRecord | null>;
  findReversal(id: number): Promise<TransferReversalRecord | null>;
  createReversal(
    input: Omit<TransferReversalRecord, 'id' | 'status' | 'submittedAt' | 'stripeReversalId' | 'error'>,
  ): Promise<TransferReversalRecord>;
  updateReversal(
    id: number,
    patch: {
      status?: TransferReversalRecord['status'];
      submittedAt?: Date;
      stripeTransferId?: string;
      stripeReversalId?: string;
      error?: string | null;
    },
  ): Promise<void>;
  reversalsAwaiting(limit: number): Promise<TransferReversalRecord[]>;
  /** Reversals of one line's transfer (R45), for reconciliation and transfer events. */
  reversalsOfLine(payoutLineId: number): Promise<TransferReversalRecord[]>;
  /** Runs whose transfers reconciliation compares with Stripe: every run still sending, and those
   * sent (or partly) since `updatedSince`, newest first. */
  runsToReconcile(query: { updatedSince: Date; limit: number }): Promise<PayoutRunRecord[]>;
  /** Per teacher and currency, what R46 says the payable must be, from the records themselves. */
  expectedPayables(): Promise<
    {
      teacherId: number;
      currency: string;
      earnedMinor: number;
      refundedMinor: number;
      paidMinor: number;
      reversedMinor: number;
    }[]
  >;
  setTeacherAccount(
    teacherId: number,
    account: { stripeAccountId: string; payoutsEnabled: boolean; transfersActive: boolean },
  ): Promise<void>;
  /** Stripe's current state of a connected account (account.updated); how many teachers use it. */
  updateAccountState(
    stripeAccountId: string,
    state: { payoutsEnabled: boolean; transfersActive: boolean },
  ): Promise<number>;
  teacherAccount(
    teacherId: number,
  ): Promise<{ stripeAccountId: string | null; payoutsEnabled: boolean; transfersActive: boolean } | null>;
}
