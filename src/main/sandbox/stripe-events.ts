import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { randomId } from './http-util';
import { str, type FormValue } from './stripe-form';
import { paramError, type Json } from './stripe-errors';
import { createdFilter, paginate } from './stripe-list';

/**
 * Stripe's event log and webhook delivery [facts §6]:
 * - `{id:"evt_…", object:"event", api_version, created, data:{object, previous_attributes?}, livemode,
 *   pending_webhooks, request:{id, idempotency_key}, type}`;
 * - `data.previous_attributes` only on `*.updated` events (it is dropped from any other type);
 * - `request` names the API request that caused the event and its Idempotency-Key; both are null for events
 *   Stripe raises on its own (a refund settling later, the customer finishing 3-D Secure);
 * - `GET /v1/events` lists newest first, filtered by `type` (with a trailing `*` wildcard) or `types[]` (not both,
 *   at most 20) and `created`, paginated, and only goes back 30 days (of the sandbox's clock); older events are
 *   gone, also from `GET /v1/events/{id}`;
 * - webhooks are signed `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body" keyed by the whsec_ secret>`
 *   and retried a few times shortly (the console's poller catches anything missed); delivered after the API
 *   request that raised them has been answered (WEBHOOK_DELAY_MS later).
 */
export const API_VERSION = '2026-10-28.endive';
export const EVENT_RETENTION_SECONDS = 30 * 24 * 60 * 60;
/**
 * How long after the API answer the sandbox delivers an event (see EventLog). Delivering it at once,
 * before the answer, made every paid flow's events race the console's own handling of that answer
 * — which a real Stripe account practically never sees.
 */
export const WEBHOOK_DELAY_MS = 250;

export interface RequestRef {
  id: string | null;
  idempotency_key: string | null;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Json; previous_attributes?: Json };
  livemode: false;
  pending_webhooks: number;
  request: RequestRef;
  type: string;
}

export class EventLog {
  /** Oldest first. */
  private events: StripeEvent[] = [];
  private readonly byId = new Map<string, StripeEvent>();
  private webhook: { url: string; secret: string } | null = null;
  /** Deliveries waiting for their moment (cancelled when the sandbox stops). */
  private readonly waiting = new Set<NodeJS.Timeout>();

  /**
   * @param deliveryDelayMs Stripe answers the API request that raised an event first and delivers the
   *   event afterwards, from its own queue — never before the answer, usually within a second or so.
   */
  constructor(
    private readonly nowSeconds: () => number,
    private readonly deliveryDelayMs = WEBHOOK_DELAY_MS,
  ) {}

  /** No more deliveries: those still waiting are dropped (the console's poller would find them). */
  stop(): void {
    for (const timer of this.waiting) clearTimeout(timer);
    this.waiting.clear();
  }

  setWebhook(url: string | null, secret: string): void {
    this.webhook = url ? { url, secret } : null;
  }

  /** Records an event (and delivers it if a webhook is set); returns it for the journal. */
  emit(type: string, object: Json, request: RequestRef, previous?: Json): StripeEvent {
    const event: StripeEvent = {
      id: randomId('evt_'),
      object: 'event',
      api_version: API_VERSION,
      created: this.nowSeconds(),
      data: {
        object: structuredClone(object),
        ...(previous && type.endsWith('.updated') ? { previous_attributes: structuredClone(previous) } : {}),
      },
      livemode: false,
      pending_webhooks: this.webhook ? 1 : 0,
      request: { ...request },
      type,
    };
    this.add(event);
    const webhook = this.webhook;
    if (webhook) {
      const timer = setTimeout(() => {
        this.waiting.delete(timer);
        void this.deliver(event, webhook);
      }, this.deliveryDelayMs);
      this.waiting.add(timer);
    }
    return event;
  }

  /** Loading from disk. */
  restore(event: StripeEvent): void {
    if (!this.byId.has(event.id)) this.add(event);
  }

  /** The events still within the 30 days, oldest first. */
  live(): StripeEvent[] {
    this.purge();
    const oldest = this.nowSeconds() - EVENT_RETENTION_SECONDS;
    return this.events.filter((event) => event.created >= oldest);
  }

  find(id: string): StripeEvent | undefined {
    const event = this.byId.get(id);
    return event && event.created >= this.nowSeconds() - EVENT_RETENTION_SECONDS ? event : undefined;
  }

  list(params: Record<string, FormValue>): Json {
    const type = str(params['type']);
    const types = params['types'];
    if (type !== undefined && types !== undefined)
      throw paramError('You may only specify one of these parameters: type, types.', 'types');
    let wanted: string[] | null = type !== undefined ? [type] : null;
    if (types !== undefined) {
      const list = Array.isArray(types) ? types : typeof types === 'string' ? [types] : null;
      if (!list || list.some((entry) => typeof entry !== 'string')) throw paramError('Invalid array', 'types');
      if (list.length > 20) throw paramError('You may pass at most 20 types.', 'types');
      wanted = list as string[];
    }
    const matches = (value: string) =>
      !wanted ||
      wanted.some((pattern) => (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern));
    const created = createdFilter(params);
    const newestFirst = this.live()
      .reverse()
      .filter((event) => matches(event.type) && created(event.created));
    return paginate(newestFirst, params, '/v1/events');
  }

  private add(event: StripeEvent): void {
    this.events.push(event);
    this.byId.set(event.id, event);
  }

  /** Drops expired events from the front (they come oldest first). */
  private purge(): void {
    const oldest = this.nowSeconds() - EVENT_RETENTION_SECONDS;
    let drop = 0;
    while (drop < this.events.length && (this.events[drop]?.created ?? oldest) < oldest) drop += 1;
    if (drop === 0) return;
    for (const event of this.events.slice(0, drop)) this.byId.delete(event.id);
    this.events = this.events.slice(drop);
  }

  /** Signs and posts an event the way Stripe does. */
  private async deliver(event: StripeEvent, webhook: { url: string; secret: string }): Promise<void> {
    const payload = JSON.stringify(event);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', webhook.secret).update(`${timestamp}.${payload}`).digest('hex');
      if (await post(webhook.url, payload, `t=${timestamp},v1=${signature}`)) return;
      // the endpoint is down or refused it; retry shortly (the poller catches anything missed)
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}

/** An idle connection is closed before the host's keep-alive timeout (5 s) would close it under a delivery. */
const AGENT_OPTIONS = { keepAlive: true, timeout: 4_000 };
/**
 * Connections to webhook endpoints are kept open between deliveries, as Stripe's senders do. Through
 * node:http rather than fetch: the sandbox runs in the host's own process, and fetch's machinery cost
 * the host 4–8 % of its CPU in bench:api's flows (three events each) for the same bytes on the wire.
 */
const webhookAgents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

/** POSTs a signed event; true when the endpoint answered 2xx within 10 s. */
function post(url: string, payload: string, signature: string): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        agent: secure ? webhookAgents.https : webhookAgents.http,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          'Stripe-Signature': signature,
        },
        timeout: 10_000,
      },
      (response) => {
        response.resume(); // read the answer to its end, so the connection can carry the next event
        response.on('end', () => resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300));
        response.on('error', () => resolve(false));
      },
    );
    request.on('timeout', () => request.destroy(new Error('webhook endpoint timed out')));
    request.on('error', () => resolve(false));
    request.end(payload);
  });
}
