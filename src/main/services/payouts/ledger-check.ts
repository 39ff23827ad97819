import { naturalBalance } from '../../domain/ledger';
import { DomainError } from '../../domain/errors';
import type { ServiceDeps } from '../context';
import { implement } from '../use-case';
import { PAYOUT_USE_CASES } from './specs';

const BUCKET_MS = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 } as const;
const MAX_BUCKETS = 1000;

/**
 * R46, checked on demand (ledger.check, `npm run doctor`) and after every step in tests: per
 * currency all lines sum to zero (and every entry balances); each teacher's payable equals shares
 * earned − refunded teacher parts − paid out + reversed, recomputed from the payments, payout lines
 * and reversals themselves; no session was paid out twice; every sent line has its transfer.
 */
export function createLedgerUseCases(deps: ServiceDeps) {
  const { uow } = deps;

  async function check(): Promise<{ ok: boolean; problems: string[] }> {
    const problems: string[] = [];
    for (const sum of await uow.read.ledger.sums()) {
      if (sum.sumMinor !== 0) problems.push(`${sum.currency}: the ledger's lines sum to ${sum.sumMinor}, not 0`);
      if (sum.unbalancedEntries > 0) problems.push(`${sum.currency}: ${sum.unbalancedEntries} entries do not balance`);
    }
    const expected = await uow.read.payouts.expectedPayables();
    const currencies = [...new Set(expected.map((row) => row.currency))];
    const actual = new Map<string, number>();
    for (const currency of currencies)
      for (const balance of await uow.read.ledger.balances(currency))
        if (balance.account.startsWith('teacher_payable:'))
          actual.set(`${balance.account}:${currency}`, naturalBalance(balance.account, balance.balanceMinor));
    for (const row of expected) {
      const want = row.earnedMinor - row.refundedMinor - row.paidMinor + row.reversedMinor;
      const have = actual.get(`teacher_payable:${row.teacherId}:${row.currency}`) ?? 0;
      if (want !== have)
        problems.push(
          `Teacher ${row.teacherId} (${row.currency}): the ledger says ${have} is owed; earned ${row.earnedMinor} − refunded ${row.refundedMinor} − paid ${row.paidMinor} + reversed ${row.reversedMinor} = ${want}`,
        );
    }
    for (const bookingId of await uow.read.payouts.sessionsPaidTwice())
      problems.push(`Booking ${bookingId}'s session is in more than one payout that was sent`);
    for (const lineId of await uow.read.payouts.sentLinesMissingTransfer())
      problems.push(`Payout line ${lineId} is SENT but has no Stripe transfer`);
    return { ok: problems.length === 0, problems };
  }

  return {
    check: Object.assign(
      implement(PAYOUT_USE_CASES.check, () => check()),
      { now: check },
    ),
    balances: implement(PAYOUT_USE_CASES.balances, async (_actor, input) => {
      const accounts = await uow.read.ledger.balances(input.currency);
      const teacherOf = (account: string) =>
        account.startsWith('teacher_payable:') ? Number(account.slice('teacher_payable:'.length)) : null;
      const names = await uow.read.people.teacherNames(
        accounts.flatMap((row) => {
          const id = teacherOf(row.account);
          return id === null ? [] : [id];
        }),
      );
      return {
        currency: input.currency,
        accounts: accounts.map((row) => ({
          account: row.account,
          teacher: (() => {
            const id = teacherOf(row.account);
            return id === null ? null : { id, name: names.get(id) ?? `Teacher ${id}` };
          })(),
          balanceMinor: row.balanceMinor,
          /** As people read it: what is owed to a teacher or earned by the platform is positive. */
          naturalMinor: naturalBalance(row.account, row.balanceMinor),
          lines: row.lines,
        })),
        sumMinor: accounts.reduce((sum, row) => sum + row.balanceMinor, 0),
      };
    }),
    series: implement(PAYOUT_USE_CASES.series, async (_actor, input) => {
      if (input.to <= input.from)
        throw new DomainError('VALIDATION', 'The period must end after it starts', {
          fields: { to: ['must be after from'] },
        });
      const bucket = input.bucket ?? 'day';
      if ((input.to.getTime() - input.from.getTime()) / BUCKET_MS[bucket] > MAX_BUCKETS)
        throw new DomainError('VALIDATION', `At most ${MAX_BUCKETS} ${bucket}s at a time; choose a longer bucket`, {
          fields: { bucket: [`more than ${MAX_BUCKETS} ${bucket}s in the period`] },
        });
      const rows = await uow.read.ledger.series({ currency: input.currency, from: input.from, to: input.to, bucket });
      return { currency: input.currency, bucket, points: rows };
    }),
    accountLines: implement(PAYOUT_USE_CASES.accountLines, async (_actor, input) => {
      const limit = input.limit ?? 100;
      const rows = await uow.read.ledger.accountLines({
        account: input.account,
        currency: input.currency,
        beforeId: input.cursor,
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    }),
  };
}
