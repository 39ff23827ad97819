import { createHash } from 'node:crypto';
import http from 'node:http';
import { close, FaultPlan, guarded, listen, randomId, readBody, sleep } from './http-util';
import { Journal } from './journal';
import { AsyncScheduler, type AsyncJob } from './stripe-async';
import {
  amountLimitError,
  currencyOf,
  DECLINES,
  money,
  REFUND_FAIL_REASON,
  TEST_CARDS,
  type TestCard,
} from './stripe-cards';
import {
  cardError,
  docUrl,
  injectedFailure,
  invalid,
  keyInUse,
  keyReused,
  missing,
  paramError,
  StripeError,
  type Decline,
  type Json,
} from './stripe-errors';
import { API_VERSION, EventLog, type RequestRef, type StripeEvent } from './stripe-events';
import { ConnectBook, type ConnectRecord } from './stripe-connect';
import { bool, parseStripeForm, str, type FormValue } from './stripe-form';
import { fingerprintOf, IdempotencyStore, MAX_KEY_LENGTH, type SavedAnswer } from './stripe-idempotency';
import { createdFilter, paginate } from './stripe-list';
import { metadataOf, oneOf, positiveInteger, type Metadata } from './stripe-params';

export { TEST_CARDS } from './stripe-cards';

/**
 * A loopback emulator of the parts of Stripe's REST API this console uses, so the official SDK runs unchanged
 * against it (`new Stripe(key, {host:'127.0.0.1', port, protocol:'http', …})`). It imitates Stripe wherever money
 * or data depends on it (../../shared/docs/stripe-zoom-facts.md, docs.stripe.com):
 * - form-encoded requests, Bearer auth, Stripe's error shapes and statuses (stripe-errors.ts);
 * - idempotency: first answer saved (errors included) and replayed for 24 h, 400 on other parameters, 409 while
 *   the first request runs, nothing saved for validation failures (stripe-idempotency.ts);
 * - customers, payment methods (test tokens copied on use; detached or spent ones refused), PaymentIntents with
 *   their life cycle (declines as 402, 3-D Secure, off-session authentication, manual capture, cancel),
 *   currency amount limits (stripe-cards.ts);
 * - charges, refunds capped at what remains (pending refunds reserve their amount, failed ones release it),
 *   asynchronous refund outcomes by test card (stripe-async.ts), balance transactions and the balance;
 * - the platform balance (`GET /v1/balance`): `available` and `pending` per currency, summed from balance
 *   transactions by their `available_on` on the sandbox's clock — a charge's funds pending for 2 days, or available
 *   at once with `pm_card_bypassPending` ("bypass pending balance"); refunds and transfers take from it, transfer
 *   reversals and failed refunds give back;
 * - Connect (stripe-connect.ts): connected accounts and their transfers capability, account links, transfers
 *   (balance_insufficient on the available balance, source_transaction drawing on a charge's funds, capability
 *   refusals), transfer lists by group and destination, reversals, transfer events;
 * - events with `request` and `previous_attributes` as Stripe sets them, 30-day retention, signed webhook
 *   delivery (stripe-events.ts); lists with Stripe's pagination (stripe-list.ts);
 * - persistence across restarts in `stateDir` (journal.ts, file `stripe.jsonl`): customers, payment methods,
 *   intents, charges, refunds, balance transactions (so the balance), connected accounts, transfers, reversals,
 *   events, saved idempotent answers and pending asynchronous transitions. Ids are random, as Stripe's, so there
 *   are no counters to keep.
 *
 * Control surface (for tests and the console's sandbox mode):
 * - `new StripeSandbox({stateDir?, clock?, asyncDelayMs?, asyncTimers?, publicUrl?, apiKey?, port?})`;
 * - `start(port?)`, `stop()`, `url`, `port`, `apiKey`;
 * - `faults.failNext(n, fault)` — the next n requests fail as the fault says (http-util.ts `Fault`): `status`
 *   (a 5xx is saved under the request's idempotency key, as a failure while running), `timeout-before` (never
 *   answers, does nothing), `timeout-after` (does the work and saves the answer, never answers), `slow` (holds
 *   the key for `delayMs` before running, so a concurrent same-key request gets the 409). A request whose key
 *   already has a saved answer gets that answer replayed, whatever fault it drew (the fault is used up);
 * - `failNextRefund(reason?)` — the next refund created (any card) answers succeeded and later fails;
 * - `settleAsync()` runs every pending asynchronous transition now; `tick()` runs those due by the clock;
 * - `completeAuthentication(intentId, ok)` — the customer passing or failing 3-D Secure;
 * - `setTransfersCapability(accountId, 'active'|'inactive'|'pending')` — a connected account's transfers
 *   capability changes (transfers to it are refused unless active; `account.updated` is raised);
 * - `payOutConnectedBalance(accountId)` — the connected account pays its balance out to its bank, so a later
 *   reversal its balance does not cover is refused;
 * - `setWebhook(url, secret)` — where events are delivered, signed;
 * - `snapshot()` and `requests` — what the sandbox holds and what it was asked, for assertions.
 *
 * URLs the sandbox hands out (3-D Secure pages, request logs) are built on `publicUrl` (default
 * `https://stripe.sandbox.localhost`), a stable name rather than the loopback port, so the ones saved in answers
 * and in the console's database stay the same when the sandbox restarts on another port. They identify; they are
 * not served.
 */

interface CustomerObject {
  id: string;
  object: 'customer';
  created: number;
  description: string | null;
  email: string | null;
  invoice_settings: { default_payment_method: string | null };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  phone: string | null;
}

interface PaymentMethodRecord {
  id: string;
  /** The test token it was made from (a key of TEST_CARDS). */
  token: string;
  customer: string | null;
  created: number;
  metadata: Metadata;
  /** Detached from its customer: Stripe never lets it be used again. */
  detached: boolean;
  /** Used for a payment while attached to no customer: spent, likewise. */
  consumed: boolean;
}

type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

interface IntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean; allow_redirects: string } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: string;
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: Json | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: Json | null;
  payment_method: string | null;
  payment_method_types: string[];
  setup_future_usage: string | null;
  status: IntentStatus;
}

interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { type: 'card'; card: Json };
  refunded: boolean;
  status: 'succeeded' | 'failed';
}

interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  failure_balance_transaction?: string;
  failure_reason?: string;
  metadata: Metadata;
  payment_intent: string | null;
  reason: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  created: number;
  currency: string;
  description: string | null;
  fee: number;
  net: number;
  source: string;
  type: 'charge' | 'refund' | 'refund_failure' | 'transfer' | 'transfer_refund';
}

/** One journal record; a line holds the records of one change. */
type StripeRecord =
  | { t: 'customer'; v: CustomerObject }
  | { t: 'pm'; v: PaymentMethodRecord }
  | { t: 'intent'; v: IntentObject }
  | { t: 'charge'; v: ChargeObject }
  | { t: 'refund'; v: RefundObject }
  | { t: 'txn'; v: BalanceTransaction }
  | ConnectRecord
  | { t: 'event'; v: StripeEvent }
  | { t: 'idem'; k: string; v: SavedAnswer }
  | { t: 'job'; v: AsyncJob }
  | { t: 'job-done'; id: string };

type PutRecord = Extract<StripeRecord, { v: { id: string } }>;

interface Change {
  request: RequestRef;
  /** Objects changed, by kind and id: written once per change with their final state. */
  touched: Map<string, PutRecord>;
  records: StripeRecord[];
}

const NO_REQUEST: RequestRef = { id: null, idempotency_key: null };
const DAY_SECONDS = 24 * 60 * 60;
/** Test-mode card funds become available after this long, unless the card bypasses the pending balance. */
const SETTLEMENT_DELAY_SECONDS = 2 * DAY_SECONDS;
/** The `requests` log keeps at most this many entries (it is for assertions, not an archive). */
const MAX_REQUEST_LOG = 50_000;

const REUSE_REFUSED =
  'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.';
const ATTACH_REFUSED =
  'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.';
const AUTHENTICATION_FAILED =
  'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.';
const RETURN_URL_REQUIRED =
  'This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don’t want to accept redirect-based payment methods, set `automatic_payment_methods[allow_redirects]` to `never`.';

export interface StripeSandboxOptions {
  apiKey?: string;
  /** Default port for `start()`; 0 (any free port) by default. */
  port?: number;
  /** Keep all state in this folder (created 0700) and load it from there: survives restarts. */
  stateDir?: string;
  /** The sandbox's clock, ms since the epoch (default Date.now): object times, idempotency and event expiry. */
  clock?: () => number;
  /** How long "some time later" is for asynchronous refund outcomes (default 1500 ms). */
  asyncDelayMs?: number;
  /** Run asynchronous transitions on timers (default true); without them only tick()/settleAsync() run them. */
  asyncTimers?: boolean;
  /** Stable base of the URLs the sandbox hands out (default https://stripe.sandbox.localhost). */
  publicUrl?: string;
  /** How long after the API answer events reach the webhook (default WEBHOOK_DELAY_MS, 250 ms). */
  webhookDelayMs?: number;
}

export class StripeSandbox {
  readonly apiKey: string;
  readonly faults = new FaultPlan();
  readonly stateDir: string | null;
  readonly clock: () => number;
  readonly asyncDelayMs: number;
  readonly publicUrl: string;
  url = '';
  /** Every request the sandbox received (method, path, key), for tests that count calls. */
  readonly requests: { method: string; path: string; idempotencyKey: string | null }[] = [];
  private server: http.Server | null = null;
  private readonly defaultPort: number;
  private readonly customers = new Map<string, CustomerObject>();
  private readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  private readonly intents = new Map<string, IntentObject>();
  private readonly charges = new Map<string, ChargeObject>();
  private readonly refunds = new Map<string, RefundObject>();
  private readonly balanceTransactions = new Map<string, BalanceTransaction>();
  private readonly connect: ConnectBook;
  private readonly events: EventLog;
  private readonly idempotency: IdempotencyStore;
  private readonly scheduler: AsyncScheduler;
  private readonly journal: Journal<StripeRecord> | null;
  private change: Change | null = null;
  private nextRefundFails: string | null = null;

  constructor(options: StripeSandboxOptions = {}) {
    this.apiKey = options.apiKey ?? 'sk_test_sandbox';
    this.defaultPort = options.port ?? 0;
    this.clock = options.clock ?? Date.now;
    this.asyncDelayMs = options.asyncDelayMs ?? 1500;
    this.publicUrl = (options.publicUrl ?? 'https://stripe.sandbox.localhost').replace(/\/$/, '');
    this.stateDir = options.stateDir ?? null;
    this.events = new EventLog(() => this.nowSeconds(), options.webhookDelayMs);
    this.idempotency = new IdempotencyStore(this.clock);
    this.scheduler = new AsyncScheduler(this.clock, options.asyncTimers ?? true, (job) => this.settle(job));
    this.connect = new ConnectBook({
      apiKey: this.apiKey,
      publicUrl: this.publicUrl,
      nowSeconds: () => this.nowSeconds(),
      touch: (record) => {
        this.touch(record);
      },
      emit: (type, object, previous) => {
        this.emit(type, object, previous);
      },
      post: (type, amount, currency, source, availableOn) =>
        this.newTxn(type, amount, currency, source, availableOn).id,
      availableOn: (txnId) => this.balanceTransactions.get(txnId)?.available_on,
      available: (currency) => this.sums().get(currency)?.available ?? 0,
      sourceCharge: (id) => this.sourceCharge(id),
    });
    this.journal = this.stateDir ? new Journal<StripeRecord>(this.stateDir, 'stripe.jsonl') : null;
    if (this.journal) for (const record of this.journal.load()) this.load(record);
  }

  async start(port = this.defaultPort): Promise<string> {
    this.journal?.compact(this.records());
    this.server = http.createServer(guarded((request, response) => this.handle(request, response)));
    this.url = await listen(this.server, port);
    this.scheduler.start();
    return this.url;
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    this.events.stop();
    if (this.server) await close(this.server);
    this.server = null;
    this.journal?.close();
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  setWebhook(url: string | null, secret = ''): void {
    this.events.setWebhook(url, secret);
  }

  /** The customer completing (or failing) 3-D Secure for an intent in requires_action. */
  completeAuthentication(intentId: string, succeed: boolean): Json {
    return this.transaction(NO_REQUEST, () => {
      const intent = this.intents.get(intentId);
      if (intent?.status !== 'requires_action') throw new Error(`${intentId} is not waiting for authentication`);
      const method = intent.payment_method ? this.paymentMethods.get(intent.payment_method) : undefined;
      if (!method) throw new Error('intent has no payment method');
      if (succeed) return this.charge(intent, method) as unknown as Json;
      // Stripe: back to requires_payment_method, no charge, last_payment_error says authentication failed.
      this.spend(method);
      Object.assign(intent, {
        status: 'requires_payment_method',
        payment_method: null,
        next_action: null,
        last_payment_error: {
          type: 'invalid_request_error',
          code: 'payment_intent_authentication_failure',
          doc_url: docUrl('payment_intent_authentication_failure'),
          message: AUTHENTICATION_FAILED,
          payment_method: this.pmJson(method),
        },
      });
      this.touch({ t: 'intent', v: intent });
      this.emit('payment_intent.payment_failed', intent);
      return intent as unknown as Json;
    });
  }

  /** The next refund created (whatever the card) answers succeeded and later fails with this reason. */
  failNextRefund(reason: string = REFUND_FAIL_REASON): void {
    this.nextRefundFails = reason;
  }

  /**
   * A connected account's transfers capability becomes active, inactive or pending (as when a requirement falls
   * due or verification is under way): transfers to it are refused unless active; `account.updated` is raised.
   */
  setTransfersCapability(accountId: string, status: 'active' | 'inactive' | 'pending'): Json {
    return this.transaction(NO_REQUEST, () => this.connect.setTransfersCapability(accountId, status));
  }

  /**
   * The connected account pays its whole balance out to its bank (returns the amounts, per currency): reversals
   * beyond what it receives afterwards are refused, as Stripe refuses a reversal its balance does not cover.
   */
  payOutConnectedBalance(accountId: string): Record<string, number> {
    return this.transaction(NO_REQUEST, () => this.connect.payOutConnectedBalance(accountId));
  }

  /** Runs every pending asynchronous transition now, due or not; returns how many ran. */
  settleAsync(): number {
    return this.scheduler.settleAll();
  }

  /** Runs the asynchronous transitions due by the sandbox's clock; returns how many ran. */
  tick(): number {
    return this.scheduler.tick();
  }

  /** What the sandbox holds, for assertions (live objects: read, don't change). */
  snapshot() {
    return {
      intents: [...this.intents.values()] as unknown as Json[],
      charges: [...this.charges.values()] as unknown as Json[],
      refunds: [...this.refunds.values()] as unknown as Json[],
      events: this.events.live() as unknown as Json[],
      customers: [...this.customers.values()] as unknown as Json[],
      paymentMethods: [...this.paymentMethods.values()].map((method) => this.pmJson(method)),
      pendingAsync: this.scheduler.pending(),
      ...this.connect.snapshot(),
      balance: this.balance(),
    };
  }

  // ---- persistence ----

  private load(record: StripeRecord): void {
    switch (record.t) {
      case 'customer':
        this.customers.set(record.v.id, record.v);
        break;
      case 'pm':
        this.paymentMethods.set(record.v.id, record.v);
        break;
      case 'intent':
        this.intents.set(record.v.id, record.v);
        break;
      case 'charge':
        this.charges.set(record.v.id, record.v);
        break;
      case 'refund':
        this.refunds.set(record.v.id, record.v);
        break;
      case 'txn':
        this.balanceTransactions.set(record.v.id, record.v);
        break;
      case 'account':
      case 'transfer':
      case 'reversal':
        this.connect.load(record);
        break;
      case 'event':
        this.events.restore(record.v);
        break;
      case 'idem':
        this.idempotency.restore(record.k, record.v);
        break;
      case 'job':
        this.scheduler.restore(record.v);
        break;
      case 'job-done':
        this.scheduler.forget(record.id);
        break;
    }
  }

  /** The whole state as records, for compaction (expired events and idempotent answers left out). */
  private *records(): Generator<StripeRecord> {
    for (const v of this.customers.values()) yield { t: 'customer', v };
    for (const v of this.paymentMethods.values()) yield { t: 'pm', v };
    for (const v of this.intents.values()) yield { t: 'intent', v };
    for (const v of this.charges.values()) yield { t: 'charge', v };
    for (const v of this.refunds.values()) yield { t: 'refund', v };
    for (const v of this.balanceTransactions.values()) yield { t: 'txn', v };
    yield* this.connect.records();
    for (const v of this.scheduler.pending()) yield { t: 'job', v };
    for (const v of this.events.live()) yield { t: 'event', v };
    for (const [k, v] of this.idempotency.live()) yield { t: 'idem', k, v };
  }

  /** Runs one change (a request, a timer step): its records are journaled together when it ends. */
  private transaction<T>(request: RequestRef, work: () => T): T {
    if (this.change) return work();
    const change: Change = { request, touched: new Map(), records: [] };
    this.change = change;
    try {
      return work();
    } finally {
      this.change = null;
      if (this.journal && (change.touched.size > 0 || change.records.length > 0)) {
        this.journal.append([...change.touched.values(), ...change.records]);
        this.journal.compactIfDue(() => this.records());
      }
    }
  }

  private touch(record: PutRecord): void {
    if (!this.journal) return;
    if (this.change) this.change.touched.set(`${record.t}:${record.v.id}`, record);
    else this.journal.append([record]);
  }

  private note(record: StripeRecord): void {
    if (!this.journal) return;
    if (this.change) this.change.records.push(record);
    else this.journal.append([record]);
  }

  private emit(type: string, object: object, previous?: Json): void {
    const event = this.events.emit(type, object as Json, this.change?.request ?? NO_REQUEST, previous);
    this.note({ t: 'event', v: event });
  }

  // ---- HTTP ----

  private noteRequest(method: string, path: string, idempotencyKey: string | null): void {
    this.requests.push({ method, path, idempotencyKey });
    if (this.requests.length > MAX_REQUEST_LOG) this.requests.splice(0, this.requests.length - MAX_REQUEST_LOG);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const header = request.headers['idempotency-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? null;
    this.noteRequest(method, url.pathname, key);
    const requestId = randomId('req_', 14);
    const send = (status: number, payload: string, extra: Record<string, string> = {}) => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Request-Id': requestId,
        'Stripe-Version': API_VERSION,
        ...(key ? { 'Idempotency-Key': key } : {}),
        ...extra,
      });
      response.end(payload);
    };
    const sendError = (error: StripeError) => send(error.status, this.errorJson(error, requestId));

    const fault = this.faults.take();
    if (fault?.kind === 'timeout-before') return; // lost on the way in: nothing happens, nothing answers
    const auth = request.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}`) {
      const shown = auth.replace(/^Bearer\s+/, '').slice(0, 8);
      sendError(
        new StripeError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${shown}****` }),
      );
      return;
    }
    const params =
      method === 'GET' || method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(body);
    const idempotent = method === 'POST' && key !== null;

    if (!idempotent) {
      if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000);
      const answer =
        fault?.kind === 'status'
          ? { status: fault.status ?? 500, body: this.errorJson(injectedFailure(fault.status ?? 500), requestId) }
          : this.execute(method, url.pathname, params, { id: requestId, idempotency_key: null });
      if (fault?.kind === 'timeout-after') return;
      send(answer.status, answer.body);
      return;
    }

    if (key.length > MAX_KEY_LENGTH) {
      sendError(paramError(`Invalid Idempotency-Key: keys can be at most ${MAX_KEY_LENGTH} characters long.`));
      return;
    }
    const fingerprint = fingerprintOf(method, url.pathname, params);
    const saved = this.idempotency.find(key);
    if (saved) {
      if (saved.fingerprint !== fingerprint) {
        sendError(keyReused(key));
        return;
      }
      if (fault?.kind === 'timeout-after') return; // the replay is lost too
      send(saved.status, saved.body, { 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId });
      return;
    }
    if (!this.idempotency.begin(key)) {
      sendError(keyInUse(key)); // nothing saved for the colliding request
      return;
    }
    let answer: { status: number; body: string };
    try {
      if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000);
      const ref: RequestRef = { id: requestId, idempotency_key: key };
      answer =
        fault?.kind === 'status'
          ? this.failWhileRunning(fault.status ?? 500, ref, key, fingerprint)
          : this.execute(method, url.pathname, params, ref, { key, fingerprint });
    } finally {
      this.idempotency.end(key);
    }
    if (fault?.kind === 'timeout-after') return; // the work is done and saved; the answer is lost
    send(answer.status, answer.body);
  }

  private errorJson(error: StripeError, requestId: string): string {
    return JSON.stringify({
      error: { ...error.body, request_log_url: `${this.publicUrl}/test/logs/${requestId}` },
    });
  }

  /** An injected status fault on an idempotent request: a 5xx is saved under the key, as a crash mid-run. */
  private failWhileRunning(
    status: number,
    request: RequestRef,
    key: string,
    fingerprint: string,
  ): { status: number; body: string } {
    const error = injectedFailure(status);
    const body = this.errorJson(error, request.id ?? '');
    if (error.saved)
      this.transaction(request, () => this.saveAnswer(key, { fingerprint, status, body, requestId: request.id ?? '' }));
    return { status, body };
  }

  private saveAnswer(key: string, answer: Omit<SavedAnswer, 'savedAt'>): void {
    const saved: SavedAnswer = { ...answer, savedAt: this.clock() };
    this.idempotency.save(key, saved);
    this.note({ t: 'idem', k: key, v: saved });
  }

  /** Runs one request as one change; saves its answer under the key unless it failed validation. */
  private execute(
    method: string,
    path: string,
    params: Record<string, FormValue>,
    request: RequestRef,
    idempotency?: { key: string; fingerprint: string },
  ): { status: number; body: string } {
    return this.transaction(request, () => {
      let status = 200;
      let body: string;
      let saved = true;
      try {
        body = JSON.stringify(this.route(method, path, params));
      } catch (thrown) {
        const error =
          thrown instanceof StripeError
            ? thrown
            : new StripeError(500, {
                type: 'api_error',
                message: `An unknown error occurred in the sandbox: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
              });
        status = error.status;
        saved = error.saved;
        body = this.errorJson(error, request.id ?? '');
      }
      if (idempotency && saved)
        this.saveAnswer(idempotency.key, {
          fingerprint: idempotency.fingerprint,
          status,
          body,
          requestId: request.id ?? '',
        });
      return { status, body };
    });
  }

  private route(method: string, path: string, params: Record<string, FormValue>): unknown {
    const unknownUrl = () => paramError(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
    const parts = path.split('/').filter(Boolean); // v1, resource, id, action
    if (parts[0] !== 'v1' || parts.length > 5) throw unknownUrl();
    const [, resource = '', rawId, action, rawSub] = parts;
    const id = rawId ? decodeURIComponent(rawId) : '';
    const sub = rawSub ? decodeURIComponent(rawSub) : '';
    switch (`${method} ${resource}${rawId ? '/:id' : ''}${action ? `/${action}` : ''}${rawSub ? '/:sub' : ''}`) {
      case 'POST customers':
        return this.createCustomer(params);
      case 'GET customers':
        return this.listCustomers(params);
      case 'GET customers/:id':
        return this.customers.get(id) ?? this.throw(missing('customer', id, 'id', 404));
      case 'GET customers/:id/payment_methods':
        return this.listPaymentMethods({ ...params, customer: id });
      case 'POST payment_methods/:id/attach':
        return this.attach(id, params);
      case 'POST payment_methods/:id/detach':
        return this.detach(id);
      case 'GET payment_methods/:id':
        return this.pmJson(this.findPaymentMethod(id, 'id', 404));
      case 'GET payment_methods':
        return this.listPaymentMethods(params);
      case 'POST payment_intents':
        return this.createIntent(params);
      case 'GET payment_intents':
        return this.listIntents(params);
      case 'GET payment_intents/:id':
        return this.findIntent(id, 'id', 404);
      case 'POST payment_intents/:id/confirm':
        return this.confirm(this.findIntent(id, 'id', 404), params);
      case 'POST payment_intents/:id/capture':
        return this.capture(this.findIntent(id, 'id', 404), params);
      case 'POST payment_intents/:id/cancel':
        return this.cancel(this.findIntent(id, 'id', 404), params);
      case 'GET charges':
        return this.listCharges(params);
      case 'GET charges/:id':
        return this.charges.get(id) ?? this.throw(missing('charge', id, 'id', 404));
      case 'POST refunds':
        return this.createRefund(params);
      case 'GET refunds':
        return this.listRefunds(params);
      case 'GET refunds/:id':
        return this.refunds.get(id) ?? this.throw(missing('refund', id, 'id', 404));
      case 'GET events':
        return this.events.list(params);
      case 'GET events/:id':
        return this.events.find(id) ?? this.throw(missing('event', id, 'id', 404));
      case 'GET balance':
        return this.balance();
      case 'POST accounts':
        return this.connect.createAccount(params);
      case 'GET accounts':
        return this.connect.listAccounts(params);
      case 'GET accounts/:id':
        return this.connect.retrieveAccount(id);
      case 'POST account_links':
        return this.connect.createAccountLink(params);
      case 'POST transfers':
        return this.connect.createTransfer(params);
      case 'GET transfers':
        return this.connect.listTransfers(params);
      case 'GET transfers/:id':
        return this.connect.retrieveTransfer(id);
      case 'POST transfers/:id':
        return this.connect.updateTransfer(id, params);
      case 'POST transfers/:id/reversals':
        return this.connect.createReversal(id, params);
      case 'GET transfers/:id/reversals':
        return this.connect.listReversals(id, params);
      case 'GET transfers/:id/reversals/:sub':
        return this.connect.retrieveReversal(id, sub);
      case 'GET balance_transactions/:id': {
        const txn = this.balanceTransactions.get(id);
        return txn ? this.txnJson(txn) : this.throw(missing('balance transaction', id, 'id', 404));
      }
      default:
        throw unknownUrl();
    }
  }

  private throw(error: StripeError): never {
    throw error;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  // ---- customers and payment methods ----

  private createCustomer(params: Record<string, FormValue>): CustomerObject {
    const metadata = metadataOf(params['metadata']);
    const settings = params['invoice_settings'];
    const defaultMethod =
      settings && typeof settings === 'object' && !Array.isArray(settings)
        ? (str(settings['default_payment_method']) ?? null)
        : null;
    const customer: CustomerObject = {
      id: randomId('cus_', 14),
      object: 'customer',
      created: this.nowSeconds(),
      description: str(params['description']) ?? null,
      email: str(params['email']) ?? null,
      invoice_settings: { default_payment_method: defaultMethod },
      livemode: false,
      metadata,
      name: str(params['name']) ?? null,
      phone: str(params['phone']) ?? null,
    };
    this.customers.set(customer.id, customer);
    this.touch({ t: 'customer', v: customer });
    this.emit('customer.created', customer);
    return customer;
  }

  /** `email` is a case-sensitive exact filter, as in Stripe. */
  private listCustomers(params: Record<string, FormValue>): Json {
    const email = str(params['email']);
    const created = createdFilter(params);
    const data = [...this.customers.values()]
      .filter((customer) => (email === undefined || customer.email === email) && created(customer.created))
      .reverse();
    return paginate(data, params, '/v1/customers');
  }

  private cardOf(method: PaymentMethodRecord): TestCard {
    return TEST_CARDS[method.token] ?? (TEST_CARDS['pm_card_visa'] as TestCard);
  }

  private pmJson(record: PaymentMethodRecord): Json {
    const card = this.cardOf(record);
    return {
      id: record.id,
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: {
        address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
        email: null,
        name: null,
        phone: null,
      },
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
        country: card.country,
        display_brand: card.brand,
        exp_month: 12,
        exp_year: new Date(record.created * 1000).getUTCFullYear() + 3,
        fingerprint: createHash('sha1').update(record.token).digest('hex').slice(0, 16),
        funding: 'credit',
        generated_from: null,
        last4: card.last4,
        networks: { available: [card.brand], preferred: null },
        three_d_secure_usage: { supported: true },
        wallet: null,
      },
      created: record.created,
      customer: record.customer,
      livemode: false,
      metadata: record.metadata,
      type: 'card',
    };
  }

  /** A test token (pm_card_visa) becomes a fresh pm_ object each time it is used, as in Stripe. */
  private findPaymentMethod(id: string, param: string, status: 400 | 404): PaymentMethodRecord {
    const existing = this.paymentMethods.get(id);
    if (existing) return existing;
    if (!TEST_CARDS[id]) throw missing('PaymentMethod', id, param, status);
    const created: PaymentMethodRecord = {
      id: randomId('pm_'),
      token: id,
      customer: null,
      created: this.nowSeconds(),
      metadata: {},
      detached: false,
      consumed: false,
    };
    this.paymentMethods.set(created.id, created);
    this.touch({ t: 'pm', v: created });
    return created;
  }

  /** Stripe refuses a payment method that was detached, or spent without a customer. */
  private assertReusable(method: PaymentMethodRecord): void {
    if (method.detached || method.consumed) throw invalid(REUSE_REFUSED);
  }

  /** A payment attempt with a method attached to no customer spends it. */
  private spend(method: PaymentMethodRecord): void {
    if (method.customer !== null || method.consumed) return;
    method.consumed = true;
    this.touch({ t: 'pm', v: method });
  }

  private attach(id: string, params: Record<string, FormValue>): Json {
    const customerId = str(params['customer']);
    if (!customerId) throw paramError('Missing required param: customer.', 'customer');
    if (!this.customers.has(customerId)) throw missing('customer', customerId, 'customer', 400);
    const method = this.findPaymentMethod(id, 'payment_method', 404);
    if (method.detached || method.consumed) throw invalid(ATTACH_REFUSED);
    const card = this.cardOf(method);
    if (card.attachFails) {
      const outcome = card.outcome as keyof typeof DECLINES;
      throw cardError(DECLINES[outcome]);
    }
    if (method.customer === customerId) return this.pmJson(method);
    if (method.customer)
      throw invalid('The payment method you provided has already been attached to a customer.', {
        param: 'payment_method',
      });
    method.customer = customerId;
    this.touch({ t: 'pm', v: method });
    const json = this.pmJson(method);
    this.emit('payment_method.attached', json);
    return json;
  }

  private detach(id: string): Json {
    const method = this.findPaymentMethod(id, 'id', 404);
    if (!method.customer)
      throw invalid('The payment method you provided is not attached to a customer so detachment is impossible.', {
        param: 'payment_method',
      });
    method.customer = null;
    method.detached = true;
    this.touch({ t: 'pm', v: method });
    const json = this.pmJson(method);
    this.emit('payment_method.detached', json);
    return json;
  }

  private listPaymentMethods(params: Record<string, FormValue>): Json {
    const customer = str(params['customer']);
    const data = [...this.paymentMethods.values()]
      .filter((method) => customer !== undefined && method.customer === customer)
      .reverse()
      .map((method) => this.pmJson(method) as Json & { id: string });
    return paginate(data, params, '/v1/payment_methods');
  }

  // ---- payment intents ----

  private findIntent(id: string, param: string, status: 400 | 404): IntentObject {
    const intent = this.intents.get(id);
    if (!intent) throw missing('payment_intent', id, param, status);
    return intent;
  }

  private createIntent(params: Record<string, FormValue>): IntentObject {
    // Validation first: nothing is saved under the idempotency key when it fails.
    const amount = positiveInteger(params['amount'], 'amount');
    if (amount === undefined) throw paramError('Missing required param: amount.', 'amount');
    const currency = currencyOf(str(params['currency']));
    const limit = amountLimitError(amount, currency);
    if (limit) throw limit;
    const captureMethod =
      oneOf(params['capture_method'], ['automatic', 'automatic_async', 'manual'], 'capture_method') ?? 'automatic';
    const metadata = metadataOf(params['metadata']);
    const apm = params['automatic_payment_methods'];
    const automatic =
      apm && typeof apm === 'object' && !Array.isArray(apm)
        ? {
            enabled: bool(apm['enabled']) ?? true,
            allow_redirects: oneOf(apm['allow_redirects'], ['always', 'never'], 'allow_redirects') ?? 'always',
          }
        : { enabled: true, allow_redirects: 'always' };
    // The endpoint runs.
    const customer = str(params['customer']) ?? null;
    if (customer && !this.customers.has(customer)) throw missing('customer', customer, 'customer', 400);
    const given = str(params['payment_method']);
    const method = given ? this.findPaymentMethod(given, 'payment_method', 400) : null;
    if (method) this.assertReusable(method);
    const id = randomId('pi_');
    const intent: IntentObject = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: automatic,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      client_secret: `${id}_secret_${randomId('', 25)}`,
      confirmation_method: 'automatic',
      created: this.nowSeconds(),
      currency,
      customer,
      description: str(params['description']) ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata,
      next_action: null,
      payment_method: method?.id ?? null,
      payment_method_types: ['card'],
      setup_future_usage: str(params['setup_future_usage']) ?? null,
      status: method ? 'requires_confirmation' : 'requires_payment_method',
    };
    this.intents.set(id, intent);
    this.touch({ t: 'intent', v: intent });
    this.emit('payment_intent.created', intent);
    if (bool(params['confirm'])) return this.confirm(intent, params);
    return intent;
  }

  private listIntents(params: Record<string, FormValue>): Json {
    const customer = str(params['customer']);
    const created = createdFilter(params);
    const data = [...this.intents.values()]
      .filter((intent) => (customer === undefined || intent.customer === customer) && created(intent.created))
      .reverse();
    return paginate(data, params, '/v1/payment_intents');
  }

  private confirm(intent: IntentObject, params: Record<string, FormValue>): IntentObject {
    const offSessionParam = str(params['off_session']);
    const offSession = offSessionParam !== undefined && offSessionParam !== 'false';
    const returnUrl = str(params['return_url']);
    if (intent.status === 'succeeded' || intent.status === 'requires_capture')
      throw invalid(
        'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
        {
          code: 'payment_intent_unexpected_state',
        },
      );
    if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status))
      throw invalid(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
        { code: 'payment_intent_unexpected_state' },
      );
    const given = str(params['payment_method']);
    const method = given
      ? this.findPaymentMethod(given, 'payment_method', 400)
      : intent.payment_method
        ? (this.paymentMethods.get(intent.payment_method) ?? null)
        : null;
    if (!method)
      throw invalid(
        'You cannot confirm this PaymentIntent because it’s missing a payment method. To confirm this PaymentIntent with a payment method, you must provide one.',
        { code: 'payment_intent_unexpected_state' },
      );
    this.assertReusable(method);
    if (method.customer && intent.customer && method.customer !== intent.customer)
      throw invalid('The provided PaymentMethod belongs to a different customer.', { param: 'payment_method' });
    const apm = intent.automatic_payment_methods;
    if (apm?.enabled && apm.allow_redirects !== 'never' && !offSession && !returnUrl)
      throw invalid(RETURN_URL_REQUIRED, { param: 'return_url' });

    // A new attempt: the last one's error goes.
    Object.assign(intent, { payment_method: method.id, last_payment_error: null, next_action: null });
    this.touch({ t: 'intent', v: intent });
    const card = this.cardOf(method);
    if (card.outcome === 'success') return this.charge(intent, method);
    if (card.outcome === 'authentication_required') {
      if (offSession)
        throw this.decline(intent, method, {
          code: 'authentication_required',
          decline_code: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        });
      const page = `${this.publicUrl}/3ds/${intent.id}`;
      Object.assign(intent, {
        status: 'requires_action',
        next_action: returnUrl
          ? { type: 'redirect_to_url', redirect_to_url: { url: page, return_url: returnUrl } }
          : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: page } },
      });
      this.emit('payment_intent.requires_action', intent);
      return intent;
    }
    throw this.decline(intent, method, DECLINES[card.outcome]);
  }

  private newCharge(
    intent: IntentObject,
    method: PaymentMethodRecord,
    status: 'succeeded' | 'failed',
    failure?: { code: string; message: string },
  ): ChargeObject {
    const card = this.cardOf(method);
    const captured = status === 'succeeded' && intent.capture_method !== 'manual';
    const charge: ChargeObject = {
      id: randomId('ch_'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: captured ? intent.amount : 0,
      amount_refunded: 0,
      balance_transaction: null,
      captured,
      created: this.nowSeconds(),
      currency: intent.currency,
      customer: intent.customer,
      description: intent.description,
      failure_code: failure?.code ?? null,
      failure_message: failure?.message ?? null,
      livemode: false,
      metadata: { ...intent.metadata },
      paid: status === 'succeeded',
      payment_intent: intent.id,
      payment_method: method.id,
      payment_method_details: {
        type: 'card',
        card: { brand: card.brand, country: card.country, funding: 'credit', last4: card.last4 },
      },
      refunded: false,
      status,
    };
    this.charges.set(charge.id, charge);
    if (captured) this.captureFunds(charge, card);
    this.touch({ t: 'charge', v: charge });
    return charge;
  }

  /** The charge's funds enter the balance: pending for the settlement delay, or available at once. */
  private captureFunds(charge: ChargeObject, card: TestCard): void {
    const now = this.nowSeconds();
    const availableOn = card.bypassPending ? now : now + SETTLEMENT_DELAY_SECONDS;
    const txn = this.newTxn('charge', charge.amount_captured, charge.currency, charge.id, availableOn);
    charge.balance_transaction = txn.id;
  }

  private newTxn(
    type: BalanceTransaction['type'],
    amount: number,
    currency: string,
    source: string,
    availableOn = this.nowSeconds(),
  ) {
    const now = this.nowSeconds();
    const txn: BalanceTransaction = {
      id: randomId('txn_'),
      object: 'balance_transaction',
      amount,
      available_on: availableOn,
      created: now,
      currency,
      description: null,
      fee: 0,
      net: amount,
      source,
      type,
    };
    this.balanceTransactions.set(txn.id, txn);
    this.touch({ t: 'txn', v: txn });
    return txn;
  }

  /** A successful attempt: a charge, and the intent succeeded (or requires_capture when capture is manual). */
  private charge(intent: IntentObject, method: PaymentMethodRecord): IntentObject {
    this.spend(method);
    const charge = this.newCharge(intent, method, 'succeeded');
    const manual = intent.capture_method === 'manual';
    Object.assign(intent, {
      status: manual ? 'requires_capture' : 'succeeded',
      amount_capturable: manual ? intent.amount : 0,
      amount_received: manual ? 0 : intent.amount,
      latest_charge: charge.id,
      next_action: null,
      last_payment_error: null,
    });
    this.touch({ t: 'intent', v: intent });
    this.emit('charge.succeeded', charge);
    this.emit(manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded', intent);
    return intent;
  }

  /** A declined attempt: a failed charge, the intent back to requires_payment_method, and the 402 to throw. */
  private decline(intent: IntentObject, method: PaymentMethodRecord, decline: Decline): StripeError {
    this.spend(method);
    const charge = this.newCharge(intent, method, 'failed', { code: decline.code, message: decline.message });
    const { code, message, param, ...rest } = decline;
    Object.assign(intent, {
      status: 'requires_payment_method',
      payment_method: null,
      latest_charge: charge.id,
      next_action: null,
      last_payment_error: {
        type: 'card_error',
        charge: charge.id,
        code,
        ...rest,
        doc_url: docUrl(code),
        message,
        ...(param ? { param } : {}),
        payment_method: this.pmJson(method),
      },
    });
    this.touch({ t: 'intent', v: intent });
    this.emit('charge.failed', charge);
    this.emit('payment_intent.payment_failed', intent);
    return cardError(decline, {
      charge: charge.id,
      payment_intent: structuredClone(intent),
      payment_method: this.pmJson(method),
    });
  }

  private capture(intent: IntentObject, params: Record<string, FormValue>): IntentObject {
    const requested = positiveInteger(params['amount_to_capture'], 'amount_to_capture');
    if (intent.status !== 'requires_capture')
      throw invalid(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        { code: 'payment_intent_unexpected_state' },
      );
    const amount = requested ?? intent.amount_capturable;
    if (amount > intent.amount_capturable)
      throw invalid(
        `The amount to capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
        { param: 'amount_to_capture' },
      );
    const charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
    const method = charge ? this.paymentMethods.get(charge.payment_method) : undefined;
    if (!charge || !method) throw invalid('This PaymentIntent has no charge to capture.');
    Object.assign(charge, { captured: true, amount_captured: amount });
    this.captureFunds(charge, this.cardOf(method));
    if (amount < charge.amount) {
      // Stripe releases the uncaptured rest: it shows as refunded.
      charge.amount_refunded = charge.amount - amount;
    }
    Object.assign(intent, { status: 'succeeded', amount_capturable: 0, amount_received: amount });
    this.touch({ t: 'charge', v: charge });
    this.touch({ t: 'intent', v: intent });
    this.emit('charge.captured', charge);
    this.emit('payment_intent.succeeded', intent);
    return intent;
  }

  private cancel(intent: IntentObject, params: Record<string, FormValue>): IntentObject {
    const reason =
      oneOf(
        params['cancellation_reason'],
        ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'],
        'cancellation_reason',
      ) ?? null;
    const cancellable = [
      'requires_payment_method',
      'requires_capture',
      'requires_confirmation',
      'requires_action',
      'processing',
    ];
    if (!cancellable.includes(intent.status))
      throw invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${cancellable.join(', ')}.`,
        { code: 'payment_intent_unexpected_state' },
      );
    if (intent.status === 'requires_capture' && intent.latest_charge) {
      // The authorization is released: the uncaptured charge shows as fully refunded.
      const charge = this.charges.get(intent.latest_charge);
      if (charge) {
        Object.assign(charge, { amount_refunded: charge.amount, refunded: true });
        this.touch({ t: 'charge', v: charge });
      }
    }
    Object.assign(intent, {
      status: 'canceled',
      canceled_at: this.nowSeconds(),
      cancellation_reason: reason,
      amount_capturable: 0,
      next_action: null,
      last_payment_error: null,
    });
    this.touch({ t: 'intent', v: intent });
    this.emit('payment_intent.canceled', intent);
    return intent;
  }

  // ---- charges and refunds ----

  private listCharges(params: Record<string, FormValue>): Json {
    const intent = str(params['payment_intent']);
    const customer = str(params['customer']);
    const created = createdFilter(params);
    const data = [...this.charges.values()]
      .filter(
        (charge) =>
          (intent === undefined || charge.payment_intent === intent) &&
          (customer === undefined || charge.customer === customer) &&
          created(charge.created),
      )
      .reverse();
    return paginate(data, params, '/v1/charges');
  }

  private listRefunds(params: Record<string, FormValue>): Json {
    const intent = str(params['payment_intent']);
    const charge = str(params['charge']);
    const created = createdFilter(params);
    const data = [...this.refunds.values()]
      .filter(
        (refund) =>
          (intent === undefined || refund.payment_intent === intent) &&
          (charge === undefined || refund.charge === charge) &&
          created(refund.created),
      )
      .reverse();
    return paginate(data, params, '/v1/refunds');
  }

  private createRefund(params: Record<string, FormValue>): RefundObject {
    const intentId = str(params['payment_intent']);
    const chargeId = str(params['charge']);
    if (Boolean(intentId) === Boolean(chargeId))
      throw paramError(
        'You must pass exactly one of payment_intent or charge.',
        intentId ? 'charge' : 'payment_intent',
      );
    const requested = positiveInteger(params['amount'], 'amount');
    const reason = oneOf(params['reason'], ['duplicate', 'fraudulent', 'requested_by_customer'], 'reason') ?? null;
    const metadata = metadataOf(params['metadata']);
    // The endpoint runs.
    let charge: ChargeObject;
    if (chargeId) {
      charge = this.charges.get(chargeId) ?? this.throw(missing('charge', chargeId, 'charge', 400));
    } else {
      const intent = this.findIntent(intentId ?? '', 'payment_intent', 400);
      const latest = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
      if (!latest || intent.status !== 'succeeded')
        throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
          param: 'payment_intent',
        });
      charge = latest;
    }
    if (charge.status !== 'succeeded' || !charge.captured)
      throw invalid(`Charge ${charge.id} has not been captured or did not succeed, so it cannot be refunded.`, {
        param: 'charge',
      });
    // Pending and succeeded refunds both count in amount_refunded; failed ones were taken back out.
    const remaining = charge.amount_captured - charge.amount_refunded;
    if (remaining <= 0)
      throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    const amount = requested ?? remaining;
    if (amount > remaining)
      throw invalid(
        `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`,
        { param: 'amount' },
      );
    const method = this.paymentMethods.get(charge.payment_method);
    const card = method ? this.cardOf(method) : (TEST_CARDS['pm_card_visa'] as TestCard);
    const failing = this.nextRefundFails ?? (card.refund === 'fail' ? REFUND_FAIL_REASON : null);
    this.nextRefundFails = null;
    const pending = card.refund === 'pending' && failing === null;
    const txn = this.newTxn('refund', -amount, charge.currency, '');
    const refund: RefundObject = {
      id: randomId('re_'),
      object: 'refund',
      amount,
      balance_transaction: txn.id,
      charge: charge.id,
      created: this.nowSeconds(),
      currency: charge.currency,
      metadata,
      payment_intent: charge.payment_intent,
      reason,
      status: pending ? 'pending' : 'succeeded',
    };
    txn.source = refund.id;
    this.refunds.set(refund.id, refund);
    Object.assign(charge, {
      amount_refunded: charge.amount_refunded + amount,
      refunded: charge.amount_refunded + amount >= charge.amount_captured,
    });
    this.touch({ t: 'refund', v: refund });
    this.touch({ t: 'charge', v: charge });
    this.emit('refund.created', refund);
    this.emit('charge.refunded', charge);
    if (pending || failing !== null) {
      const job: AsyncJob = {
        refundId: refund.id,
        to: pending ? 'succeeded' : 'failed',
        failureReason: failing,
        dueAt: this.clock() + this.asyncDelayMs,
      };
      this.scheduler.add(job);
      this.note({ t: 'job', v: job });
    }
    return refund;
  }

  /** "Some time later": a pending refund succeeds, or a succeeded one fails and its amount is released. */
  private settle(job: AsyncJob): void {
    this.transaction(NO_REQUEST, () => {
      this.note({ t: 'job-done', id: job.refundId });
      const refund = this.refunds.get(job.refundId);
      const charge = refund ? this.charges.get(refund.charge) : undefined;
      if (!refund || !charge) return;
      const previous = { status: refund.status };
      if (job.to === 'succeeded') {
        if (refund.status !== 'pending') return;
        refund.status = 'succeeded';
        this.touch({ t: 'refund', v: refund });
        this.emit('refund.updated', refund, previous);
        this.emit('charge.refund.updated', refund, previous);
        return;
      }
      if (refund.status === 'failed' || refund.status === 'canceled') return;
      const failure = this.newTxn('refund_failure', refund.amount, refund.currency, refund.id);
      Object.assign(refund, {
        status: 'failed',
        failure_reason: job.failureReason ?? REFUND_FAIL_REASON,
        failure_balance_transaction: failure.id,
      });
      const chargeBefore = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
      charge.amount_refunded -= refund.amount;
      charge.refunded = charge.amount_refunded >= charge.amount_captured;
      this.touch({ t: 'refund', v: refund });
      this.touch({ t: 'charge', v: charge });
      this.emit('refund.updated', refund, previous);
      this.emit('charge.refund.updated', refund, previous);
      this.emit('refund.failed', refund);
      this.emit('charge.updated', charge, chargeBefore);
    });
  }

  // ---- balance ----

  private txnJson(txn: BalanceTransaction): Json {
    return { ...txn, status: txn.available_on <= this.nowSeconds() ? 'available' : 'pending' };
  }

  /** The platform balance per currency: available (funds whose available_on has come) and pending. */
  private sums(): Map<string, { available: number; pending: number }> {
    const now = this.nowSeconds();
    const sums = new Map<string, { available: number; pending: number }>();
    for (const txn of this.balanceTransactions.values()) {
      const sum = sums.get(txn.currency) ?? { available: 0, pending: 0 };
      if (txn.available_on <= now) sum.available += txn.net;
      else sum.pending += txn.net;
      sums.set(txn.currency, sum);
    }
    return sums;
  }

  /** A charge as a transfer's source_transaction sees it. */
  private sourceCharge(id: string) {
    const charge = this.charges.get(id);
    if (!charge) return undefined;
    const txn = charge.balance_transaction ? this.balanceTransactions.get(charge.balance_transaction) : undefined;
    return {
      id: charge.id,
      currency: charge.currency,
      usable: charge.status === 'succeeded' && charge.captured,
      amount: charge.amount_captured - charge.amount_refunded,
      availableOn: txn?.available_on ?? this.nowSeconds(),
    };
  }

  private balance(): Json {
    const sums = this.sums();
    if (sums.size === 0) sums.set('usd', { available: 0, pending: 0 });
    const side = (which: 'available' | 'pending') =>
      [...sums].map(([currency, sum]) => ({ amount: sum[which], currency, source_types: { card: sum[which] } }));
    return { object: 'balance', available: side('available'), pending: side('pending'), livemode: false };
  }
}
