import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { num, srcSchema } from "@/server/db/source";
import { jobEvent } from "@/server/jobs/events";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { readRollupState } from "./rollups/refresh-analytics-rollups";

/** Asks for the rollups to move forward now (numbers are exact either way; this makes them cheaper). */
export async function requestAnalyticsRefresh({ ctx }: TServiceArgs<void, AdminActor>) {
  const dispatched = await ctx.jobs.enqueue(jobEvent("crm/analytics.refresh.requested", { requestedBy: ctx.actor.email }));
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: "refresh-analytics", after: dispatched });
  return dispatched;
}

/**
 * When the rollups last moved, and how far behind the source tables they are: the rows between each table's
 * watermark and its largest id (ids increase; gaps make this an upper bound), and the share already rolled up.
 * Three index lookups: cheap enough for every dashboard load.
 */
export async function getRollupStatus({ ctx }: TServiceArgs<void>) {
  const S = srcSchema();
  const state = await readRollupState(ctx.db);
  const [row] = await executeRows<{ s: string | null; e: string | null; t: string | null }>(
    ctx.db,
    sql`SELECT (SELECT max(id) FROM ${S}.sessions) AS s, (SELECT max(id) FROM ${S}.events) AS e, (SELECT max(id) FROM ${S}.token_usage) AS t`,
  );
  const latest = [num(row?.s), num(row?.e), num(row?.t)];
  const done = [state.sessionsUntilId, state.eventsUntilId, state.tokensUntilId].map((v, i) => Math.min(v, latest[i] ?? 0));
  const total = latest.reduce((a, b) => a + b, 0);
  const rolled = done.reduce((a, b) => a + b, 0);
  return { refreshedAt: state.refreshedAt, rowsBehind: total - rolled, rolledUpShare: total === 0 ? 1 : rolled / total };
}
