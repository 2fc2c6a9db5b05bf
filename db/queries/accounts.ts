// Queries behind a signed-in customer's own pages (app/routes/account*.tsx, the manage page's claim):
// their address and whether it is confirmed, and the bookings made while signed in.
import { desc, eq } from "drizzle-orm";
import type { Queryable } from "../client";
import { bookings, providers, services, users } from "../schema";

/** The account's address and when it was confirmed (null: not yet), or undefined for no such user. */
export async function accountEmail(db: Queryable, userId: string): Promise<{ email: string; verifiedAt: Date | null } | undefined> {
  const [row] = await db.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
  return row;
}

/** The customer's bookings, latest start first, with their service and provider. */
export function customerBookings(db: Queryable, userId: string, limit = 100) {
  return db
    .select({
      id: bookings.id,
      confirmationCode: bookings.confirmationCode,
      status: bookings.status,
      startsAt: bookings.startsAt,
      timeZone: bookings.timeZone,
      totalAmount: bookings.totalAmount,
      currency: bookings.currency,
      serviceName: services.name,
      providerName: providers.displayName,
      providerSlug: providers.slug,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .where(eq(bookings.customerId, userId))
    .orderBy(desc(bookings.startsAt))
    .limit(limit);
}
