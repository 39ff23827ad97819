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
 *
 * On a pipelined connection the statements issued in one turn of the event loop also leave in one
 * socket write (the socket is corked until setImmediate): BEGIN with the first statement, and the
 * statements a use case loads side by side. A write on this VM's loopback costs 40–80 µs of CPU, and a
 * flow of bench:api made 37 of them in its five transactions. BEGIN is therefore not waited for on its
 * own: its answer is awaited with the first statement's. (A BEGIN that fails on a connection that still
 * works does not occur — PostgreSQL only warns about a BEGIN inside a transaction, and a connection
 * that breaks fails the statement too — and were it to, the use case fails with BEGIN's error.)
 */
export async function driverTransaction<T>(
  pool: pg.Pool,
  run: (client: pg.PoolClient, sql: string, params: readonly unknown[]) => Promise<pg.QueryResult>,
  work: (statements: Required<TransactionStatements>) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const holdWrites = writeHolder(client);
  let broken = false;
  // Read through an object: `last` sets it from a callback while `work` runs.
  const state = { ended: false };
  const answer = (result: pg.QueryResult) => ({ rows: result.rows as unknown[], count: result.rowCount ?? 0 });
  try {
    holdWrites();
    const begun = client.query('BEGIN');
    // Awaited with each statement (below); not an unhandled rejection when `work` throws before any.
    begun.catch(() => undefined);
    const statement = async (sql: string, params: readonly unknown[]) => {
      holdWrites();
      const [result] = await Promise.all([run(client, sql, params), begun]);
      return answer(result);
    };
    const result = await work({
      // SqlTransaction refuses a statement after the last one (on every database): not checked again here.
      query: statement,
      last: async (sql, params) => {
        state.ended = true;
        holdWrites(); // the statement and the COMMIT in one write: neither waits for an answer
        const [rows] = await Promise.all([statement(sql, params), client.query('COMMIT')]);
        return rows;
      },
    });
    await begun;
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

/**
 * For a pipelined connection: holds its socket's writes until the end of this turn of the event loop
 * (once per turn), so that what is sent meanwhile leaves in one write. For any other connection
 * nothing: it sends a statement only after the answer to the one before.
 */
function writeHolder(client: pg.PoolClient): () => void {
  const pipelined = (client as unknown as { pipeline?: boolean }).pipeline === true;
  if (!pipelined) return () => undefined;
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  let holding = false;
  return () => {
    if (holding) return;
    holding = true;
    socket.cork();
    setImmediate(() => {
      holding = false;
      socket.uncork();
    });
  };
}
