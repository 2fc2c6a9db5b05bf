// The calendar-feed panel's server side, shared by the provider calendar and the customer's account:
// what the panel shows, and its three form intents.
import type { AppLoadContext } from "@remix-run/cloudflare";
import { ensureFeed, liveFeedOf, revokeFeed, type FeedOwner } from "../../db/queries/calendar-feeds";
import { keyringOf } from "../../workers/auth/keyring";
import { feedAddress } from "../../workers/services/calendar-feeds";
import { formatInZone } from "./format";

export interface CalendarFeedView {
  https: string;
  webcal: string;
  created: string;
  lastFetched: string | null;
}

export const CALENDAR_FEED_INTENTS = ["calendar-feed-create", "calendar-feed-replace", "calendar-feed-revoke"] as const;
export type CalendarFeedIntent = (typeof CALENDAR_FEED_INTENTS)[number];

export function isCalendarFeedIntent(intent: unknown): intent is CalendarFeedIntent {
  return (CALENDAR_FEED_INTENTS as readonly unknown[]).includes(intent);
}

/** The owner's live feed as the panel shows it (times in `zone`), or null when there is none. */
export async function calendarFeedView(context: AppLoadContext, owner: FeedOwner, zone: string): Promise<CalendarFeedView | null> {
  const feed = await liveFeedOf(context.database.db, owner);
  if (!feed) return null;
  const { config } = context.cloudflare;
  const address = await feedAddress(keyringOf(config), config.PUBLIC_BASE_URL, feed.id);
  return { ...address, created: formatInZone(feed.createdAt, zone), lastFetched: feed.lastFetchedAt ? formatInZone(feed.lastFetchedAt, zone) : null };
}

/** Carries out one panel intent; returns the notice the page shows. */
export async function applyCalendarFeedIntent(context: AppLoadContext, owner: FeedOwner, intent: CalendarFeedIntent): Promise<string> {
  const db = context.database.db;
  if (intent === "calendar-feed-revoke") {
    return (await revokeFeed(db, owner)) ? "The calendar address is turned off; apps subscribed to it get nothing more." : "There was no calendar address to turn off.";
  }
  // A second "create" (a double click, a resubmitted form) keeps the address the first one made.
  const { had } = await ensureFeed(db, owner, { replace: intent === "calendar-feed-replace" });
  if (!had) return "Your calendar address is ready: copy it into your calendar app.";
  return intent === "calendar-feed-create"
    ? "You already have a calendar address; it is shown below."
    : "Here is the new calendar address. The old one no longer works: subscribe again with this one.";
}
