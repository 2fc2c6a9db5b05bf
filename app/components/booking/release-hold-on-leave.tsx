// Lets go of the visitor's hold when they leave the details step without booking, so times they
// abandoned do not stay hidden from everyone until the hold expires: on leaving within the app (the
// component unmounts) and on leaving the page (pagehide, sent as a beacon, which survives the unload).
// After booking the hold is already consumed and the release is a no-op. A page restored from the
// back-forward cache revalidates, and its loader takes the hold again if the time is still free.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useCsrfToken } from "../authenticity-token-input";

export function ReleaseHoldOnLeave({ serviceId, providerId, holdId, shownAt }: { serviceId: string; providerId: string; holdId: string; shownAt: number }) {
  const csrf = useCsrfToken();
  const revalidator = useRevalidator();
  // Counts live mounts across effect runs: React's development StrictMode unmounts and mounts again at
  // once, and only a real unmount (no mount right after it) may release.
  const mounts = useRef(0);
  useEffect(() => {
    mounts.current++;
    const release = () => {
      const body = new FormData();
      body.set("csrf", csrf);
      body.set("provider", providerId);
      body.set("hold", holdId);
      body.set("shownAt", String(shownAt));
      navigator.sendBeacon(`/book/${encodeURIComponent(serviceId)}/release`, body);
    };
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) revalidator.revalidate();
    };
    window.addEventListener("pagehide", release);
    window.addEventListener("pageshow", onPageShow);
    return () => {
      mounts.current--;
      window.removeEventListener("pagehide", release);
      window.removeEventListener("pageshow", onPageShow);
      queueMicrotask(() => {
        if (mounts.current === 0) release();
      });
    };
    // revalidator changes identity on every render; the listeners only need its latest revalidate.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [csrf, providerId, holdId, shownAt, serviceId]);
  return null;
}
