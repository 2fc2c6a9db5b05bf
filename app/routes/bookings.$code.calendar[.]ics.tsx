// The booking as an iCalendar file: stable UID per booking, SEQUENCE bumped on every change, so calendar
// apps update the same event after a reschedule or cancellation.
import { Temporal } from "@js-temporal/polyfill";
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { bookingUid, icsStatusOf, toIcs } from "../../domain/ics";
import { getBookingByCode } from "../../workers/services/get-booking";
import { bookingAccess, tokenQuery } from "../utils/booking-flow.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const access = await bookingAccess(request, context);
  const { booking } = await getBookingByCode(context.database.db, params.code ?? "", access).catch(() => {
    throw new Response("No booking with that confirmation code.", { status: 404 });
  });
  const base = context.cloudflare.config.PUBLIC_BASE_URL;
  const ics = toIcs({
    uid: bookingUid(booking.id),
    sequence: booking.icsSequence,
    start: Temporal.Instant.from(booking.start),
    end: Temporal.Instant.from(booking.end),
    summary: `${booking.serviceName} with ${booking.providerName}`,
    description: `Confirmation code ${booking.code}`,
    location: booking.providerName,
    url: `${base}/manage/${booking.code}${tokenQuery(access.token)}`,
    status: icsStatusOf(booking.status),
    stamp: Temporal.Instant.from(booking.updatedAt),
  });
  return new Response(ics, {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": `attachment; filename="booking-${booking.code}.ics"`,
      "cache-control": "private, no-store",
    },
  });
}
