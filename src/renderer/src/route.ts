import { useEffect, useState } from 'react';

/**
 * Hash routes: #/queues/AWAITING_CONFIRMATION, #/bookings/42, #/new, #/revenue, #/settings, and finance:
 * #/payouts, #/payouts/runs/7, #/payouts/teachers/12, #/ledger, #/ledger/EUR, #/ledger/USD/teacher_payable:12;
 * support: #/people/students/3, #/people/teachers/12, #/audit, #/audit?student=3&action=booking; admins: #/staff.
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
  | { page: 'ledger'; currency?: string; account?: string }
  | { page: 'student'; id: number }
  | { page: 'teacher'; id: number }
  | { page: 'audit'; filters: AuditRouteFilters }
  | { page: 'staff' };

/** The audit screen's filters as they travel in its address (so a page can link to "this person's history"). */
export interface AuditRouteFilters {
  student?: number;
  teacher?: number;
  booking?: number;
  staff?: number;
  action?: string;
  entity?: string;
  from?: string;
  to?: string;
}

const AUDIT_NUMBERS = ['student', 'teacher', 'booking', 'staff'] as const;
const AUDIT_TEXTS = ['action', 'entity', 'from', 'to'] as const;

export function parseAuditFilters(query: string): AuditRouteFilters {
  const params = new URLSearchParams(query);
  const filters: AuditRouteFilters = {};
  for (const key of AUDIT_NUMBERS) {
    const value = params.get(key);
    if (value && /^\d{1,9}$/.test(value)) filters[key] = Number(value);
  }
  for (const key of AUDIT_TEXTS) {
    const value = params.get(key);
    if (value) filters[key] = value.slice(0, 80);
  }
  return filters;
}

/** The address of the audit screen with these filters. */
export function auditPath(filters: AuditRouteFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [string, string | number | undefined][])
    if (value !== undefined && value !== '') params.set(key, String(value));
  const query = params.toString();
  return query ? `/audit?${query}` : '/audit';
}

/**
 * What each page needs (the server's permission names) and what it is called: a role without it
 * gets a plain "not available to your role" page, decided before the page's frame loads any data
 * (the server refuses the calls anyway, R33; this only spares people a page that cannot work).
 */
export const PAGE_ACCESS: Readonly<Record<Route['page'], { permission: string; name: string }>> = {
  queue: { permission: 'bookings.read', name: 'The booking queues' },
  booking: { permission: 'bookings.read', name: 'A booking' },
  new: { permission: 'bookings.create', name: 'New booking' },
  revenue: { permission: 'reports.read', name: 'Revenue' },
  payments: { permission: 'payments.read', name: 'Payments' },
  refunds: { permission: 'payments.read', name: 'Refund requests' },
  operations: { permission: 'payments.read', name: 'Reconciliation' },
  settings: { permission: 'settings.read', name: 'Settings' },
  payouts: { permission: 'payouts.read', name: 'Payouts' },
  payoutRun: { permission: 'payouts.read', name: 'A payout run' },
  payoutTeacher: { permission: 'payouts.read', name: 'A teacher’s payouts' },
  ledger: { permission: 'payouts.read', name: 'The ledger' },
  student: { permission: 'people.read', name: 'A student’s page' },
  teacher: { permission: 'people.read', name: 'A teacher’s page' },
  // Everyone who reads bookings reaches the log; the server decides what of it a role sees (R32, R34).
  audit: { permission: 'bookings.read', name: 'The audit log' },
  staff: { permission: 'staff.manage', name: 'Staff accounts' },
};

/** The finance pages (R40–R47): shown only to a user who may read payouts. */
export const FINANCE_PAGES: readonly Route['page'][] = ['payouts', 'payoutRun', 'payoutTeacher', 'ledger'];

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  if (path === 'audit') return { page: 'audit', filters: parseAuditFilters(query) };
  const parts = path.split('/');
  if (parts[0] === 'people' && parts[2] && /^\d+$/.test(parts[2])) {
    if (parts[1] === 'students') return { page: 'student', id: Number(parts[2]) };
    if (parts[1] === 'teachers') return { page: 'teacher', id: Number(parts[2]) };
  }
  if (parts[0] === 'bookings' && parts[1] && /^\d+$/.test(parts[1])) return { page: 'booking', id: Number(parts[1]) };
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'revenue') return { page: 'revenue' };
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'staff') return { page: 'staff' };
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
