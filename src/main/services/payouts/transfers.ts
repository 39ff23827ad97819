import { transferReversed } from '../../domain/ledger';
import { payoutLineActionOpenFrom } from '../../domain/payout-machine';
import { inTransaction, type ServiceDeps } from '../context';
import type { PaymentGateway, TransferSnapshot } from '../gateways';
import { moneyCall } from '../money-calls';
import type { SendingLine } from '../ports';
import { transferGroupOf } from './keys';
import { createOutcomeRecorder, type LineOutcome } from './outcomes';

/** Transfers in flight at once (the issue's "8 at a time"). */
const SEND_CONCURRENCY = 8;
/** Lines loaded (with their accounts) and marked submitted per page. */
const PAGE_SIZE = 200;
/** Outcomes recorded per transaction. */
const RECORD_BATCH = 100;

const NO_ACCOUNT = 'The teacher has no connected Stripe account';

/**
 * R44/R28: lines' transfers to the teachers' connected accounts, in the run's currency, grouped by
 * the run, keyed by the line's attempt and naming the line in their metadata. A line whose answer
 * may have been lost (or whose process crashed after Stripe answered) is looked up by its group and
 * metadata first and adopted — never sent twice. Stripe's refusal fails only its line, with Stripe's
 * reason.
 */
export function createTransferSender(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway } = deps;
  const recordOutcomes = createOutcomeRecorder(deps);

  /** The run's transfers at Stripe by the line their metadata names (one listing of the group). */
  const transfersByLine = async (runId: number): Promise<Map<string, TransferSnapshot>> => {
    const byLine = new Map<string, TransferSnapshot>();
    for (const transfer of await gateway.findTransfers({ transferGroup: transferGroupOf(runId) })) {
      const lineId = transfer.metadata['payoutLineId'];
      if (lineId !== undefined && !byLine.has(lineId)) byLine.set(lineId, transfer);
    }
    return byLine;
  };

  /** One line's transfer as `moneyCall` makes it; its outcome, or a throw when Stripe stayed silent. */
  async function transferOf(
    line: SendingLine & { destination: string },
    listedBefore: () => Promise<Map<string, TransferSnapshot>>,
  ): Promise<LineOutcome> {
    let sent = false;
    const result = await moneyCall({
      what: `Payout line ${line.id}`,
      maySendAgain: line.submittedAt !== null || line.attempt > 1,
      // Before sending, the page's one listing of the group; after a lost answer, the group as it is now.
      lookup: async () => (await (sent ? transfersByLine(line.runId) : listedBefore())).get(String(line.id)) ?? null,
      // The page was marked submitted before any of its lines went out.
      markSent: () => Promise.resolve(),
      send: () => {
        sent = true;
        return gateway.createTransfer(
          {
            amountMinor: line.netMinor,
            currency: line.currency,
            destination: line.destination,
            transferGroup: transferGroupOf(line.runId),
            metadata: {
              payoutLineId: String(line.id),
              payoutRunId: String(line.runId),
              teacherId: String(line.teacherId),
            },
          },
          line.idempotencyKey,
        );
      },
    });
    if (result.kind === 'answered') return { lineId: line.id, kind: 'sent', transfer: result.value };
    const { message, code } = result.error;
    return {
      lineId: line.id,
      kind: 'failed',
      error: `Stripe refused the transfer: ${message}${code ? ` (${code})` : ''}`,
    };
  }

  /**
   * Sends the run's SENDING lines (or only `lineIds` of them), loaded a page at a time in id order.
   * A page's lines are marked submitted in one statement before any of them goes out (R28: a marked
   * line is looked up before it is ever sent again — marking early only costs a look-up after a
   * crash); the next page is loaded while the current one is still sending, so 8 transfers stay in
   * flight throughout. Outcomes are recorded in batches, each one transaction. Once recording fails
   * no further transfer starts: what was sent stays SENDING and submitted, to be adopted by the next
   * send or reconciliation. Throws the first error once everything answered is recorded.
   */
  async function send(runId: number, lineIds?: readonly number[]): Promise<void> {
    const errors: unknown[] = [];
    let stopped = false;

    let pending: LineOutcome[] = [];
    let recording = Promise.resolve();
    const flush = (): Promise<void> => {
      const batch = pending;
      pending = [];
      if (batch.length > 0)
        recording = recording.then(() =>
          recordOutcomes(batch).then(
            () => undefined,
            (error: unknown) => {
              stopped = true;
              errors.push(error);
            },
          ),
        );
      return recording;
    };
    const answered = (outcome: LineOutcome) => {
      pending.push(outcome);
      if (pending.length >= RECORD_BATCH) void flush();
    };

    type Queued = {
      line: SendingLine & { destination: string };
      listedBefore: () => Promise<Map<string, TransferSnapshot>>;
    };
    const queue: Queued[] = [];
    let afterId = 0;
    let exhausted = false;
    let loading: Promise<void> | null = null;
    const loadPage = async () => {
      const page = await uow.read.payouts.sendingLines({ runId, afterId, limit: PAGE_SIZE, lineIds });
      afterId = page.at(-1)?.id ?? afterId;
      exhausted = page.length < PAGE_SIZE;
      const sendable: Queued['line'][] = [];
      for (const line of page)
        if (line.destination === null) answered({ lineId: line.id, kind: 'failed', error: NO_ACCOUNT });
        else sendable.push({ ...line, destination: line.destination });
      if (sendable.length === 0) return;
      const ids = sendable.map((line) => line.id);
      await uow.transaction((repos) => repos.payouts.markLinesSubmitted(ids, clock.now()));
      // Lines that may have gone out already are looked up in one listing of the group per page.
      let listing: Promise<Map<string, TransferSnapshot>> | null = null;
      const listedBefore = () => (listing ??= transfersByLine(runId));
      for (const line of sendable) queue.push({ line, listedBefore });
    };
    /** The next line to send: the next page is loaded (once) when the queue runs below half a page. */
    const take = async (): Promise<Queued | undefined> => {
      for (;;) {
        if (stopped) return undefined;
        if (!loading && !exhausted && queue.length <= PAGE_SIZE / 2)
          loading = loadPage()
            .catch((error: unknown) => {
              stopped = true;
              errors.push(error);
            })
            .finally(() => {
              loading = null;
            });
        const next = queue.shift();
        if (next) return next;
        if (!loading) return undefined;
        await loading;
      }
    };
    const worker = async () => {
      for (let next = await take(); next; next = await take())
        try {
          answered(await transferOf(next.line, next.listedBefore));
        } catch (error) {
          errors.push(error);
        }
    };

    try {
      await Promise.all(Array.from({ length: SEND_CONCURRENCY }, worker));
    } finally {
      await flush();
    }
    if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  }

  /** A line still waiting to hear of its transfer adopts the transfer that names it. */
  async function adoptTransfer(transfer: TransferSnapshot): Promise<boolean> {
    const lineId = Number(transfer.metadata['payoutLineId']);
    if (!Number.isSafeInteger(lineId) || lineId <= 0) return false;
    const line = await uow.read.payouts.findLine(lineId);
    if (!line || !payoutLineActionOpenFrom('succeed', line.status)) return false;
    return (await recordOutcomes([{ lineId, kind: 'sent', transfer }])).length > 0;
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

  return { send, adoptTransfer, settleFromTransfer, reverse };
}

export type TransferSender = ReturnType<typeof createTransferSender>;
