/** Who acts on a booking. Staff act with a role; students and teachers act for themselves. */
export const STAFF_ROLES = ['ADMIN', 'FINANCE', 'SUPPORT'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type Actor =
  | { readonly kind: 'STAFF'; readonly id: number; readonly role: StaffRole }
  | { readonly kind: 'STUDENT'; readonly id: number }
  | { readonly kind: 'TEACHER'; readonly id: number }
  | { readonly kind: 'SYSTEM'; readonly process: string };

/** The role names the transition tables use. */
/** Stripe, as the actor of the transitions its answers and events cause. */
export const STRIPE: Actor = { kind: 'SYSTEM', process: 'stripe' };

export const TRANSITION_ROLES = ['student', 'teacher', 'support', 'finance', 'admin', 'system'] as const;
export type TransitionRole = (typeof TRANSITION_ROLES)[number];

export function transitionRoleOf(actor: Actor): TransitionRole {
  switch (actor.kind) {
    case 'STAFF':
      return actor.role === 'ADMIN' ? 'admin' : actor.role === 'FINANCE' ? 'finance' : 'support';
    case 'STUDENT':
      return 'student';
    case 'TEACHER':
      return 'teacher';
    case 'SYSTEM':
      return 'system';
  }
}

/** The role string recorded with a transition or an audit entry. */
export function recordedRoleOf(actor: Actor): string {
  return actor.kind === 'STAFF' ? actor.role : actor.kind;
}
