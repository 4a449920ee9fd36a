import { defineConfig } from "drizzle-kit";

// Only the CRM's own tables are read here. The main app's tables live in
// src/server/db/schema/app/ and are never seen by drizzle-kit, so `generate`
// can never emit a statement touching them.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/server/db/schema/crm",
  out: "./drizzle",
  tablesFilter: ["crm_*"],
  strict: true,
  verbose: true,
});
