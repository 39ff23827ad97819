import type { Actor, StaffRole } from './actors';
import { DomainError } from './errors';

/**
 * R30–R33: what each staff role may do. Every service checks these itself (R33); the renderer
 * only uses them to decide which buttons to show.
 */
export const PERMISSIONS = {
  'bookings.read': 'read bookings',
  'bookings.create': 'create bookings on a student’s behalf',
  'bookings.confirm': 'confirm bookings (operator override)',
  'bookings.decline': 'decline bookings (operator override)',
  'bookings.cancelUnpaid': 'cancel unpaid bookings',
  'bookings.cancelPaid': 'cancel paid bookings with a full refund',
  'bookings.complete': 'mark sessions completed',
  'bookings.reschedule': 'move bookings on both parties’ behalf',
  'payments.read': 'read payments',
  'payments.operate': 'create and confirm payments for a student',
  'refunds.request': 'file refund requests',
  'refunds.approve': 'approve or reject refunds',
  'refunds.process': 'process refunds',
  'reports.read': 'see revenue reports',
  'payouts.read': 'see payouts, the ledger and teacher statements',
  'payouts.manage': 'prepare, approve and send teacher payouts and connect teachers’ Stripe accounts',
  'reports.export': 'export reports',
  'people.read': 'read students and teachers',
  'people.write': 'create and edit students, teachers and gigs',
  'staff.manage': 'manage staff accounts',
  'settings.read': 'read settings',
  'settings.write': 'change settings',
  'secrets.read': 'see secrets: integration credentials (masked), Zoom host links and meeting passwords',
  'audit.read': 'read the audit log',
  'operations.manage': 'retry deliveries and resolve reconciliation mismatches',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

const READ_ALL: readonly Permission[] = [
  'bookings.read',
  'payments.read',
  'people.read',
  'settings.read',
  'audit.read',
];

export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, ReadonlySet<Permission>>> = {
  // R30: everything.
  ADMIN: new Set(ALL_PERMISSIONS),
  // R31: read all; approve and process refunds; payouts and revenue reports; exports.
  FINANCE: new Set<Permission>([
    ...READ_ALL,
    'refunds.request',
    'refunds.approve',
    'refunds.process',
    'reports.read',
    'reports.export',
    'payouts.read',
    'payouts.manage',
  ]),
  // R32: read bookings, payments and students; create and cancel unpaid bookings on a student's
  // behalf; file refund requests. No approvals, settings or secrets.
  SUPPORT: new Set<Permission>([
    'bookings.read',
    'payments.read',
    'people.read',
    'bookings.create',
    'bookings.cancelUnpaid',
    'bookings.reschedule',
    'refunds.request',
  ]),
};

export function roleCan(role: StaffRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: StaffRole): Permission[] {
  return ALL_PERMISSIONS.filter((permission) => roleCan(role, permission));
}

/** R33. Non-staff actors (the system, a student, a teacher) are checked by the transition tables instead. */
export function assertStaffCan(actor: Actor, permission: Permission): void {
  if (actor.kind !== 'STAFF') return;
  if (!roleCan(actor.role, permission)) {
    throw new DomainError('FORBIDDEN', `A ${actor.role} user may not ${PERMISSIONS[permission]}`, {
      permission,
      role: actor.role,
    });
  }
}

/**
 * R34: a meeting's secrets — the Zoom host link (`start_url`, which carries a host token) and the
 * meeting password. In the console only a role with `secrets.read` (ADMIN) sees them; through the
 * marketplace API the booking's own teacher, who hosts the meeting (seed-api.md); nobody else.
 */
export function canSeeMeetingSecrets(actor: Actor, booking: { teacherId: number }): boolean {
  if (actor.kind === 'STAFF') return roleCan(actor.role, 'secrets.read');
  return actor.kind === 'TEACHER' && actor.id === booking.teacherId;
}
