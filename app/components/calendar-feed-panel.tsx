// "Subscribe in your calendar app": the owner's secret feed address, with buttons to create it, replace
// it (the old address stops working) and turn it off. Posts `intent` = calendar-feed-create |
// calendar-feed-replace | calendar-feed-revoke to the page's own action (app/utils/calendar-feed.server.ts).
import { Form } from "@remix-run/react";
import type { CalendarFeedView } from "../utils/calendar-feed.server";
import { AuthenticityTokenInput } from "./authenticity-token-input";

export function CalendarFeedPanel({ feed, what, notice }: { feed: CalendarFeedView | null; what: string; notice?: string | null }) {
  return (
    <section aria-labelledby="calendar-feed-heading" data-testid="calendar-feed">
      <h2 id="calendar-feed-heading">Subscribe in your calendar app</h2>
      {feed ? (
        <>
          <p>
            Google Calendar, Outlook and Apple Calendar can show {what} and keep them current. Add this address as a calendar “from URL”
            (or <a href={feed.webcal}>open it in your calendar app</a>). Keep it private: anyone with it can read these bookings.
          </p>
          <label htmlFor="calendar-feed-url">Calendar address</label>
          <input id="calendar-feed-url" type="text" readOnly value={feed.https} data-testid="calendar-feed-url" className="feed-url" />
          <p className="muted">
            Created {feed.created}. {feed.lastFetched ? `Last read by a calendar app ${feed.lastFetched}.` : "No calendar app has read it yet."}
          </p>
          <Form method="post">
            <AuthenticityTokenInput />
            <button type="submit" name="intent" value="calendar-feed-replace">
              Replace the address
            </button>{" "}
            <button type="submit" name="intent" value="calendar-feed-revoke" className="secondary">
              Turn it off
            </button>
          </Form>
        </>
      ) : (
        <>
          <p>Show {what} in Google Calendar, Outlook or Apple Calendar, kept current: create a private calendar address to subscribe to.</p>
          <Form method="post">
            <AuthenticityTokenInput />
            <button type="submit" name="intent" value="calendar-feed-create">
              Create a calendar address
            </button>
          </Form>
        </>
      )}
      {notice ? (
        <p role="status" data-testid="calendar-feed-notice">
          {notice}
        </p>
      ) : null}
    </section>
  );
}
