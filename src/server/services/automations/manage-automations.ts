import { and, desc, eq, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmAutomations, crmAutomationVersions, crmEmailTemplates, crmUserSegments } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { jobEvent } from "@/server/jobs/events";
import { PUSH_NOT_CONFIGURED } from "@/server/push";
import {
  flattenSteps,
  type TAutomationDefinition,
  type TAutomationStatus,
  type TCreateAutomationInput,
  type TUpdateAutomationInput,
  ZAutomationDefinition,
  ZCreateAutomationInput,
  ZEnrolInput,
  ZTestRunInput,
  ZUpdateAutomationInput,
} from "@/shared/schemas/automations";
import { parseTemplate, type TTemplateProblem } from "@/shared/templates/parse-template";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs, TServiceCtx } from "../context";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import { pushTargetProblem } from "../push/push-links";
import { loadReferencedCriteria } from "../segments/load-referenced-criteria";
import { versionContent } from "../templates/manage-templates";
import { describeTemplateProblem } from "../templates/render-email";
import { enrolCandidates } from "./enrol";

/*
 * An automation's life: a draft is saved as often as the admin likes;
 * turning it on checks that it can run (every template, segment and channel
 * it names exists and is set up) and publishes the draft as a new immutable
 * version. Saving a live or paused automation publishes again: new runs use
 * the new version, runs already going finish on theirs. Pause holds every
 * run where it is (waits too); resume goes on. Archive ends the runs.
 */

async function loadAutomation(db: DbOrTx, id: string) {
  const [a] = await db.select().from(crmAutomations).where(eq(crmAutomations.id, id));
  if (!a) throw new NotFoundError("That automation does not exist (it may have been deleted)");
  return a;
}

function parsedDraft(draft: unknown): TAutomationDefinition {
  const parsed = ZAutomationDefinition.safeParse(draft);
  if (!parsed.success)
    throw new InvalidInputError(`The automation is not valid: ${parsed.error.issues[0]?.message ?? "fix it in the builder"}`);
  return parsed.data;
}

/**
 * What must hold before a definition may run, beyond its shape: the
 * segments and templates it names exist (templates are pinned to their
 * current version), push is configured where it pushes, links are allowed,
 * and the time zone is real. Returns the definition to publish.
 */
export async function readyToRun(ctx: TServiceCtx, d: TAutomationDefinition): Promise<TAutomationDefinition> {
  const problems: string[] = [];
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: d.timeZone });
  } catch {
    problems.push(`Unknown time zone ${d.timeZone}`);
  }
  if (d.trigger.kind === "segment_entered" || d.trigger.kind === "segment_left") {
    const [s] = await ctx.db.select({ id: crmUserSegments.id }).from(crmUserSegments).where(eq(crmUserSegments.id, d.trigger.segmentId));
    if (!s) problems.push("The trigger's segment no longer exists");
  }
  const criteria = [
    ...(d.trigger.kind === "criteria" ? [d.trigger.criteria] : []),
    ...(d.goal ? [d.goal.criteria] : []),
    ...flattenSteps(d.steps).flatMap(({ step }) => (step.type === "branch" || step.type === "wait_until" ? [step.criteria] : [])),
  ];
  for (const c of criteria) {
    try {
      await loadReferencedCriteria(ctx.db, c);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : "A condition refers to something that no longer exists");
    }
  }
  const versions = new Map<string, number>();
  for (const { step } of flattenSteps(d.steps)) {
    if (step.type === "send_email" && !versions.has(step.templateId)) {
      const [t] = await ctx.db
        .select({ name: crmEmailTemplates.name, status: crmEmailTemplates.status, currentVersion: crmEmailTemplates.currentVersion })
        .from(crmEmailTemplates)
        .where(eq(crmEmailTemplates.id, step.templateId));
      if (!t) problems.push(`Step ${step.id}: the template no longer exists`);
      else if (t.status === "archived") problems.push(`Step ${step.id}: “${t.name}” is archived`);
      else {
        versions.set(step.templateId, t.currentVersion);
        const v = await versionContent(ctx.db, step.templateId, t.currentVersion);
        const { problems: found } = parseTemplate(v.subject, v.body);
        if (found.length)
          problems.push(`Step ${step.id}: “${t.name}” does not render: ${describeTemplateProblem(found[0] as TTemplateProblem)}`);
      }
    }
    if (step.type === "send_push") {
      if (!ctx.push.configured) problems.push(`Step ${step.id}: ${PUSH_NOT_CONFIGURED}`);
      const p = step.url ? pushTargetProblem(step.url) : null;
      if (p) problems.push(`Step ${step.id}: ${p}`);
    }
  }
  if (problems.length) throw new InvalidInputError(problems.join("\n"));
  const pin = (steps: TAutomationDefinition["steps"]): TAutomationDefinition["steps"] =>
    steps.map((s) =>
      s.type === "send_email"
        ? { ...s, templateVersion: versions.get(s.templateId) }
        : s.type === "branch"
          ? { ...s, yes: pin(s.yes), no: pin(s.no) }
          : s,
    );
  return { ...d, steps: pin(d.steps) };
}

export async function listAutomations({ ctx }: TServiceArgs<void>) {
  const rows = await executeRows<{
    id: string;
    name: string;
    description: string | null;
    status: TAutomationStatus;
    live_version: number | null;
    trigger_kind: string | null;
    draft: unknown;
    updated_at: Date;
    entered: string | number;
    active: string | number;
    goals: string | number;
  }>(
    ctx.db,
    sql`SELECT a.id, a.name, a.description, a.status, a.live_version, a.trigger_kind, a.draft, a.updated_at,
          coalesce(r.entered, 0) AS entered, coalesce(r.active, 0) AS active, coalesce(r.goals, 0) AS goals
        FROM crm_automations a LEFT JOIN (
          SELECT automation_id, count(*) AS entered, count(*) FILTER (WHERE status = 'active') AS active,
                 count(*) FILTER (WHERE goal_reached_at IS NOT NULL AND NOT is_control) AS goals
          FROM crm_automation_runs WHERE NOT is_test GROUP BY automation_id) r ON r.automation_id = a.id
        ORDER BY (a.status = 'archived'), a.updated_at DESC`,
  );
  return rows.map((r) => {
    const d = ZAutomationDefinition.safeParse(r.draft);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      status: r.status,
      liveVersion: r.live_version,
      trigger: d.success ? d.data.trigger : null,
      steps: d.success ? flattenSteps(d.data.steps).length : 0,
      updatedAt: new Date(r.updated_at),
      entered: Number(r.entered),
      active: Number(r.active),
      goals: Number(r.goals),
    };
  });
}

export async function getAutomation({ ctx, input }: TServiceArgs<{ id: string }>) {
  const a = await loadAutomation(ctx.db, input.id);
  const versions = await ctx.db
    .select({ version: crmAutomationVersions.version, publishedAt: crmAutomationVersions.publishedAt })
    .from(crmAutomationVersions)
    .where(and(eq(crmAutomationVersions.automationId, a.id), sql`${crmAutomationVersions.version} > 0`))
    .orderBy(desc(crmAutomationVersions.version));
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    status: a.status,
    revision: a.revision,
    liveVersion: a.liveVersion,
    definition: a.draft as TAutomationDefinition,
    versions,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export async function createAutomation({ ctx, input: raw }: TServiceArgs<TCreateAutomationInput, AdminActor>) {
  const input = ZCreateAutomationInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(crmAutomations)
      .values({
        name: input.name,
        description: input.description || null,
        draft: input.definition,
        createdById: ctx.actor.id,
        createdAt: ctx.clock(),
        updatedAt: ctx.clock(),
      })
      .returning({ id: crmAutomations.id });
    if (!row) throw new Error("The automation was not saved");
    await writeAuditLog(tx, ctx.actor, { action: "automation.created", targetType: "automation", targetId: row.id, after: input });
    return { id: row.id };
  });
}

/** Saves the draft; on a live or paused automation, publishes it as a new version at once. */
export async function updateAutomation({ ctx, input: raw }: TServiceArgs<TUpdateAutomationInput, AdminActor>) {
  const input = ZUpdateAutomationInput.parse(raw);
  const a = await loadAutomation(ctx.db, input.id);
  if (a.status === "archived") throw new ConflictError(`“${a.name}” is archived; it can no longer change`);
  const publish = a.status === "live" || a.status === "paused";
  const definition = publish ? await readyToRun(ctx, input.definition) : input.definition;
  return ctx.db.transaction(async (tx) => {
    const updated = await tx
      .update(crmAutomations)
      .set({
        name: input.name,
        description: input.description || null,
        draft: input.definition,
        revision: sql`${crmAutomations.revision} + 1`,
        updatedAt: ctx.clock(),
      })
      .where(and(eq(crmAutomations.id, a.id), eq(crmAutomations.revision, input.baseRevision)))
      .returning({ revision: crmAutomations.revision });
    if (!updated.length) throw new ConflictError("Someone saved this automation after you opened it: reload to see their changes");
    const version = publish ? await publishVersion(tx, ctx, a.id, definition, false) : null;
    await writeAuditLog(tx, ctx.actor, {
      action: "automation.updated",
      targetType: "automation",
      targetId: a.id,
      before: a.draft,
      after: { ...input, publishedVersion: version },
    });
    return { id: a.id, revision: updated[0]?.revision ?? input.baseRevision + 1, publishedVersion: version };
  });
}

async function publishVersion(tx: DbOrTx, ctx: TServiceCtx<AdminActor>, id: string, d: TAutomationDefinition, resetCursor: boolean) {
  const [row] = await executeRows<{ v: number }>(
    tx,
    sql`SELECT coalesce(max(version), 0) + 1 AS v FROM crm_automation_versions WHERE automation_id = ${id}::uuid`,
  );
  const version = Number(row?.v ?? 1);
  await tx
    .insert(crmAutomationVersions)
    .values({ automationId: id, version, definition: d, publishedAt: ctx.clock(), publishedById: ctx.actor.id });
  const segmentId = d.trigger.kind === "segment_entered" || d.trigger.kind === "segment_left" ? d.trigger.segmentId : null;
  await tx
    .update(crmAutomations)
    .set({
      liveVersion: version,
      triggerKind: d.trigger.kind,
      triggerSegmentId: segmentId,
      // Source triggers look at rows from now on; a threshold is first evaluated at the next tick.
      ...(resetCursor
        ? { enrolCursor: d.trigger.kind === "criteria" ? null : ctx.clock(), enrolHistoryId: await historyWatermark(tx) }
        : {}),
    })
    .where(eq(crmAutomations.id, id));
  return version;
}

/** The membership history's last id: entries up to it happened before the automation was on. */
async function historyWatermark(tx: DbOrTx): Promise<number> {
  const [row] = await executeRows<{ id: string | number }>(
    tx,
    sql`SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS id FROM crm_segment_membership_history_id_seq`,
  );
  return Number(row?.id ?? 0);
}

/** Turns a draft (or a paused automation) on. Source triggers look at rows from this moment on. */
export async function turnOnAutomation({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const a = await loadAutomation(ctx.db, input.id);
  if (a.status === "archived") throw new ConflictError(`“${a.name}” is archived`);
  if (a.status === "live") return { id: a.id, status: "live" as const, version: a.liveVersion };
  const definition = await readyToRun(ctx, parsedDraft(a.draft));
  const result = await ctx.db.transaction(async (tx) => {
    let version = a.liveVersion;
    if (a.status === "draft" || version === null) version = await publishVersion(tx, ctx, a.id, definition, true);
    // Resumed: rows that arrived while paused do not enrol (docs/automations.md).
    else
      await tx
        .update(crmAutomations)
        .set({ enrolCursor: definition.trigger.kind === "criteria" ? null : ctx.clock(), enrolHistoryId: await historyWatermark(tx) })
        .where(eq(crmAutomations.id, a.id));
    await tx.update(crmAutomations).set({ status: "live", updatedAt: ctx.clock() }).where(eq(crmAutomations.id, a.id));
    await writeAuditLog(tx, ctx.actor, {
      action: a.status === "paused" ? "automation.resumed" : "automation.turned_on",
      targetType: "automation",
      targetId: a.id,
      after: { version },
    });
    return { id: a.id, status: "live" as const, version };
  });
  // Runs held by the pause go on at once.
  await ctx.jobs.enqueue(jobEvent("crm/automations.tick.requested", { requestedBy: ctx.actor.email }));
  return result;
}

export async function pauseAutomation({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const a = await loadAutomation(ctx.db, input.id);
  if (a.status !== "live") throw new ConflictError(`Only a live automation can be paused; “${a.name}” is ${a.status}`);
  await ctx.db.transaction(async (tx) => {
    await tx.update(crmAutomations).set({ status: "paused", updatedAt: ctx.clock() }).where(eq(crmAutomations.id, a.id));
    await writeAuditLog(tx, ctx.actor, { action: "automation.paused", targetType: "automation", targetId: a.id });
  });
  return { id: a.id, status: "paused" as const };
}

/** Archived: no new runs, the running ones end ("Automation archived"). */
export async function archiveAutomation({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const a = await loadAutomation(ctx.db, input.id);
  if (a.status === "archived") return { id: a.id, status: "archived" as const, ended: 0 };
  return ctx.db.transaction(async (tx) => {
    await tx.update(crmAutomations).set({ status: "archived", updatedAt: ctx.clock() }).where(eq(crmAutomations.id, a.id));
    const ended = await executeRows<{ id: string }>(
      tx,
      sql`UPDATE crm_automation_runs SET status = 'exited', exit_reason = 'Automation archived', ended_at = ${ctx.clock().toISOString()}::timestamptz,
            current_step = NULL, due_at = NULL, waiting = false WHERE automation_id = ${a.id}::uuid AND status = 'active' RETURNING id`,
    );
    await writeAuditLog(tx, ctx.actor, {
      action: "automation.archived",
      targetType: "automation",
      targetId: a.id,
      after: { ended: ended.length },
    });
    return { id: a.id, status: "archived" as const, ended: ended.length };
  });
}

/**
 * Enrols chosen users by hand (a profile, a selection in the users list),
 * under the automation's re-entry policy: users already in a run, or whom the
 * policy keeps out, are reported, not enrolled again.
 */
export async function enrolUsers({ ctx, input: raw }: TServiceArgs<{ id: string; userIds: string[] }, AdminActor>) {
  const input = ZEnrolInput.parse(raw);
  const a = await loadAutomation(ctx.db, input.id);
  if (a.status !== "live" || a.liveVersion === null)
    throw new ConflictError(`Turn “${a.name}” on before enrolling people (it is ${a.status})`);
  const [v] = await ctx.db
    .select({ definition: crmAutomationVersions.definition })
    .from(crmAutomationVersions)
    .where(and(eq(crmAutomationVersions.automationId, a.id), eq(crmAutomationVersions.version, a.liveVersion)));
  const definition = parsedDraft(v?.definition);
  const ids = [...new Set(input.userIds)];
  const now = ctx.clock();
  const enrolled = await ctx.db.transaction(async (tx) => {
    const users = await enrolCandidates(
      tx,
      { id: a.id, name: a.name, status: a.status, version: a.liveVersion as number, definition, enrolCursor: null },
      sql`SELECT x.id_text::uuid AS user_id, NULL::text AS trigger_key FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS x(id_text)`,
      { now, enrolledBy: `manual: ${ctx.actor.email}` },
    );
    await writeAuditLog(tx, ctx.actor, {
      action: "automation.enrolled",
      targetType: "automation",
      targetId: a.id,
      after: { requested: ids.length, enrolled: users },
    });
    return users;
  });
  if (enrolled.length) await ctx.jobs.enqueue(jobEvent("crm/automations.tick.requested", { requestedBy: ctx.actor.email }));
  return { enrolled: enrolled.length, notEnrolled: ids.filter((id) => !enrolled.includes(id)) };
}

/**
 * Test mode: the current draft, for one chosen user, at once: waits pass
 * immediately, branches decide on the user's real data, every message goes
 * to the local outbox (never to the user) and nothing about the user
 * changes. The draft is stored as version 0 for the test run to follow.
 */
export async function startTestRun({ ctx, input: raw }: TServiceArgs<{ id: string; userId: string }, AdminActor>) {
  const input = ZTestRunInput.parse(raw);
  const a = await loadAutomation(ctx.db, input.id);
  const definition = await readyToRun(ctx, parsedDraft(a.draft));
  const [user] = await executeRows<{ id: string }>(ctx.db, sql`SELECT id FROM ${srcSchema()}.users WHERE id = ${input.userId}::uuid`);
  if (!user) throw new NotFoundError("No user has this id");
  const runId = await ctx.db.transaction(async (tx) => {
    await tx
      .insert(crmAutomationVersions)
      .values({ automationId: a.id, version: 0, definition, publishedAt: ctx.clock(), publishedById: ctx.actor.id })
      .onConflictDoUpdate({
        target: [crmAutomationVersions.automationId, crmAutomationVersions.version],
        set: { definition, publishedAt: ctx.clock(), publishedById: ctx.actor.id },
      });
    const [created] = await executeRows<{ id: string }>(
      tx,
      sql`INSERT INTO crm_automation_runs (automation_id, version, user_id, is_test, current_step, due_at, enrolled_by, entered_at)
          VALUES (${a.id}::uuid, 0, ${input.userId}::uuid, true, ${definition.steps[0]?.id ?? null}, ${ctx.clock().toISOString()}::timestamptz,
                  ${`test: ${ctx.actor.email}`}, ${ctx.clock().toISOString()}::timestamptz) RETURNING id`,
    );
    await writeAuditLog(tx, ctx.actor, {
      action: "automation.test_run",
      targetType: "automation",
      targetId: a.id,
      after: { userId: input.userId },
    });
    return created?.id as string;
  });
  await ctx.jobs.enqueue(jobEvent("crm/automations.tick.requested", { requestedBy: ctx.actor.email }));
  return { runId };
}
