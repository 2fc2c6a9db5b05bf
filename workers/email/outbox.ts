// The email outbox: business code enqueues mail in the same transaction as the change it reports
// (so a rolled-back booking never sends a confirmation), with a dedupe key so the same event never
// mails twice; the housekeeping cron delivers queued mail through the configured sender.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database, Queryable } from "../../db/client";
import { emailOutbox } from "../../db/schema";
import type { EmailSender } from "./sender";

export interface QueuedEmail {
  kind: string;
  bookingId?: string | null;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  attachments?: Array<{ filename: string; contentType: string; content: string }>;
  /** e.g. `confirmation:<bookingId>:<sequence>`: enqueueing the same key again is a no-op. */
  dedupeKey: string;
}

/** The outbox row of a mail (also written as part of a larger statement: insertBookingWithAudit). */
export function outboxRow(email: QueuedEmail): typeof emailOutbox.$inferInsert {
  return {
    kind: email.kind,
    bookingId: email.bookingId ?? null,
    toAddress: email.to,
    subject: email.subject,
    textBody: email.text,
    htmlBody: email.html ?? null,
    attachments: email.attachments ?? [],
    dedupeKey: email.dedupeKey,
  };
}

export async function enqueueEmail(db: Queryable, email: QueuedEmail): Promise<boolean> {
  const inserted = await db
    .insert(emailOutbox)
    .values(outboxRow(email))
    .onConflictDoNothing({ target: emailOutbox.dedupeKey })
    .returning({ id: emailOutbox.id });
  return inserted.length > 0;
}

const MAX_ATTEMPTS = 5;

/**
 * Sends up to `limit` queued emails. Rows are claimed with FOR UPDATE SKIP LOCKED inside a short
 * transaction (status → sending) so overlapping cron runs never send the same mail twice.
 */
export async function deliverQueuedEmails(db: Database, sender: EmailSender, from: string, limit = 50) {
  const claimed = await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(emailOutbox)
      .where(and(eq(emailOutbox.status, "queued"), lt(emailOutbox.attempts, MAX_ATTEMPTS)))
      .orderBy(asc(emailOutbox.createdAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (rows.length > 0) {
      await tx
        .update(emailOutbox)
        .set({ status: "sending", attempts: sql`${emailOutbox.attempts} + 1` })
        .where(inArray(emailOutbox.id, rows.map((r) => r.id)));
    }
    return rows;
  });

  let sent = 0;
  let failed = 0;
  for (const row of claimed) {
    try {
      await sender.send({
        from,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        html: row.htmlBody,
        attachments: row.attachments as QueuedEmail["attachments"] & object,
      });
      await db.update(emailOutbox).set({ status: "sent", sentAt: new Date(), lastError: null }).where(eq(emailOutbox.id, row.id));
      sent++;
    } catch (error) {
      const giveUp = row.attempts + 1 >= MAX_ATTEMPTS;
      await db
        .update(emailOutbox)
        .set({ status: giveUp ? "failed" : "queued", lastError: error instanceof Error ? error.message : String(error) })
        .where(eq(emailOutbox.id, row.id));
      failed++;
    }
  }
  return { claimed: claimed.length, sent, failed, sender: sender.name };
}
