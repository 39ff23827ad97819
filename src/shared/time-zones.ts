const MINUTE = 60_000;

/** Minutes `timeZone` is ahead of UTC at `date` (Intl knows every zone's offsets; no tz library needed). */
export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  return Math.round((asUtc - Math.floor(date.getTime() / MINUTE) * MINUTE) / MINUTE);
}

/**
 * The calendar day in `timeZone` that contains `date`, as [from, to) instants. (A day with a DST
 * change is taken as 24 hours from its midnight: good enough to list that day's bookings.)
 */
export function dayIn(date: Date, timeZone: string): { from: Date; to: Date } {
  const offset = zoneOffsetMinutes(date, timeZone);
  const wall = new Date(date.getTime() + offset * MINUTE);
  const midnightWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate());
  const from = new Date(midnightWall - offset * MINUTE);
  return { from, to: new Date(from.getTime() + 24 * 60 * MINUTE) };
}
