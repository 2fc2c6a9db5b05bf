import { useEffect, useState } from "react";

/**
 * "Held for you for 9:41". The server renders the deadline as a time; in the browser it counts down
 * and announces the last minute politely. The details page and the pay page show the same deadline
 * (decision 0016), carried in data-deadline so tests can compare them. `floorMinutes` (details page):
 * continuing in the last minutes still leaves that long to pay, so the tail says so.
 */
export function HoldCountdown({ expiresAt, fallbackLabel, floorMinutes }: { expiresAt: string; fallbackLabel: string; floorMinutes?: number }) {
  const deadline = Date.parse(expiresAt);
  const iso = new Date(deadline).toISOString();
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (now === null) {
    return (
      <p className="hold" data-deadline={iso}>
        This time is held for you until {fallbackLabel}, payment included.
      </p>
    );
  }
  const left = Math.max(0, Math.floor((deadline - now) / 1000));
  if (left === 0) {
    return (
      <p className="hold expired" role="alert" data-deadline={iso}>
        Your hold has expired. You can still try to book: if someone else took the time, we will offer the nearest free ones.
      </p>
    );
  }
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  return (
    <p className="hold" aria-live={left <= 60 ? "polite" : "off"} data-testid="hold-countdown" data-deadline={iso}>
      This time is held for you for <strong>{minutes}:{seconds}</strong> (until {fallbackLabel}), payment included.
      {floorMinutes !== undefined && left < floorMinutes * 60 ? ` Continue now and you still get ${floorMinutes} minutes to pay.` : null}
    </p>
  );
}
