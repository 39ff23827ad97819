import http from 'node:http';
import { close, FaultPlan, listen, randomId, readBody } from './http-util';

/**
 * Loopback Zoom: Server-to-Server OAuth token endpoint, create meeting (201) and delete meeting
 * (204 / 404 code 3001), with Zoom's error bodies and fault injection.
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

export class ZoomSandbox {
  readonly faults = new FaultPlan();
  readonly meetings = new Map<number, SandboxMeeting>();
  readonly deleted: number[] = [];
  /** Create requests seen (also the ones that failed), for "exactly once" assertions. */
  createCalls = 0;
  tokensIssued = 0;
  url = '';
  private server: http.Server | null = null;
  private readonly tokens = new Map<string, number>();
  private nextId = 81_234_567_890;

  constructor(
    readonly accountId = 'sandbox-account',
    readonly clientId = 'sandbox-client',
    readonly clientSecret = 'sandbox-secret',
  ) {}

  async start(port = 0): Promise<string> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    this.url = await listen(this.server, port);
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server);
    this.server = null;
  }

  /** Invalidate every issued token (as if they expired), to exercise the client's refresh. */
  expireTokens(): void {
    this.tokens.clear();
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
      this.tokens.set(token, Date.now() + 3_599_000);
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
    if (!expiry || expiry < Date.now()) {
      json(401, { code: 124, message: 'Invalid access token.' });
      return;
    }

    const create = /^\/v2\/users\/([^/]+)\/meetings$/.exec(url.pathname);
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
        created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        start_url: `${this.url}/s/${id}?zak=${randomId('', 32)}`,
        join_url: `${this.url}/j/${id}?pwd=${randomId('', 24)}`,
        password,
        status: 'waiting',
        settings: (input['settings'] as Record<string, unknown> | undefined) ?? {},
      };
      this.meetings.set(id, meeting);
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
      if (request.method === 'DELETE') {
        this.meetings.delete(id);
        this.deleted.push(id);
        if (fault?.kind === 'timeout-after') return;
        json(204);
        return;
      }
    }
    json(404, { code: 404, message: 'Not found.' });
  }
}
