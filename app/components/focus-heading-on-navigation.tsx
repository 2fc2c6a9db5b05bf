// After a client-side navigation to another page, focus moves to that page's heading, as a full page
// load would announce the new page: a screen reader then reads "You're booked" instead of staying on
// the link or button that was pressed (which may not even exist any more). Only a change of path
// counts: week arrows and filters change the query and keep the reader where they were.
import { useLocation } from "@remix-run/react";
import { useEffect, useRef } from "react";

/** True when something on the new page already took focus on purpose (a field or form error). */
function focusWasPlaced(active: Element | null): boolean {
  if (!active || active === document.body) return false;
  return active.closest("[role=alert]") !== null || active.hasAttribute("autofocus") || active.matches("input, select, textarea");
}

export function FocusHeadingOnNavigation() {
  const { pathname } = useLocation();
  const shownPath = useRef(pathname);
  useEffect(() => {
    if (shownPath.current === pathname) return; // the first render, or the same page again
    shownPath.current = pathname;
    if (focusWasPlaced(document.activeElement)) return;
    const heading = document.querySelector<HTMLElement>("main h1");
    if (!heading) return;
    // Headings are not focusable by default; -1 makes them focusable by script without adding a tab stop.
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    // The scroll position is ScrollRestoration's to decide.
    heading.focus({ preventScroll: true });
  }, [pathname]);
  return null;
}
