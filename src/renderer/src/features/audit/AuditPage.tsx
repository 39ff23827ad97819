import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { EmptyState, ErrorState, InlineError, Spinner } from '../../components/ui';
import { formatDateTime } from '../../format';
import { auditPath, navigate, type AuditRouteFilters } from '../../route';
import { useSession } from '../../session';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../../trpc';
import { StudentLink, TeacherLink } from '../people/links';
import { download, toCsv } from '../revenue/csv';
import { describeEntry } from './describe';

type Entry = RouterOutputs['audit']['list']['items'][number];
type AuditInput = Parameters<ReturnType<typeof useTRPCClient>['audit']['list']['query']>[0];

/** Actions to filter by; a family ("booking") matches every action under it. Support sees booking history only. */
const ACTIONS: readonly { id: string; label: string; bookingHistory: boolean }[] = [
  { id: '', label: 'Any action', bookingHistory: true },
  { id: 'booking', label: 'Bookings — any', bookingHistory: true },
  { id: 'booking.create', label: 'Booking created', bookingHistory: true },
  { id: 'booking.confirm', label: 'Booking confirmed', bookingHistory: true },
  { id: 'booking.decline', label: 'Booking declined', bookingHistory: true },
  { id: 'booking.cancel', label: 'Booking cancelled (unpaid)', bookingHistory: true },
  { id: 'booking.cancel_paid', label: 'Booking cancelled with refund', bookingHistory: true },
  { id: 'booking.complete', label: 'Session completed', bookingHistory: true },
  { id: 'booking.expire_payment_window', label: 'Payment window expired', bookingHistory: true },
  { id: 'payment', label: 'Payments — any', bookingHistory: true },
  { id: 'refund', label: 'Refund requests — any', bookingHistory: true },
  { id: 'refund.request', label: 'Refund requested', bookingHistory: true },
  { id: 'refund.approve', label: 'Refund approved', bookingHistory: true },
  { id: 'refund.reject', label: 'Refund rejected', bookingHistory: true },
  { id: 'refund.retry', label: 'Refund retried', bookingHistory: true },
  { id: 'student', label: 'Students', bookingHistory: false },
  { id: 'teacher', label: 'Teachers', bookingHistory: false },
  { id: 'gig', label: 'Gigs', bookingHistory: false },
  { id: 'payment_method', label: 'Saved cards', bookingHistory: false },
  { id: 'staff', label: 'Staff accounts', bookingHistory: false },
  { id: 'settings', label: 'Settings', bookingHistory: false },
  { id: 'credentials', label: 'Credentials', bookingHistory: false },
  { id: 'payout', label: 'Payouts', bookingHistory: false },
  { id: 'reconciliation', label: 'Reconciliation', bookingHistory: false },
  { id: 'outbox', label: 'Deliveries', bookingHistory: false },
];

/** A date input's day (the viewer's) as the instant it starts; `next` gives the following day's start. */
function dayInstant(value: string | undefined, next = false): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00`);
  if (next) date.setDate(date.getDate() + 1);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The procedure's input for the screen's filters (dates are whole days in the viewer's time, `to` included). */
function inputOf(filters: AuditRouteFilters): NonNullable<AuditInput> {
  return {
    ...(filters.student !== undefined ? { studentId: filters.student } : {}),
    ...(filters.teacher !== undefined ? { teacherId: filters.teacher } : {}),
    ...(filters.booking !== undefined ? { bookingId: filters.booking } : {}),
    ...(filters.staff !== undefined ? { staffId: filters.staff } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.entity ? { entity: filters.entity } : {}),
    from: dayInstant(filters.from),
    to: dayInstant(filters.to, true),
  };
}

function actorText(entry: Entry): string {
  if (entry.actorName) return entry.actorName;
  if (entry.actorStaffId !== null) return `staff member ${entry.actorStaffId} (no longer known)`;
  return entry.actorRole === 'SYSTEM' ? 'the system' : `the ${entry.actorRole.toLowerCase()}`;
}

const ENTITY_LABEL: Record<string, string> = {
  Booking: 'Booking',
  Payment: 'Payment',
  RefundRequest: 'Refund request',
  Student: 'Student',
  Teacher: 'Teacher',
  Gig: 'Gig',
  Staff: 'Staff account',
  Settings: 'Settings',
  PayoutRun: 'Payout run',
  PayoutLine: 'Payout line',
  ReconciliationMismatch: 'Mismatch',
  OutboxMessage: 'Delivery',
};

/** What an entry is about, linked where the console has a page for it. */
function About({ entry }: { entry: Entry }) {
  const label = `${ENTITY_LABEL[entry.entity] ?? entry.entity} ${/^\d+$/.test(entry.entityId) ? `#${entry.entityId}` : `(${entry.entityId})`}`;
  const id = Number(entry.entityId);
  if (entry.entity === 'Student') return <StudentLink id={id} name={label} />;
  if (entry.entity === 'Teacher') return <TeacherLink id={id} name={label} />;
  if (entry.entity === 'PayoutRun') return <a href={`#/payouts/runs/${id}`}>{label}</a>;
  if (entry.bookingId === null) return <>{label}</>;
  if (entry.entity === 'Booking') return <a href={`#/bookings/${entry.bookingId}`}>{label}</a>;
  return (
    <>
      {label} · <a href={`#/bookings/${entry.bookingId}`}>booking #{entry.bookingId}</a>
    </>
  );
}

function csvOf(entries: readonly Entry[]): string {
  const header = [
    'id',
    'at',
    'actor',
    'role',
    'action',
    'entity',
    'entity id',
    'booking',
    'reason',
    'before',
    'after',
    'details',
    'data',
  ];
  return toCsv([
    header,
    ...entries.map((entry) => {
      const described = describeEntry(entry);
      return [
        entry.id,
        entry.at.toISOString(),
        actorText(entry),
        entry.actorRole,
        entry.action,
        entry.entity,
        entry.entityId,
        entry.bookingId ?? '',
        described.reason ?? '',
        described.before ?? '',
        described.after ?? '',
        described.details ?? '',
        JSON.stringify(entry.data ?? {}),
      ];
    }),
  ]);
}

/** The chosen person, named, with a way to clear it; or a search to choose one. */
function PersonFilter({
  filters,
  onChange,
}: {
  filters: AuditRouteFilters;
  onChange: (next: AuditRouteFilters) => void;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const searching = text.trim().length >= 2;
  const students = useQuery({ ...trpc.people.searchStudents.queryOptions({ text: text.trim() }), enabled: searching });
  const teachers = useQuery({ ...trpc.people.searchTeachers.queryOptions({ text: text.trim() }), enabled: searching });
  const student = useQuery({
    ...trpc.people.getStudent.queryOptions({ id: filters.student ?? 0 }),
    enabled: filters.student !== undefined,
  });
  const teacher = useQuery({
    ...trpc.people.getTeacher.queryOptions({ id: filters.teacher ?? 0 }),
    enabled: filters.teacher !== undefined,
  });
  const { student: _s, teacher: _t, ...withoutPerson } = filters;
  if (filters.student !== undefined || filters.teacher !== undefined) {
    const name =
      filters.student !== undefined
        ? `student ${student.data?.name ?? `#${filters.student}`}`
        : `teacher ${teacher.data?.name ?? `#${filters.teacher ?? ''}`}`;
    return (
      <span className="chip" data-testid="audit-person">
        Person: {name}{' '}
        <button
          type="button"
          className="button ghost"
          aria-label="Clear person"
          onClick={() => onChange(withoutPerson)}
        >
          ×
        </button>
      </span>
    );
  }
  const found = [
    ...(students.data ?? []).slice(0, 5).map((person) => ({ ...person, kind: 'student' as const })),
    ...(teachers.data ?? []).slice(0, 5).map((person) => ({ ...person, kind: 'teacher' as const })),
  ];
  return (
    <span className="person-filter">
      <input
        type="search"
        value={text}
        onChange={(event) => setText(event.target.value)}
        placeholder="Student or teacher"
        aria-label="Person"
      />
      {searching && found.length > 0 ? (
        <span className="suggestions" role="listbox" aria-label="People found">
          {found.map((person) => (
            <button
              key={`${person.kind}-${person.id}`}
              type="button"
              role="option"
              aria-selected={false}
              className="button ghost"
              onClick={() => {
                setText('');
                onChange({ ...withoutPerson, [person.kind]: person.id });
              }}
            >
              {person.kind === 'student' ? 'Student' : 'Teacher'}: {person.name}
            </button>
          ))}
        </span>
      ) : null}
    </span>
  );
}

/**
 * The audit log (R30–R34): every recorded action with who (by name), their role, the reason, and
 * before and after, filtered by person, booking, staff member, action and days, paged newest first,
 * exported as CSV. What a role sees of it is the server's decision: SUPPORT gets booking history only.
 */
export function AuditPage({ filters }: { filters: AuditRouteFilters }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { can, session } = useSession();
  const everything = can('audit.read');
  const input = inputOf(filters);
  const [bookingText, setBookingText] = useState(filters.booking !== undefined ? String(filters.booking) : '');
  useEffect(() => setBookingText(filters.booking !== undefined ? String(filters.booking) : ''), [filters.booking]);
  const [exporting, setExporting] = useState<{ error: unknown } | 'busy' | null>(null);
  const actors = useQuery(trpc.audit.actors.queryOptions());
  const entries = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { ...input, limit: 100 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const rows = entries.data?.pages.flatMap((page) => page.items) ?? [];
  const set = (next: AuditRouteFilters) => navigate(auditPath(next));
  const change = (key: keyof AuditRouteFilters, value: string | number | undefined) => {
    const others = Object.fromEntries(Object.entries(filters).filter(([name]) => name !== key));
    set(value === undefined || value === '' ? others : { ...others, [key]: value });
  };

  const exportCsv = async () => {
    setExporting('busy');
    try {
      const all: Entry[] = [];
      let cursor: number | undefined;
      // Every entry the filters select (up to 20,000), page by page as the server gives them.
      do {
        const page = await client.audit.list.query({ ...input, limit: 200, ...(cursor ? { cursor } : {}) });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && all.length < 20_000);
      download(`audit-log-${new Date().toISOString().slice(0, 10)}.csv`, csvOf(all));
      setExporting(null);
    } catch (error) {
      setExporting({ error });
    }
  };

  return (
    <section aria-label="Audit log">
      <div className="page-head">
        <h1>Audit log</h1>
        <button
          type="button"
          className="button"
          disabled={exporting === 'busy' || entries.isError}
          onClick={() => void exportCsv()}
        >
          {exporting === 'busy' ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      {everything ? null : (
        <p className="notice" data-testid="audit-scope">
          As {session?.staff.role ?? 'SUPPORT'} you see booking history only: bookings, their payments and refund
          requests. Staff accounts, settings, credentials and payouts are not shown to your role (R32, R34).
        </p>
      )}
      <form className="filters card" aria-label="Audit filters" onSubmit={(event) => event.preventDefault()}>
        <PersonFilter filters={filters} onChange={set} />
        <label>
          Booking{' '}
          <input
            value={bookingText}
            inputMode="numeric"
            aria-label="Booking"
            placeholder="#id"
            size={8}
            onChange={(event) => setBookingText(event.target.value)}
            onBlur={() => {
              const id = /^#?(\d{1,9})$/.exec(bookingText.trim())?.[1];
              change('booking', id ? Number(id) : undefined);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter') (event.target as HTMLInputElement).blur();
            }}
          />
        </label>
        <label>
          Staff member{' '}
          <select
            aria-label="Staff member"
            value={filters.staff ?? ''}
            onChange={(event) => change('staff', event.target.value ? Number(event.target.value) : undefined)}
          >
            <option value="">Anyone</option>
            {actors.data?.map((actor) => (
              <option key={actor.id} value={actor.id}>
                {actor.name} ({actor.role})
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{' '}
          <select
            aria-label="Action"
            value={filters.action ?? ''}
            onChange={(event) => change('action', event.target.value)}
          >
            {ACTIONS.filter((action) => everything || action.bookingHistory).map((action) => (
              <option key={action.id} value={action.id}>
                {action.label}
              </option>
            ))}
            {filters.action && !ACTIONS.some((action) => action.id === filters.action) ? (
              <option value={filters.action}>{filters.action}</option>
            ) : null}
          </select>
        </label>
        <label>
          From{' '}
          <input
            type="date"
            aria-label="From"
            value={filters.from ?? ''}
            onChange={(event) => change('from', event.target.value)}
          />
        </label>
        <label>
          To{' '}
          <input
            type="date"
            aria-label="To"
            value={filters.to ?? ''}
            onChange={(event) => change('to', event.target.value)}
          />
        </label>
        {filters.entity ? (
          <span className="chip">
            About: {ENTITY_LABEL[filters.entity] ?? filters.entity}{' '}
            <button
              type="button"
              className="button ghost"
              aria-label="Clear subject"
              onClick={() => change('entity', undefined)}
            >
              ×
            </button>
          </span>
        ) : null}
        {Object.keys(filters).length > 0 ? (
          <button
            type="button"
            className="button ghost"
            onClick={() => {
              setBookingText('');
              set({});
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      {exporting && exporting !== 'busy' ? <InlineError error={exporting.error} /> : null}
      {entries.isPending ? (
        <Spinner label="Loading the audit log…" />
      ) : entries.isError ? (
        <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState>No entries match these filters.</EmptyState>
      ) : (
        <table className="data card" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Role</th>
              <th>Action</th>
              <th>About</th>
              <th>Reason</th>
              <th>Before</th>
              <th>After</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((entry) => {
              const described = describeEntry(entry);
              return (
                <tr key={entry.id} data-testid={`audit-entry-${entry.id}`}>
                  <td>{formatDateTime(entry.at)}</td>
                  <td data-testid="audit-actor">{actorText(entry)}</td>
                  <td>{entry.actorRole}</td>
                  <td className="code">{entry.action}</td>
                  <td>
                    <About entry={entry} />
                  </td>
                  <td data-testid="audit-reason">{described.reason ?? ''}</td>
                  <td data-testid="audit-before">{described.before ?? ''}</td>
                  <td data-testid="audit-after">{described.after ?? ''}</td>
                  <td className="muted">{described.details ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {entries.hasNextPage ? (
        <button
          type="button"
          className="button"
          disabled={entries.isFetchingNextPage}
          onClick={() => void entries.fetchNextPage()}
        >
          {entries.isFetchingNextPage ? 'Loading…' : 'Show older entries'}
        </button>
      ) : null}
    </section>
  );
}
