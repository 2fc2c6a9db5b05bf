// The API caller's cookie session, checked like the pages' (signed, unexpired and its row still live).
import type { Session } from "../auth/session";
import { readLiveSession } from "../auth/session-store";
import type { ApiContext } from "./router";

export function apiSession(context: Pick<ApiContext, "request" | "config" | "database">): Promise<Session | null> {
  return readLiveSession(context.request, context.config.SESSION_SECRET, () => context.database.db);
}
