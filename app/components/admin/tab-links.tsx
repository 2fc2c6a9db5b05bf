// Filters shown as tabs but built from plain links (GET), so they work without JavaScript, can be
// bookmarked, and the current one is announced with aria-current.
import { Link } from "@remix-run/react";

export function TabLinks({ label, tabs }: { label: string; tabs: Array<{ to: string; label: string; current: boolean; count?: number }> }) {
  return (
    <nav aria-label={label} className="tab-links">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.to}>
            <Link to={tab.to} aria-current={tab.current ? "page" : undefined} preventScrollReset>
              {tab.label}
              {tab.count !== undefined ? <span className="tab-count"> ({tab.count})</span> : null}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
