// Accessible form pieces shared by the sign-in and sign-up pages: a label for every input, errors tied
// to their input (aria-invalid + aria-describedby), and focus on the first error, both without
// JavaScript (server-rendered autofocus) and with it (after a client-side submission).
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from "react";

export type FieldErrors = Partial<Record<string, string[]>>;

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> {
  name: string;
  label: string;
  hint?: ReactNode;
  errors?: string[];
  /** True for the first field with an error, so it gets focus. */
  focus?: boolean;
}

export function Field({ name, label, hint, errors, focus, ...input }: FieldProps) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
        <input id={id} name={name} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} autoFocus={focus || undefined} {...input} />
      </label>
      {hint ? (
        <p id={hintId} className="muted">
          {hint}
        </p>
      ) : null}
      {errorId ? (
        <p id={errorId} className="error">
          {errors!.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/** A form-level error (wrong password, too many attempts), announced and focusable. */
export function FormError({ id, message, focus }: { id: string; message?: string; focus?: boolean }) {
  if (!message) return null;
  return (
    <div id={id} className="error" role="alert" tabIndex={-1} autoFocus={focus || undefined}>
      {message}
    </div>
  );
}

/** The name of the first field in `order` that has an error. */
export function firstErrorField(order: readonly string[], errors: FieldErrors | undefined): string | undefined {
  return order.find((name) => (errors?.[name]?.length ?? 0) > 0);
}

/**
 * After a client-side submission the inputs stay mounted, so autofocus does not fire again: move focus
 * to the first invalid input, or to the form-level error.
 */
export function useFocusFirstError(result: unknown) {
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!result || !formRef.current) return;
    const target = formRef.current.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]');
    target?.focus();
  }, [result]);
  return formRef;
}
