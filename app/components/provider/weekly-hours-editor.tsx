// Weekly hours as a plain form: one fieldset per weekday, one row of two time inputs per range
// (inputs named day-<weekday>-start-<row> / day-<weekday>-end-<row>). "Add hours" and "Remove" are
// submit buttons, so without JavaScript the server adds or removes the row and shows the form again
// (nothing is saved until "Save weekly hours"); with JavaScript they change the rows in place.
import { useEffect, useRef, useState } from "react";
import { WEEKDAYS, type Weekday } from "../../../domain/provider-setup";
import type { RangeInput, WeeklyHoursInput } from "../../../workers/services/schedule-rules";
import { fieldId, type FieldErrors } from "./form-controls";

export { MAX_RANGES_PER_DAY, WEEKDAYS, type Weekday } from "../../../domain/provider-setup";

/** The weekly hours as typed ("HH:MM"; an end of "00:00" means midnight at the end of the day). */
export type WeeklyDraft = WeeklyHoursInput;
type RangeDraft = RangeInput;

export const rangeFieldName = (day: number, part: "start" | "end", index: number) => `day-${day}-${part}-${index}`;

interface Row extends RangeDraft {
  key: string;
}

export function WeeklyHoursEditor({ draft, errors, maxRanges, focus }: { draft: WeeklyDraft; errors?: FieldErrors; maxRanges: number; focus?: string }) {
  const counter = useRef(0);
  const nextKey = () => `r${counter.current++}`;
  const [days, setDays] = useState<Record<Weekday, Row[]>>(() => {
    const out = {} as Record<Weekday, Row[]>;
    for (const d of WEEKDAYS) out[d.number] = draft.days[d.number].map((r) => ({ ...r, key: nextKey() }));
    return out;
  });
  // After an in-page add/remove, where keyboard focus should go (the new row, or the day's add button).
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  useEffect(() => {
    if (!focusTarget) return;
    document.getElementById(focusTarget)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  const add = (day: Weekday) => {
    setDays((current) => ({ ...current, [day]: [...current[day], { start: "", end: "", key: nextKey() }] }));
    setFocusTarget(fieldId(rangeFieldName(day, "start", days[day].length)));
  };
  const remove = (day: Weekday, index: number) => {
    setDays((current) => ({ ...current, [day]: current[day].filter((_, i) => i !== index) }));
    setFocusTarget(`add-range-${day}`);
  };

  return (
    <div className="weekly-hours">
      {WEEKDAYS.map((day) => {
        const rows = days[day.number];
        const emptyId = `day-${day.number}-closed`;
        return (
          <fieldset key={day.number} className="weekday" aria-describedby={rows.length === 0 ? emptyId : undefined}>
            <legend>{day.name}</legend>
            {rows.length === 0 ? (
              <p id={emptyId} className="muted">
                Closed (no hours).
              </p>
            ) : (
              <ul className="range-rows">
                {rows.map((row, index) => {
                  const startName = rangeFieldName(day.number, "start", index);
                  const endName = rangeFieldName(day.number, "end", index);
                  const startErrors = errors?.[startName];
                  const endErrors = errors?.[endName];
                  const errorId = `${startName}-errors`;
                  const hasErrors = Boolean(startErrors?.length || endErrors?.length);
                  const n = rows.length > 1 ? ` (range ${index + 1})` : "";
                  return (
                    <li key={row.key} className="range-row">
                      <div className="field">
                        <label htmlFor={fieldId(startName)}>From{n}</label>
                        <input
                          id={fieldId(startName)}
                          type="time"
                          name={startName}
                          defaultValue={row.start}
                          autoFocus={focus === startName || undefined}
                          aria-invalid={startErrors?.length ? true : undefined}
                          aria-describedby={hasErrors ? errorId : undefined}
                        />
                      </div>
                      <div className="field">
                        <label htmlFor={fieldId(endName)}>To{n}</label>
                        <input
                          id={fieldId(endName)}
                          type="time"
                          name={endName}
                          defaultValue={row.end}
                          autoFocus={focus === endName || undefined}
                          aria-invalid={endErrors?.length ? true : undefined}
                          aria-describedby={hasErrors ? errorId : undefined}
                        />
                      </div>
                      <button
                        type="submit"
                        name="intent"
                        value={`weekly:remove:${day.number}:${index}`}
                        className="secondary small"
                        formNoValidate
                        onClick={(event) => {
                          event.preventDefault();
                          remove(day.number, index);
                        }}
                      >
                        Remove<span className="visually-hidden"> {day.name} range {index + 1}</span>
                      </button>
                      {hasErrors ? (
                        <p id={errorId} className="error field-error range-error">
                          {[...(startErrors ?? []), ...(endErrors ?? [])].join(" ")}
                        </p>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            )}
            {rows.length < maxRanges ? (
              <button
                id={`add-range-${day.number}`}
                type="submit"
                name="intent"
                value={`weekly:add:${day.number}`}
                className="secondary small"
                formNoValidate
                onClick={(event) => {
                  event.preventDefault();
                  add(day.number);
                }}
              >
                Add hours<span className="visually-hidden"> for {day.name}</span>
              </button>
            ) : null}
          </fieldset>
        );
      })}
    </div>
  );
}
