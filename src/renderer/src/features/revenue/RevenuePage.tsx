import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { CURRENCY_CODES, minorToDecimalString, type CurrencyCode } from '../../../../shared/currency';
import { formatMoney } from '../../format';
import { useTRPC } from '../../trpc';
import { download, toCsv } from './csv';

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function periodLabel(period: Date, groupBy: 'day' | 'month'): string {
  return groupBy === 'month' ? period.toISOString().slice(0, 7) : isoDay(period);
}

/** Revenue by session date (UTC) for one currency: gross, teacher share, platform fee, refunded. */
export function RevenuePage() {
  const trpc = useTRPC();
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 5, 1))));
  const [to, setTo] = useState(isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1))));
  const [groupBy, setGroupBy] = useState<'day' | 'month'>('month');
  const [currency, setCurrency] = useState<CurrencyCode>('USD');
  const input = { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`), groupBy, currency };
  const report = useQuery({ ...trpc.reports.revenue.queryOptions(input), enabled: Boolean(from && to) });
  // The chart plots integer minor units; ticks and tooltips format them exactly (R1: never divided).
  const chart = useMemo(
    () =>
      report.data?.rows.map((row) => ({
        period: periodLabel(row.period, groupBy),
        teacher: row.teacherMinor,
        platform: row.platformMinor,
        refunded: row.refundedMinor,
      })) ?? [],
    [report.data, groupBy],
  );
  const money = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) ? formatMoney(value, currency) : String(value);

  const exportCsv = () => {
    if (!report.data) return;
    const decimal = (minor: number) => minorToDecimalString(minor, currency);
    const lines: (string | number)[][] = [
      [
        'period',
        'sessions',
        `gross_${currency}`,
        `teacher_share_${currency}`,
        `platform_fee_${currency}`,
        `refunded_${currency}`,
      ],
      ...report.data.rows.map((row) => [
        periodLabel(row.period, groupBy),
        row.count,
        decimal(row.grossMinor),
        decimal(row.teacherMinor),
        decimal(row.platformMinor),
        decimal(row.refundedMinor),
      ]),
      [
        'total',
        report.data.totals.count,
        decimal(report.data.totals.grossMinor),
        decimal(report.data.totals.teacherMinor),
        decimal(report.data.totals.platformMinor),
        decimal(report.data.totals.refundedMinor),
      ],
      [],
      [
        'teacher_id',
        'teacher',
        'sessions',
        `gross_${currency}`,
        `teacher_share_${currency}`,
        `platform_fee_${currency}`,
        `refunded_${currency}`,
      ],
      ...report.data.teachers.map((teacher) => [
        teacher.teacherId,
        teacher.teacherName,
        teacher.count,
        decimal(teacher.grossMinor),
        decimal(teacher.teacherMinor),
        decimal(teacher.platformMinor),
        decimal(teacher.refundedMinor),
      ]),
    ];
    download(`revenue-${currency}-${from}-to-${to}-by-${groupBy}.csv`, toCsv(lines));
  };

  return (
    <section className="revenue" aria-label="Revenue">
      <div className="page-head">
        <h1>Revenue</h1>
        <div className="filters">
          <label>
            From <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label>
            To (exclusive) <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
          </label>
          <label>
            By
            <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as 'day' | 'month')}>
              <option value="day">day</option>
              <option value="month">month</option>
            </select>
          </label>
          <label>
            Currency
            <select
              value={currency}
              onChange={(event) => setCurrency(event.target.value as CurrencyCode)}
              aria-label="Currency"
            >
              {CURRENCY_CODES.map((code) => (
                <option key={code}>{code}</option>
              ))}
            </select>
          </label>
          <button type="button" className="button" onClick={exportCsv} disabled={!report.data}>
            Export CSV
          </button>
        </div>
      </div>
      <p className="muted">
        Paid sessions by session date (UTC). Refunds are counted against the session they refunded.
      </p>
      {report.isPending ? (
        <Spinner label="Summing…" />
      ) : report.isError ? (
        <ErrorState error={report.error} onRetry={() => void report.refetch()} />
      ) : report.data.rows.length === 0 ? (
        <EmptyState>No paid sessions in {currency} in this range.</EmptyState>
      ) : (
        <>
          <div className="totals" data-testid="revenue-totals">
            {(
              [
                ['Gross', report.data.totals.grossMinor],
                ['Teachers', report.data.totals.teacherMinor],
                ['Platform fees', report.data.totals.platformMinor],
                ['Refunded', report.data.totals.refundedMinor],
              ] as const
            ).map(([label, value]) => (
              <div className="card total-card" key={label}>
                <span className="muted">{label}</span>
                <strong>{formatMoney(value, currency)}</strong>
              </div>
            ))}
            <div className="card total-card">
              <span className="muted">Sessions</span>
              <strong>{report.data.totals.count}</strong>
            </div>
          </div>
          <div className="card chart" aria-label="Revenue chart">
            <ResponsiveContainer width="100%" height={320}>
              <ComposedChart data={chart}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="period" />
                <YAxis
                  width="auto"
                  allowDecimals={false}
                  tickFormatter={money}
                  label={{ value: currency, angle: -90, position: 'insideLeft' }}
                />
                <Tooltip formatter={money} />
                <Legend />
                <Bar dataKey="teacher" name="Teacher share" stackId="gross" fill="var(--chart-teacher)" />
                <Bar dataKey="platform" name="Platform fee" stackId="gross" fill="var(--chart-platform)" />
                <Line dataKey="refunded" name="Refunded" stroke="var(--chart-refund)" strokeWidth={2} dot={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
          <div className="card">
            <h2>Per teacher</h2>
            <table className="data" data-testid="teacher-split">
              <thead>
                <tr>
                  <th>Teacher</th>
                  <th className="num">Sessions</th>
                  <th className="num">Gross</th>
                  <th className="num">Teacher share</th>
                  <th className="num">Platform fee</th>
                  <th className="num">Refunded</th>
                </tr>
              </thead>
              <tbody>
                {report.data.teachers.map((teacher) => (
                  <tr key={teacher.teacherId}>
                    <td>{teacher.teacherName}</td>
                    <td className="num">{teacher.count}</td>
                    <td className="num">{formatMoney(teacher.grossMinor, currency)}</td>
                    <td className="num">{formatMoney(teacher.teacherMinor, currency)}</td>
                    <td className="num">{formatMoney(teacher.platformMinor, currency)}</td>
                    <td className="num">{formatMoney(teacher.refundedMinor, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
