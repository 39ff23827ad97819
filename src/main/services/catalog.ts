import { AUDIT_USE_CASES } from './audit';
import { AUTH_USE_CASES } from './auth';
import { BOOKING_USE_CASES } from './bookings/specs';
import { DELIVERY_USE_CASES } from './deliveries';
import { PAYMENT_USE_CASES } from './payments/specs';
import { PAYOUT_USE_CASES } from './payouts/specs';
import { PEOPLE_USE_CASES } from './people';
import { RECONCILIATION_USE_CASES } from './reconciliation';
import { REFUND_USE_CASES } from './refunds/specs';
import { REPORT_USE_CASES } from './reports';
import { SETTINGS_USE_CASES } from './settings';
import { STAFF_USE_CASES } from './staff';
import type { UseCaseSpec } from './use-case';

/** Every use case's contract, keyed by its procedure path (for checks that walk all of them). */
export const USE_CASE_CATALOG: readonly UseCaseSpec[] = [
  ...Object.values(BOOKING_USE_CASES),
  ...Object.values(PAYMENT_USE_CASES),
  ...Object.values(REFUND_USE_CASES),
  ...Object.values(PEOPLE_USE_CASES),
  ...Object.values(STAFF_USE_CASES),
  ...Object.values(AUTH_USE_CASES),
  ...Object.values(SETTINGS_USE_CASES),
  ...Object.values(REPORT_USE_CASES),
  ...Object.values(AUDIT_USE_CASES),
  ...Object.values(RECONCILIATION_USE_CASES),
  ...Object.values(DELIVERY_USE_CASES),
  ...Object.values(PAYOUT_USE_CASES),
];
