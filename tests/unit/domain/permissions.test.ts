import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/main/domain/actors';
import { assertStaffCan, ALL_PERMISSIONS, roleCan, type Permission } from '../../../src/main/domain/permissions';

const staff = (id: number, role: 'ADMIN' | 'FINANCE' | 'SUPPORT'): Actor => ({ kind: 'STAFF', id, role });

describe('permission matrix (R30–R33)', () => {
  // Written out from R30–R32: what each role may do.
  const FINANCE: Permission[] = [
    'bookings.read',
    'payments.read',
    'people.read',
    'settings.read',
    'audit.read',
    'refunds.request',
    'refunds.approve',
    'refunds.process',
    'reports.read',
    'reports.export',
    'payouts.read',
    'payouts.manage',
  ];
  const SUPPORT: Permission[] = [
    'bookings.read',
    'payments.read',
    'people.read',
    'bookings.create',
    'bookings.cancelUnpaid',
    // R51: support moves bookings on both parties' behalf.
    'bookings.reschedule',
    'refunds.request',
  ];

  it.each(
    ALL_PERMISSIONS.flatMap((permission) =>
      (['ADMIN', 'FINANCE', 'SUPPORT'] as const).map((role) => ({ permission, role })),
    ),
  )('$role → $permission', ({ permission, role }) => {
    const expected = role === 'ADMIN' || (role === 'FINANCE' ? FINANCE : SUPPORT).includes(permission);
    expect(roleCan(role, permission)).toBe(expected);
    const check = () => assertStaffCan(staff(1, role), permission);
    if (expected) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
  });

  it('support cannot approve refunds, change settings or see secrets (R32)', () => {
    for (const permission of ['refunds.approve', 'settings.write', 'secrets.read'] as const)
      expect(roleCan('SUPPORT', permission)).toBe(false);
  });
});
