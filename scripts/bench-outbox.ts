import type pg from 'pg';

/**
 * The side effects a benchmark's load left behind (the outbox: Zoom meetings, emails, Stripe calls),
 * read from the database the hosts share. A flow is only done for its student when its meeting
 * exists and its emails are out, so a rate counted at the API's answers alone would credit work the
 * hosts put off: the benchmarks wait for the effects of their load and count that time too.
 */

/** The newest outbox row so far: the rows after it are the ones a measurement's load wrote. */
export async function outboxMark(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ id: number | null }>('SELECT max(id) AS id FROM "OutboxMessage"');
  return rows[0]?.id ?? 0;
}

export interface EffectsDelivered {
  /** Seconds from the call until no row of the load was left to deliver. */
  drainSeconds: number;
  delivered: number;
  /** Rows given up on (FAILED), or still pending when the wait ended. */
  failed: number;
  pending: number;
  /** Seconds from each row's commit to its delivery, by kind: median and 99th percentile. */
  lag: { kind: string; rows: number; p50: number; p99: number }[];
}

/**
 * Waits until every outbox row written after `mark` is delivered or given up on (at most
 * `timeoutMs`), then reads how late each kind went out.
 */
export async function waitForEffects(client: pg.Client, mark: number, timeoutMs: number): Promise<EffectsDelivered> {
  const started = performance.now();
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "OutboxMessage" WHERE id > $1 AND status = 'PENDING'`,
      [mark],
    );
    if ((rows[0]?.n ?? 0) === 0 || performance.now() - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const drainSeconds = (performance.now() - started) / 1000;
  const { rows } = await client.query<{ kind: string; status: string; rows: number; p50: number; p99: number }>(
    `SELECT kind, status, count(*)::int AS rows,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "deliveredAt" - "createdAt"))::float8 AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "deliveredAt" - "createdAt"))::float8 AS p99
       FROM "OutboxMessage" WHERE id > $1 GROUP BY kind, status ORDER BY kind, status`,
    [mark],
  );
  const count = (status: string) => rows.filter((row) => row.status === status).reduce((sum, row) => sum + row.rows, 0);
  return {
    drainSeconds,
    delivered: count('DELIVERED'),
    failed: count('FAILED'),
    pending: count('PENDING'),
    lag: rows
      .filter((row) => row.status === 'DELIVERED')
      .map((row) => ({ kind: row.kind, rows: row.rows, p50: row.p50, p99: row.p99 })),
  };
}
