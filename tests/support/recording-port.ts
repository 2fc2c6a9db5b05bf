// A schedule port for node tests: no live holds, every claim granted, and each reported change kept
// in `changes` so a test can check what the schedule (and the mail that hangs on it) was told.
import type { BookingChange, SchedulePort } from "../../workers/services/ports";

export function recordingPort(): { port: SchedulePort; changes: BookingChange[] } {
  const changes: BookingChange[] = [];
  const port: SchedulePort = {
    liveHolds: async () => [],
    claimForBooking: async () => ({ ok: true }),
    bookingChanged: async (_providerId, change) => {
      changes.push(change);
    },
  };
  return { port, changes };
}
