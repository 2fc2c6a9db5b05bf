// Account look-ups for sign-in / sign-up and role checks. Emails are matched case-insensitively,
// the same way the unique index users_email_lower_key compares them.
import { eq, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { users } from "../../db/schema";
import { hashPassword, verifyPassword } from "./password";

export type Role = (typeof users.$inferSelect)["role"];

export interface AccountUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/**
 * A real PBKDF2 hash of a random throw-away password. Unknown emails (and accounts without a
 * password) are verified against it so that sign-in takes about as long whether or not the email
 * exists; otherwise response timing would tell an attacker which emails have accounts.
 */
export const DUMMY_PASSWORD_HASH = "pbkdf2-sha256$100000$PtdQkpNi7jrZ6O-VUxkb9Q$9vOGDe6whqZTc3UUrfT0YULeRpShBo_IhBldmC5EbJE";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const accountColumns = { id: users.id, email: users.email, name: users.name, role: users.role };

export async function findUserById(db: Queryable, id: string): Promise<AccountUser | null> {
  const [row] = await db.select(accountColumns).from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

/** The account with this address (any case), or null. */
export async function findUserByEmail(db: Queryable, email: string): Promise<AccountUser | null> {
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`)
    .limit(1);
  return row ?? null;
}

/** The account for these credentials, or null. Always does one PBKDF2 verification (see DUMMY_PASSWORD_HASH). */
export async function authenticate(db: Queryable, email: string, password: string): Promise<AccountUser | null> {
  const [row] = await db
    .select({ ...accountColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`)
    .limit(1);
  const valid = await verifyPassword(password, row?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!row || !row.passwordHash || !valid) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/**
 * Replaces the password of `userId` when `currentPassword` is right. The caller ends the user's other
 * sessions: whoever changes a password usually suspects someone else knows the old one.
 */
export async function changePassword(db: Queryable, userId: string, currentPassword: string, newPassword: string): Promise<"changed" | "wrong_password"> {
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  const valid = await verifyPassword(currentPassword, row?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!row?.passwordHash || !valid) return "wrong_password";
  await db.update(users).set({ passwordHash: await hashPassword(newPassword) }).where(eq(users.id, userId));
  return "changed";
}

function isUniqueViolation(error: unknown): boolean {
  // drizzle wraps the driver's error; the SQLSTATE sits somewhere down the `cause` chain.
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 8; depth++) {
    if ((current as { code?: unknown }).code === "23505") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Creates a customer account (sign-up never creates providers or admins). Returns "email_taken" when the
 * email is already used, also when a concurrent sign-up wins the race on the unique index.
 */
export async function createCustomer(
  db: Queryable,
  input: { name: string; email: string; password: string },
): Promise<{ ok: true; user: AccountUser } | { ok: false; reason: "email_taken"; existing: AccountUser | null }> {
  // Hashed first, even for a taken address: answering a taken one faster would tell it has an account.
  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(db, input.email);
  if (existing) return { ok: false, reason: "email_taken", existing };
  try {
    const [row] = await db
      .insert(users)
      .values({ email: input.email.trim(), name: input.name, role: "customer", passwordHash })
      .returning(accountColumns);
    return { ok: true, user: row! };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: "email_taken", existing: await findUserByEmail(db, input.email) };
    throw error;
  }
}
