// What the root loader (app/root.tsx) gives every page, in a file of its own so components that read
// it (the CSRF field, the navigation) depend on this shape, not on the root module that renders them.
/** The signed-in user as the navigation needs them. */
export interface NavUser {
  name: string;
  role: "customer" | "provider" | "admin";
}

export interface RootData {
  user: NavUser | null;
  /** The double-submit CSRF token every POST form carries (AuthenticityTokenInput). */
  csrf: string;
}
