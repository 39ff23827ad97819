import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/main/domain/actors';
import { assertStaffCan, ALL_PERMISSIONS, roleCan, type Permission } from '../../../src/main/domain/permissions';
import { decideRefundApproval, decideRefundRejection, validateRefundRequest } from '../../../src/main/domain/refunds';

const staff = (id: number, role: 'ADMIN' | 'FINANCE' | 'SUPPORT'): Actor => ({ kind: 'STAFF', id, role });

describe('refund rules (R24)', () => {
  const request = { id: 5, status: 'REQUESTED' as const, amountMinor: 15_000, requestedById: 1, firstApproverId: null };

  it('the requester cannot approve or reject their own request', () => {
    expect(() => decideRefundApproval(request, staff(1, 'FINANCE'), 20_000)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as Error,
    );
    expect(() => decideRefundRejection(request, staff(1, 'FINANCE'), 'no')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as Error,
    );
  });

  it('at or below the threshold one approver suffices', () => {
    expect(decideRefundApproval({ ...request, amountMinor: 20_000 }, staff(2, 'FINANCE'), 20_000)).toEqual({
      status: 'APPROVED',
      slot: 'first',
    });
  });

  it('above the threshold a second, different approver is needed (four eyes)', () => {
    const big = { ...request, amountMinor: 20_001 };
    expect(decideRefundApproval(big, staff(2, 'FINANCE'), 20_000)).toEqual({
      status: 'AWAITING_SECOND_APPROVAL',
      slot: 'first',
    });
    const waiting = { ...big, status: 'AWAITING_SECOND_APPROVAL' as const, firstApproverId: 2 };
    expect(() => decideRefundApproval(waiting, staff(2, 'FINANCE'), 20_000)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as Error,
    );
    expect(() => decideRefundApproval(waiting, staff(1, 'ADMIN'), 20_000)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as Error,
    );
    expect(decideRefundApproval(waiting, staff(3, 'ADMIN'), 20_000)).toEqual({ status: 'APPROVED', slot: 'second' });
  });

  it.each(['APPROVED', 'REJECTED', 'SUCCEEDED', 'FAILED'] as const)(
    'a %s request cannot be approved or rejected again',
    (status) => {
      expect(() => decideRefundApproval({ ...request, status }, staff(2, 'FINANCE'), 20_000)).toThrow(
        expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }) as Error,
      );
      expect(() => decideRefundRejection({ ...request, status }, staff(2, 'FINANCE'), 'x')).toThrow(
        expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }) as Error,
      );
    },
  );

  it('validates amount, reason and what remains', () => {
    expect(() => validateRefundRequest({ amountMinor: 0, reason: 'x', refundableMinor: 100 })).toThrow(/positive/);
    expect(() => validateRefundRequest({ amountMinor: 10, reason: ' ', refundableMinor: 100 })).toThrow(/reason/);
    expect(() => validateRefundRequest({ amountMinor: 101, reason: 'x', refundableMinor: 100 })).toThrow(
      expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error,
    );
    expect(() => validateRefundRequest({ amountMinor: 100, reason: 'x', refundableMinor: 100 })).not.toThrow();
  });
});

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
  ];
  const SUPPORT: Permission[] = [
    'bookings.read',
    'payments.read',
    'people.read',
    'bookings.create',
    'bookings.cancelUnpaid',
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
