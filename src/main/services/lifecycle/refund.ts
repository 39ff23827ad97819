import type { Actor } from '../../domain/actors';
import { DomainError } from '../../domain/errors';
import type { CurrencyCode } from '../../domain/money';
import { decideRefundTransition, type RefundAction, type RefundContext } from '../../domain/refund-machine';
import { remainingRefundable } from '../../domain/refunds';
import type { Changes } from '../context';
import type { RefundRequestRecord, RefundTransitionChanges, Repositories } from '../ports';
import { fourEyesThresholdFor, loadSettings } from '../settings';
import { refundEffectDrafts } from './outbox-drafts';
import { lifecycleRecord } from './records';

const staffIdOf = (actor: Actor): number | null => (actor.kind === 'STAFF' ? actor.id : null);

/** The facts the refund table decides on: the payment's remainder less every other open request. */
async function refundContext(
  repos: Repositories,
  actor: Actor,
  request: {
    id?: number;
    paymentId: number;
    amountMinor: number;
    currency: string;
    requestedById: number | null;
    firstApproverId: number | null;
  },
  reason: string | null | undefined,
): Promise<RefundContext> {
  const payment = await repos.payments.findById(request.paymentId);
  if (!payment) throw new DomainError('NOT_FOUND', `Payment ${request.paymentId} does not exist`);
  // One after another: in a transaction these share one connection, which runs one statement at a time.
  const reserved = await repos.refunds.reservedMinor(payment.id, request.id);
  const settings = await loadSettings(repos);
  const paidOutLine = await repos.payouts.paidOutLineOf(payment.bookingId);
  return {
    requestId: request.id,
    amountMinor: request.amountMinor,
    refundableMinor: remainingRefundable(payment, reserved),
    currency: payment.currency,
    reason,
    requestedById: request.requestedById,
    firstApproverId: request.firstApproverId,
    actorStaffId: staffIdOf(actor),
    fourEyesThresholdMinor: fourEyesThresholdFor(settings, request.currency as CurrencyCode),
    sessionPaidOut: paidOutLine !== null,
  };
}

async function recordEffects(
  repos: Repositories,
  request: RefundRequestRecord,
  effects: Parameters<typeof refundEffectDrafts>[1],
  now: Date,
  changes: Changes,
): Promise<void> {
  if (effects.some((effect) => effect.type === 'recover_teacher_part')) await openReversal(repos, request);
  const drafts = refundEffectDrafts(request, effects, now);
  changes.refunds.set(request.id, { bookingId: request.bookingId, status: request.status });
  if (drafts.length === 0) return;
  changes.outbox = true;
  await repos.outbox.enqueue(drafts);
}

/**
 * R45: the refunded session was paid out, so the teacher's part of this refund (exactly what its
 * ledger posting took off their payable) is to be recovered from their transfer; the outbox row the
 * effect wrote sends the reversal.
 */
async function openReversal(repos: Repositories, request: RefundRequestRecord): Promise<void> {
  // One after another: in a transaction these share one connection, which runs one statement at a time.
  const line = await repos.payouts.paidOutLineOf(request.bookingId);
  const entry = await repos.ledger.refundEntry(request.id);
  const existing = await repos.payouts.reversal(request.id);
  const teacherPart = entry?.lines.find((ledgerLine) => ledgerLine.account.startsWith('teacher_payable:'));
  if (!line || !teacherPart || existing || teacherPart.amountMinor <= 0) return;
  await repos.payouts.createReversal({
    refundRequestId: request.id,
    payoutLineId: line.id,
    stripeTransferId: line.stripeTransferId,
    teacherId: line.teacherId,
    currency: line.currency,
    amountMinor: teacherPart.amountMinor,
    idempotencyKey: `refund-request:${request.id}:reversal`,
  });
}

/**
 * Files a refund request through the refund table (`request` by staff, `file_for_cancellation` for
 * R18), inside the caller's transaction. The caller holds the payment's row lock, so two requests
 * can never reserve more than remains.
 */
export async function fileRefundRequest(
  repos: Repositories,
  now: Date,
  actor: Actor,
  input: {
    action: Extract<RefundAction, 'request' | 'file_for_cancellation'>;
    paymentId: number;
    bookingId: number;
    amountMinor: number;
    currency: string;
    reason: string;
    source: string;
  },
  changes: Changes,
): Promise<RefundRequestRecord> {
  const requestedById = staffIdOf(actor) ?? 0;
  const ctx = await refundContext(repos, actor, { ...input, requestedById, firstApproverId: null }, input.reason);
  const decision = decideRefundTransition(input.action, actor, null, ctx);
  const request = await repos.refunds.insert(
    {
      paymentId: input.paymentId,
      bookingId: input.bookingId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      reason: input.reason,
      status: decision.to,
      requestedById,
      source: input.source,
      createdAt: now,
    },
    lifecycleRecord(actor, input.action, null, decision.to, now, {
      bookingId: input.bookingId,
      reason: input.reason,
      data: { amountMinor: input.amountMinor },
    }),
  );
  await recordEffects(repos, request, decision.effects, now, changes);
  return request;
}

export interface RefundStep {
  action: RefundAction;
  changes?: Omit<RefundTransitionChanges, 'updatedAt'>;
  reason?: string | null;
  data?: Record<string, unknown>;
}

/**
 * One refund-request transition inside the caller's transaction (`request` read under its row
 * lock): decided by the refund table, written versioned with its record, effects as outbox rows.
 */
export async function applyRefundTransition(
  repos: Repositories,
  now: Date,
  actor: Actor,
  request: RefundRequestRecord,
  step: RefundStep,
  changes: Changes,
): Promise<RefundRequestRecord> {
  const ctx = await refundContext(repos, actor, request, step.reason);
  const decision = decideRefundTransition(step.action, actor, request.status, ctx);
  const written = await repos.refunds.applyTransition(
    request.id,
    request.version,
    decision.to,
    { ...step.changes, updatedAt: now },
    lifecycleRecord(actor, step.action, request.status, decision.to, now, {
      bookingId: request.bookingId,
      reason: decision.reason,
      ...(step.data ? { data: step.data } : {}),
    }),
  );
  if (!written) {
    throw new DomainError(
      'CONFLICT',
      `Refund request ${request.id} was changed by someone else while you acted; refresh it and try again`,
    );
  }
  await recordEffects(repos, written, decision.effects, now, changes);
  return written;
}
