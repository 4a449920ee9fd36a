import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns, crmUserSegments } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { referencedCampaigns, referencedSegments, type TCriteria, ZCriteria } from "@/shared/criteria/schema";
import { type TCreateSegmentInput, type TUpdateSegmentInput, ZCreateSegmentInput, ZUpdateSegmentInput } from "@/shared/schemas/segments";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import { loadReferencedCriteria } from "./load-referenced-criteria";
import { recomputeSegment } from "./recompute-segment";

const columns = {
  id: crmUserSegments.id,
  name: crmUserSegments.name,
  description: crmUserSegments.description,
  criteria: crmUserSegments.criteria,
  userCount: crmUserSegments.userCount,
  lastComputedAt: crmUserSegments.lastComputedAt,
  lastComputeMs: crmUserSegments.lastComputeMs,
  createdAt: crmUserSegments.createdAt,
  updatedAt: crmUserSegments.updatedAt,
};

export async function listSegments({ ctx }: TServiceArgs<void>) {
  const rows = await ctx.db.select(columns).from(crmUserSegments).orderBy(desc(crmUserSegments.createdAt));
  return rows.map(({ criteria: _c, ...r }) => r);
}

/** A segment with its criteria, its count over time and its latest entries and exits. */
export async function getSegment({ ctx, input }: TServiceArgs<{ id: string }>) {
  const { db } = ctx;
  const { id } = input;
  const [segment] = await db.select(columns).from(crmUserSegments).where(eq(crmUserSegments.id, id));
  if (!segment) throw new NotFoundError("That segment does not exist (it may have been deleted)");
  const [counts, changes] = await Promise.all([
    executeRows<{ at: Date; user_count: number; entered: number; exited: number }>(
      db,
      sql`SELECT at, user_count, entered, exited FROM crm_segment_counts WHERE segment_id = ${id} ORDER BY at DESC LIMIT 100`,
    ),
    executeRows<{ id: string; user_id: string; change: "entered" | "exited"; at: Date; email: string | null; name: string | null }>(
      db,
      sql`SELECT h.id, h.user_id, h.change, h.at, u.email, u.name FROM crm_segment_membership_history h
          LEFT JOIN ${srcSchema()}.users u ON u.id = h.user_id
          WHERE h.segment_id = ${id} ORDER BY h.id DESC LIMIT 50`,
    ),
  ]);
  return {
    ...segment,
    criteria: segment.criteria as TCriteria,
    countHistory: counts
      .map((c) => ({ at: new Date(c.at), userCount: Number(c.user_count), entered: Number(c.entered), exited: Number(c.exited) }))
      .reverse(),
    recentChanges: changes.map((c) => ({
      id: Number(c.id),
      userId: c.user_id,
      change: c.change,
      at: new Date(c.at),
      email: c.email,
      name: c.name,
    })),
  };
}

/** Engagement conditions must name campaigns that exist (a campaign deleted later simply matches no one). */
async function assertCampaignsExist(db: DbOrTx, criteria: TCriteria) {
  const ids = [...referencedCampaigns(criteria)];
  if (!ids.length) return;
  const found = await db.select({ id: crmCampaigns.id }).from(crmCampaigns).where(inArray(crmCampaigns.id, ids));
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length) throw new InvalidInputError(`A condition refers to a campaign that does not exist (${missing.join(", ")})`);
}

export async function createSegment({ ctx, input: raw }: TServiceArgs<TCreateSegmentInput, AdminActor>) {
  const input = ZCreateSegmentInput.parse(raw);
  await loadReferencedCriteria(ctx.db, input.criteria);
  await assertCampaignsExist(ctx.db, input.criteria);
  const row = await ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(crmUserSegments)
      .values({ name: input.name, description: input.description ?? null, criteria: input.criteria, createdById: ctx.actor.id })
      .returning({ id: crmUserSegments.id, name: crmUserSegments.name });
    if (!created) throw new Error("insert returned nothing");
    await writeAuditLog(tx, ctx.actor, { action: "segment.created", targetType: "segment", targetId: created.id, after: input });
    return created;
  });
  // Members are there when the admin lands on the segment's page.
  const computed = await recomputeSegment({ ctx, input: { segmentId: row.id } });
  return { ...row, userCount: computed.userCount };
}

export async function updateSegment({ ctx, input: raw }: TServiceArgs<TUpdateSegmentInput, AdminActor>) {
  const input = ZUpdateSegmentInput.parse(raw);
  if (input.criteria) {
    await loadReferencedCriteria(ctx.db, input.criteria, input.id);
    await assertCampaignsExist(ctx.db, input.criteria);
    await checkDependents(ctx.db, input.id, input.criteria);
  }
  const changedCriteria = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.select(columns).from(crmUserSegments).where(eq(crmUserSegments.id, input.id)).for("update");
    if (!before) throw new NotFoundError("That segment does not exist (it may have been deleted)");
    const after = {
      name: input.name ?? before.name,
      description: input.description !== undefined ? input.description || null : before.description,
      criteria: input.criteria ?? (before.criteria as TCriteria),
    };
    await tx
      .update(crmUserSegments)
      .set({ ...after, updatedAt: new Date() })
      .where(eq(crmUserSegments.id, input.id));
    await writeAuditLog(tx, ctx.actor, {
      action: "segment.updated",
      targetType: "segment",
      targetId: input.id,
      before: { name: before.name, description: before.description, criteria: before.criteria },
      after,
    });
    return input.criteria !== undefined && JSON.stringify(input.criteria) !== JSON.stringify(before.criteria);
  });
  if (changedCriteria) await recomputeSegment({ ctx, input: { segmentId: input.id } });
  return getSegment({ ctx, input: { id: input.id } });
}

/** Segments whose criteria refer to `id`. */
async function segmentsReferring(db: DbOrTx, id: string) {
  const candidates = await db
    .select({ id: crmUserSegments.id, name: crmUserSegments.name, criteria: crmUserSegments.criteria })
    .from(crmUserSegments)
    .where(sql`${crmUserSegments.criteria}::text LIKE ${`%${id}%`}`);
  return candidates.filter((c) => {
    const parsed = ZCriteria.safeParse(c.criteria);
    return c.id !== id && parsed.success && referencedSegments(parsed.data).has(id);
  });
}

/**
 * The segments that use `id` (directly or through others) must stay valid
 * with its new criteria: no loop, and no growth past the size bound.
 */
async function checkDependents(db: DbOrTx, id: string, criteria: TCriteria) {
  const seen = new Set([id]);
  let frontier = [id];
  while (frontier.length) {
    const next: string[] = [];
    for (const current of frontier) {
      for (const dependent of await segmentsReferring(db, current)) {
        if (seen.has(dependent.id)) continue;
        seen.add(dependent.id);
        next.push(dependent.id);
        try {
          await loadReferencedCriteria(db, dependent.criteria as TCriteria, dependent.id, new Map([[id, criteria]]));
        } catch (err) {
          if (err instanceof InvalidInputError) throw new InvalidInputError(`“${dependent.name}” uses this segment: ${err.message}`);
          throw err;
        }
      }
    }
    frontier = next;
  }
}

/**
 * Deletes a segment, refusing while a scheduled or sending campaign targets
 * it or another segment's criteria use it. Draft and finished campaigns keep
 * their history and lose the link.
 */
export async function deleteSegment({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const { id } = input;
  return ctx.db.transaction(async (tx) => {
    const [segment] = await tx.select(columns).from(crmUserSegments).where(eq(crmUserSegments.id, id)).for("update");
    if (!segment) throw new NotFoundError("That segment does not exist (it may have been deleted)");
    const active = await tx
      .select({ name: crmCampaigns.name, status: crmCampaigns.status })
      .from(crmCampaigns)
      .where(and(eq(crmCampaigns.segmentId, id), inArray(crmCampaigns.status, ["scheduled", "sending"])));
    if (active.length) {
      throw new ConflictError(
        `“${segment.name}” is the audience of ${active.map((c) => `“${c.name}” (${c.status})`).join(", ")}. Cancel or finish ${active.length === 1 ? "that campaign" : "those campaigns"} first.`,
      );
    }
    const referring = await segmentsReferring(tx, id);
    if (referring.length) {
      throw new ConflictError(
        `${referring.map((r) => `“${r.name}”`).join(", ")} ${referring.length === 1 ? "uses" : "use"} “${segment.name}” in ${referring.length === 1 ? "its" : "their"} criteria. Change ${referring.length === 1 ? "it" : "them"} first.`,
      );
    }
    await tx.update(crmCampaigns).set({ segmentId: null }).where(eq(crmCampaigns.segmentId, id));
    await tx.delete(crmUserSegments).where(eq(crmUserSegments.id, id));
    await writeAuditLog(tx, ctx.actor, {
      action: "segment.deleted",
      targetType: "segment",
      targetId: id,
      before: { name: segment.name, description: segment.description, criteria: segment.criteria, userCount: segment.userCount },
    });
    return { id };
  });
}

export async function duplicateSegment({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const [source] = await ctx.db.select(columns).from(crmUserSegments).where(eq(crmUserSegments.id, input.id));
  if (!source) throw new NotFoundError("That segment does not exist (it may have been deleted)");
  return createSegment({
    ctx,
    input: {
      name: `Copy of ${source.name}`.slice(0, 100),
      description: source.description ?? undefined,
      criteria: source.criteria as TCriteria,
    },
  });
}
