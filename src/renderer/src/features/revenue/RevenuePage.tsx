import { useQueries } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { CURRENCY_CODES, type CurrencyCode } from '../../../../shared/currency';
import { formatMoney } from '../../format';
import { useTRPC } from '../../trpc';
import { TeacherLink } from '../people/links';
import { download, toCsv } from './csv';
import {
  figuresOf,
  filledRows,
  presetRange,
  PRESETS,
  rangeInstants,
  revenueTable,
  teacherTable,
  type CurrencyReport,
  type DayRange,
  type Figures,
  type GroupBy,
  type Preset,
} from './report';

const MEASURE_ROWS: readonly [string, keyof Figures][] = [
  ['Gross (students paid)', 'grossMinor'],
  ['Teacher share', 'teacherMinor'],
  ['Platform fee', 'platformMinor'],
  ['Refunded', 'refundedMinor'],
  ['Net after refunds', 'netMinor'],
];

/** One currency's chart: every period of the range (empty days at zero), amounts on an axis named by the currency. */
function CurrencyChart({ report, range, groupBy }: { report: CurrencyReport; range: DayRange; groupBy: GroupBy }) {
  const data = useMemo(() => filledRows(report, range, groupBy), [report, range, groupBy]);
  // The chart plots integer minor units; ticks and tooltips format them exactly (R1: never divided).
  const money = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) ? formatMoney(value, report.currency) : String(value);
  return (
    <div className="card chart" aria-label={`Revenue chart in ${report.currency}`} data-testid="revenue-chart">
      <h2>{report.currency}</h2>
      <ResponsiveContainer width="100%" height={280}>
        <ComposedChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="period" />
          <YAxis
            width="auto"
            allowDecimals={false}
            tickFormatter={money}
            label={{ value: report.currency, angle: -90, position: 'insideLeft' }}
          />
          <Tooltip formatter={money} />
          <Legend />
          <Bar dataKey="teacherMinor" name="Teacher share" stackId="gross" fill="var(--chart-teacher)" />
          <Bar dataKey="platformMinor" name="Platform fee" stackId="gross" fill="var(--chart-platform)" />
          <Line dataKey="refundedMinor" name="Refunded" stroke="var(--chart-refund)" strokeWidth={2} dot={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * Revenue by session date (UTC) for a range of whole days (both ends included), every currency side by
 * side and never summed across currencies (R6): gross, teacher share, platform fee, refunded, net.
 */
export function RevenuePage() {
  const trpc = useTRPC();
  const [range, setRange] = useState<DayRange>(() => presetRange('thisMonth', new Date()));
  const [preset, setPreset] = useState<Preset | ''>('thisMonth');
  const [groupBy, setGroupBy] = useState<GroupBy>('day');
  const instants = rangeInstants(range);

  // One query per currency, sent in one batch; each answers the contract's single-currency report.
  const queries = useQueries({
    queries: CURRENCY_CODES.map((currency) => ({
      ...trpc.reports.revenue.queryOptions({
        from: instants?.from ?? new Date(0),
        to: instants?.to ?? new Date(0),
        groupBy,
        currency,
      }),
      enabled: instants !== null,
    })),
  });
  const failed = queries.find((query) => query.isError);
  const pending = instants !== null && queries.some((query) => query.isPending);
  // Only currencies with sessions in the range get a column, a chart and CSV columns.
  const reports: CurrencyReport[] = queries.flatMap((query, index) => {
    const currency = CURRENCY_CODES[index] as CurrencyCode;
    if (!query.data || query.data.totals.count === 0) return [];
    return [
      {
        currency,
        rows: query.data.rows.map((row) => ({ period: row.period, ...figuresOf(row) })),
        totals: figuresOf(query.data.totals),
        teachers: query.data.teachers.map((row) => ({
          teacherId: row.teacherId,
          teacherName: row.teacherName,
          ...figuresOf(row),
        })),
      },
    ];
  });

  const choosePreset = (id: Preset) => {
    setPreset(id);
    setRange(presetRange(id, new Date()));
  };
  const name = `${range.from}-to-${range.to}`;
  const exportCsv = () => {
    download(`revenue-by-${groupBy}-${name}.csv`, toCsv(revenueTable(reports, range, groupBy)));
  };
  const exportTeachersCsv = () => {
    download(`revenue-per-teacher-${name}.csv`, toCsv(teacherTable(reports)));
  };

  return (
    <section className="revenue" aria-label="Revenue">
      <div className="page-head">
        <h1>Revenue</h1>
        <div className="filters">
          <div className="button-group" role="group" aria-label="Presets">
            {PRESETS.map((option) => (
              <button
                key={option.id}
                type="button"
                className={preset === option.id ? 'button primary' : 'button'}
                aria-pressed={preset === option.id}
                onClick={() => choosePreset(option.id)}
              >
                {option.label}
              </button>
            ))}
          </div>
          <label>
            From{' '}
            <input
              type="date"
              value={range.from}
              onChange={(event) => {
                setPreset('');
                setRange({ ...range, from: event.target.value });
              }}
            />
          </label>
          <label>
            To (included){' '}
            <input
              type="date"
              value={range.to}
              onChange={(event) => {
                setPreset('');
                setRange({ ...range, to: event.target.value });
              }}
            />
          </label>
          <label>
            By
            <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as GroupBy)}>
              <option value="day">day</option>
              <option value="month">month</option>
            </select>
          </label>
          <button type="button" className="button" onClick={exportCsv} disabled={reports.length === 0}>
            Export CSV
          </button>
          <button type="button" className="button" onClick={exportTeachersCsv} disabled={reports.length === 0}>
            Export per-teacher CSV
          </button>
        </div>
      </div>
      <p className="muted">
        Paid sessions by session date (UTC), {range.from} to {range.to} inclusive. Refunds count against the session
        they refunded; each currency stands on its own.
      </p>
      {instants === null ? (
        <EmptyState>Choose a start date on or before the end date.</EmptyState>
      ) : pending ? (
        <Spinner label="Summing…" />
      ) : failed ? (
        <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />
      ) : reports.length === 0 ? (
        <EmptyState>No paid sessions in this range.</EmptyState>
      ) : (
        <>
          <div className="card table-scroll">
            <table className="data" data-testid="revenue-totals">
              <thead>
                <tr>
                  <th scope="col">Totals</th>
                  {reports.map((report) => (
                    <th scope="col" className="num" key={report.currency}>
                      {report.currency}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Sessions</th>
                  {reports.map((report) => (
                    <td className="num" key={report.currency}>
                      {report.totals.count}
                    </td>
                  ))}
                </tr>
                {MEASURE_ROWS.map(([label, key]) => (
                  <tr key={key}>
                    <th scope="row">{label}</th>
                    {reports.map((report) => (
                      <td className="num" key={report.currency}>
                        {formatMoney(report.totals[key], report.currency)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="chart-grid">
            {reports.map((report) => (
              <CurrencyChart key={report.currency} report={report} range={range} groupBy={groupBy} />
            ))}
          </div>
          <div className="card table-scroll">
            <h2>Per teacher</h2>
            <table className="data" data-testid="teacher-split">
              <thead>
                <tr>
                  <th>Teacher</th>
                  <th>Currency</th>
                  <th className="num">Sessions</th>
                  <th className="num">Gross</th>
                  <th className="num">Teacher share</th>
                  <th className="num">Platform fee</th>
                  <th className="num">Refunded</th>
                  <th className="num">Net</th>
                </tr>
              </thead>
              <tbody>
                {reports.flatMap((report) =>
                  report.teachers.map((teacher) => (
                    <tr key={`${report.currency}-${teacher.teacherId}`}>
                      <td>
                        <TeacherLink id={teacher.teacherId} name={teacher.teacherName} />
                      </td>
                      <td>{report.currency}</td>
                      <td className="num">{teacher.count}</td>
                      <td className="num">{formatMoney(teacher.grossMinor, report.currency)}</td>
                      <td className="num">{formatMoney(teacher.teacherMinor, report.currency)}</td>
                      <td className="num">{formatMoney(teacher.platformMinor, report.currency)}</td>
                      <td className="num">{formatMoney(teacher.refundedMinor, report.currency)}</td>
                      <td className="num">{formatMoney(teacher.netMinor, report.currency)}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
