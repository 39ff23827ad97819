import { str, type FormValue } from './stripe-form';
import { paramError, type Json } from './stripe-errors';

/**
 * Stripe's list endpoints: `{object:'list', data, has_more, url}`, newest first, `limit` 1–100 (default 10),
 * `starting_after` (older than that id) and `ending_before` (newer than that id), and the `created` filter
 * (an integer or `{gt,gte,lt,lte}`) [facts §6]. The SDK's auto-pagination follows `has_more` with
 * `starting_after` set to the last id of the page.
 */
export function limitOf(params: Record<string, FormValue>): number {
  const raw = str(params['limit']);
  if (raw === undefined) return 10;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw)) throw paramError(`Invalid integer: ${raw}`, 'limit');
  if (limit < 1) throw paramError('This value must be greater than or equal to 1.', 'limit');
  if (limit > 100) throw paramError('This value must be less than or equal to 100.', 'limit');
  return limit;
}

/** The `created` filter as a predicate on Unix seconds. */
export function createdFilter(params: Record<string, FormValue>): (created: number) => boolean {
  const value = params['created'];
  if (value === undefined || value === null) return () => true;
  const integer = (raw: FormValue | undefined, param: string): number | undefined => {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw))
      throw paramError(`Invalid integer: ${typeof raw === 'string' ? raw : 'object'}`, param);
    return Number(raw);
  };
  if (typeof value === 'string') {
    const exact = integer(value, 'created');
    return (created) => created === exact;
  }
  if (Array.isArray(value)) throw paramError('Invalid created filter', 'created');
  const gt = integer(value['gt'], 'created[gt]');
  const gte = integer(value['gte'], 'created[gte]');
  const lt = integer(value['lt'], 'created[lt]');
  const lte = integer(value['lte'], 'created[lte]');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

/** One page of a newest-first list. An unknown cursor gives an empty page. */
export function paginate(newestFirst: readonly { id: string }[], params: Record<string, FormValue>, url: string): Json {
  const limit = limitOf(params);
  const after = str(params['starting_after']);
  const before = str(params['ending_before']);
  if (after && before) throw paramError('You may only specify one of these parameters: ending_before, starting_after.');
  if (before) {
    const index = newestFirst.findIndex((item) => item.id === before);
    const newer = index >= 0 ? newestFirst.slice(0, index) : [];
    return {
      object: 'list',
      data: newer.slice(Math.max(0, newer.length - limit)),
      has_more: newer.length > limit,
      url,
    };
  }
  let rest = newestFirst;
  if (after) {
    const index = newestFirst.findIndex((item) => item.id === after);
    rest = index >= 0 ? newestFirst.slice(index + 1) : [];
  }
  return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
}
