import { useEffect, useState } from 'react';

/**
 * Hash routes: #/queues/AWAITING_CONFIRMATION, #/bookings/42, #/new, #/revenue, #/settings, and finance:
 * #/payouts, #/payouts/runs/7, #/payouts/teachers/12, #/ledger, #/ledger/EUR, #/ledger/USD/teacher_payable:12.
 */
export type Route =
  | { page: 'queue'; queue: string; search?: string }
  | { page: 'booking'; id: number }
  | { page: 'new' }
  | { page: 'revenue' }
  | { page: 'payments' }
  | { page: 'refunds' }
  | { page: 'operations' }
  | { page: 'settings' }
  | { page: 'payouts' }
  | { page: 'payoutRun'; id: number }
  | { page: 'payoutTeacher'; id: number }
  | { page: 'ledger'; currency?: string; account?: string };

/** The finance pages (R40–R47): shown only to a user who may read payouts. */
export const FINANCE_PAGES: readonly Route['page'][] = ['payouts', 'payoutRun', 'payoutTeacher', 'ledger'];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'bookings' && parts[1] && /^\d+$/.test(parts[1])) return { page: 'booking', id: Number(parts[1]) };
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'revenue') return { page: 'revenue' };
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'payments') return { page: 'payments' };
  if (parts[0] === 'refunds') return { page: 'refunds' };
  if (parts[0] === 'operations') return { page: 'operations' };
  if (parts[0] === 'payouts') {
    const id = parts[2] && /^\d+$/.test(parts[2]) ? Number(parts[2]) : null;
    if (parts[1] === 'runs' && id !== null) return { page: 'payoutRun', id };
    if (parts[1] === 'teachers' && id !== null) return { page: 'payoutTeacher', id };
    return { page: 'payouts' };
  }
  if (parts[0] === 'ledger') {
    let account: string | undefined;
    try {
      account = parts[2] ? decodeURIComponent(parts[2]) : undefined;
    } catch {
      account = undefined;
    }
    return { page: 'ledger', ...(parts[1] ? { currency: parts[1] } : {}), ...(account ? { account } : {}) };
  }
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
