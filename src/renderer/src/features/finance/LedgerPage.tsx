import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { isCurrencyCode, type CurrencyCode } from '../../../../shared/currency';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { formatDateTime, formatMoney } from '../../format';
import { navigate } from '../../route';
import { useTRPC } from '../../trpc';
import { accountLabel, CurrencySelect, ENTRY_KIND_LABEL, teacherOfAccount } from './common';
import { MoneyChart } from './MoneyChart';

const LINES_PAGE = 50;

/** The platform's accounts first, then teachers' by id. */
function accountOrder(account: string): number {
  const teacher = teacherOfAccount(account);
  if (teacher !== null) return 10 + teacher;
  return ['stripe_balance', 'platform_revenue', 'refunds'].indexOf(account) + 1;
}

/**
 * The ledger (R40, R46) for one currency: each account's balance (as people read it — what is owed
 * to a teacher or earned by the platform is positive — and as posted, debits positive), the sum of
 * all postings (always 0), the invariant check, and any account's lines.
 */
export function LedgerPage({ currency: routeCurrency, account }: { currency?: string; account?: string }) {
  const trpc = useTRPC();
  const currency: CurrencyCode = routeCurrency && isCurrencyCode(routeCurrency) ? routeCurrency : 'USD';
  const balances = useQuery(trpc.ledger.balances.queryOptions({ currency }));
  const teacherIds = [
    ...new Set(
      (balances.data?.accounts ?? []).flatMap((row) => {
        const id = teacherOfAccount(row.account);
        return id === null ? [] : [id];
      }),
    ),
  ];
  const teachers = useQueries({
    queries: teacherIds.map((id) => ({ ...trpc.people.getTeacher.queryOptions({ id }), staleTime: 300_000 })),
  });
  const names = new Map<number, string>();
  for (const teacher of teachers) if (teacher.data) names.set(teacher.data.id, teacher.data.name);
  const label = (name: string) => {
    const id = teacherOfAccount(name);
    return accountLabel(name, id === null ? undefined : names.get(id));
  };
  const accounts = [...(balances.data?.accounts ?? [])].sort(
    (a, b) => accountOrder(a.account) - accountOrder(b.account),
  );

  return (
    <section aria-label="Ledger">
      <div className="page-head">
        <h1>Ledger</h1>
        <div className="filters">
          <CurrencySelect value={currency} onChange={(next) => navigate(`/ledger/${next}`)} />
          <a href="#/payouts" className="button">
            Payouts
          </a>
        </div>
      </div>
      <CheckCard />
      <div className="card" aria-label="Balances">
        <h2>Balances ({currency})</h2>
        {balances.isPending ? (
          <Spinner label="Adding up the ledger…" />
        ) : balances.isError ? (
          <ErrorState error={balances.error} onRetry={() => void balances.refetch()} />
        ) : accounts.length === 0 ? (
          <EmptyState>Nothing has been posted in {currency} yet.</EmptyState>
        ) : (
          <table className="data" data-testid="balances">
            <thead>
              <tr>
                <th>Account</th>
                <th className="num">Balance</th>
                <th className="num">As posted (debit +, credit −)</th>
                <th className="num">Lines</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((row) => (
                <tr
                  key={row.account}
                  className={row.account === account ? 'selected-row' : undefined}
                  data-testid={`balance-${row.account}`}
                >
                  <td>
                    <a href={`#/ledger/${currency}/${encodeURIComponent(row.account)}`}>{label(row.account)}</a>
                  </td>
                  <td className="num">{formatMoney(row.naturalMinor, currency)}</td>
                  <td className="num muted">{formatMoney(row.balanceMinor, currency)}</td>
                  <td className="num">{row.lines}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="ledger-sum">
                <th>Sum of all postings (must be 0)</th>
                <td />
                <td className="num">
                  <strong>{formatMoney(balances.data.sumMinor, currency)}</strong>
                </td>
                <td className={balances.data.sumMinor === 0 ? 'success' : 'inline-error'}>
                  {balances.data.sumMinor === 0 ? '✓ balanced' : '✗ does not balance'}
                </td>
              </tr>
            </tfoot>
          </table>
        )}
      </div>
      {account ? <AccountLines account={account} currency={currency} title={label(account)} /> : null}
      <MoneyChart currency={currency} />
    </section>
  );
}

/** R46 on demand: every invariant of the ledger, across currencies. */
function CheckCard() {
  const trpc = useTRPC();
  const check = useQuery({ ...trpc.ledger.check.queryOptions(), staleTime: 0 });
  return (
    <div className="card" aria-label="Ledger check">
      <div className="card-head">
        <h2>Invariant check</h2>
        <button type="button" className="button" onClick={() => void check.refetch()} disabled={check.isFetching}>
          {check.isFetching ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {check.isPending ? (
        <Spinner label="Checking the ledger…" />
      ) : check.isError ? (
        <ErrorState error={check.error} onRetry={() => void check.refetch()} />
      ) : check.data.ok ? (
        <p className="success" data-testid="ledger-check">
          <strong>OK.</strong> Every currency sums to zero, every teacher’s balance matches what they earned, were
          refunded, paid and reversed, no session was paid twice, and every sent line has its transfer.{' '}
          <span className="muted">Checked {formatDateTime(new Date(check.dataUpdatedAt))}.</span>
        </p>
      ) : (
        <div className="callout-error" role="alert" data-testid="ledger-check">
          <strong>{check.data.problems.length} problem(s) found:</strong>
          <ul className="plain">
            {check.data.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
          <span className="muted">Checked {formatDateTime(new Date(check.dataUpdatedAt))}.</span>
        </div>
      )}
    </div>
  );
}

/** One account's lines, newest first, a page at a time. */
function AccountLines({ account, currency, title }: { account: string; currency: CurrencyCode; title: string }) {
  const trpc = useTRPC();
  const lines = useInfiniteQuery(
    trpc.ledger.lines.infiniteQueryOptions(
      { account, currency, limit: LINES_PAGE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const items = lines.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="card" aria-label="Account lines">
      <div className="card-head">
        <h2>Lines of {title}</h2>
        <a href={`#/ledger/${currency}`}>Close</a>
      </div>
      {lines.isPending ? (
        <Spinner />
      ) : lines.isError ? (
        <ErrorState error={lines.error} onRetry={() => void lines.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>No lines in {currency} on this account.</EmptyState>
      ) : (
        <>
          <table className="data" data-testid="account-lines">
            <thead>
              <tr>
                <th>Line</th>
                <th>Date</th>
                <th>Entry</th>
                <th>About</th>
                <th className="num">Debit</th>
                <th className="num">Credit</th>
              </tr>
            </thead>
            <tbody>
              {items.map((line) => (
                <tr key={line.id} data-testid="account-line">
                  <td>
                    #{line.id} <span className="muted">(entry #{line.entryId})</span>
                  </td>
                  <td>{formatDateTime(line.at)}</td>
                  <td>{ENTRY_KIND_LABEL[line.kind] ?? line.kind}</td>
                  <td>
                    {[
                      line.bookingId !== null ? (
                        <a key="booking" href={`#/bookings/${line.bookingId}`}>
                          Booking #{line.bookingId}
                        </a>
                      ) : null,
                      line.refundRequestId !== null ? (
                        <span key="refund">Refund request #{line.refundRequestId}</span>
                      ) : null,
                      line.payoutLineId !== null ? <span key="payout">Payout line #{line.payoutLineId}</span> : null,
                    ]
                      .filter((part) => part !== null)
                      .map((part, index) => (
                        <span key={index}>
                          {index > 0 ? ' · ' : null}
                          {part}
                        </span>
                      ))}
                  </td>
                  <td className="num">{line.amountMinor > 0 ? formatMoney(line.amountMinor, currency) : ''}</td>
                  <td className="num">{line.amountMinor < 0 ? formatMoney(-line.amountMinor, currency) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {lines.hasNextPage ? (
            <button
              type="button"
              className="button"
              onClick={() => void lines.fetchNextPage()}
              disabled={lines.isFetchingNextPage}
            >
              {lines.isFetchingNextPage ? 'Loading…' : 'Show older lines'}
            </button>
          ) : (
            <p className="muted">All {items.length} line(s) shown.</p>
          )}
        </>
      )}
    </div>
  );
}
