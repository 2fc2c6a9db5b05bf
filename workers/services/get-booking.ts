// Reading one booking by its confirmation code, for whoever may see it (see booking-access.ts).
import type { Actor } from "../../domain/booking-states";
import type { Queryable } from "../../db/client";
import { loadBookingFor, type BookingAccess } from "./booking-access";
import { toBookingView, type BookingView } from "./booking-view";

export async function getBookingByCode(
  db: Queryable,
  code: string,
  access: BookingAccess,
  options: { now?: Date } = {},
): Promise<{ booking: BookingView; viewer: Actor }> {
  const { found, actor } = await loadBookingFor(db, code, access, options.now ?? new Date());
  return { booking: toBookingView(found.booking, found), viewer: actor };
}
