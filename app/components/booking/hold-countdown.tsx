import { useEffect, useState } from "react";

/**
 * "Held for you for 9:41". The server renders the deadline as a time; in the browser it counts down
 * and announces the last minute politely.
 */
export function HoldCountdown({ expiresAt, fallbackLabel }: { expiresAt: string; fallbackLabel: string }) {
  const deadline = Date.parse(expiresAt);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (now === null) return <p className="hold">This time is held for you until {fallbackLabel}.</p>;
  const left = Math.max(0, Math.floor((deadline - now) / 1000));
  if (left === 0) {
    return (
      <p className="hold expired" role="alert">
        Your hold has expired. You can still try to book: if someone else took the time, we will offer the nearest free ones.
      </p>
    );
  }
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  return (
    <p className="hold" aria-live={left <= 60 ? "polite" : "off"} data-testid="hold-countdown">
      This time is held for you for <strong>{minutes}:{seconds}</strong>.
    </p>
  );
}
