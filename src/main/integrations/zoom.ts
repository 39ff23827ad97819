import { GatewayRefused, GatewayUnavailable, type MeetingDetails, type MeetingGateway } from '../services/gateways';

export interface ZoomSettings {
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Sandbox base URL; absent for the real Zoom (zoom.us for tokens, api.zoom.us for the API). */
  baseUrl?: string;
  timeoutMs?: number;
}

interface MeetingResponse {
  id: number;
  join_url: string;
  start_url: string;
  password?: string;
  agenda?: string;
  topic?: string;
}

/** Zoom through Server-to-Server OAuth over fetch; the token is cached until shortly before it expires. */
export class ZoomMeetingGateway implements MeetingGateway {
  readonly mode: 'real' | 'sandbox';
  private token: { value: string; expiresAt: number } | null = null;
  private readonly oauthBase: string;
  private readonly apiBase: string;

  constructor(private readonly settings: ZoomSettings) {
    this.mode = settings.baseUrl ? 'sandbox' : 'real';
    this.oauthBase = settings.baseUrl ?? 'https://zoom.us';
    this.apiBase = settings.baseUrl ?? 'https://api.zoom.us';
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000) });
    } catch (error) {
      throw new GatewayUnavailable(`Zoom did not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const basic = Buffer.from(`${this.settings.clientId}:${this.settings.clientSecret}`).toString('base64');
    const url = `${this.oauthBase}/oauth/token?grant_type=account_credentials&account_id=${encodeURIComponent(this.settings.accountId)}`;
    const response = await this.fetch(url, { method: 'POST', headers: { Authorization: `Basic ${basic}` } });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      reason?: string;
      error?: string;
    };
    if (!response.ok || !body.access_token) {
      if (response.status >= 500) throw new GatewayUnavailable(`Zoom's token endpoint failed with ${response.status}`);
      throw new GatewayRefused(
        `Zoom refused the credentials: ${body.reason ?? body.error ?? response.status}`,
        body.error ?? null,
      );
    }
    this.token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3599) * 1000 };
    return this.token.value;
  }

  /** One API call; a 401 drops the cached token and tries once more with a fresh one. */
  private async api(path: string, init: RequestInit, retried = false): Promise<Response> {
    const token = await this.accessToken();
    const response = await this.fetch(`${this.apiBase}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    });
    if (response.status === 401 && !retried) {
      this.token = null;
      return this.api(path, init, true);
    }
    if (response.status >= 500 || response.status === 429)
      throw new GatewayUnavailable(`Zoom answered ${response.status}`);
    return response;
  }

  async createMeeting(input: {
    topic: string;
    startsAt: Date;
    minutes: number;
    timezone: string;
    agenda: string;
  }): Promise<MeetingDetails> {
    const response = await this.api('/v2/users/me/meetings', {
      method: 'POST',
      body: JSON.stringify({
        topic: input.topic.slice(0, 200),
        type: 2,
        start_time: input.startsAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        duration: input.minutes,
        timezone: input.timezone,
        agenda: input.agenda.slice(0, 2000),
        settings: { join_before_host: false, waiting_room: true, approval_type: 2 },
      }),
    });
    const body = (await response.json()) as MeetingResponse & { message?: string };
    if (response.status !== 201)
      throw new GatewayRefused(`Zoom refused the meeting: ${body.message ?? response.status}`, String(response.status));
    return { id: String(body.id), joinUrl: body.join_url, startUrl: body.start_url, password: body.password ?? '' };
  }

  /**
   * The meeting whose agenda carries `marker`, for a create whose answer was lost. Listed with
   * `type=scheduled`: Zoom's `upcoming` leaves out meetings whose time has come, and a retry may run
   * after the session started; `scheduled` holds the unexpired past, live and upcoming ones. The
   * list has no agenda, so the details of each listed meeting whose topic could be ours (`topicSuffix`,
   * when given) are read — never the whole account's; all pages are walked.
   */
  async findMeeting(marker: string, topicSuffix?: string): Promise<MeetingDetails | null> {
    let pageToken = '';
    do {
      const query = `type=scheduled&page_size=300${pageToken ? `&next_page_token=${encodeURIComponent(pageToken)}` : ''}`;
      const response = await this.api(`/v2/users/me/meetings?${query}`, { method: 'GET' });
      // Not knowing is not "none": the caller must not make a second meeting on a failed look-up.
      if (!response.ok) throw new GatewayUnavailable(`Zoom could not list the meetings (${response.status})`);
      const body = (await response.json()) as { meetings?: MeetingResponse[]; next_page_token?: string };
      for (const listed of body.meetings ?? []) {
        if (topicSuffix !== undefined && !(listed.topic ?? '').endsWith(topicSuffix)) continue;
        const detail = await this.api(`/v2/meetings/${listed.id}`, { method: 'GET' });
        if (!detail.ok) continue;
        const meeting = (await detail.json()) as MeetingResponse;
        // A whole word: booking 1's marker is a prefix of booking 11's.
        if ((meeting.agenda ?? '').split(/\s+/).includes(marker))
          return {
            id: String(meeting.id),
            joinUrl: meeting.join_url,
            startUrl: meeting.start_url,
            password: meeting.password ?? '',
          };
      }
      pageToken = body.next_page_token ?? '';
    } while (pageToken);
    return null;
  }

  async updateMeeting(id: string, input: { startsAt: Date; minutes: number; timezone: string }): Promise<void> {
    const response = await this.api(`/v2/meetings/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: JSON.stringify({
        start_time: input.startsAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        duration: input.minutes,
        timezone: input.timezone,
      }),
    });
    if (response.status === 204) return;
    const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
    throw new GatewayRefused(
      `Zoom refused to move meeting ${id}: ${body.message ?? response.status}`,
      String(body.code ?? response.status),
    );
  }

  async deleteMeeting(id: string): Promise<void> {
    const response = await this.api(`/v2/meetings/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (response.status === 204 || response.status === 404) return;
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new GatewayRefused(
      `Zoom refused to delete meeting ${id}: ${body.message ?? response.status}`,
      String(response.status),
    );
  }
}
