import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import type { CurrencyCode } from '../../../../shared/currency';
import { formatMoney } from '../../format';
import { useTRPC } from '../../trpc';
import { isoDay } from './common';

type Bucket = 'day' | 'week' | 'month';
const DAY_MS = 86_400_000;

const PERIODS: Record<Bucket, string> = {
  day: 'Last 30 days, by day',
  week: 'Last 12 weeks, by week',
  month: 'Last 12 months, by month',
};

/** The period a preset covers, in whole UTC buckets up to and including the current one. */
function rangeOf(bucket: Bucket, now: Date): { from: Date; to: Date } {
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  if (bucket === 'day') return { from: new Date(tomorrow - 30 * DAY_MS), to: new Date(tomorrow) };
  if (bucket === 'week') {
    // ISO weeks start on Monday (as the server's date_trunc('week') does).
    const monday = tomorrow - DAY_MS - ((now.getUTCDay() + 6) % 7) * DAY_MS;
    return { from: new Date(monday - 11 * 7 * DAY_MS), to: new Date(monday + 7 * DAY_MS) };
  }
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/** Every bucket's start in the period, so a quiet day shows as zero rather than vanishing. */
function bucketStarts(bucket: Bucket, from: Date, to: Date): Date[] {
  const starts: Date[] = [];
  for (let at = from; at < to;) {
    starts.push(at);
    at =
      bucket === 'month'
        ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1))
        : new Date(at.getTime() + (bucket === 'week' ? 7 : 1) * DAY_MS);
  }
  return starts;
}

/** Payouts sent to teachers (net of reversals) and the platform's revenue (fees net of refunds), over time. */
export function MoneyChart({ currency }: { currency: CurrencyCode }) {
  const trpc = useTRPC();
  const [bucket, setBucket] = useState<Bucket>('day');
  const [now] = useState(() => new Date());
  const range = useMemo(() => rangeOf(bucket, now), [bucket, now]);
  const series = useQuery(trpc.ledger.series.queryOptions({ currency, bucket, ...range }));
  // Integer minor units are plotted; ticks and tooltips format them exactly (never divided).
  const data = useMemo(() => {
    if (!series.data) return [];
    const label = (start: Date) => (bucket === 'month' ? isoDay(start).slice(0, 7) : isoDay(start));
    const byStart = new Map(series.data.points.map((point) => [label(point.start), point]));
    const rows = bucketStarts(bucket, range.from, range.to).map((start) => {
      const point = byStart.get(label(start));
      byStart.delete(label(start));
      return { period: label(start), payouts: point?.payoutsMinor ?? 0, revenue: point?.revenueMinor ?? 0 };
    });
    for (const [period, point] of byStart)
      rows.push({ period, payouts: point.payoutsMinor, revenue: point.revenueMinor });
    return rows.sort((a, b) => a.period.localeCompare(b.period));
  }, [series.data, bucket, range]);
  const money = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) ? formatMoney(value, currency) : String(value);
  const total = (key: 'payouts' | 'revenue') => data.reduce((sum, row) => sum + row[key], 0);

  return (
    <section className="card chart" aria-label="Payouts and revenue chart" data-testid="money-chart">
      <div className="card-head">
        <h2>Payouts and platform revenue ({currency})</h2>
        <label className="inline-label">
          Period
          <select
            value={bucket}
            aria-label="Chart period"
            onChange={(event) => setBucket(event.target.value as Bucket)}
          >
            {(Object.keys(PERIODS) as Bucket[]).map((key) => (
              <option key={key} value={key}>
                {PERIODS[key]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {series.isPending ? (
        <Spinner label="Summing the ledger…" />
      ) : series.isError ? (
        <ErrorState error={series.error} onRetry={() => void series.refetch()} />
      ) : series.data.points.length === 0 ? (
        <EmptyState>No payouts or revenue in {currency} in this period.</EmptyState>
      ) : (
        <>
          <p className="muted" data-testid="chart-totals">
            In this period: payouts {money(total('payouts'))}, platform revenue {money(total('revenue'))} (UTC {bucket}
            s).
          </p>
          <ResponsiveContainer width="100%" height={300}>
            <BarChart data={data}>
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
              <Bar dataKey="payouts" name="Payouts to teachers" fill="var(--chart-teacher)" />
              <Bar dataKey="revenue" name="Platform revenue" fill="var(--chart-platform)" />
            </BarChart>
          </ResponsiveContainer>
        </>
      )}
    </section>
  );
}
