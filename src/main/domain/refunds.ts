/**
 * R24/R27 arithmetic: what a payment can still give back. Refunds that succeeded are spent; open
 * requests (filed, approved, pending at Stripe) are reserved, so two of them can never add up to
 * more than was paid.
 */
export function remainingRefundable(
  payment: { amountMinor: number; refundedMinor: number },
  reservedMinor = 0,
): number {
  return payment.amountMinor - payment.refundedMinor - reservedMinor;
}
