import { DomainError } from '../../domain/errors';
import { naturalBalance, teacherPayable, type LedgerEntryKind } from '../../domain/ledger';
import type { ServiceDeps } from '../context';
import { implement } from '../use-case';
import { PAYOUT_USE_CASES } from './specs';

export type StatementKind = 'session' | 'refund' | 'refund_failed' | 'payout' | 'reversal';

const KIND: Record<LedgerEntryKind, StatementKind> = {
  payment_succeeded: 'session',
  refund_succeeded: 'refund',
  refund_failed: 'refund_failed',
  payout_sent: 'payout',
  transfer_reversed: 'reversal',
};

/**
 * R47: a teacher's statement for a period, straight from their payable account in the ledger:
 * the opening balance, each session earned, each refund's teacher part, each payout and reversal,
 * and the closing balance — all as the teacher reads them (owed to them is positive).
 */
export function createStatementUseCases(deps: ServiceDeps) {
  const { uow } = deps;
  return {
    get: implement(PAYOUT_USE_CASES.statement, async (_actor, input) => {
      if (input.to <= input.from)
        throw new DomainError('VALIDATION', 'The period must end after it starts', {
          fields: { to: ['must be after from'] },
        });
      const teacher = await uow.read.people.findTeacher(input.teacherId);
      if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${input.teacherId} does not exist`);
      const [openingRaw, lines] = await Promise.all([
        uow.read.ledger.teacherBalanceBefore(teacher.id, input.currency, input.from),
        uow.read.ledger.teacherLines({
          teacherId: teacher.id,
          currency: input.currency,
          from: input.from,
          to: input.to,
        }),
      ]);
      const account = teacherPayable(teacher.id);
      const openingMinor = naturalBalance(account, openingRaw);
      const entries = lines.map((line) => ({
        at: line.at,
        kind: KIND[line.kind],
        bookingId: line.bookingId ?? undefined,
        refundRequestId: line.refundRequestId ?? undefined,
        payoutRunId: undefined as number | undefined,
        payoutLineId: line.payoutLineId ?? undefined,
        amountMinor: naturalBalance(account, line.amountMinor),
      }));
      const lineIds = [...new Set(entries.flatMap((entry) => (entry.payoutLineId ? [entry.payoutLineId] : [])))];
      const runs = new Map(
        await Promise.all(lineIds.map(async (id) => [id, (await uow.read.payouts.findLine(id))?.runId] as const)),
      );
      for (const entry of entries) if (entry.payoutLineId) entry.payoutRunId = runs.get(entry.payoutLineId);
      const closingMinor = entries.reduce((sum, entry) => sum + entry.amountMinor, openingMinor);
      const total = (kind: StatementKind) =>
        entries.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.amountMinor, 0);
      return {
        teacher: { id: teacher.id, name: teacher.name, email: teacher.email },
        currency: input.currency,
        from: input.from,
        to: input.to,
        openingMinor,
        closingMinor,
        totals: {
          sessionsMinor: total('session'),
          refundsMinor: total('refund') + total('refund_failed'),
          payoutsMinor: total('payout'),
          reversalsMinor: total('reversal'),
        },
        entries,
      };
    }),
  };
}
