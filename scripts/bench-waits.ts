import type pg from 'pg';

/**
 * What PostgreSQL's backends were doing during a benchmark run, sampled from pg_stat_activity every
 * few milliseconds: how many were running a statement on average, and what those were waiting on
 * (CPU for none; a lock such as the event log's appending turn, an advisory lock; I/O…). It says
 * whether a run was held back by waiting inside the database rather than by CPU.
 */
export function sampleWaits(client: pg.Client, database: string, everyMs = 20): () => Promise<string> {
  let samples = 0;
  let active = 0;
  const waiting = new Map<string, number>();
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const { rows } = await client.query<{ wait: string | null }>(
        `SELECT CASE WHEN wait_event_type IS NULL THEN NULL ELSE wait_event_type || ':' || wait_event END AS wait
           FROM pg_stat_activity
          WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
        [database],
      );
      samples += 1;
      active += rows.length;
      for (const { wait } of rows) waiting.set(wait ?? 'running', (waiting.get(wait ?? 'running') ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    stop.abort();
    await loop;
    const average = (count: number) => (samples > 0 ? count / samples : 0).toFixed(2);
    const parts = [...waiting]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([what, count]) => `${what} ${average(count)}`);
    return `statements under way ${average(active)} on average (${parts.join(', ') || 'none'})`;
  };
}
