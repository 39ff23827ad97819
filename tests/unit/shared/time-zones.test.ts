import { describe, expect, it } from 'vitest';
import { dayIn, zoneOffsetMinutes } from '../../../src/shared/time-zones';

describe('time zones without a library', () => {
  it('knows offsets, also across a DST change', () => {
    expect(zoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), 'Europe/Madrid')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Europe/Madrid')).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-240);
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'UTC')).toBe(0);
  });

  it('gives the local day that holds an instant, even when that day differs from UTC’s', () => {
    // 23:30 UTC on the 15th is already the 16th in Madrid (summer, +2).
    expect(dayIn(new Date('2026-07-15T23:30:00Z'), 'Europe/Madrid')).toEqual({
      from: new Date('2026-07-15T22:00:00Z'),
      to: new Date('2026-07-16T22:00:00Z'),
    });
    // 02:00 UTC on the 16th is still the 15th in New York (-4).
    expect(dayIn(new Date('2026-07-16T02:00:00Z'), 'America/New_York')).toEqual({
      from: new Date('2026-07-15T04:00:00Z'),
      to: new Date('2026-07-16T04:00:00Z'),
    });
  });
});
