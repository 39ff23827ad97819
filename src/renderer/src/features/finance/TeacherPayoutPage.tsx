import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Dialog, EmptyState, ErrorState, InlineError, Spinner } from '../../components/ui';
import type { CurrencyCode } from '../../../../shared/currency';
import { formatDateTime, formatMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC, type RouterOutputs } from '../../trpc';
import { TeacherLink } from '../people/links';
import { download } from '../revenue/csv';
import { CurrencySelect, dayStart, isoDay, PAYOUT_STATUS_LABEL, useFinanceRefresh } from './common';
import {
  STATEMENT_KIND_LABEL,
  statementCsv,
  statementFilename,
  withRunningBalance,
  type Statement,
  type StatementEntry,
} from './statement';

type Connected = RouterOutputs['teachers']['connect'];

/** A teacher's payouts: their Stripe Connect account, and their statement for a period (R44, R47). */
export function TeacherPayoutPage({ id }: { id: number }) {
  const trpc = useTRPC();
  const teacher = useQuery(trpc.people.getTeacher.queryOptions({ id }));
  const today = new Date();
  const [currency, setCurrency] = useState<CurrencyCode>('USD');
  const [from, setFrom] = useState(isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1))));
  const [to, setTo] = useState(isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1))));
  const [printing, setPrinting] = useState(false);
  const fromDate = dayStart(from);
  const toDate = dayStart(to);
  const statement = useQuery({
    ...trpc.statements.get.queryOptions({
      teacherId: id,
      currency,
      from: fromDate ?? new Date(0),
      to: toDate ?? new Date(0),
    }),
    enabled: fromDate !== null && toDate !== null,
  });

  if (printing && statement.data)
    return <PrintableStatement statement={statement.data} onClose={() => setPrinting(false)} />;

  return (
    <article className="detail" aria-label={`Teacher ${id} payouts`}>
      <div className="page-head">
        <h1>
          {teacher.data ? teacher.data.name : `Teacher ${id}`}
          <span className="muted"> · payouts</span>
        </h1>
        <a href="#/payouts">← All payouts</a>
      </div>
      {teacher.isError ? <InlineError error={teacher.error} /> : null}
      {teacher.data ? (
        <p className="muted">
          {teacher.data.email} · <TeacherLink id={id} name="teacher page (bookings, gigs)" />
        </p>
      ) : null}
      <ConnectCard teacherId={id} />
      <section className="card" aria-label="Statement">
        <div className="card-head">
          <h2>Statement</h2>
          <div className="filters">
            <CurrencySelect value={currency} onChange={setCurrency} />
            <label>
              From{' '}
              <input type="date" aria-label="From" value={from} onChange={(event) => setFrom(event.target.value)} />
            </label>
            <label>
              To (exclusive){' '}
              <input type="date" aria-label="To" value={to} onChange={(event) => setTo(event.target.value)} />
            </label>
            <button
              type="button"
              className="button"
              disabled={!statement.data}
              onClick={() => {
                if (statement.data) download(statementFilename(statement.data), statementCsv(statement.data));
              }}
            >
              Download CSV
            </button>
            <button type="button" className="button" disabled={!statement.data} onClick={() => setPrinting(true)}>
              Printable statement
            </button>
          </div>
        </div>
        <p className="muted">Days in UTC. Amounts as the teacher reads them: what is owed to them is positive.</p>
        {fromDate === null || toDate === null ? (
          <p className="inline-error">Choose both dates.</p>
        ) : statement.isPending ? (
          <Spinner label="Reading the ledger…" />
        ) : statement.isError ? (
          <ErrorState error={statement.error} onRetry={() => void statement.refetch()} />
        ) : (
          <StatementBody statement={statement.data} links />
        )}
      </section>
    </article>
  );
}

function ConnectCard({ teacherId }: { teacherId: number }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const refresh = useFinanceRefresh();
  const status = useQuery(trpc.teachers.payoutStatus.queryOptions({ teacherId }));
  const [connecting, setConnecting] = useState(false);
  const [connected, setConnected] = useState<Connected | null>(null);
  const connect = useMutation(
    trpc.teachers.connect.mutationOptions({
      onSuccess: (result) => {
        setConnected(result);
        setConnecting(false);
        refresh();
      },
    }),
  );
  const onboardingUrl = connected?.teacherId === teacherId ? connected.onboardingUrl : null;
  // With real Stripe an account stays in onboarding until the teacher finishes; a new link can be asked for.
  const onboardingAccount = status.data?.stripeAccountId ?? null;
  return (
    <section className="card" aria-label="Stripe account">
      <div className="card-head">
        <h2>Stripe account</h2>
        {can('payouts.manage') ? (
          <div className="actions">
            {status.data?.payoutStatus === 'onboarding' && onboardingAccount ? (
              <button
                type="button"
                className="button"
                disabled={connect.isPending}
                onClick={() => connect.mutate({ teacherId, stripeAccountId: onboardingAccount })}
              >
                New onboarding link
              </button>
            ) : null}
            <button
              type="button"
              className={status.data?.payoutStatus === 'not_connected' ? 'button primary' : 'button'}
              onClick={() => {
                connect.reset();
                setConnecting(true);
              }}
            >
              {status.data?.payoutStatus === 'not_connected' ? 'Connect Stripe account' : 'Change Stripe account'}
            </button>
          </div>
        ) : null}
      </div>
      {status.isPending ? (
        <Spinner />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <dl data-testid="payout-status">
          <dt>Payout status</dt>
          <dd>
            <span className={`badge badge-${status.data.payoutStatus}`} data-testid="payout-status-value">
              {PAYOUT_STATUS_LABEL[status.data.payoutStatus]}
            </span>
          </dd>
          <dt>Connected account</dt>
          <dd className="code" data-testid="stripe-account">
            {status.data.stripeAccountId ?? '—'}
          </dd>
          <dt>Transfers</dt>
          <dd>{status.data.transfersActive ? 'active' : 'not active'}</dd>
          <dt>Payouts to the bank</dt>
          <dd>{status.data.payoutsEnabled ? 'enabled' : 'not enabled'}</dd>
        </dl>
      )}
      {status.data?.payoutStatus === 'not_connected' ? (
        <p className="muted">Payout lines for this teacher are held until a Stripe account is connected.</p>
      ) : null}
      {onboardingUrl ? (
        <p className="notice" data-testid="onboarding-link">
          The teacher finishes onboarding at Stripe through this link (single use, it expires soon):{' '}
          <a href={onboardingUrl} target="_blank" rel="noreferrer">
            {onboardingUrl}
          </a>
        </p>
      ) : null}
      {!connecting ? <InlineError error={connect.error} /> : null}
      {connecting ? (
        <ConnectDialog
          pending={connect.isPending}
          error={connect.error}
          onCreate={() => connect.mutate({ teacherId })}
          onRecord={(stripeAccountId) => connect.mutate({ teacherId, stripeAccountId })}
          onClose={() => setConnecting(false)}
        />
      ) : null}
    </section>
  );
}

function ConnectDialog(props: {
  pending: boolean;
  error: unknown;
  onCreate: () => void;
  onRecord: (stripeAccountId: string) => void;
  onClose: () => void;
}) {
  const [accountId, setAccountId] = useState('');
  return (
    <Dialog title="Connect Stripe account" onClose={props.onClose}>
      <p>
        Create a Stripe Connect account for the teacher (with real Stripe they then finish onboarding through a link),
        or record an account they already have.
      </p>
      <div className="dialog-actions">
        <button type="button" className="button primary" disabled={props.pending} onClick={props.onCreate}>
          {props.pending ? 'Working…' : 'Create a Stripe account'}
        </button>
      </div>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onRecord(accountId.trim());
        }}
      >
        <label>
          Existing account id
          <input
            value={accountId}
            placeholder="acct_…"
            onChange={(event) => setAccountId(event.target.value)}
            spellCheck={false}
          />
        </label>
        <InlineError error={props.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={props.onClose}>
            Back
          </button>
          <button type="submit" className="button" disabled={props.pending || accountId.trim() === ''}>
            Record existing account
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EntryReference({ entry, links }: { entry: StatementEntry; links: boolean }) {
  const parts: ReactNode[] = [];
  if (entry.bookingId !== undefined)
    parts.push(
      links ? (
        <a key="booking" href={`#/bookings/${entry.bookingId}`}>
          Booking #{entry.bookingId}
        </a>
      ) : (
        <span key="booking">Booking #{entry.bookingId}</span>
      ),
    );
  if (entry.refundRequestId !== undefined)
    parts.push(<span key="refund">Refund request #{entry.refundRequestId}</span>);
  if (entry.payoutRunId !== undefined)
    parts.push(
      links ? (
        <a key="run" href={`#/payouts/runs/${entry.payoutRunId}`}>
          Payout run #{entry.payoutRunId}
        </a>
      ) : (
        <span key="run">Payout run #{entry.payoutRunId}</span>
      ),
    );
  return (
    <>
      {parts.map((part, index) => (
        <span key={index}>
          {index > 0 ? ' · ' : null}
          {part}
        </span>
      ))}
    </>
  );
}

/** Opening balance, each entry with the balance after it, the closing balance, then the totals. */
function StatementBody({ statement, links }: { statement: Statement; links: boolean }) {
  const money = (minor: number) => formatMoney(minor, statement.currency);
  const entries = withRunningBalance(statement);
  return (
    <>
      <table className="data statement" aria-label="Statement entries" data-testid="statement">
        <thead>
          <tr>
            <th>Date</th>
            <th>What</th>
            <th>Reference</th>
            <th className="num">Amount</th>
            <th className="num">Balance</th>
          </tr>
        </thead>
        <tbody>
          <tr className="statement-edge" data-testid="statement-opening">
            <td>{formatDateTime(statement.from)}</td>
            <td colSpan={3}>
              <strong>Opening balance</strong>
            </td>
            <td className="num">
              <strong>{money(statement.openingMinor)}</strong>
            </td>
          </tr>
          {entries.map((entry, index) => (
            <tr key={index} data-testid={`statement-${entry.kind}`}>
              <td>{formatDateTime(entry.at)}</td>
              <td>{STATEMENT_KIND_LABEL[entry.kind]}</td>
              <td>
                <EntryReference entry={entry} links={links} />
              </td>
              <td className="num">{money(entry.amountMinor)}</td>
              <td className="num">{money(entry.balanceMinor)}</td>
            </tr>
          ))}
          <tr className="statement-edge" data-testid="statement-closing">
            <td>{formatDateTime(statement.to)}</td>
            <td colSpan={3}>
              <strong>Closing balance</strong>
            </td>
            <td className="num">
              <strong>{money(statement.closingMinor)}</strong>
            </td>
          </tr>
        </tbody>
      </table>
      {entries.length === 0 ? <EmptyState>No entries in this period.</EmptyState> : null}
      <div className="totals statement-totals" data-testid="statement-totals">
        {(
          [
            ['Sessions earned', statement.totals.sessionsMinor],
            ['Refunds', statement.totals.refundsMinor],
            ['Payouts', statement.totals.payoutsMinor],
            ['Reversals', statement.totals.reversalsMinor],
          ] as const
        ).map(([label, value]) => (
          <div className="card total-card" key={label}>
            <span className="muted">{label}</span>
            <strong>{money(value)}</strong>
          </div>
        ))}
      </div>
    </>
  );
}

/**
 * The statement as a page to print (R47): the teacher, the period, the entries and the totals, with
 * the console's navigation hidden by the print styles. Opens the print dialog once when shown.
 */
function PrintableStatement({ statement, onClose }: { statement: Statement; onClose: () => void }) {
  const printed = useRef(false);
  useEffect(() => {
    if (printed.current) return;
    printed.current = true;
    window.print();
  }, []);
  return (
    <article className="printable-statement" aria-label="Printable statement" data-testid="printable-statement">
      <div className="actions no-print">
        <button type="button" className="button ghost" onClick={onClose}>
          ← Back to the statement
        </button>
        <button type="button" className="button primary" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <header className="print-header">
        <div className="muted">LinguaFlex · teacher statement</div>
        <h1>{statement.teacher.name}</h1>
        <p>
          {statement.teacher.email} · teacher {statement.teacher.id}
        </p>
        <p>
          {statement.currency}, {formatDateTime(statement.from)} to {formatDateTime(statement.to)} (exclusive)
        </p>
      </header>
      <StatementBody statement={statement} links={false} />
      <p className="muted print-footer">
        Printed {formatDateTime(new Date())}. Amounts owed to the teacher are positive; payouts are transfers to their
        connected Stripe account.
      </p>
    </article>
  );
}
