import { listServiceCards } from "../../db/queries/catalog";
import { json } from "../http/errors";
import { route } from "./router";

route("GET", "/api/v1/services", async ({ database, url, metrics }) => {
  const q = url.searchParams.get("q")?.slice(0, 100) || undefined;
  const category = url.searchParams.get("category")?.slice(0, 60) || undefined;
  metrics.add("funnel.search", { labels: { channel: "api" } });
  return json({ services: await listServiceCards(database.db, { q, category }) });
});
