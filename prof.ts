import "./scripts/load-env";
import { connectPostgres, migrateDatabase } from "@/server/db/client";
import { lastDays } from "@/server/services/analytics/inputs";
import { resolvePeriod } from "@/server/services/analytics/period";
import { rollupSource } from "@/server/services/analytics/rollup-source";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { customerChurn, monthlyRecurringRevenue } from "@/server/services/analytics/subscriptions";

const url = process.env.DATABASE_URL as string;
const h = connectPostgres(url, { max: 1 });
await migrateDatabase(h, url);
const db = h.db;
if (process.argv[2] === "refresh") {
  const a = performance.now();
  const r = await refreshAnalyticsRollups(db);
  console.log("refresh", r.rows, (performance.now() - a).toFixed(0), "ms");
}
const tz = "America/New_York";
const now = new Date();
const p = await resolvePeriod(db, { range: lastDays(Number(process.env.DAYS ?? 30), tz, now), timezone: tz }, now);
const w = { from: p.start, to: p.end };
const s = await rollupSource(db);
const t = async (name: string, f: () => Promise<unknown>) => {
  await f();
  const a = performance.now();
  await f();
  console.log(name.padEnd(20), (performance.now() - a).toFixed(1), "ms");
};
await t("totalUsers", () => s.totalUsersBefore(now));
await t("newUsers", () => s.newUsers(w));
await t("activeUsers", () => s.activeUsers(w));
await t("retention", () => s.retention(w, [1, 7, 30], tz, now));
await t("eventCounts", () => s.eventCounts(w));
await t("sessionsStarted", () => s.sessionsStarted(w));
await t("dailyEvent", () => s.dailyEventCounts(w, "assessment.completed", tz));
await t("intensive", () => s.intensive(w, now));
await t("tokens", () => s.tokens(w));
await t("topUsers", () => s.topUsersByCost(w, 10));
await t("dailyTokens", () => s.dailyTokens(w, tz));
await t("revenue", () => s.revenue(w));
await t("dailyRevenue", () => s.dailyRevenue(w, tz));
await t("mrr", () => monthlyRecurringRevenue(db, now));
await t("churn", () => customerChurn(db, w));
await t("activeNow", () => s.activeUsers({ from: new Date(now.getTime() - 300000), to: now }));
await h.close();
