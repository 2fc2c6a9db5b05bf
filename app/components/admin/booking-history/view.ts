// What the booking history page shows, formatted on the server (see ../format.tsx for why).
import type { BookingHistory } from "../../../../db/queries/admin";
import { compactJson, humanStatus, money, utc, zoned } from "../format";

function actorLabel(t: { actorType: string; actorId: string | null; actorName: string | null; actorEmail: string | null }): string {
  if (t.actorName) return `${t.actorType}: ${t.actorName} <${t.actorEmail}>`;
  if (t.actorId) return `${t.actorType}: ${t.actorId}`;
  return t.actorType;
}

export function bookingHistoryView(history: BookingHistory) {
  const b = history.booking;
  return {
    booking: {
      code: b.confirmationCode,
      status: b.status,
      version: b.version,
      provider: history.providerName,
      providerSlug: history.providerSlug,
      service: history.serviceName,
      customer: b.customerName,
      email: b.customerEmail,
      phone: b.customerPhone,
      account: b.customerId ? "signed-in customer" : "guest",
      startsProvider: zoned(b.startsAt, b.providerTimeZone),
      startsCustomer: zoned(b.startsAt, b.timeZone),
      startsUtc: utc(b.startsAt),
      endsUtc: utc(b.endsAt),
      total: money(b.totalAmount, b.currency),
      fee: money(b.platformFeeAmount, b.currency),
      providerShare: money(b.providerAmount, b.currency),
      expires: b.expiresAt ? utc(b.expiresAt) : null,
      created: utc(b.createdAt),
      notes: b.notes,
    },
    transitions: history.transitions.map((t) => ({
      id: t.id,
      from: t.fromStatus ? humanStatus(t.fromStatus) : "(created)",
      to: t.toStatus,
      actor: actorLabel(t),
      reason: t.reason,
      details: compactJson(t.metadata),
      at: utc(t.createdAt),
    })),
    events: history.events.map((e) => ({ id: e.id, type: e.type, data: compactJson(e.data), at: utc(e.createdAt) })),
    payments: history.payments.map((p) => ({
      id: p.id,
      intent: p.stripePaymentIntentId,
      status: p.status,
      captureMethod: p.captureMethod,
      amount: money(p.amount, p.currency),
      captured: money(p.amountCaptured, p.currency),
      refunded: money(p.amountRefunded, p.currency),
      lastError: p.lastError,
      created: utc(p.createdAt),
      updated: utc(p.updatedAt),
    })),
    refunds: history.refunds.map((r) => ({
      id: r.id,
      stripeId: r.stripeRefundId,
      amount: money(r.amount, r.currency),
      reason: r.reason,
      status: r.status,
      created: utc(r.createdAt),
    })),
    disputes: history.disputes.map((d) => ({
      id: d.id,
      amount: money(d.amount, d.currency),
      lost: d.amountLost > 0 ? money(d.amountLost, d.currency) : "",
      reason: d.reason,
      status: d.status,
      created: utc(d.createdAt),
      closed: d.closedAt ? utc(d.closedAt) : "",
    })),
    ledger: history.ledger.map((l) => ({
      id: l.id,
      transaction: l.transactionId.slice(0, 8),
      kind: l.kind,
      account: l.account,
      debit: l.amount > 0 ? money(l.amount, l.currency) : "",
      credit: l.amount < 0 ? money(-l.amount, l.currency) : "",
      at: utc(l.createdAt),
    })),
    ledgerBalanced: history.ledger.reduce((sum, l) => sum + l.amount, 0) === 0,
    payout: history.payout
      ? {
          status: history.payout.status,
          gross: money(history.payout.grossAmount, history.payout.currency),
          deduction: money(history.payout.deductionAmount, history.payout.currency),
          payable: utc(history.payout.payableAt),
          attempts: history.payout.attempts,
          paid: history.payout.paidAt ? utc(history.payout.paidAt) : null,
          transfer: history.payout.stripeTransferId,
          lastError: history.payout.lastError,
        }
      : null,
    emails: history.emails.map((e) => ({
      id: e.id,
      kind: e.kind,
      to: e.toAddress,
      subject: e.subject,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      created: utc(e.createdAt),
      sent: e.sentAt ? utc(e.sentAt) : "—",
    })),
  };
}

export type BookingHistoryView = ReturnType<typeof bookingHistoryView>;
