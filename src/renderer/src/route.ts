import { useEffect, useState } from 'react';

/** Hash routes: #/queues/AWAITING_CONFIRMATION, #/bookings/42, #/new, #/revenue, #/settings. */
export type Route =
  | { page: 'queue'; queue: string; search?: string }
  | { page: 'booking'; id: number }
  | { page: 'new' }
  | { page: 'revenue' }
  | { page: 'payments' }
  | { page: 'refunds' }
  | { page: 'operations' }
  | { page: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'bookings' && parts[1] && /^\d+$/.test(parts[1])) return { page: 'booking', id: Number(parts[1]) };
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'revenue') return { page: 'revenue' };
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'payments') return { page: 'payments' };
  if (parts[0] === 'refunds') return { page: 'refunds' };
  if (parts[0] === 'operations') return { page: 'operations' };
  const queue = parts[0] === 'queues' && parts[1] ? parts[1] : 'AWAITING_CONFIRMATION';
  let search = '';
  try {
    search = decodeURIComponent(parts.slice(2).join('/'));
  } catch {
    search = '';
  }
  return { page: 'queue', queue, search };
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
