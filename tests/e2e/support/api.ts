// The stack's JSON API as a script calls it, for end-to-end tests that set up or change data beside
// what the browser does: the parsed body, or an error naming the request and its status.
import { baseUrl } from "./browser";

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(new URL(path, baseUrl()), init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}
