import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
  // Only `generate` runs through drizzle-kit; migrations are applied by db/migrate.ts.
});
