// The provider calendar as server-rendered HTML: one section per day with a heading and an ordered
// list of bookings and holds (so it reads as a list to screen readers and on phones), laid out on a
// wall-clock timeline on wider screens with CSS custom properties (minutes since local midnight).
import { Link } from "@remix-run/react";
import type { CSSProperties } from "react";

export interface CalendarItem {
  key: string;
  kind: "booking" | "hold";
  href: string | null;
  /** "09:00–10:00" in the provider's zone (with dates when it crosses midnight). */
  timeLabel: string;
  title: string;
  customerName: string | null;
  status: string;
  statusLabel: string;
  /** Minutes since local midnight, clipped to this day. */
  startMin: number;
  endMin: number;
  lane: number;
  released: boolean;
}

export interface CalendarDay {
  date: string;
  heading: string;
  isToday: boolean;
  lanes: number;
  working: Array<{ startMin: number; endMin: number }>;
  items: CalendarItem[];
  note: string | null;
}

export interface CalendarGrid {
  startMin: number;
  endMin: number;
  hours: Array<{ min: number; label: string }>;
}

const vars = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [`--${k}`, v])) as CSSProperties;

export function CalendarView({ view, days, grid }: { view: "day" | "week"; days: CalendarDay[]; grid: CalendarGrid }) {
  return (
    <div className={`calendar calendar-${view}`} style={vars({ "grid-start": grid.startMin, "grid-end": grid.endMin, days: days.length })}>
      <div className="cal-axis" aria-hidden="true">
        {grid.hours.map((h) => (
          <span key={h.min} style={vars({ at: h.min })}>
            {h.label}
          </span>
        ))}
      </div>
      {days.map((day) => {
        const headingId = `cal-day-${day.date}`;
        return (
          <section key={day.date} className={`cal-day${day.isToday ? " cal-today" : ""}`} aria-labelledby={headingId} data-date={day.date}>
            <h2 id={headingId} className="cal-day-heading">
              {day.heading}
              {day.isToday ? <span className="badge">Today</span> : null}
            </h2>
            {day.note ? <p className="cal-note">{day.note}</p> : null}
            <div className="cal-day-body">
              {day.working.map((w) => (
                <div key={`${w.startMin}-${w.endMin}`} className="cal-working" aria-hidden="true" style={vars({ start: w.startMin, end: w.endMin })} />
              ))}
              {day.items.length === 0 ? (
                <p className="muted cal-empty">{day.working.length ? "No bookings." : "Closed. No bookings."}</p>
              ) : (
                <ol className="cal-items">
                  {day.items.map((item) => (
                    <li
                      key={item.key}
                      className={`cal-item cal-${item.kind} status-${item.status}${item.released ? " cal-released" : ""}`}
                      style={vars({ start: item.startMin, end: item.endMin, lane: item.lane, lanes: day.lanes })}
                      data-testid={item.kind === "booking" ? "calendar-booking" : "calendar-hold"}
                    >
                      {item.href ? (
                        <Link to={item.href} className="cal-item-link">
                          <CalendarItemText item={item} />
                        </Link>
                      ) : (
                        <span className="cal-item-link">
                          <CalendarItemText item={item} />
                        </span>
                      )}
                    </li>
                  ))}
                </ol>
              )}
            </div>
          </section>
        );
      })}
    </div>
  );
}

function CalendarItemText({ item }: { item: CalendarItem }) {
  return (
    <>
      <span className="cal-time">{item.timeLabel}</span> <span className="cal-title">{item.title}</span>
      {item.customerName ? <span className="cal-customer"> · {item.customerName}</span> : null}{" "}
      <span className={`status-badge status-${item.status}`}>{item.statusLabel}</span>
    </>
  );
}
