import type { ServiceDeps } from '../context';
import type { PaymentGateway, TransferSnapshot } from '../gateways';
import type { MismatchInput, PayoutLineRecord, PayoutRunRecord } from '../ports';
import { transferGroupOf } from './keys';
import type { TransferSender } from './transfers';

/** Runs sent longer ago than this are settled; reconciliation stops comparing them every pass. */
const RECENT_DAYS = 35;
const RUN_BATCH = 200;

type TransferMismatch = Omit<Extract<MismatchInput, { payoutRunId: number }>, 'detectedAt'>;

export interface TransferReconciliation {
  checked: number;
  settled: number;
  errors: string[];
}

/**
 * R26/R44 for transfers: each recent run's transfer group is listed at Stripe (one call per run)
 * and compared with its lines. A line whose answer was lost (or whose host crashed between Stripe's
 * answer and our commit) adopts the transfer that names it — never repeated. A transfer amount, a
 * reversed amount or a transfer that no line records becomes a mismatch for staff, never silently
 * overwritten. Reversals waiting for an answer are looked up again.
 */
export function createTransferReconciliation(
  deps: ServiceDeps & { gateway: PaymentGateway },
  transfers: TransferSender,
  finish: (runId: number) => Promise<void>,
) {
  const { uow, clock, gateway } = deps;

  const mismatch = (input: TransferMismatch) =>
    uow.transaction((repos) => repos.mismatches.open({ ...input, detectedAt: clock.now() }));

  async function line(run: PayoutRunRecord, current: PayoutLineRecord, atStripe: TransferSnapshot[]) {
    const subject = { payoutLineId: current.id, payoutRunId: run.id };
    const transfer = atStripe[0];
    if (atStripe.length > 1) {
      await mismatch({
        ...subject,
        kind: 'transfer_repeated',
        localState: `one transfer of ${current.netMinor} ${current.currency}`,
        stripeState: `${atStripe.length} transfers: ${atStripe.map((t) => `${t.id} (${t.amountMinor})`).join(', ')}`,
        detail: 'Stripe shows more than one transfer naming this payout line.',
      });
    }
    if (current.status === 'SENDING') {
      if (transfer) return (await transfers.adoptTransfer(transfer)) ? 1 : 0;
      return 0; // never reached Stripe: the run's "Resume sending" sends it, with the same key
    }
    if (current.status !== 'SENT') {
      if (transfer)
        await mismatch({
          ...subject,
          kind: 'transfer_not_recorded',
          localState: `line ${current.status.toLowerCase()}`,
          stripeState: `transfer ${transfer.id} of ${transfer.amountMinor} ${transfer.currency.toUpperCase()}`,
          detail: 'Stripe shows a transfer for a line recorded here as not paid.',
        });
      return 0;
    }
    if (!transfer || transfer.id !== current.stripeTransferId) {
      await mismatch({
        ...subject,
        kind: 'transfer_missing',
        localState: `sent as ${current.stripeTransferId ?? '—'}`,
        stripeState: transfer ? `transfer ${transfer.id}` : 'no transfer in the run’s group',
        detail: 'The transfer recorded for this line is not the one Stripe shows in the run’s transfer group.',
      });
      return 0;
    }
    if (transfer.amountMinor !== current.netMinor) {
      await mismatch({
        ...subject,
        kind: 'transfer_amount_differs',
        localState: `paid ${current.netMinor} ${current.currency}`,
        stripeState: `transferred ${transfer.amountMinor} ${transfer.currency.toUpperCase()}`,
        detail: 'The amount Stripe transferred differs from the line.',
      });
    }
    const reversals = await uow.read.payouts.reversalsOfLine(current.id);
    let settled = 0;
    for (const reversal of reversals)
      if (reversal.status === 'PENDING' && reversal.submittedAt !== null) {
        await transfers.reverse(reversal.refundRequestId);
        settled += 1;
      }
    const recorded = (await uow.read.payouts.reversalsOfLine(current.id))
      .filter((reversal) => reversal.status === 'SUCCEEDED')
      .reduce((sum, reversal) => sum + reversal.amountMinor, 0);
    if (recorded !== transfer.amountReversedMinor) {
      await mismatch({
        ...subject,
        kind: 'transfer_reversed_differs',
        localState: `reversed ${recorded} ${current.currency}`,
        stripeState: `reversed ${transfer.amountReversedMinor} ${transfer.currency.toUpperCase()}`,
        detail:
          'The amount reversed at Stripe differs from the reversals recorded here (e.g. one made in the dashboard).',
      });
    }
    return settled;
  }

  async function run(current: PayoutRunRecord, report: TransferReconciliation) {
    const atStripe = await gateway.findTransfers({ transferGroup: transferGroupOf(current.id) });
    const lines = await uow.read.payouts.lines(current.id);
    const known = new Set(lines.map((each) => String(each.id)));
    for (const each of lines) {
      // Adopting is safe even while a send is running: recording a line sent happens once, under its lock.
      if (each.status === 'HELD' || each.status === 'READY') continue;
      report.checked += 1;
      const naming = atStripe.filter((transfer) => transfer.metadata['payoutLineId'] === String(each.id));
      report.settled += await line(current, each, naming);
    }
    const unknown = atStripe.filter((transfer) => !known.has(transfer.metadata['payoutLineId'] ?? ''));
    if (unknown.length > 0)
      await mismatch({
        payoutRunId: current.id,
        payoutLineId: null,
        kind: 'transfer_unknown',
        localState: 'no line',
        stripeState: unknown
          .map((t) => `transfer ${t.id} of ${t.amountMinor} ${t.currency.toUpperCase()} to ${t.destination}`)
          .join('; '),
        detail: `Stripe shows transfers in run ${current.id}'s group that name none of its lines.`,
      });
    await finish(current.id);
  }

  return async function reconcileTransfers(): Promise<TransferReconciliation> {
    const report: TransferReconciliation = { checked: 0, settled: 0, errors: [] };
    const since = new Date(clock.now().getTime() - RECENT_DAYS * 86_400_000);
    for (const current of await uow.read.payouts.runsToReconcile({ updatedSince: since, limit: RUN_BATCH })) {
      try {
        await run(current, report);
      } catch (error) {
        report.errors.push(`payout run ${current.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return report;
  };
}
