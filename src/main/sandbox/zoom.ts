import http from 'node:http';
import { close, FaultPlan, guarded, listen, randomId, readBody, sleep } from './http-util';
import { Journal } from './journal';

/**
 * Loopback Zoom: Server-to-Server OAuth token endpoint, create meeting (201), update meeting in place
 * (PATCH, 204: same id and join URL), and delete meeting (204 / 404 code 3001 for both), with Zoom's
 * error bodies and fault injection [facts §8].
 *
 * With `stateDir`, meetings, deleted meeting ids, the meeting id counter and the access tokens issued are kept
 * in `zoom.jsonl` there (journal.ts) and survive a restart, as they survive a restart of Zoom's servers: a client
 * holding a token keeps using it.
 *
 * Join and start URLs are built on `publicUrl` (default `https://zoom.sandbox.localhost`), a stable name rather
 * than the loopback port, like Zoom's own `https://us05web.zoom.us/j/<id>?pwd=…`: the URLs the console stored and
 * mailed stay the same when the sandbox restarts on another port. They identify a meeting; they are not served.
 */
export interface SandboxMeeting {
  id: number;
  uuid: string;
  host_id: string;
  topic: string;
  type: number;
  start_time: string;
  duration: number;
  timezone: string;
  agenda: string;
  created_at: string;
  start_url: string;
  join_url: string;
  password: string;
  status: 'waiting';
  settings: Record<string, unknown>;
}

export interface ZoomSandboxOptions {
  accountId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Keep meetings, deleted ids, the id counter and tokens in this folder (created 0700): survives restarts. */
  stateDir?: string;
  /** The sandbox's clock, ms since the epoch (default Date.now): token expiry and created_at. */
  clock?: () => number;
  /** Stable base of join and start URLs (default https://zoom.sandbox.localhost). */
  publicUrl?: string;
}

type ZoomRecord =
  | { t: 'meeting'; v: SandboxMeeting }
  | { t: 'deleted'; id: number }
  | { t: 'next'; id: number }
  | { t: 'token'; token: string; expiresAt: number }
  | { t: 'tokens-expired' };

const FIRST_ID = 81_234_567_890;

export class ZoomSandbox {
  readonly faults = new FaultPlan();
  readonly meetings = new Map<number, SandboxMeeting>();
  readonly deleted: number[] = [];
  /** Create requests seen (also the ones that failed), for "exactly once" assertions. */
  createCalls = 0;
  /** Update (PATCH) requests that changed a meeting. */
  updateCalls = 0;
  tokensIssued = 0;
  url = '';
  readonly accountId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly stateDir: string | null;
  readonly publicUrl: string;
  private readonly clock: () => number;
  private server: http.Server | null = null;
  private readonly tokens = new Map<string, number>();
  private nextId = FIRST_ID;
  private readonly journal: Journal<ZoomRecord> | null;

  /** `new ZoomSandbox({...})`, or the older `new ZoomSandbox(accountId?, clientId?, clientSecret?)`. */
  constructor(options: ZoomSandboxOptions | string = {}, clientId?: string, clientSecret?: string) {
    const settings: ZoomSandboxOptions =
      typeof options === 'string' ? { accountId: options, clientId, clientSecret } : options;
    this.accountId = settings.accountId ?? 'sandbox-account';
    this.clientId = settings.clientId ?? 'sandbox-client';
    this.clientSecret = settings.clientSecret ?? 'sandbox-secret';
    this.clock = settings.clock ?? Date.now;
    this.publicUrl = (settings.publicUrl ?? 'https://zoom.sandbox.localhost').replace(/\/$/, '');
    this.stateDir = settings.stateDir ?? null;
    this.journal = this.stateDir ? new Journal<ZoomRecord>(this.stateDir, 'zoom.jsonl') : null;
    if (this.journal) for (const record of this.journal.load()) this.load(record);
  }

  async start(port = 0): Promise<string> {
    this.journal?.compact(this.records());
    this.server = http.createServer(guarded((request, response) => this.handle(request, response)));
    this.url = await listen(this.server, port);
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server);
    this.server = null;
    this.journal?.close();
  }

  /** Invalidate every issued token (as if they expired), to exercise the client's refresh. */
  expireTokens(): void {
    this.tokens.clear();
    this.write({ t: 'tokens-expired' });
  }

  private load(record: ZoomRecord): void {
    switch (record.t) {
      case 'meeting':
        this.meetings.set(record.v.id, record.v);
        break;
      case 'deleted':
        this.meetings.delete(record.id);
        if (!this.deleted.includes(record.id)) this.deleted.push(record.id);
        break;
      case 'next':
        this.nextId = Math.max(this.nextId, record.id);
        break;
      case 'token':
        this.tokens.set(record.token, record.expiresAt);
        break;
      case 'tokens-expired':
        this.tokens.clear();
        break;
    }
  }

  private *records(): Generator<ZoomRecord> {
    yield { t: 'next', id: this.nextId };
    for (const id of this.deleted) yield { t: 'deleted', id };
    for (const v of this.meetings.values()) yield { t: 'meeting', v };
    const now = this.clock();
    for (const [token, expiresAt] of this.tokens) if (expiresAt > now) yield { t: 'token', token, expiresAt };
  }

  private write(...records: ZoomRecord[]): void {
    this.journal?.append(records);
    this.journal?.compactIfDue(() => this.records());
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://zoom');
    const body = await readBody(request);
    const json = (status: number, payload?: unknown) => {
      if (payload === undefined) {
        response.writeHead(status).end();
        return;
      }
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (request.method === 'POST' && /^\/v2\/users\/[^/]+\/meetings$/.test(url.pathname)) this.createCalls += 1;
    const fault = this.faults.take();
    if (fault?.kind === 'status') {
      json(fault.status ?? 500, { code: fault.status ?? 500, message: 'Sandbox fault (injected).' });
      return;
    }
    if (fault?.kind === 'timeout-before') return;
    if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000);

    if (request.method === 'POST' && url.pathname === '/oauth/token') {
      const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
      if (
        request.headers.authorization !== expected ||
        url.searchParams.get('grant_type') !== 'account_credentials' ||
        url.searchParams.get('account_id') !== this.accountId
      ) {
        json(400, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
        return;
      }
      const token = randomId('zoom_', 40);
      const expiresAt = this.clock() + 3_599_000;
      this.tokens.set(token, expiresAt);
      this.write({ t: 'token', token, expiresAt });
      this.tokensIssued += 1;
      json(200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: 3599,
        scope: 'meeting:write:meeting:admin meeting:delete:meeting:admin',
        api_url: this.url,
      });
      return;
    }
    const token = /^Bearer\s+(\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiry = token ? this.tokens.get(token) : undefined;
    if (!expiry || expiry < this.clock()) {
      json(401, { code: 124, message: 'Invalid access token.' });
      return;
    }

    const create = /^\/v2\/users\/([^/]+)\/meetings$/.exec(url.pathname);
    if (request.method === 'GET' && create) {
      // Zoom's list of a user's meetings: the app finds a meeting whose create answer was lost by its
      // agenda marker through this list and each meeting's details. `type` as Zoom reads it:
      // `scheduled` (the default) is every unexpired meeting, past, live and upcoming; `upcoming`
      // and `upcoming_meetings` leave out those whose start has passed but for live ones; `live`
      // only those running now; `previous_meetings` those that have ended.
      const now = this.clock();
      const started = (meeting: SandboxMeeting) => Date.parse(meeting.start_time) <= now;
      const ended = (meeting: SandboxMeeting) => Date.parse(meeting.start_time) + meeting.duration * 60_000 < now;
      const type = url.searchParams.get('type') ?? 'scheduled';
      const filters: Record<string, (meeting: SandboxMeeting) => boolean> = {
        scheduled: () => true,
        upcoming: (meeting) => !ended(meeting),
        upcoming_meetings: (meeting) => !ended(meeting),
        live: (meeting) => started(meeting) && !ended(meeting),
        previous_meetings: ended,
      };
      const filter = filters[type];
      if (!filter) {
        json(400, { code: 300, message: `Invalid field: type (${type}).` });
        return;
      }
      const listed = [...this.meetings.values()].filter(filter);
      const pageSize = Math.min(300, Math.max(1, Number(url.searchParams.get('page_size') ?? 30)));
      // The page token is the offset, opaque to clients as Zoom's is.
      const token = url.searchParams.get('next_page_token') ?? '';
      const offset = /^o\d+$/.test(token) ? Number(token.slice(1)) : 0;
      const page = listed.slice(offset, offset + pageSize);
      json(200, {
        page_size: pageSize,
        total_records: listed.length,
        next_page_token: offset + pageSize < listed.length ? `o${offset + pageSize}` : '',
        meetings: page.map((meeting) => ({
          uuid: meeting.uuid,
          id: meeting.id,
          host_id: meeting.host_id,
          topic: meeting.topic,
          type: meeting.type,
          start_time: meeting.start_time,
          duration: meeting.duration,
          timezone: meeting.timezone,
          created_at: meeting.created_at,
          join_url: meeting.join_url,
        })),
      });
      return;
    }
    if (request.method === 'POST' && create) {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json(400, { code: 300, message: 'Request Body should be a valid JSON object.' });
        return;
      }
      const errors: { field: string; message: string }[] = [];
      if (typeof input['topic'] !== 'string' || input['topic'].length > 200)
        errors.push({ field: 'topic', message: 'Topic is required, at most 200 characters.' });
      if (input['type'] !== 2)
        errors.push({ field: 'type', message: 'Only scheduled meetings (type 2) are supported here.' });
      if (typeof input['start_time'] !== 'string' || Number.isNaN(Date.parse(input['start_time'])))
        errors.push({ field: 'start_time', message: 'Invalid start_time.' });
      if (!Number.isInteger(input['duration'])) errors.push({ field: 'duration', message: 'Invalid duration.' });
      if (typeof input['password'] === 'string' && input['password'].length > 10)
        errors.push({ field: 'password', message: 'Password can be at most 10 characters.' });
      if (errors.length > 0) {
        json(400, { code: 300, message: 'Validation Failed.', errors });
        return;
      }
      const id = (this.nextId += 7);
      const password = typeof input['password'] === 'string' ? input['password'] : randomId('', 8);
      const meeting: SandboxMeeting = {
        id,
        uuid: randomId('', 22),
        host_id: randomId('', 22),
        topic: String(input['topic']),
        type: 2,
        start_time: new Date(String(input['start_time'])).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        duration: Number(input['duration']),
        timezone: typeof input['timezone'] === 'string' ? input['timezone'] : 'UTC',
        agenda: typeof input['agenda'] === 'string' ? input['agenda'] : '',
        created_at: new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        start_url: `${this.publicUrl}/s/${id}?zak=${randomId('', 32)}`,
        join_url: `${this.publicUrl}/j/${id}?pwd=${randomId('', 24)}`,
        password,
        status: 'waiting',
        settings: (input['settings'] as Record<string, unknown> | undefined) ?? {},
      };
      this.meetings.set(id, meeting);
      this.write({ t: 'next', id: this.nextId }, { t: 'meeting', v: meeting });
      if (fault?.kind === 'timeout-after') return;
      json(201, meeting);
      return;
    }
    const one = /^\/v2\/meetings\/(\d+)$/.exec(url.pathname);
    if (one) {
      const id = Number(one[1]);
      const meeting = this.meetings.get(id);
      if (!meeting) {
        json(404, { code: 3001, message: `Meeting does not exist: ${id}.` });
        return;
      }
      if (request.method === 'GET') {
        json(200, meeting);
        return;
      }
      if (request.method === 'PATCH') {
        // Update in place [facts: Update meeting]: 204, same id and join URL; only the given fields change.
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(body || '{}') as Record<string, unknown>;
        } catch {
          json(400, { code: 300, message: 'Request Body should be a valid JSON object.' });
          return;
        }
        const errors: { field: string; message: string }[] = [];
        if (
          input['start_time'] !== undefined &&
          (typeof input['start_time'] !== 'string' || Number.isNaN(Date.parse(input['start_time'])))
        )
          errors.push({ field: 'start_time', message: 'Invalid start_time.' });
        if (input['duration'] !== undefined && !Number.isInteger(input['duration']))
          errors.push({ field: 'duration', message: 'Invalid duration.' });
        if (input['topic'] !== undefined && (typeof input['topic'] !== 'string' || input['topic'].length > 200))
          errors.push({ field: 'topic', message: 'Topic must be at most 200 characters.' });
        if (errors.length > 0) {
          json(400, { code: 300, message: 'Validation Failed.', errors });
          return;
        }
        const updated: SandboxMeeting = {
          ...meeting,
          ...(typeof input['start_time'] === 'string'
            ? { start_time: new Date(input['start_time']).toISOString().replace(/\.\d{3}Z$/, 'Z') }
            : {}),
          ...(typeof input['duration'] === 'number' ? { duration: input['duration'] } : {}),
          ...(typeof input['timezone'] === 'string' ? { timezone: input['timezone'] } : {}),
          ...(typeof input['topic'] === 'string' ? { topic: input['topic'] } : {}),
        };
        this.meetings.set(id, updated);
        this.updateCalls += 1;
        this.write({ t: 'meeting', v: updated });
        if (fault?.kind === 'timeout-after') return;
        json(204);
        return;
      }
      if (request.method === 'DELETE') {
        this.meetings.delete(id);
        this.deleted.push(id);
        this.write({ t: 'deleted', id });
        if (fault?.kind === 'timeout-after') return;
        json(204);
        return;
      }
    }
    json(404, { code: 404, message: 'Not found.' });
  }
}
