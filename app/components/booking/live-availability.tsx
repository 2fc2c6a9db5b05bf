// Progressive enhancement for the slot picker: subscribes to the provider's public availability feed
// (app/utils/live-feed-connection.ts) and keeps the shown slots current without re-running any loader.
// Time taken by someone else (slot.held, slot.booked, a reschedule's new time, and what a reconnect's
// snapshot shows) disappears at once, decided on the page from the event's interval. Time freed
// (slot.released, slot.cancelled, a reschedule's old time, schedule.changed, a reconnect that could
// not be replayed) makes the page ask the JSON availability route again, after a random delay so a
// thousand open pages do not ask in the same millisecond. The page is complete without any of this.
import { useEffect, useRef, useState } from "react";
import type { SlotInterval } from "../../../durable-objects/live-messages";
import { openLiveFeed, type FeedState } from "../../utils/live-feed-connection";
import { groupByDay, readSlots, withoutCollisions, type DayOfSlots, type ShownSlot, type SlotBuffers } from "../../utils/live-slots";

const REFETCH_MIN_DELAY_MS = 150;
const REFETCH_JITTER_MS = 850;

export interface LiveSlotsOptions {
  providerId: string;
  serviceId: string;
  /** The feed and availability window (instants). */
  from: string;
  to: string;
  timeZone: string;
  /** The customer-local dates shown, in order. */
  dates: readonly string[];
  buffers: SlotBuffers;
  setDays: (update: (days: DayOfSlots<ShownSlot>[]) => DayOfSlots<ShownSlot>[]) => void;
}

export function useLiveSlots(options: LiveSlotsOptions): FeedState {
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<FeedState>("connecting");
  const { providerId, serviceId, from, to, timeZone } = options;

  useEffect(() => {
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | null = null;
    // Occupying events seen while a refetch is under way: applied again to its answer, which may
    // have been computed before they happened.
    let seenDuringRefetch: SlotInterval[] = [];
    let snapshots = 0;

    const occupy = (interval: SlotInterval) => {
      if (inFlight) seenDuringRefetch.push(interval);
      latest.current.setDays((days) => withoutCollisions(days, latest.current.buffers, interval));
    };

    const refetch = async () => {
      refetchTimer = undefined;
      inFlight?.abort();
      const controller = new AbortController();
      inFlight = controller;
      seenDuringRefetch = [];
      // purpose=live-refresh: the route does not count this as another view of the page.
      const query = new URLSearchParams({ serviceId, from, to, timeZone, purpose: "live-refresh" });
      try {
        const response = await fetch(`/api/v1/providers/${encodeURIComponent(providerId)}/availability?${query}`, {
          headers: { accept: "application/json" },
          signal: controller.signal,
        });
        const slots = response.ok ? readSlots(await response.json()) : null;
        if (!slots || controller.signal.aborted) return;
        const { dates, buffers } = latest.current;
        let next = groupByDay(dates, slots);
        for (const interval of seenDuringRefetch) next = withoutCollisions(next, buffers, interval);
        latest.current.setDays(() => next);
      } catch {
        // Offline or aborted: the next event or reconnect asks again; until then the page keeps what it shows.
      } finally {
        if (inFlight === controller) inFlight = null;
      }
    };

    const scheduleRefetch = () => {
      if (refetchTimer) return; // a burst of frees causes one request
      refetchTimer = setTimeout(() => void refetch(), REFETCH_MIN_DELAY_MS + Math.random() * REFETCH_JITTER_MS);
    };

    const close = openLiveFeed({
      providerId,
      audience: "public",
      from,
      to,
      onState: (next) => setState(next),
      onMessage: (message) => {
        switch (message.type) {
          case "slot.held":
          case "slot.booked":
            return occupy(message.interval);
          case "slot.rescheduled":
            occupy(message.interval);
            return scheduleRefetch();
          case "slot.released":
          case "slot.cancelled":
          case "schedule.changed":
            return scheduleRefetch();
          case "snapshot":
            // Sent on a connection the log could not replay: what it shows occupied is hidden; after
            // the first connection (which follows the page render) anything may have been freed too.
            for (const item of message.items) occupy(item.interval);
            if (snapshots++ > 0) scheduleRefetch();
            return;
          case "error":
          case "pong":
            return;
        }
      },
    });
    return () => {
      clearTimeout(refetchTimer);
      inFlight?.abort();
      close();
    };
  }, [providerId, serviceId, from, to, timeZone]);

  return state;
}

export function LiveBadge({ status }: { status: FeedState }) {
  const label =
    status === "live"
      ? "Live: updates as slots are taken"
      : status === "offline"
        ? "Live updates paused; reload to refresh"
        : status === "reconnecting"
          ? "Reconnecting to live updates…"
          : "Connecting to live updates…";
  return (
    <p className={`live-badge ${status}`} data-testid="live-status" data-status={status}>
      <span aria-hidden="true">●</span> {label}
    </p>
  );
}
