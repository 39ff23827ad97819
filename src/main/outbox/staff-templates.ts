import type { StaffTemplate } from '../domain/effects';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export interface StaffEmailContext {
  refundRequestId: number;
  bookingId: number;
  amount: string;
  failureMessage: string | null;
  recipientName: string;
}

const TEMPLATES: Record<StaffTemplate, (context: StaffEmailContext) => { subject: string; lines: string[] }> = {
  refund_failed: (context) => ({
    subject: `Refund failed: booking #${context.bookingId}, request #${context.refundRequestId}`,
    lines: [
      `The refund of ${context.amount} for booking #${context.bookingId} (refund request #${context.refundRequestId}) failed at Stripe.`,
      context.failureMessage ?? 'Stripe gave no reason.',
      'Nothing was refunded. Open the refund request in LinguaFlex Ops to retry it as a new refund, or contact the student.',
    ],
  }),
};

/** Emails to staff about what needs them (R27: a refund that failed). */
export function renderStaffEmail(
  template: StaffTemplate,
  context: StaffEmailContext,
): { subject: string; text: string; html: string } {
  const { subject, lines } = TEMPLATES[template](context);
  const all = [`Hello ${context.recipientName},`, '', ...lines, '', 'LinguaFlex Ops'];
  return {
    subject,
    text: all.join('\n'),
    html: `<!doctype html><html><body><div style="font-family:sans-serif;line-height:1.5">${all.map(escapeHtml).join('<br>')}</div></body></html>`,
  };
}
