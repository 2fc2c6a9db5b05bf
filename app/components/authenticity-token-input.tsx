// The hidden CSRF field every <Form method="post"> renders; assertCsrf() (app/utils/csrf.server.ts)
// checks it. The token comes from the root loader, so this works on any page and without JavaScript.
import { useRouteLoaderData } from "@remix-run/react";
import type { RootData } from "../root-data";

export function useCsrfToken(): string {
  return useRouteLoaderData<RootData>("root")?.csrf ?? "";
}

export function AuthenticityTokenInput({ name = "csrf" }: { name?: string }) {
  return <input type="hidden" name={name} value={useCsrfToken()} />;
}
