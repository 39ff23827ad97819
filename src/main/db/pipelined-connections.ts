import type { Socket } from 'node:net';
import pg from 'pg';

export interface PipelinedOptions {
  connectionString: string;
  /** Connections kept (each a PostgreSQL backend). */
  lanes: number;
  types: pg.CustomTypesConfig;
  /** A connection is replaced after this long, with what it prepared (see database.ts). */
  lifetimeMs: number;
  /** A connection was lost (its statements under way fail; the next statement opens a new one). */
  onLost: (error: Error) => void;
}

/** A connection that has answered nothing for this long while it has work is passed over. */
const STALL_MS = 10;
/** A connection holding this many unanswered statements is passed over (PostgreSQL runs them one by one). */
const MAX_IN_FLIGHT = 64;

interface Lane {
  readonly client: pg.Client;
  readonly ready: Promise<void>;
  readonly retireAt: number;
  /** Statements sent on it and not yet answered. */
  inFlight: number;
  /** When it last answered a statement, or last started work while idle (performance.now()). */
  progressAt: number;
  /** Its socket holds back writes until the end of this turn of the event loop. */
  corked: boolean;
}

/**
 * Statements outside any transaction on a few pipelined PostgreSQL connections (node-postgres's
 * pipeline mode): a statement is written at once, without waiting for the answers of those before
 * it on the same connection, and each carries its own Sync, so each is its own transaction and a
 * failing one fails alone. The statements every request makes (its session, then its data) were
 * each one write to the socket on a pooled connection, and a write on this VM's loopback costs
 * 40–50 µs of CPU (22 % of a booking read's): here the statements issued in one turn of the event
 * loop — those of all the requests that arrived together — leave in one write (the socket is corked
 * until setImmediate), and PostgreSQL reads them together too.
 *
 * A statement goes to the first connection that is keeping up — so in the usual case all of them go
 * to one, in the largest batches — and past it when that one has answered nothing for STALL_MS while
 * it has work (a slow statement at its head) or holds MAX_IN_FLIGHT: a slow statement holds back only
 * what was already queued behind it, as a pooled connection would. bench:api's reads, one host: one
 * connection 6,000–6,900 req/s, two taking turns 4,400–5,700, the pool of four before 2,500–2,900.
 * Transactions never run here (they need a connection of their own: the pool in database.ts).
 */
export class PipelinedConnections {
  private readonly lanes: (Lane | undefined)[];
  private closed = false;

  constructor(private readonly options: PipelinedOptions) {
    this.lanes = Array.from({ length: options.lanes }, () => undefined);
  }

  async query<Row>(config: pg.QueryConfig): Promise<Row[]> {
    return (await this.result(config)).rows as Row[];
  }

  /** A statement's whole result: rows and the count of rows it changed. */
  async result(config: pg.QueryConfig): Promise<pg.QueryResult> {
    const lane = this.pick();
    if (lane.inFlight === 0) lane.progressAt = performance.now();
    lane.inFlight += 1;
    try {
      await lane.ready;
      this.cork(lane);
      return await lane.client.query(config);
    } finally {
      lane.inFlight -= 1;
      lane.progressAt = performance.now();
    }
  }

  async end(): Promise<void> {
    this.closed = true;
    const open = this.lanes.filter((lane): lane is Lane => lane !== undefined);
    this.lanes.fill(undefined);
    await Promise.all(open.map((lane) => lane.client.end().catch(() => undefined)));
  }

  /**
   * The first connection keeping up, else the one with the fewest statements under way; a missing,
   * lost or old one is replaced first.
   */
  private pick(): Lane {
    if (this.closed) throw new Error('The database is closed');
    const now = Date.now();
    const moment = performance.now();
    let least: Lane | undefined;
    for (let index = 0; index < this.lanes.length; index += 1) {
      let lane = this.lanes[index];
      if (lane !== undefined && now >= lane.retireAt) {
        this.retire(lane);
        lane = undefined;
      }
      lane ??= this.open(index);
      const keepingUp = lane.inFlight === 0 || (lane.inFlight < MAX_IN_FLIGHT && moment - lane.progressAt < STALL_MS);
      if (keepingUp) return lane;
      if (least === undefined || lane.inFlight < least.inFlight) least = lane;
    }
    if (least === undefined) throw new Error('No PostgreSQL connection is configured');
    return least;
  }

  private open(index: number): Lane {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      types: this.options.types,
      pipeline: true,
    });
    const lane: Lane = {
      client,
      ready: client.connect().then(() => undefined),
      retireAt: Date.now() + this.options.lifetimeMs,
      inFlight: 0,
      progressAt: performance.now(),
      corked: false,
    };
    const forget = () => {
      if (this.lanes[index] === lane) this.lanes[index] = undefined;
    };
    // A connection that cannot open is not kept: its waiting statements fail, the next one tries again.
    lane.ready.catch(forget);
    client.on('error', (error) => {
      forget();
      this.options.onLost(error);
      client.end().catch(() => undefined);
    });
    client.on('end', forget);
    this.lanes[index] = lane;
    return lane;
  }

  /** An old connection takes no new statements and closes once those under way are answered. */
  private retire(lane: Lane): void {
    const index = this.lanes.indexOf(lane);
    if (index >= 0) this.lanes[index] = undefined;
    lane.ready.then(() => lane.client.end()).catch(() => undefined);
  }

  /** Writes on this connection wait for the end of this turn of the event loop, then leave together. */
  private cork(lane: Lane): void {
    if (lane.corked) return;
    const socket = (lane.client as unknown as { connection: { stream: Socket } }).connection.stream;
    socket.cork();
    lane.corked = true;
    setImmediate(() => {
      lane.corked = false;
      socket.uncork();
    });
  }
}
