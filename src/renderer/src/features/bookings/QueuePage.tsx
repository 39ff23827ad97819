import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import {
  createColumnHelper,
  flexRender,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type Row,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { EmptyState, ErrorState, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney, formatRelative } from '../../format';
import { navigate } from '../../route';
import { useTRPC, useTRPCClient } from '../../trpc';
import { download, toCsv } from '../revenue/csv';
import { queueTable } from './queue-csv';
import { StudentLink, TeacherLink } from '../people/links';
import { queueColumns, queueGrid, type QueueColumnId } from './queue-columns';
import type { AppRouter } from '../../../../main/api/root';
import type { BookingSort } from '../../../../shared/schemas';
import type { inferRouterOutputs } from '@trpc/server';

type BookingRow = inferRouterOutputs<AppRouter>['bookings']['list']['items'][number];

export const QUEUES = [
  { id: 'AWAITING_CONFIRMATION', label: 'Awaiting teacher', empty: 'No booking is waiting for a teacher.' },
  { id: 'AWAITING_PAYMENT', label: 'Awaiting payment', empty: 'No confirmed booking is waiting for payment.' },
  { id: 'PAYMENT_FAILED', label: 'Payment failed', empty: 'No failed payments.' },
  { id: 'UPCOMING', label: 'Upcoming paid', empty: 'No paid sessions ahead.' },
  { id: 'TO_COMPLETE', label: 'To complete', empty: 'No paid session is waiting to be completed.' },
  { id: 'CANCELLED', label: 'Cancelled', empty: 'No cancelled bookings.' },
  { id: 'COMPLETED', label: 'Completed', empty: 'No completed sessions.' },
  { id: 'REFUNDED', label: 'Refunded', empty: 'No refunded sessions.' },
  { id: 'ALL', label: 'All bookings', empty: 'No bookings match.' },
] as const;

const features = tableFeatures({ rowSortingFeature });
const helper = createColumnHelper<typeof features, BookingRow>();
const columns = helper.columns([
  helper.accessor('id', { header: 'Booking', enableSorting: false, cell: (info) => `#${info.getValue()}` }),
  helper.accessor('startsAt', {
    id: 'startsAt',
    header: 'Starts',
    cell: (info) => <span title={formatRelative(info.getValue())}>{formatDateTime(info.getValue())}</span>,
  }),
  helper.accessor('studentName', {
    header: 'Student',
    enableSorting: false,
    cell: (info) => <StudentLink id={info.row.original.studentId} name={info.getValue()} />,
  }),
  helper.accessor('teacherName', {
    header: 'Teacher',
    enableSorting: false,
    cell: (info) => <TeacherLink id={info.row.original.teacherId} name={info.getValue()} />,
  }),
  helper.accessor('language', { header: 'Language', enableSorting: false }),
  helper.accessor('minutes', { header: 'Length', enableSorting: false, cell: (info) => `${info.getValue()} min` }),
  helper.accessor('totalMinor', {
    header: 'Total',
    enableSorting: false,
    cell: (info) => <span className="num">{formatMoney(info.getValue(), info.row.original.currency)}</span>,
  }),
  helper.accessor('status', {
    header: 'Status',
    enableSorting: false,
    // The booking's state is the pair (status, payment status): one shared table words it.
    cell: (info) => <StatusBadge value={info.getValue()} paymentStatus={info.row.original.paymentStatus} />,
  }),
  helper.accessor('paymentStatus', {
    header: 'Payment',
    enableSorting: false,
    cell: (info) => <StatusBadge value={info.getValue()} kind="payment" />,
  }),
  helper.accessor('createdAt', {
    id: 'createdAt',
    header: 'Requested',
    cell: (info) => formatRelative(info.getValue()),
  }),
  // On a narrow table student and teacher share one two-line cell, and so do the two statuses.
  helper.display({
    id: 'people',
    header: 'Student / teacher',
    cell: (info) => (
      <span className="stacked">
        <StudentLink id={info.row.original.studentId} name={info.row.original.studentName} />
        <TeacherLink id={info.row.original.teacherId} name={info.row.original.teacherName} />
      </span>
    ),
  }),
  helper.display({
    id: 'states',
    header: 'Status / payment',
    cell: (info) => {
      const columns = info.row.getAllCells();
      const status = columns.find((cell) => cell.column.id === 'status');
      const payment = columns.find((cell) => cell.column.id === 'paymentStatus');
      return (
        <span className="stacked">
          {status ? flexRender(status.column.columnDef.cell, status.getContext()) : null}
          {payment ? flexRender(payment.column.columnDef.cell, payment.getContext()) : null}
        </span>
      );
    },
  }),
]);

const ROW_HEIGHT = 40;

/**
 * A row's cells, rendered once per row: while scrolling only the wrapper's position changes, so
 * rows already on screen are not formatted again every frame.
 */
const RowCells = memo(function RowCells({ row, visible }: { row: Row<typeof features, BookingRow>; visible: string }) {
  const shown = visible.split(' ');
  return (
    <>
      {shown
        .map((id) => row.getAllCells().find((cell) => cell.column.id === id))
        .map((cell) =>
          !cell ? null : (
            <div key={cell.id} role="cell">
              {flexRender(cell.column.columnDef.cell, cell.getContext())}
            </div>
          ),
        )}
    </>
  );
});
const empty: BookingRow[] = [];

/** A column the user sorted by; otherwise a search lists upcoming bookings first (soonest), then past ones. */
function toSort(sorting: SortingState, searching: boolean): BookingSort {
  const first = sorting[0];
  if (!first) return searching ? 'upcoming' : 'startsAt';
  const column = first.id === 'createdAt' ? 'createdAt' : 'startsAt';
  return first.desc ? `-${column}` : column;
}

function toDate(value: string, endOfDay = false): Date | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00:00`);
  if (endOfDay) date.setDate(date.getDate() + 1);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The people a search names (the top search box lands here): each links to their page, above the
 * bookings that match. A booking id ("#42") names no one.
 */
function PeopleFound({ text }: { text: string }) {
  const trpc = useTRPC();
  const wanted = text.length >= 2 && !/^#?\d+$/.test(text);
  const students = useQuery({ ...trpc.people.searchStudents.queryOptions({ text }), enabled: wanted });
  const teachers = useQuery({ ...trpc.people.searchTeachers.queryOptions({ text }), enabled: wanted });
  if (!wanted) return null;
  const found = [
    ...(students.data ?? []).slice(0, 8).map((person) => ({ ...person, kind: 'student' as const })),
    ...(teachers.data ?? []).slice(0, 8).map((person) => ({ ...person, kind: 'teacher' as const })),
  ];
  if (found.length === 0) return null;
  return (
    <p className="people-found" data-testid="people-found">
      <span className="muted">People: </span>
      {found.map((person, index) => (
        <span key={`${person.kind}-${person.id}`}>
          {index > 0 ? ' · ' : ''}
          {person.kind === 'student' ? (
            <StudentLink id={person.id} name={person.name} />
          ) : (
            <TeacherLink id={person.id} name={person.name} />
          )}{' '}
          <span className="muted">({person.kind})</span>
        </span>
      ))}
    </p>
  );
}

export function QueuePage({ queue, search }: { queue: string; search: string }) {
  const trpc = useTRPC();
  const meta = QUEUES.find((candidate) => candidate.id === queue) ?? QUEUES[0];
  const [sorting, setSorting] = useState<SortingState>([]);
  const [text, setText] = useState(search);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [selected, setSelected] = useState(0);
  useEffect(() => setText(search), [search]);

  const input = {
    ...(meta.id === 'ALL' ? {} : { queue: meta.id }),
    search: text.trim() || undefined,
    from: toDate(from),
    to: toDate(to, true),
    sort: toSort(sorting, text.trim() !== ''),
    limit: 100,
  };
  const query = useInfiniteQuery(
    trpc.bookings.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const rows = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? empty, [query.data]);

  // The export holds every booking the queue and its filters match, not only the rows scrolled to so far.
  const client = useTRPCClient();
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const all: BookingRow[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.bookings.list.query({ ...input, limit: 200, cursor });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < 20_000);
      download(`queue-${meta.id.toLowerCase()}-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(queueTable(all)));
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };
  const table = useTable({
    features,
    columns,
    data: rows,
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    enableMultiSort: false,
    getRowId: (row) => String(row.id),
  });
  const tableRows = table.getRowModel().rows;

  const scrollRef = useRef<HTMLDivElement>(null);
  // The columns follow the table's own width (the window, the sidebar), by priority: no horizontal scroll.
  const tableRef = useRef<HTMLDivElement>(null);
  const [tableWidth, setTableWidth] = useState(1200);
  useEffect(() => {
    const element = tableRef.current;
    if (!element) return;
    // The body's vertical scrollbar (up to 16 px) comes out of the rows' width.
    const measure = () => setTableWidth(element.clientWidth - 16);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    measure();
    return () => observer.disconnect();
  }, []);
  const shown: QueueColumnId[] = queueColumns(tableWidth);
  const visible = shown.join(' ');
  const grid = queueGrid(shown);
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1);
  useEffect(() => {
    if (last && last.index >= tableRows.length - 20 && query.hasNextPage && !query.isFetchingNextPage)
      void query.fetchNextPage();
  }, [last, tableRows.length, query]);

  useEffect(() => setSelected(0), [queue, text, from, to, sorting]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      // Typing, or a focused link or button (Enter is theirs), is not a queue shortcut.
      if (target && ['INPUT', 'TEXTAREA', 'SELECT', 'A', 'BUTTON'].includes(target.tagName)) return;
      if (event.key === 'j' || event.key === 'k') {
        event.preventDefault();
        setSelected((current) => {
          const next = Math.max(0, Math.min(tableRows.length - 1, current + (event.key === 'j' ? 1 : -1)));
          virtualizer.scrollToIndex(next, { align: 'auto' });
          return next;
        });
      } else if (event.key === 'Enter') {
        const row = tableRows[selected];
        if (row) navigate(`/bookings/${row.original.id}`);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tableRows, selected, virtualizer]);

  return (
    <section className="queue" aria-label={meta.label}>
      <div className="page-head">
        <h1>{meta.label}</h1>
        <div className="filters">
          <input
            type="search"
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              // The address (and so the top search box) follows the filter, without a history entry per key.
              window.history.replaceState(null, '', `#/queues/${meta.id}/${encodeURIComponent(event.target.value)}`);
              window.dispatchEvent(new HashChangeEvent('hashchange'));
            }}
            placeholder="Filter: student, teacher, #id"
            aria-label="Filter this queue"
          />
          <label>
            From <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label>
            To <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
          </label>
          <button type="button" className="button" onClick={() => void exportCsv()} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        </div>
      </div>
      <InlineError error={exportError} />
      <PeopleFound text={text.trim()} />
      <div
        className="grid-table"
        ref={tableRef}
        role="table"
        aria-label={`${meta.label} bookings`}
        aria-rowcount={tableRows.length}
      >
        <div className="grid-head" role="row" style={{ gridTemplateColumns: grid }}>
          {shown.map((id) => {
            const header = table.getHeaderGroups()[0]?.headers.find((candidate) => candidate.column.id === id);
            if (!header) return null;
            const sortable = header.column.getCanSort();
            const direction = header.column.getIsSorted();
            return (
              <div
                key={header.id}
                role="columnheader"
                aria-sort={direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : 'none'}
              >
                {sortable ? (
                  <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                    <table.FlexRender header={header} /> {direction === 'asc' ? '▲' : direction === 'desc' ? '▼' : '↕'}
                  </button>
                ) : (
                  <table.FlexRender header={header} />
                )}
              </div>
            );
          })}
        </div>
        {query.isPending ? (
          <Spinner label="Loading bookings…" />
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        ) : tableRows.length === 0 ? (
          <EmptyState>{text || from || to ? 'No bookings match these filters.' : meta.empty}</EmptyState>
        ) : (
          <div className="grid-body" ref={scrollRef} data-testid="queue-scroll">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((item) => {
                const row = tableRows[item.index];
                if (!row) return null;
                return (
                  <div
                    key={row.id}
                    role="row"
                    data-index={item.index}
                    data-testid="booking-row"
                    className={item.index === selected ? 'grid-row selected' : 'grid-row'}
                    style={{ gridTemplateColumns: grid, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                    // Rows are reachable with Tab too; Enter opens the focused one (see the window's key handler).
                    tabIndex={0}
                    onFocus={() => setSelected(item.index)}
                    onClick={() => navigate(`/bookings/${row.original.id}`)}
                    aria-selected={item.index === selected}
                  >
                    <RowCells row={row} visible={visible} />
                  </div>
                );
              })}
            </div>
          </div>
        )}
        <div className="grid-foot">
          {tableRows.length} shown{query.hasNextPage ? ' · scroll for more' : ''}
          {query.isFetchingNextPage ? ' · loading…' : ''}
          <span className="hint">j / k to move, Enter to open</span>
        </div>
      </div>
    </section>
  );
}
