// What a rule check reports about one submitted value: where (a path into the input, as zod gives
// it; empty for the submission as a whole) and a sentence to show. Pages map paths to their input
// names; an API can report them as they are.
export interface FieldIssue {
  path: readonly (string | number)[];
  message: string;
}

/** The messages grouped by a name for each path (a page's input names), in the order reported. */
export function messagesByName(issues: readonly FieldIssue[], nameOf: (path: FieldIssue["path"]) => string): Partial<Record<string, string[]>> {
  const out: Partial<Record<string, string[]>> = {};
  for (const issue of issues) (out[nameOf(issue.path)] ??= []).push(issue.message);
  return out;
}
