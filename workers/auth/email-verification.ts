// Proving an account owns its email: sign-up (and "send the link again" on the account page) mails a
// signed link; opening it marks the address verified and only then hands the account the guest
// bookings made with that email (claim-guest-bookings-hook.ts). The token names the user and the exact
// address, so a link stops working once the account's email changes; it expires after two days.
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Queryable } from "../../db/client";
import { users } from "../../db/schema";
import { enqueueEmail } from "../email/outbox";
import { claimGuestBookingsAfterSignUp } from "./claim-guest-bookings-hook";
import type { Keyring } from "./keyring";
import { signToken, verifyToken } from "./signed-token";

export const VERIFICATION_TTL_HOURS = 48;

const VerificationSchema = z.object({
  purpose: z.literal("verify-email"),
  userId: z.string().uuid(),
  email: z.string(),
  exp: z.number().int(),
});

export async function verificationLink(baseUrl: string, user: { id: string; email: string }, ring: Keyring, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  const token = await signToken({ purpose: "verify-email", userId: user.id, email: user.email.toLowerCase(), exp: nowSeconds + VERIFICATION_TTL_HOURS * 3600 }, ring, "email-link");
  return `${baseUrl.replace(/\/$/, "")}/verify-email?token=${encodeURIComponent(token)}`;
}

/** The outbox dedupe key that lets one mail of `kind` per account through per minute (a double click mails once). */
const oncePerMinute = (kind: string, userId: string, now: Date) => `${kind}:${userId}:${Math.floor(now.getTime() / 60_000)}`;

/**
 * Queues the mail with the link. Sending again within the same minute is a no-op (dedupe key), so a
 * double click mails once.
 */
export async function queueVerificationEmail(
  db: Queryable,
  user: { id: string; email: string; name: string },
  options: { baseUrl: string; keys: Keyring; now?: Date },
): Promise<boolean> {
  const now = options.now ?? new Date();
  const link = await verificationLink(options.baseUrl, user, options.keys, Math.floor(now.getTime() / 1000));
  return enqueueEmail(db, {
    kind: "verify_email",
    to: user.email,
    subject: "Confirm your email address",
    text: [
      `Hello ${user.name},`,
      "",
      "Please confirm that this is your email address by opening this link:",
      link,
      "",
      `The link works for ${VERIFICATION_TTL_HOURS} hours. Bookings you made as a guest with this address are added to your account once it is confirmed.`,
      "If you did not create an account, ignore this message.",
    ].join("\n"),
    dedupeKey: oncePerMinute("verify_email", user.id, now),
  });
}

/**
 * What sign-up mails an address that already has an account, instead of telling the visitor: the page
 * looks the same either way, and only the owner of the mailbox learns there is an account. Sent at most
 * once a minute per account, like the verification mail.
 */
export async function queueAccountExistsEmail(
  db: Queryable,
  user: { id: string; email: string; name: string },
  options: { baseUrl: string; now?: Date },
): Promise<boolean> {
  const now = options.now ?? new Date();
  return enqueueEmail(db, {
    kind: "account_exists",
    to: user.email,
    subject: "You already have an account",
    text: [
      `Hello ${user.name},`,
      "",
      "Someone, perhaps you, asked to create an account with this email address. You already have one, so nothing was changed.",
      `Sign in here: ${options.baseUrl.replace(/\/$/, "")}/sign-in`,
      "",
      "If it was not you, ignore this message: your account and its password are as they were.",
    ].join("\n"),
    dedupeKey: oncePerMinute("account_exists", user.id, now),
  });
}

export type VerifyOutcome =
  | { ok: true; userId: string; email: string; alreadyVerified: boolean; claimedBookings: number }
  | { ok: false; reason: "invalid" | "email_changed" };

/** Marks the address verified (once) and claims its guest bookings. Idempotent: a second click is fine. */
export async function verifyEmail(db: Database, token: string, ring: Keyring, nowSeconds?: number): Promise<VerifyOutcome> {
  const claims = await verifyToken(token, ring, "email-link", VerificationSchema, nowSeconds);
  if (!claims) return { ok: false, reason: "invalid" };
  const [user] = await db.select({ id: users.id, email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, claims.userId));
  if (!user || user.email.toLowerCase() !== claims.email) return { ok: false, reason: "email_changed" };
  const marked = await db
    .update(users)
    .set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(users.id, user.id), isNull(users.emailVerifiedAt), sql`lower(${users.email}) = ${claims.email}`))
    .returning({ id: users.id });
  const claimed = await claimGuestBookingsAfterSignUp(db, { userId: user.id, email: user.email, emailVerified: true });
  return { ok: true, userId: user.id, email: user.email, alreadyVerified: marked.length === 0, claimedBookings: claimed?.bookingIds.length ?? 0 };
}
