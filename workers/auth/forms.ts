// zod schemas for the sign-in and sign-up forms. Messages name their field, because they are shown
// next to it and read out by screen readers without the label.
import { z } from "zod";
import { passwordProblems } from "./password";

const emailField = z
  .string({ error: "Email is required." })
  .trim()
  .min(1, "Email is required.")
  .max(254, "Email must be at most 254 characters.")
  .pipe(z.email("Email must be an address like name@example.com."));

export const SignInSchema = z.object({
  email: emailField,
  password: z.string({ error: "Password is required." }).min(1, "Password is required.").max(200, "Password must be at most 200 characters."),
});

/** "Password must be at least 10 characters and must contain letters and digits." */
export function passwordMessage(problems: string[]): string {
  return `Password ${problems.join(" and ")}.`;
}

// Sign-up creates customers only; provider and admin accounts are made by admins.
export const SignUpSchema = z.object({
  name: z.string({ error: "Name is required." }).trim().min(1, "Name is required.").max(100, "Name must be at most 100 characters."),
  email: emailField,
  password: z.string({ error: "Password is required." }).superRefine((password, ctx) => {
    const problems = passwordProblems(password);
    if (problems.length > 0) ctx.addIssue({ code: "custom", message: passwordMessage(problems) });
  }),
});

const newPasswordField = z.string({ error: "New password is required." }).superRefine((password, ctx) => {
  const problems = passwordProblems(password);
  if (problems.length > 0) ctx.addIssue({ code: "custom", message: `New ${passwordMessage(problems).toLowerCase()}` });
});

export const ChangePasswordSchema = z
  .object({
    currentPassword: z
      .string({ error: "Current password is required." })
      .min(1, "Current password is required.")
      .max(200, "Current password must be at most 200 characters."),
    newPassword: newPasswordField,
    confirmPassword: z.string({ error: "Repeat the new password." }).min(1, "Repeat the new password."),
  })
  .superRefine((value, ctx) => {
    if (value.newPassword !== value.confirmPassword) {
      ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: "The two new passwords do not match." });
    } else if (value.newPassword === value.currentPassword) {
      ctx.addIssue({ code: "custom", path: ["newPassword"], message: "New password must differ from the current one." });
    }
  });

export type FormFieldErrors = Partial<Record<string, string[]>>;

/** Parses form fields (missing → undefined) and returns the data or per-field messages. */
export function parseForm<S extends z.ZodType<Record<string, unknown>>>(
  schema: S,
  formData: FormData,
  fields: readonly string[],
): { ok: true; data: z.infer<S> } | { ok: false; fieldErrors: FormFieldErrors } {
  const input = Object.fromEntries(fields.map((name) => [name, formData.get(name) ?? undefined]));
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data };
  const fieldErrors: FormFieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "form");
    (fieldErrors[field] ??= []).push(issue.message);
  }
  return { ok: false, fieldErrors };
}
