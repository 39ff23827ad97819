import { STRIPE } from '../../domain/actors';
import { DomainError } from '../../domain/errors';
import { payoutSent } from '../../domain/ledger';
import { decidePayoutLineTransition, payoutLineActionOpenFrom } from '../../domain/payout-machine';
import { inTransaction, type ServiceDeps } from '../context';
import type { TransferSnapshot } from '../gateways';
import { lifecycleRecord } from '../lifecycle/records';
import type { LedgerStore, LineOutcomeWrite } from '../ports';

/** What Stripe said about one line's transfer: made (sent or found by its metadata), or refused. */
export type LineOutcome =
  | { readonly lineId: number; readonly kind: 'sent'; readonly transfer: TransferSnapshot }
  | { readonly lineId: number; readonly kind: 'failed'; readonly error: string };

type Posting = Parameters<LedgerStore['postMany']>[0][number];

/**
 * R44/R40: records Stripe's answers for a batch of lines in ONE transaction — the lines locked and
 * read together, each decided by the line table (a line someone else already moved — another console,
 * a transfer event, reconciliation — is skipped, as it is theirs), then one versioned write of every
 * line with its transition record, and the payouts of the SENT ones posted to the ledger together.
 * A crash before the commit leaves the lines SENDING and submitted: the next send or reconciliation
 * finds their transfers by metadata and adopts them, never sending twice. Returns the ids it moved.
 */
export function createOutcomeRecorder(deps: ServiceDeps) {
  const { clock } = deps;

  return async function recordOutcomes(outcomes: readonly LineOutcome[]): Promise<number[]> {
    if (outcomes.length === 0) return [];
    return inTransaction(deps, async (repos, changes) => {
      const ids = [...new Set(outcomes.map((outcome) => outcome.lineId))].sort((a, b) => a - b);
      await repos.payouts.lockLines(ids);
      const lines = new Map((await repos.payouts.findLines(ids)).map((line) => [line.id, line]));
      const now = clock.now();
      const writes: (LineOutcomeWrite & { runId: number })[] = [];
      const postings: Posting[] = [];
      const decided = new Set<number>();
      for (const outcome of outcomes) {
        const line = lines.get(outcome.lineId);
        const action = outcome.kind === 'sent' ? 'succeed' : 'fail';
        if (!line || decided.has(line.id) || !payoutLineActionOpenFrom(action, line.status)) continue;
        decided.add(line.id);
        const decision = decidePayoutLineTransition(action, STRIPE, line.status, line.id);
        const data =
          outcome.kind === 'sent'
            ? { data: { stripeTransferId: outcome.transfer.id, amountMinor: outcome.transfer.amountMinor } }
            : {};
        writes.push({
          id: line.id,
          runId: line.runId,
          expectedVersion: line.version,
          to: decision.to,
          stripeTransferId: outcome.kind === 'sent' ? outcome.transfer.id : null,
          sentAt: outcome.kind === 'sent' ? now : null,
          error: outcome.kind === 'sent' ? null : outcome.error,
          transition: lifecycleRecord(STRIPE, action, line.status, decision.to, now, data),
        });
        if (outcome.kind === 'sent') {
          const posting = payoutSent(line.currency, line.teacherId, line.netMinor);
          postings.push({
            entry: {
              kind: posting.kind,
              currency: posting.currency,
              payoutLineId: line.id,
              teacherId: line.teacherId,
              at: now,
            },
            lines: posting.lines,
          });
        }
      }
      const written = await repos.payouts.recordLineOutcomes(writes);
      // Every line was read under its lock, so its version cannot have moved since.
      if (written.length !== writes.length)
        throw new DomainError(
          'CONFLICT',
          'Payout lines were changed by someone else while their transfers were recorded',
        );
      await repos.ledger.postMany(postings);
      for (const write of writes) changes.payoutLine(write.runId, write.id, write.to);
      return written;
    });
  };
}

export type OutcomeRecorder = ReturnType<typeof createOutcomeRecorder>;
