import type { Actor } from '../../domain/actors';
import { payoutSent, transferReversed } from '../../domain/ledger';
import { payoutLineActionOpenFrom } from '../../domain/payout-machine';
import { inTransaction, type Changes, type ServiceDeps } from '../context';
import type { PaymentGateway, TransferSnapshot } from '../gateways';
import { moneyCall } from '../money-calls';
import type { PayoutLineRecord, Repositories } from '../ports';
import { transferGroupOf } from './keys';
import { applyLineTransition } from './transitions';

const STRIPE: Actor = { kind: 'SYSTEM', process: 'stripe' };

/**
 * R44/R28: one line's transfer to the teacher's connected account, in the run's currency, grouped by
 * the run, keyed by the line's attempt and naming the line in its metadata. A line whose answer was
 * lost (or whose process crashed after Stripe answered) is looked up by its group and metadata first
 * and adopted — never sent twice. Stripe's refusal fails only this line, with Stripe's reason.
 */
export function createTransferSender(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway } = deps;

  const findSent = async (line: PayoutLineRecord): Promise<TransferSnapshot | null> =>
    (await gateway.findTransfers({ transferGroup: transferGroupOf(line.runId) })).find(
      (transfer) => transfer.metadata['payoutLineId'] === String(line.id),
    ) ?? null;

  /** Records a transfer Stripe made for the line: SENT, and the payout posted to the ledger (R40). */
  async function recordSent(
    repos: Repositories,
    changes: Changes,
    lineId: number,
    transfer: TransferSnapshot,
  ): Promise<PayoutLineRecord> {
    await repos.payouts.lockLine(lineId);
    const line = await repos.payouts.findLine(lineId);
    if (!line) throw new Error(`Payout line ${lineId} vanished`);
    if (!payoutLineActionOpenFrom('succeed', line.status)) return line;
    const now = clock.now();
    const sent = await applyLineTransition(
      repos,
      changes,
      now,
      STRIPE,
      line,
      'succeed',
      { stripeTransferId: transfer.id, sentAt: now, error: null },
      { stripeTransferId: transfer.id, amountMinor: transfer.amountMinor },
    );
    const posting = payoutSent(line.currency, line.teacherId, line.netMinor);
    await repos.ledger.post(
      { kind: posting.kind, currency: posting.currency, payoutLineId: line.id, teacherId: line.teacherId, at: now },
      posting.lines,
    );
    return sent;
  }

  /** Sends a line that is SENDING (it was started or retried); returns the line as it ended. */
  async function send(lineId: number): Promise<PayoutLineRecord> {
    const line = await uow.read.payouts.findLine(lineId);
    if (!line) throw new Error(`Payout line ${lineId} vanished`);
    if (line.status !== 'SENDING') return line;
    const account = await uow.read.payouts.teacherAccount(line.teacherId);
    const destination = account?.stripeAccountId;
    const result = destination
      ? await moneyCall({
          what: `Payout line ${line.id}`,
          maySendAgain: line.submittedAt !== null || line.attempt > 1,
          lookup: () => findSent(line),
          markSent: () => uow.transaction((repos) => repos.payouts.recordLineSubmission(line.id, clock.now())),
          send: () =>
            gateway.createTransfer(
              {
                amountMinor: line.netMinor,
                currency: line.currency,
                destination,
                transferGroup: transferGroupOf(line.runId),
                metadata: {
                  payoutLineId: String(line.id),
                  payoutRunId: String(line.runId),
                  teacherId: String(line.teacherId),
                },
              },
              line.idempotencyKey,
            ),
        })
      : null;
    return inTransaction(deps, async (repos, changes) => {
      if (result?.kind === 'answered') return recordSent(repos, changes, line.id, result.value);
      await repos.payouts.lockLine(line.id);
      const current = (await repos.payouts.findLine(line.id)) ?? line;
      if (!payoutLineActionOpenFrom('fail', current.status)) return current;
      const error =
        result === null
          ? 'The teacher has no connected Stripe account'
          : `Stripe refused the transfer: ${result.error.message}${result.error.code ? ` (${result.error.code})` : ''}`;
      return applyLineTransition(repos, changes, clock.now(), STRIPE, current, 'fail', { error });
    });
  }

  /** A line still waiting to hear of its transfer adopts the transfer that names it. */
  async function adoptTransfer(transfer: TransferSnapshot): Promise<boolean> {
    const lineId = Number(transfer.metadata['payoutLineId']);
    if (!Number.isSafeInteger(lineId) || lineId <= 0) return false;
    const line = await uow.read.payouts.findLine(lineId);
    if (!line || !payoutLineActionOpenFrom('succeed', line.status)) return false;
    await inTransaction(deps, (repos, changes) => recordSent(repos, changes, lineId, transfer));
    return true;
  }

  /**
   * A transfer event (R25: `transfer.created`, `transfer.reversed`): a line waiting for its answer
   * adopts the transfer, and reversals of it whose answer was lost are looked up (never re-sent
   * blindly: `reverse` finds them by metadata first).
   */
  async function settleFromTransfer(transfer: TransferSnapshot): Promise<boolean> {
    let changed = await adoptTransfer(transfer);
    const line = await uow.read.payouts.findLineByTransfer(transfer.id);
    if (!line) return changed;
    for (const reversal of await uow.read.payouts.reversalsOfLine(line.id))
      if (reversal.status === 'PENDING' && reversal.submittedAt !== null) {
        await reverse(reversal.refundRequestId);
        changed = true;
      }
    return changed;
  }

  /**
   * R45: recovers the teacher's part of a refund after payout by reversing their transfer (keyed by
   * the refund). When Stripe refuses (the teacher's balance no longer holds it), the part stays owed
   * and later runs net it before paying anything.
   */
  async function reverse(refundRequestId: number): Promise<void> {
    const reversal = await uow.read.payouts.reversal(refundRequestId);
    if (!reversal || reversal.status !== 'PENDING') return;
    const line = await uow.read.payouts.findLine(reversal.payoutLineId);
    const transferId = line?.stripeTransferId ?? reversal.stripeTransferId;
    if (!line || line.status !== 'SENT' || !transferId) {
      // The payout never went out: the line, when retried, pays the full share; the part stays owed.
      await uow.transaction((repos) =>
        repos.payouts.updateReversal(reversal.id, {
          status: 'FAILED',
          error: 'The payout was not sent; netted by a later run',
        }),
      );
      return;
    }
    const result = await moneyCall({
      what: `Reversal for refund request ${refundRequestId}`,
      maySendAgain: reversal.submittedAt !== null,
      lookup: async () =>
        (await gateway.listTransferReversals(transferId)).find(
          (candidate) => candidate.metadata['refundRequestId'] === String(refundRequestId),
        ) ?? null,
      markSent: () =>
        uow.transaction((repos) =>
          repos.payouts.updateReversal(reversal.id, { submittedAt: clock.now(), stripeTransferId: transferId }),
        ),
      send: () =>
        gateway.createTransferReversal(
          {
            transferId,
            amountMinor: reversal.amountMinor,
            metadata: { refundRequestId: String(refundRequestId), payoutLineId: String(line.id) },
          },
          reversal.idempotencyKey,
        ),
    });
    await inTransaction(deps, async (repos, changes) => {
      const current = await repos.payouts.findReversal(reversal.id);
      if (!current || current.status !== 'PENDING') return;
      changes.payoutLine(line.runId, line.id, line.status);
      if (result.kind === 'refused') {
        await repos.payouts.updateReversal(reversal.id, {
          status: 'FAILED',
          error: `Stripe refused the reversal: ${result.error.message}; the teacher's part is netted by later runs`,
        });
        return;
      }
      await repos.payouts.updateReversal(reversal.id, {
        status: 'SUCCEEDED',
        stripeReversalId: result.value.id,
        error: null,
      });
      const posting = transferReversed(reversal.currency, reversal.teacherId, reversal.amountMinor);
      await repos.ledger.post(
        {
          kind: posting.kind,
          currency: posting.currency,
          refundRequestId,
          payoutLineId: line.id,
          transferReversalId: reversal.id,
          teacherId: reversal.teacherId,
          at: clock.now(),
        },
        posting.lines,
      );
    });
  }

  return { send, adoptTransfer, settleFromTransfer, reverse, findSent };
}

export type TransferSender = ReturnType<typeof createTransferSender>;
