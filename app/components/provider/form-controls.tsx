// Form controls for the provider area's editors, following app/components/auth-form.tsx: a label for
// every control, hints and errors tied to it with aria-describedby, aria-invalid on errors, and
// autofocus on the first invalid control after a no-JavaScript submission.
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

export type FieldErrors = Partial<Record<string, string[]>>;

function describedBy(id: string, hint: ReactNode | undefined, errors: string[] | undefined) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  return { hintId, errorId, describedBy: [hintId, errorId].filter(Boolean).join(" ") || undefined };
}

function HintAndError({ hintId, hint, errorId, errors }: { hintId?: string; hint?: ReactNode; errorId?: string; errors?: string[] }) {
  return (
    <>
      {hint ? (
        <span id={hintId} className="muted field-hint">
          {hint}
        </span>
      ) : null}
      {errorId ? (
        <span id={errorId} className="error field-error">
          {errors!.join(" ")}
        </span>
      ) : null}
    </>
  );
}

interface BaseProps {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  errors?: string[];
  focus?: boolean;
  /** Visually hidden label (the column header says it) but still read out. */
  hideLabel?: boolean;
  className?: string;
}

export const fieldId = (name: string) => `field-${name}`;

export function TextField({ name, label, hint, errors, focus, hideLabel, className, ...input }: BaseProps & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name">) {
  const id = fieldId(name);
  const d = describedBy(id, hint, errors);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>
        <span className={hideLabel ? "visually-hidden" : undefined}>{label}</span>
      </label>
      <input id={id} name={name} aria-invalid={d.errorId ? true : undefined} aria-describedby={d.describedBy} autoFocus={focus || undefined} {...input} />
      <HintAndError {...d} hint={hint} errors={errors} />
    </div>
  );
}

export function TextAreaField({ name, label, hint, errors, focus, className, ...input }: BaseProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "id" | "name">) {
  const id = fieldId(name);
  const d = describedBy(id, hint, errors);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} name={name} aria-invalid={d.errorId ? true : undefined} aria-describedby={d.describedBy} autoFocus={focus || undefined} {...input} />
      <HintAndError {...d} hint={hint} errors={errors} />
    </div>
  );
}

export function SelectField({
  name,
  label,
  hint,
  errors,
  focus,
  className,
  options,
  ...select
}: BaseProps & Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "name"> & { options: ReadonlyArray<{ value: string; label: string }> }) {
  const id = fieldId(name);
  const d = describedBy(id, hint, errors);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} aria-invalid={d.errorId ? true : undefined} aria-describedby={d.describedBy} autoFocus={focus || undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <HintAndError {...d} hint={hint} errors={errors} />
    </div>
  );
}

export function CheckboxField({ name, label, hint, errors, className, ...input }: BaseProps & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name" | "type">) {
  const id = fieldId(name);
  const d = describedBy(id, hint, errors);
  return (
    <div className={`field field-checkbox ${className ?? ""}`}>
      <input id={id} type="checkbox" name={name} aria-invalid={d.errorId ? true : undefined} aria-describedby={d.describedBy} {...input} />
      <label htmlFor={id}>{label}</label>
      <HintAndError {...d} hint={hint} errors={errors} />
    </div>
  );
}

/** A form-level message: an error (role=alert, focusable) or a success note (role=status). */
export function FormMessage({ id, error, success, focus }: { id: string; error?: string; success?: string; focus?: boolean }) {
  if (error) {
    return (
      <div id={id} className="error form-message" role="alert" tabIndex={-1} autoFocus={focus || undefined}>
        {error}
      </div>
    );
  }
  if (success) {
    return (
      <div id={id} className="ok form-message" role="status">
        {success}
      </div>
    );
  }
  return null;
}

/** The first field name, in `order` (then any other), that has an error. */
export function firstError(errors: FieldErrors | undefined, order: readonly string[] = []): string | undefined {
  if (!errors) return undefined;
  return order.find((name) => errors[name]?.length) ?? Object.keys(errors).find((name) => errors[name]?.length && name !== "form");
}
