/**
 * Finding a meeting whose create answer was lost (R14: exactly one meeting per paid booking), over
 * the app's Zoom adapter and the loopback Zoom. Zoom's `upcoming` list leaves out a meeting once its
 * time has come, so a retry after the start would make a second meeting; the adapter lists
 * `scheduled` (unexpired past, live and upcoming) and walks every page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import { ZoomMeetingGateway } from '../../src/main/integrations/zoom';
import { GatewayUnavailable } from '../../src/main/services/gateways';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';

describe('Zoom: looking up a meeting by its marker', () => {
  let now = Date.parse('2027-03-01T08:00:00Z');
  const zoom = new ZoomSandbox({ clock: () => now });
  let gateway: ZoomMeetingGateway;

  beforeAll(async () => {
    await zoom.start();
    gateway = new ZoomMeetingGateway({
      accountId: zoom.accountId,
      clientId: zoom.clientId,
      clientSecret: zoom.clientSecret,
      baseUrl: zoom.url,
      timeoutMs: 2000,
    });
  });
  afterAll(() => zoom.stop());

  const meeting = (booking: number, startsInMs: number) =>
    gateway.createMeeting({
      topic: `Spanish — booking #${booking}`,
      startsAt: new Date(now + startsInMs),
      minutes: 30,
      timezone: 'UTC',
      agenda: `LinguaFlex session. linguaflex:booking:${booking}`,
    });

  it('finds a meeting after its start, while it runs and after it ended (type=scheduled)', async () => {
    const made = await meeting(1, 75 * MINUTE_MS);
    now += 80 * MINUTE_MS; // running now
    expect((await gateway.findMeeting('linguaflex:booking:1'))?.id).toBe(made.id);
    now += 6 * HOUR_MS; // ended: `upcoming` would no longer list it
    expect((await gateway.findMeeting('linguaflex:booking:1'))?.id).toBe(made.id);
    expect(await gateway.findMeeting('linguaflex:booking:999')).toBeNull();
  });

  it('walks every page of the list (300 a page)', async () => {
    for (let booking = 100; booking < 420; booking += 1) await meeting(booking, 2 * HOUR_MS);
    const last = await gateway.findMeeting('linguaflex:booking:419');
    expect(last?.joinUrl).toMatch(/^https:\/\//);
  });

  it('reads only meetings whose topic could be the booking’s, and booking 1 is not booking 11', async () => {
    const eleven = await meeting(11, 3 * HOUR_MS);
    const details: string[] = [];
    const realFetch = globalThis.fetch;
    const spy = (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (/\/v2\/meetings\/\d+$/.test(url)) details.push(url);
      return realFetch(input, init);
    };
    globalThis.fetch = spy;
    try {
      const found = await gateway.findMeeting('linguaflex:booking:11', ' — booking #11');
      expect(found?.id).toBe(eleven.id);
      expect(details).toHaveLength(1);
      // Booking 1's marker is a prefix of 11's: it still finds booking 1's own meeting.
      const one = await gateway.findMeeting('linguaflex:booking:1', ' — booking #1');
      expect(one?.id).not.toBe(eleven.id);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('the loopback Zoom reads `type` as Zoom does', async () => {
    const token = await fetch(`${zoom.url}/oauth/token?grant_type=account_credentials&account_id=${zoom.accountId}`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${zoom.clientId}:${zoom.clientSecret}`).toString('base64')}`,
      },
    }).then((response) => response.json() as Promise<{ access_token: string }>);
    const list = async (type: string) => {
      const response = await fetch(`${zoom.url}/v2/users/me/meetings?type=${type}&page_size=300`, {
        headers: { Authorization: `Bearer ${token.access_token}` },
      });
      return { status: response.status, body: (await response.json()) as { total_records?: number } };
    };
    const scheduled = await list('scheduled');
    const upcoming = await list('upcoming');
    const previous = await list('previous_meetings');
    expect(scheduled.body.total_records).toBe(zoom.meetings.size);
    expect(upcoming.body.total_records).toBe(zoom.meetings.size - 1); // booking 1's has ended
    expect(previous.body.total_records).toBe(1);
    expect((await list('nonsense')).status).toBe(400);
  });

  it('a list Zoom cannot answer is "unknown", never "none" (no second meeting on a failed look-up)', async () => {
    zoom.faults.failNext(1, { kind: 'status', status: 503 });
    await expect(gateway.findMeeting('linguaflex:booking:1')).rejects.toBeInstanceOf(GatewayUnavailable);
  });
});
