import type { Socket } from 'node:net';
import type pg from 'pg';

/** One statement inside a driver transaction: its rows, and how many rows it affected. */
export type TransactionQuery = (
  sql: string,
  params: readonly unknown[],
) => Promise<{ readonly rows: unknown[]; readonly count: number }>;

/**
 * A transaction's statements. `last`, where the database offers it, runs the transaction's final
 * statement and its COMMIT in one round trip: nothing may follow it (the unit of work then commits
 * nothing more). Where it is absent the statement runs as any other and the commit follows as usual.
 */
export interface TransactionStatements {
  query: TransactionQuery;
  last?: TransactionQuery;
}

/**
 * `work` in one transaction on one connection of `pool`: BEGIN, then COMMIT — sent with the last
 * statement when `work` ran one through `last` (in one round trip when the pool's connections are in
 * node-postgres's pipeline mode; otherwise the COMMIT follows the statement's answer) — or ROLLBACK if
 * it throws. A connection that cannot even roll back is not given back to the pool.
 *
 * Why the commit rides with the last statement: every writing transaction ends with the event log's
 * statement, which takes the log's appending turn (an advisory lock held to the commit, so that log
 * ids become visible in order). Waiting for the host to read that statement's answer and send COMMIT
 * kept the turn for a round trip to a busy process: under bench:api's flows its holder was idle in
 * transaction a third of the time, while one or two other transactions queued for it. Pipelined, the
 * COMMIT is already in PostgreSQL's input when the statement ends. If the statement fails, the
 * transaction is aborted and PostgreSQL answers the COMMIT with a rollback.
 */
export async function driverTransaction<T>(
  pool: pg.Pool,
  run: (client: pg.PoolClient, sql: string, params: readonly unknown[]) => Promise<pg.QueryResult>,
  work: (statements: Required<TransactionStatements>) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // Read through an object: `last` sets it from a callback while `work` runs.
  const state = { ended: false };
  const answer = (result: pg.QueryResult) => ({ rows: result.rows as unknown[], count: result.rowCount ?? 0 });
  try {
    await client.query('BEGIN');
    const result = await work({
      // SqlTransaction refuses a statement after the last one (on every database): not checked again here.
      query: async (sql, params) => answer(await run(client, sql, params)),
      last: async (sql, params) => {
        state.ended = true;
        // Both in one socket write (the connection is pipelined: neither waits for an answer).
        const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
        socket.cork();
        const statement = run(client, sql, params);
        const commit = client.query('COMMIT');
        process.nextTick(() => socket.uncork());
        const [rows] = await Promise.all([statement, commit]);
        return answer(rows);
      },
    });
    if (!state.ended) await client.query('COMMIT');
    return result;
  } catch (error) {
    // After a failed last statement PostgreSQL has rolled back already; this ROLLBACK only warns.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
