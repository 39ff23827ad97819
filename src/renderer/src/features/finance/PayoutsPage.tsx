import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { EmptyState, ErrorState, InlineError, Spinner } from '../../components/ui';
import type { CurrencyCode } from '../../../../shared/currency';
import { formatDateTime, formatMoney } from '../../format';
import { navigate } from '../../route';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';
import {
  CurrencySelect,
  fromDateTimeLocal,
  LineStatusBadge,
  RUN_STATUS_LABEL,
  RunStatusBadge,
  toDateTimeLocal,
  useFinanceRefresh,
} from './common';
import { PayoutLink, TeacherLink } from '../people/links';

const RUN_FILTERS = ['ALL', 'DRAFT', 'APPROVED', 'SENDING', 'SENT', 'PARTIALLY_FAILED', 'DISCARDED'] as const;
type RunFilter = (typeof RUN_FILTERS)[number];
const PAGE_SIZE = 20;

/** The payouts area: a preview for a currency and cut-off, a draft run from it, the runs, teachers' pages. */
export function PayoutsPage() {
  return (
    <section aria-label="Payouts">
      <div className="page-head">
        <h1>Payouts</h1>
        <a href="#/ledger" className="button">
          Ledger
        </a>
      </div>
      <PreviewCard />
      <RunsCard />
      <TeacherFinder />
    </section>
  );
}

function PreviewCard() {
  const trpc = useTRPC();
  const { can } = useSession();
  const refresh = useFinanceRefresh();
  const [currency, setCurrency] = useState<CurrencyCode>('USD');
  // The cut-off defaults to now (to the minute, as the field shows it).
  const [cutoffText, setCutoffText] = useState(() => toDateTimeLocal(new Date()));
  // The preview runs for what was last asked for (not on every keystroke in the cut-off field).
  const [asked, setAsked] = useState<{ currency: CurrencyCode; cutoff: Date }>(() => ({
    currency: 'USD',
    cutoff: fromDateTimeLocal(cutoffText) ?? new Date(),
  }));
  const cutoff = fromDateTimeLocal(cutoffText);
  const preview = useQuery(trpc.payouts.preview.queryOptions(asked));
  const create = useMutation(
    trpc.payouts.createRun.mutationOptions({
      onSuccess: (run) => {
        refresh();
        navigate(`/payouts/runs/${run.id}`);
      },
    }),
  );
  const changed = cutoff === null || cutoff.getTime() !== asked.cutoff.getTime() || currency !== asked.currency;
  const ready = preview.data?.lines.filter((line) => line.state === 'READY') ?? [];
  const held = preview.data?.lines.filter((line) => line.state === 'HELD') ?? [];
  const sum = (lines: typeof ready) => lines.reduce((total, line) => total + line.netMinor, 0);

  return (
    <div className="card" aria-label="Payout preview">
      <h2>Preview a payout run</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (cutoff) setAsked({ currency, cutoff });
        }}
      >
        <CurrencySelect value={currency} onChange={setCurrency} />
        <label>
          Cut-off
          <input
            type="datetime-local"
            aria-label="Cut-off"
            value={cutoffText}
            onChange={(event) => setCutoffText(event.target.value)}
          />
        </label>
        <button type="submit" className="button" disabled={cutoff === null}>
          Preview
        </button>
        {can('payouts.manage') ? (
          <button
            type="button"
            className="button primary"
            disabled={changed || create.isPending || !preview.data}
            title={changed ? 'Preview this currency and cut-off first' : undefined}
            onClick={() => create.mutate(asked)}
          >
            {create.isPending ? 'Creating…' : 'Create draft run'}
          </button>
        ) : null}
      </form>
      {cutoff === null ? <p className="inline-error">Choose a cut-off date and time.</p> : null}
      <InlineError error={create.error} />
      <p className="muted">
        Sessions completed and ended at least the payout hold before the cut-off, net of their refunds and of what
        teachers still owe from refunds after earlier payouts. A line below the minimum payout or for a teacher without
        a connected Stripe account is held and carried forward.
      </p>
      {preview.isPending ? (
        <Spinner label="Adding up…" />
      ) : preview.isError ? (
        <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
      ) : (
        <>
          <p data-testid="preview-summary">
            {asked.currency} up to {formatDateTime(asked.cutoff)}: <strong>{ready.length}</strong> line(s) ready,{' '}
            <strong>{formatMoney(sum(ready), asked.currency)}</strong>; {held.length} held (
            {formatMoney(sum(held), asked.currency)}). Minimum payout{' '}
            {formatMoney(preview.data.minimumMinor, asked.currency)}.
          </p>
          {preview.data.lines.length === 0 ? (
            <EmptyState>Nothing is payable in {asked.currency} at this cut-off.</EmptyState>
          ) : (
            <table className="data" aria-label="Preview lines" data-testid="preview-lines">
              <thead>
                <tr>
                  <th>Teacher</th>
                  <th className="num">Sessions</th>
                  <th className="num">Earned</th>
                  <th className="num">Refunds</th>
                  <th className="num">Carried</th>
                  <th className="num">Net</th>
                  <th>State</th>
                  <th>Why held</th>
                </tr>
              </thead>
              <tbody>
                {preview.data.lines.map((line) => (
                  <tr key={line.teacherId} data-testid={`preview-line-${line.teacherId}`}>
                    <td>
                      <TeacherLink id={line.teacherId} name={line.teacherName} /> ·{' '}
                      <PayoutLink id={line.teacherId} name={line.teacherName} />
                    </td>
                    <td className="num">{line.sessions}</td>
                    <td className="num">{formatMoney(line.sessionsMinor, asked.currency)}</td>
                    <td className="num">{formatMoney(-line.refundsMinor, asked.currency)}</td>
                    <td className="num">{formatMoney(line.carriedMinor, asked.currency)}</td>
                    <td className="num">
                      <strong>{formatMoney(line.netMinor, asked.currency)}</strong>
                    </td>
                    <td>
                      <LineStatusBadge status={line.state} />
                    </td>
                    <td>{line.heldReason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

function RunsCard() {
  const trpc = useTRPC();
  const [status, setStatus] = useState<RunFilter>('ALL');
  const runs = useInfiniteQuery({
    ...trpc.payouts.list.infiniteQueryOptions(status === 'ALL' ? { limit: PAGE_SIZE } : { status, limit: PAGE_SIZE }, {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
    // No event announces another console's payout action: read the runs afresh whenever they are shown.
    staleTime: 0,
  });
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="card" aria-label="Payout runs">
      <div className="card-head">
        <h2>Runs</h2>
        <label className="inline-label">
          Status
          <select
            value={status}
            aria-label="Run status"
            onChange={(event) => setStatus(event.target.value as RunFilter)}
          >
            {RUN_FILTERS.map((filter) => (
              <option key={filter} value={filter}>
                {filter === 'ALL' ? 'All' : RUN_STATUS_LABEL[filter]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runs.isPending ? (
        <Spinner />
      ) : runs.isError ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>No payout runs here yet.</EmptyState>
      ) : (
        <>
          <table className="data" data-testid="runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Currency</th>
                <th>Cut-off</th>
                <th className="num">Total</th>
                <th className="num">Held</th>
                <th>Created by</th>
                <th>Approved by</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((run) => (
                <tr key={run.id} data-testid={`run-row-${run.id}`}>
                  <td>
                    <a href={`#/payouts/runs/${run.id}`}>Run #{run.id}</a>
                  </td>
                  <td>
                    <RunStatusBadge status={run.status} />
                  </td>
                  <td>{run.currency}</td>
                  <td>{formatDateTime(run.cutoff)}</td>
                  <td className="num">{formatMoney(run.totalMinor, run.currency)}</td>
                  <td className="num">{formatMoney(run.heldMinor, run.currency)}</td>
                  <td>{run.createdBy?.name ?? '—'}</td>
                  <td>{run.approvedBy?.name ?? '—'}</td>
                  <td>{formatDateTime(run.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {runs.hasNextPage ? (
            <button
              type="button"
              className="button"
              onClick={() => void runs.fetchNextPage()}
              disabled={runs.isFetchingNextPage}
            >
              {runs.isFetchingNextPage ? 'Loading…' : 'Show older runs'}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}

/** Finds a teacher's payout page (their Stripe account and statement) by name or email. */
function TeacherFinder() {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const found = useQuery({
    ...trpc.people.searchTeachers.queryOptions({ text: asked ?? '' }),
    enabled: asked !== null,
  });
  return (
    <div className="card" aria-label="Teacher payout pages">
      <h2>Teachers</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setAsked(text.trim());
        }}
      >
        <input
          type="search"
          aria-label="Find a teacher"
          placeholder="Teacher name or email"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" className="button">
          Find
        </button>
      </form>
      {asked === null ? (
        <p className="muted">Find a teacher to connect their Stripe account or read their statement.</p>
      ) : found.isPending ? (
        <Spinner />
      ) : found.isError ? (
        <ErrorState error={found.error} />
      ) : found.data.length === 0 ? (
        <EmptyState>No teacher matches “{asked}”.</EmptyState>
      ) : (
        <ul className="plain" data-testid="teacher-results">
          {found.data.map((teacher) => (
            <li key={teacher.id}>
              <a href={`#/payouts/teachers/${teacher.id}`}>{teacher.name}</a>{' '}
              <span className="muted">
                (<TeacherLink id={teacher.id} name="teacher page" />)
              </span>{' '}
              <span className="muted">{teacher.email}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
