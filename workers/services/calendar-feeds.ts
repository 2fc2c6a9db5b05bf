// Calendar subscription feeds ("add this address to Google/Outlook/Apple Calendar"): a provider's
// bookings or a signed-in customer's, served as one iCalendar feed behind a secret, revocable URL.
//
// - The URL is /feeds/<feed id>/<token>/calendar.ics; the token is an HMAC of the id under the
//   keyring's calendar-feed key, so the owner can see the address again and nothing secret is stored.
//   Revoking ends the row; a new address is a new row.
// - The feed lists every booking that starts at most FEED_HISTORY ago, in every status: apps replace a
//   subscribed calendar with each fetch, and a called-off booking stays listed as STATUS:CANCELLED
//   with its higher SEQUENCE, so apps that keep what they saw once mark it cancelled too. The UID is
//   the booking's, the same as in the .ics mailed to the customer.
import { Temporal } from "@js-temporal/polyfill";
import type { Queryable } from "../../db/client";
import { feedBookings, liveFeedById, markFeedFetched, type CalendarFeedRow, type FeedBooking, type FeedOwner } from "../../db/queries/calendar-feeds";
import { findProviderProfileById } from "../../db/queries/provider-admin";
import { bookingUid, icsStatusOf, toIcsFeed, type CalendarEvent } from "../../domain/ics";
import { calendarFeedToken, isCalendarFeedToken, type Keyring } from "../auth/keyring";

/** How far back a feed reaches: enough for "when was I last there", small enough to stay quick. */
export const FEED_HISTORY = Temporal.Duration.from({ hours: 24 * 90 });
/** How often calendar apps are asked to fetch again. */
export const FEED_REFRESH = Temporal.Duration.from({ minutes: 15 });
/** A fetch is recorded at most this often (the owner's page says when the feed was last read). */
const FETCH_RECORD_EVERY_MS = 5 * 60 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An HMAC-SHA256 in base64url without padding. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface FeedAddress {
  /** For apps that take a URL ("From URL" in Google Calendar, "Subscribe from web" in Outlook). */
  https: string;
  /** webcal:// opens the system's calendar app with a subscribe prompt. */
  webcal: string;
}

export function feedOwnerOf(feed: Pick<CalendarFeedRow, "providerId" | "userId">): FeedOwner {
  return feed.providerId ? { providerId: feed.providerId } : { userId: feed.userId! };
}

export async function feedAddress(ring: Keyring, baseUrl: string, feedId: string): Promise<FeedAddress> {
  const https = new URL(`/feeds/${feedId}/${await calendarFeedToken(ring, feedId)}/calendar.ics`, baseUrl).toString();
  return { https, webcal: https.replace(/^https?:/, "webcal:") };
}

/** The live feed a URL names, or null for anything else (malformed, unknown, revoked, wrong token). */
export async function openFeed(db: Queryable, ring: Keyring, feedId: string, token: string): Promise<CalendarFeedRow | null> {
  if (!UUID.test(feedId) || !TOKEN.test(token)) return null;
  if (!(await isCalendarFeedToken(ring, feedId, token))) return null;
  return liveFeedById(db, feedId);
}

/** The feed's iCalendar text as of `now`, and records the fetch. */
export async function renderFeed(db: Queryable, feed: CalendarFeedRow, options: { baseUrl: string; now?: Temporal.Instant }): Promise<string> {
  const now = options.now ?? Temporal.Now.instant();
  const owner = feedOwnerOf(feed);
  const since = new Date(now.subtract(FEED_HISTORY).epochMilliseconds);
  const [rows, provider] = await Promise.all([
    feedBookings(db, owner, since),
    "providerId" in owner ? findProviderProfileById(db, owner.providerId) : Promise.resolve(null),
    markFeedFetched(db, feed.id, new Date(now.epochMilliseconds), FETCH_RECORD_EVERY_MS),
  ]);
  const events = rows.map((row) => ("providerId" in owner ? providerEvent(row, options.baseUrl) : customerEvent(row, options.baseUrl)));
  const name = provider ? `${provider.displayName}: bookings (Edge Booking)` : "My bookings (Edge Booking)";
  return toIcsFeed({ name, events, refresh: FEED_REFRESH });
}

function baseEvent(row: FeedBooking): Omit<CalendarEvent, "summary" | "description" | "url"> {
  return {
    uid: bookingUid(row.id),
    sequence: row.icsSequence,
    start: Temporal.Instant.fromEpochMilliseconds(row.startsAt.getTime()),
    end: Temporal.Instant.fromEpochMilliseconds(row.endsAt.getTime()),
    status: icsStatusOf(row.status),
    stamp: Temporal.Instant.fromEpochMilliseconds(row.updatedAt.getTime()),
  };
}

/** What the provider needs at a glance: who is coming, and how to reach them. */
function providerEvent(row: FeedBooking, baseUrl: string): CalendarEvent {
  const contact = [row.customerEmail, row.customerPhone].filter(Boolean).join(", ");
  return {
    ...baseEvent(row),
    summary: `${row.serviceName}: ${row.customerName}`,
    description: [`Confirmation code ${row.confirmationCode}`, `Customer: ${row.customerName} (${contact})`, `Status: ${row.status.replace(/_/g, " ")}`, ...(row.notes ? [`Notes: ${row.notes}`] : [])].join("\n"),
    url: new URL(`/provider/bookings/${row.confirmationCode}`, baseUrl).toString(),
  };
}

function customerEvent(row: FeedBooking, baseUrl: string): CalendarEvent {
  return {
    ...baseEvent(row),
    summary: `${row.serviceName} with ${row.providerName}`,
    description: `Confirmation code ${row.confirmationCode}`,
    location: row.providerName,
    url: new URL(`/bookings/${row.confirmationCode}`, baseUrl).toString(),
  };
}
