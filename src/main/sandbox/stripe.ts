import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { close, FaultPlan, listen, randomId, readBody } from './http-util';
import { bool, parseStripeForm, str, type FormValue } from './stripe-form';

/**
 * A loopback emulator of the parts of Stripe's REST API this console uses, so the official SDK runs
 * unchanged against it: form-encoded requests, Stripe's error shapes, idempotency-key replay and
 * mismatch, Stripe's test payment methods, refunds capped at what remains, events with signed
 * webhook delivery, and fault injection (see ../../shared/docs/stripe-zoom-facts.md).
 */

type Outcome =
  'success' | 'decline' | 'insufficient_funds' | 'expired_card' | 'processing_error' | 'authentication_required';

interface TestCard {
  brand: string;
  last4: string;
  country: string;
  /** Declining cards cannot even be attached to a customer. */
  attachFails: boolean;
  outcome: Outcome;
}

const visa = (last4: string, outcome: Outcome, attachFails = false): TestCard => ({
  brand: 'visa',
  last4,
  country: 'US',
  attachFails,
  outcome,
});
export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: visa('4242', 'success'),
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', country: 'US', attachFails: false, outcome: 'success' },
  pm_card_amex: { brand: 'amex', last4: '0005', country: 'US', attachFails: false, outcome: 'success' },
  pm_card_visa_chargeDeclined: visa('0002', 'decline', true),
  pm_card_chargeDeclined: visa('0002', 'decline', true),
  pm_card_visa_chargeDeclinedInsufficientFunds: visa('9995', 'insufficient_funds', true),
  pm_card_chargeDeclinedInsufficientFunds: visa('9995', 'insufficient_funds', true),
  pm_card_chargeDeclinedExpiredCard: visa('0069', 'expired_card', true),
  pm_card_chargeDeclinedProcessingError: visa('0119', 'processing_error', true),
  pm_card_visa_chargeDeclinedProcessingError: visa('0119', 'processing_error', true),
  pm_card_chargeCustomerFail: visa('0341', 'decline'),
  pm_card_authenticationRequired: visa('3184', 'authentication_required'),
};

const DECLINES: Record<
  Exclude<Outcome, 'success' | 'authentication_required'>,
  { code: string; decline_code?: string; message: string; param?: string }
> = {
  decline: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  expired_card: { code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' },
  processing_error: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

type Json = Record<string, unknown>;

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super((body as { message?: string }).message ?? 'error');
  }
}

const invalid = (message: string, param?: string, code?: string, status = 400) =>
  new StripeError(status, {
    type: 'invalid_request_error',
    message,
    ...(param ? { param } : {}),
    ...(code ? { code } : {}),
  });
const missing = (what: string, id: string, param: string, status: number) =>
  invalid(`No such ${what}: '${id}'`, param, 'resource_missing', status);

interface PaymentMethodRecord {
  id: string;
  customer: string | null;
  card: TestCard;
  created: number;
}

export interface StripeSandboxOptions {
  apiKey?: string;
  port?: number;
}

export class StripeSandbox {
  readonly apiKey: string;
  readonly faults = new FaultPlan();
  private server: http.Server | null = null;
  url = '';
  private readonly customers = new Map<string, Json>();
  private readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  private readonly intents = new Map<string, Json>();
  private readonly charges = new Map<string, Json>();
  private readonly refunds = new Map<string, Json>();
  private readonly events: Json[] = [];
  private readonly idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  private readonly inFlight = new Set<string>();
  private webhook: { url: string; secret: string } | null = null;
  /** Every request the sandbox answered (method, path), for tests that count calls. */
  readonly requests: { method: string; path: string; idempotencyKey: string | null }[] = [];

  constructor(options: StripeSandboxOptions = {}) {
    this.apiKey = options.apiKey ?? 'sk_test_sandbox';
  }

  async start(port = 0): Promise<string> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    this.url = await listen(this.server, port);
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server);
    this.server = null;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  setWebhook(url: string | null, secret = ''): void {
    this.webhook = url ? { url, secret } : null;
  }

  /** The student completing (or failing) 3-D Secure for an intent in requires_action. */
  completeAuthentication(intentId: string, succeed: boolean): Json {
    const intent = this.intents.get(intentId);
    if (!intent || intent['status'] !== 'requires_action')
      throw new Error(`${intentId} is not waiting for authentication`);
    const method = this.paymentMethods.get(String(intent['payment_method']));
    if (!method) throw new Error('intent has no payment method');
    return succeed
      ? this.succeed(intent, method)
      : this.fail(intent, method, DECLINES.decline, 'authentication_failed').intent;
  }

  /** Counters for assertions: how many charges succeeded for an intent, etc. */
  snapshot() {
    return {
      intents: [...this.intents.values()],
      charges: [...this.charges.values()],
      refunds: [...this.refunds.values()],
      events: [...this.events],
      customers: [...this.customers.values()],
    };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const idempotencyKey = (request.headers['idempotency-key'] as string | undefined) ?? null;
    this.requests.push({ method, path: url.pathname, idempotencyKey });
    const send = (status: number, payload: string, extra: Record<string, string> = {}) => {
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Request-Id': randomId('req_', 14),
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        ...extra,
      });
      response.end(payload);
    };
    const fault = this.faults.take();
    if (fault?.kind === 'status') {
      send(
        fault.status ?? 500,
        JSON.stringify({ error: { type: 'api_error', message: 'Sandbox fault: the server failed (injected).' } }),
      );
      return;
    }
    if (fault?.kind === 'timeout-before') return; // never answer, do nothing
    const auth = request.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}`) {
      send(
        401,
        JSON.stringify({
          error: {
            type: 'invalid_request_error',
            message: `Invalid API Key provided: ${auth.replace(/^Bearer\s+/, '').slice(0, 8)}****`,
          },
        }),
      );
      return;
    }
    const params =
      method === 'GET' || method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(body);

    // Idempotency (POST only): replay the first answer; a different request under the same key is an error.
    const fingerprint = createHash('sha256').update(`${method} ${url.pathname} ${body}`).digest('hex');
    if (method === 'POST' && idempotencyKey) {
      const stored = this.idempotency.get(idempotencyKey);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          send(
            400,
            JSON.stringify({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              },
            }),
          );
          return;
        }
        if (fault?.kind === 'timeout-after') return;
        send(stored.status, stored.body, { 'Idempotent-Replayed': 'true' });
        return;
      }
      if (this.inFlight.has(idempotencyKey)) {
        send(
          409,
          JSON.stringify({
            error: {
              type: 'idempotency_error',
              code: 'idempotency_key_in_use',
              message: 'There is currently another in-progress request using this Idempotent Key.',
            },
          }),
        );
        return;
      }
      this.inFlight.add(idempotencyKey);
    }
    let status = 200;
    let payload: string;
    try {
      payload = JSON.stringify(this.route(method, url.pathname, params));
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      status = error.status;
      payload = JSON.stringify({ error: { ...error.body, request_log_url: `${this.url}/logs` } });
    } finally {
      if (idempotencyKey) this.inFlight.delete(idempotencyKey);
    }
    // Validation failures (400) are not stored, as Stripe does; everything that ran is.
    if (method === 'POST' && idempotencyKey && status !== 400)
      this.idempotency.set(idempotencyKey, { fingerprint, status, body: payload });
    if (fault?.kind === 'timeout-after') return; // it happened, but the caller never hears
    send(status, payload);
  }

  private route(method: string, path: string, params: Record<string, FormValue>): Json {
    const parts = path.split('/').filter(Boolean); // v1, resource, id, action
    if (parts[0] !== 'v1') throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
    const [, resource, id, action] = parts;
    switch (`${method} ${resource ?? ''}${id ? '/:id' : ''}${action ? `/${action}` : ''}`) {
      case 'POST customers':
        return this.createCustomer(params);
      case 'GET customers/:id':
        return (
          this.customers.get(id ?? '') ??
          (() => {
            throw missing('customer', id ?? '', 'id', 404);
          })()
        );
      case 'POST payment_methods/:id/attach':
        return this.attach(id ?? '', params);
      case 'POST payment_methods/:id/detach':
        return this.detach(id ?? '');
      case 'GET payment_methods/:id':
        return this.pmJson(this.findPaymentMethod(id ?? '', 'id', 404));
      case 'GET payment_methods':
        return this.listPaymentMethods(params);
      case 'GET customers/:id/payment_methods':
        return this.listPaymentMethods({ ...params, customer: id ?? '' });
      case 'POST payment_intents':
        return this.createIntent(params);
      case 'GET payment_intents/:id':
        return this.findIntent(id ?? '', 'id', 404);
      case 'POST payment_intents/:id/confirm':
        return this.confirm(this.findIntent(id ?? '', 'id', 404), params);
      case 'POST payment_intents/:id/cancel':
        return this.cancel(this.findIntent(id ?? '', 'id', 404), params);
      case 'GET charges/:id':
        return (
          this.charges.get(id ?? '') ??
          (() => {
            throw missing('charge', id ?? '', 'id', 404);
          })()
        );
      case 'POST refunds':
        return this.createRefund(params);
      case 'GET refunds/:id':
        return (
          this.refunds.get(id ?? '') ??
          (() => {
            throw missing('refund', id ?? '', 'id', 404);
          })()
        );
      case 'GET refunds':
        return this.list(
          '/v1/refunds',
          [...this.refunds.values()]
            .filter((refund) => !params['payment_intent'] || refund['payment_intent'] === params['payment_intent'])
            .reverse(),
        );
      case 'GET events':
        return this.listEvents(params);
      default:
        throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
    }
  }

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private list(url: string, data: Json[], hasMore = false): Json {
    return { object: 'list', data, has_more: hasMore, url };
  }

  private emit(type: string, object: Json, previous?: Json): void {
    const event: Json = {
      id: randomId('evt_'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: this.now(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: this.webhook ? 1 : 0,
      request: { id: randomId('req_', 14), idempotency_key: null },
      type,
    };
    this.events.push(event);
    if (this.webhook) void this.deliver(event, this.webhook);
  }

  /** Signs and posts an event the way Stripe does: `t=<unix>,v1=<hex hmac of "t.body">`. */
  private async deliver(event: Json, webhook: { url: string; secret: string }): Promise<void> {
    const payload = JSON.stringify(event);
    const timestamp = this.now();
    const signature = createHmac('sha256', webhook.secret).update(`${timestamp}.${payload}`).digest('hex');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${timestamp},v1=${signature}` },
          body: payload,
        });
        if (response.ok) return;
      } catch {
        // the endpoint is down; retry shortly (the poller catches anything missed)
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }

  private createCustomer(params: Record<string, FormValue>): Json {
    const customer: Json = {
      id: randomId('cus_', 14),
      object: 'customer',
      email: str(params['email']) ?? null,
      name: str(params['name']) ?? null,
      metadata: params['metadata'] ?? {},
      created: this.now(),
      livemode: false,
    };
    this.customers.set(String(customer['id']), customer);
    return customer;
  }

  private pmJson(record: PaymentMethodRecord): Json {
    return {
      id: record.id,
      object: 'payment_method',
      type: 'card',
      customer: record.customer,
      created: record.created,
      livemode: false,
      billing_details: { address: null, email: null, name: null, phone: null },
      metadata: {},
      card: {
        brand: record.card.brand,
        last4: record.card.last4,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3,
        country: record.card.country,
        funding: 'credit',
        fingerprint: createHash('sha1').update(record.card.last4).digest('hex').slice(0, 16),
        checks: { cvc_check: 'pass', address_line1_check: null, address_postal_code_check: null },
        three_d_secure_usage: { supported: true },
      },
    };
  }

  /** A test token (pm_card_visa) becomes a fresh pm_ object each time it is used, as in Stripe. */
  private findPaymentMethod(id: string, param: string, status: number): PaymentMethodRecord {
    const existing = this.paymentMethods.get(id);
    if (existing) return existing;
    const card = TEST_CARDS[id];
    if (!card) throw missing('PaymentMethod', id, param, status);
    const created: PaymentMethodRecord = { id: randomId('pm_'), customer: null, card, created: this.now() };
    this.paymentMethods.set(created.id, created);
    return created;
  }

  private cardError(
    decline: { code: string; decline_code?: string; message: string; param?: string },
    extra: Json = {},
  ): StripeError {
    return new StripeError(402, {
      type: 'card_error',
      ...decline,
      doc_url: `https://docs.stripe.com/error-codes/${decline.code.replace(/_/g, '-')}`,
      ...extra,
    });
  }

  private attach(id: string, params: Record<string, FormValue>): Json {
    const customerId = str(params['customer']);
    if (!customerId) throw invalid('Missing required param: customer.', 'customer');
    if (!this.customers.has(customerId)) throw missing('customer', customerId, 'customer', 400);
    const method = this.findPaymentMethod(id, 'payment_method', 404);
    if (method.card.attachFails) {
      const outcome = method.card.outcome as keyof typeof DECLINES;
      throw this.cardError(DECLINES[outcome]);
    }
    if (method.customer && method.customer !== customerId)
      throw invalid('The payment method you provided has already been attached to a customer.', 'payment_method');
    method.customer = customerId;
    const json = this.pmJson(method);
    this.emit('payment_method.attached', json);
    return json;
  }

  private detach(id: string): Json {
    const method = this.findPaymentMethod(id, 'id', 404);
    if (!method.customer)
      throw invalid(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
        'payment_method',
      );
    method.customer = null;
    const json = this.pmJson(method);
    this.emit('payment_method.detached', json);
    return json;
  }

  private listPaymentMethods(params: Record<string, FormValue>): Json {
    const customer = str(params['customer']);
    const data = [...this.paymentMethods.values()]
      .filter((method) => customer !== undefined && method.customer === customer)
      .reverse()
      .map((method) => this.pmJson(method));
    return this.list('/v1/payment_methods', data);
  }

  private findIntent(id: string, param: string, status: number): Json {
    const intent = this.intents.get(id);
    if (!intent) throw missing('payment_intent', id, param, status);
    return intent;
  }

  private createIntent(params: Record<string, FormValue>): Json {
    const amount = Number(str(params['amount']));
    if (!Number.isInteger(amount) || amount < 1) throw invalid('Missing required param: amount.', 'amount');
    const currency = str(params['currency']);
    if (!currency || !/^[a-z]{3}$/.test(currency)) throw invalid('Missing required param: currency.', 'currency');
    const customer = str(params['customer']) ?? null;
    if (customer && !this.customers.has(customer)) throw missing('customer', customer, 'customer', 400);
    const paymentMethod = str(params['payment_method']);
    const methodId = paymentMethod ? this.findPaymentMethod(paymentMethod, 'payment_method', 400).id : null;
    const apm = params['automatic_payment_methods'] as Record<string, FormValue> | undefined;
    const id = randomId('pi_');
    const intent: Json = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      customer,
      description: str(params['description']) ?? null,
      metadata: params['metadata'] ?? {},
      payment_method: methodId,
      payment_method_types: ['card'],
      automatic_payment_methods: apm
        ? { enabled: bool(apm['enabled']) ?? true, allow_redirects: str(apm['allow_redirects']) ?? 'always' }
        : { enabled: true, allow_redirects: 'always' },
      capture_method: str(params['capture_method']) ?? 'automatic',
      client_secret: `${id}_secret_${randomId('', 25)}`,
      status: methodId ? 'requires_confirmation' : 'requires_payment_method',
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      canceled_at: null,
      cancellation_reason: null,
      created: this.now(),
      livemode: false,
    };
    this.intents.set(id, intent);
    this.emit('payment_intent.created', intent);
    if (bool(params['confirm'])) return this.confirm(intent, params);
    return intent;
  }

  private confirm(intent: Json, params: Record<string, FormValue>): Json {
    if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(String(intent['status']))) {
      throw invalid(
        `This PaymentIntent's payment_method could not be updated because it has a status of ${String(intent['status'])}. You may only update the payment_method of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const given = str(params['payment_method']);
    if (given) intent['payment_method'] = this.findPaymentMethod(given, 'payment_method', 400).id;
    const methodId = intent['payment_method'];
    if (typeof methodId !== 'string')
      throw invalid(
        'You cannot confirm this PaymentIntent because it’s missing a payment method.',
        undefined,
        'payment_intent_unexpected_state',
      );
    const method = this.findPaymentMethod(methodId, 'payment_method', 400);
    if (method.customer && intent['customer'] && method.customer !== intent['customer']) {
      throw invalid(`The provided PaymentMethod belongs to a different customer.`, 'payment_method');
    }
    const offSession = str(params['off_session']) !== undefined && str(params['off_session']) !== 'false';
    const apm = intent['automatic_payment_methods'] as { enabled: boolean; allow_redirects: string };
    if (apm.enabled && apm.allow_redirects !== 'never' && !offSession && !str(params['return_url'])) {
      throw invalid(
        'This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don’t want to accept redirect-based payment methods, set `automatic_payment_methods[allow_redirects]` to `never`.',
        'return_url',
      );
    }
    const outcome = method.card.outcome;
    if (outcome === 'success') return this.succeed(intent, method);
    if (outcome === 'authentication_required') {
      if (offSession) {
        const failed = this.fail(intent, method, {
          code: 'authentication_required',
          decline_code: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        });
        throw failed.error;
      }
      const previous = { status: intent['status'] };
      intent['status'] = 'requires_action';
      const returnUrl = str(params['return_url']);
      intent['next_action'] = returnUrl
        ? {
            type: 'redirect_to_url',
            redirect_to_url: { url: `${this.url}/3ds/${String(intent['id'])}`, return_url: returnUrl },
          }
        : {
            type: 'use_stripe_sdk',
            use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${this.url}/3ds/${String(intent['id'])}` },
          };
      this.emit('payment_intent.requires_action', intent, previous);
      return intent;
    }
    throw this.fail(intent, method, DECLINES[outcome]).error;
  }

  private newCharge(
    intent: Json,
    method: PaymentMethodRecord,
    status: 'succeeded' | 'failed',
    failure?: { code: string; message: string },
  ): Json {
    const charge: Json = {
      id: randomId('ch_'),
      object: 'charge',
      amount: intent['amount'],
      amount_captured: status === 'succeeded' ? intent['amount'] : 0,
      amount_refunded: 0,
      currency: intent['currency'],
      customer: intent['customer'],
      payment_intent: intent['id'],
      payment_method: method.id,
      paid: status === 'succeeded',
      captured: status === 'succeeded',
      refunded: false,
      status,
      failure_code: failure?.code ?? null,
      failure_message: failure?.message ?? null,
      created: this.now(),
      livemode: false,
    };
    this.charges.set(String(charge['id']), charge);
    return charge;
  }

  private succeed(intent: Json, method: PaymentMethodRecord): Json {
    const charge = this.newCharge(intent, method, 'succeeded');
    Object.assign(intent, {
      status: 'succeeded',
      amount_received: intent['amount'],
      latest_charge: charge['id'],
      next_action: null,
      last_payment_error: null,
    });
    this.emit('charge.succeeded', charge);
    this.emit('payment_intent.succeeded', intent);
    return intent;
  }

  private fail(
    intent: Json,
    method: PaymentMethodRecord,
    decline: { code: string; decline_code?: string; message: string; param?: string },
    overrideCode?: string,
  ): { intent: Json; error: StripeError } {
    const code = overrideCode ?? decline.code;
    const charge = this.newCharge(intent, method, 'failed', { code, message: decline.message });
    const lastError = {
      type: 'card_error',
      ...decline,
      code,
      charge: charge['id'],
      payment_method: this.pmJson(method),
    };
    Object.assign(intent, {
      status: 'requires_payment_method',
      payment_method: null,
      latest_charge: charge['id'],
      next_action: null,
      last_payment_error: lastError,
    });
    this.emit('charge.failed', charge);
    this.emit('payment_intent.payment_failed', intent);
    return {
      intent,
      error: this.cardError(
        { ...decline, code },
        { charge: charge['id'], payment_intent: structuredClone(intent), payment_method: this.pmJson(method) },
      ),
    };
  }

  private cancel(intent: Json, params: Record<string, FormValue>): Json {
    const status = String(intent['status']);
    if (
      ![
        'requires_payment_method',
        'requires_capture',
        'requires_confirmation',
        'requires_action',
        'processing',
      ].includes(status)
    ) {
      throw invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    Object.assign(intent, {
      status: 'canceled',
      canceled_at: this.now(),
      cancellation_reason: str(params['cancellation_reason']) ?? null,
      next_action: null,
    });
    this.emit('payment_intent.canceled', intent);
    return intent;
  }

  private createRefund(params: Record<string, FormValue>): Json {
    const intentId = str(params['payment_intent']);
    const chargeId = str(params['charge']);
    if (Boolean(intentId) === Boolean(chargeId))
      throw invalid('You must pass exactly one of payment_intent or charge.', intentId ? 'charge' : 'payment_intent');
    const charge = chargeId
      ? (this.charges.get(chargeId) ??
        (() => {
          throw missing('charge', chargeId, 'charge', 400);
        })())
      : (() => {
          const intent = this.findIntent(intentId ?? '', 'payment_intent', 400);
          const latest = intent['latest_charge'];
          const found = typeof latest === 'string' ? this.charges.get(latest) : undefined;
          if (!found || intent['status'] !== 'succeeded')
            throw invalid(
              `This PaymentIntent (${intentId ?? ''}) does not have a successful charge to refund.`,
              'payment_intent',
              'charge_already_refunded',
            );
          return found;
        })();
    const amount = Number(charge['amount']);
    const refunded = Number(charge['amount_refunded']);
    if (charge['refunded'] === true || refunded >= amount)
      throw invalid(`Charge ${String(charge['id'])} has already been refunded.`, undefined, 'charge_already_refunded');
    const requested = params['amount'] === undefined ? amount - refunded : Number(str(params['amount']));
    if (!Number.isInteger(requested) || requested <= 0) throw invalid('Invalid positive integer', 'amount');
    if (requested > amount - refunded) {
      const money = (value: number) => `$${(value / 100).toFixed(2)}`;
      throw invalid(
        `Refund amount (${money(requested)}) is greater than unrefunded amount on charge (${money(amount - refunded)})`,
        'amount',
      );
    }
    const refund: Json = {
      id: randomId('re_'),
      object: 'refund',
      amount: requested,
      currency: charge['currency'],
      charge: charge['id'],
      payment_intent: charge['payment_intent'],
      reason: str(params['reason']) ?? null,
      metadata: params['metadata'] ?? {},
      status: 'succeeded',
      failure_reason: null,
      created: this.now(),
    };
    this.refunds.set(String(refund['id']), refund);
    const previous = { amount_refunded: refunded, refunded: false };
    charge['amount_refunded'] = refunded + requested;
    charge['refunded'] = refunded + requested >= amount;
    this.emit('refund.created', refund);
    this.emit('charge.refunded', charge, previous);
    return refund;
  }

  private listEvents(params: Record<string, FormValue>): Json {
    const limit = Math.min(100, Math.max(1, Number(str(params['limit']) ?? 10)));
    const types = params['types'];
    const type = str(params['type']);
    const matchesType = (value: string) => {
      const wanted = Array.isArray(types) ? types.map(String) : type ? [type] : null;
      if (!wanted) return true;
      return wanted.some((pattern) =>
        pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern,
      );
    };
    let newestFirst = [...this.events].reverse().filter((event) => matchesType(String(event['type'])));
    const after = str(params['starting_after']);
    const before = str(params['ending_before']);
    if (after) {
      const index = newestFirst.findIndex((event) => event['id'] === after);
      newestFirst = index >= 0 ? newestFirst.slice(index + 1) : [];
    }
    if (before) {
      const index = newestFirst.findIndex((event) => event['id'] === before);
      newestFirst = index >= 0 ? newestFirst.slice(Math.max(0, index - limit), index) : newestFirst.slice(0, limit);
      return this.list('/v1/events', newestFirst, index - limit > 0);
    }
    return this.list('/v1/events', newestFirst.slice(0, limit), newestFirst.length > limit);
  }
}
