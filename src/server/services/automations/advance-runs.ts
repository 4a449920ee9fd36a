import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { senderDefaults, type TEmailMessage } from "@/server/email";
import { LocalOutboxProvider } from "@/server/email/local-outbox-provider";
import { compileCriteria, criteriaFrom } from "@/server/services/segments/criteria/compile";
import type { TCriteria } from "@/shared/criteria/schema";
import { nextInLocalWindow } from "@/shared/local-window";
import { armStart, findStep, stepAfter, type TAutomationDefinition, type TStep, type TStepOutcome } from "@/shared/schemas/automations";
import type { TServiceArgs } from "../context";
import { capHolds, messagingRules, type TMessagingRules } from "../messaging/messaging-rules";
import { loadRecipients } from "../messaging/recipients";
import { loadReferencedCriteria } from "../segments/load-referenced-criteria";
import { versionContent } from "../templates/manage-templates";
import { emailMessageFor, renderEmail } from "../templates/render-email";
import { versionCache } from "./versions";

/*
 * The durable runner. A run is a row that points at its next step and says
 * when it is due. Each pass claims due runs (FOR UPDATE SKIP LOCKED, then a
 * lease: their due time moves RUN_LEASE_MS ahead, so a worker that dies
 * leaves them to be claimed again), groups them by automation version and
 * step, and runs each group set-based in one transaction:
 *
 *   1. the step's row is inserted for each run (ON CONFLICT DO NOTHING on
 *      (run, step)): only the runs whose row this transaction inserted go on,
 *   2. the step's effect is written for those runs (a queued message, a tag),
 *   3. those runs move to their next step.
 *
 * Invariant: a step's effect and the run's move commit together or not at
 * all, and a step's row exists at most once, so a retry, a crash or a second
 * worker never repeats a step. Sends are queued messages here; the send job
 * delivers each under its own idempotency key (deliver-automation-messages.ts).
 */

export const RUN_LEASE_MS = 5 * 60_000;
/** How often a wait-until step looks at its condition again. */
export const WAIT_UNTIL_CHECK_MS = 10 * 60_000;
/** A run whose step fails this many times in a row is failed, with the reason. */
export const MAX_RUN_ATTEMPTS = 5;
const CLAIM_SIZE = 1000;

type TClaimed = {
  id: string;
  automation_id: string;
  version: number;
  user_id: string;
  current_step: string | null;
  waiting: boolean;
  wait_deadline: Date | string | null;
  is_control: boolean;
  is_test: boolean;
  attempts: number;
};
type TGroupResult = { steps: number; queued: number };
type TMove = { runId: string; outcome: TStepOutcome; messageId?: string };
const EXIT = Symbol("exit");
type TNext = string | null | typeof EXIT;

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const textArray = (values: string[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
const idList = (ids: string[]) =>
  sql`(${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;

export async function advanceDueRuns({ ctx, input }: TServiceArgs<{ maxRuns?: number }>) {
  const maxRuns = input.maxRuns ?? 20_000;
  const defs = versionCache(ctx.db);
  let rules: TMessagingRules | null = null;
  let runs = 0;
  let steps = 0;
  let queued = 0;
  let failed = 0;
  while (runs < maxRuns) {
    const now = ctx.clock();
    const claimed = await claimDueRuns(ctx.db, now, Math.min(CLAIM_SIZE, maxRuns - runs));
    if (!claimed.length) return { runs, steps, queued, failed, more: false };
    runs += claimed.length;
    rules ??= await messagingRules(ctx.db);
    const groups = new Map<string, TClaimed[]>();
    for (const r of claimed) {
      const key = `${r.automation_id}|${r.version}|${r.current_step}|${r.waiting}|${r.is_test}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) {
      const first = group[0] as TClaimed;
      try {
        const def = await defs(first.automation_id, Number(first.version));
        const step = def && first.current_step ? findStep(def.definition.steps, first.current_step) : null;
        if (!def || !step) {
          await failRuns(ctx.db, group, "This step no longer exists in the run's version", now);
          failed += group.length;
          continue;
        }
        const r = await runStep({ db: ctx.db, now, def: { ...def, id: first.automation_id }, step, runs: group, rules });
        steps += r.steps;
        queued += r.queued;
      } catch (err) {
        const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
        await noteFailure(ctx.db, group, message ?? "Step failed", now);
        failed += group.filter((r) => r.attempts >= MAX_RUN_ATTEMPTS).length;
      }
    }
  }
  return { runs, steps, queued, failed, more: true };
}

/** Due runs of live automations (and test runs, whatever the automation's state), leased to this pass. */
async function claimDueRuns(db: DbOrTx, now: Date, limit: number): Promise<TClaimed[]> {
  return executeRows<TClaimed>(
    db,
    sql`WITH due AS (
          SELECT r.id FROM crm_automation_runs r JOIN crm_automations a ON a.id = r.automation_id
          WHERE r.status = 'active' AND r.due_at <= ${ts(now)} AND (a.status = 'live' OR r.is_test)
          ORDER BY r.due_at LIMIT ${limit} FOR UPDATE OF r SKIP LOCKED)
        UPDATE crm_automation_runs r SET due_at = ${ts(new Date(now.getTime() + RUN_LEASE_MS))}, attempts = r.attempts + 1
        FROM due WHERE r.id = due.id
        RETURNING r.id, r.automation_id, r.version, r.user_id, r.current_step, r.waiting, r.wait_deadline, r.is_control, r.is_test, r.attempts`,
  );
}

type TStepArgs = {
  db: DbOrTx;
  now: Date;
  def: { id: string; name: string; definition: TAutomationDefinition };
  step: TStep;
  runs: TClaimed[];
  rules: TMessagingRules;
};

async function runStep(a: TStepArgs): Promise<TGroupResult> {
  const { step, runs, now, def } = a;
  const steps = def.definition.steps;
  const after = stepAfter(steps, step.id);
  const all = (outcome: TStepOutcome): TMove[] => runs.map((r) => ({ runId: r.id, outcome }));
  if (runs[0]?.is_test) return runTestStep(a, after, all);
  switch (step.type) {
    case "wait": {
      if (!runs[0]?.waiting) return holdUntil(a, new Date(now.getTime() + step.minutes * 60_000));
      return complete(a, all("done"), () => after);
    }
    case "wait_window": {
      const open = nextInLocalWindow(now, { ...step, timeZone: def.definition.timeZone });
      if (open.getTime() > now.getTime()) return holdUntil(a, open);
      return complete(a, all("done"), () => after);
    }
    case "wait_until": {
      const matched = await usersMatching(a.db, step.criteria, runs, now);
      const met: TMove[] = [];
      const timedOut: TMove[] = [];
      const still: TClaimed[] = [];
      for (const r of runs) {
        const deadline = r.wait_deadline ? new Date(r.wait_deadline) : new Date(now.getTime() + step.maxDays * 86_400_000);
        if (matched.has(r.user_id)) met.push({ runId: r.id, outcome: "met" });
        else if (r.waiting && deadline.getTime() <= now.getTime()) timedOut.push({ runId: r.id, outcome: "timed_out" });
        else still.push(r);
      }
      const done = await complete(a, [...met, ...timedOut], () => after);
      if (still.length) {
        const deadline = new Date(now.getTime() + step.maxDays * 86_400_000);
        await a.db.execute(sql`UPDATE crm_automation_runs SET waiting = true,
            wait_deadline = coalesce(wait_deadline, ${ts(deadline)}),
            due_at = least(${ts(new Date(now.getTime() + WAIT_UNTIL_CHECK_MS))}, coalesce(wait_deadline, ${ts(deadline)})), attempts = 0
          WHERE id IN ${idList(still.map((r) => r.id))} AND current_step = ${step.id}`);
      }
      return done;
    }
    case "branch": {
      const matched = await branchMatches(a.db, step, runs, now);
      const yes = armStart(steps, step, "yes");
      const no = armStart(steps, step, "no");
      return complete(
        a,
        runs.map((r) => ({ runId: r.id, outcome: matched.has(r.user_id) ? "yes" : "no" })),
        (m) => (m.outcome === "yes" ? yes : no),
      );
    }
    case "send_email":
    case "send_in_app":
    case "send_push":
      return send(a, step, after);
    case "tags":
      return complete(
        a,
        all("done"),
        () => after,
        async (tx, won) => {
          await tx.execute(sql`INSERT INTO crm_user_metadata (user_id, tags)
          SELECT r.user_id, ARRAY(SELECT DISTINCT t FROM unnest(${textArray(step.add)}) t WHERE t <> ALL(${textArray(step.remove)}) ORDER BY t)
          FROM crm_automation_runs r WHERE r.id IN ${idList(won.map((m) => m.runId))}
          ON CONFLICT (user_id) DO UPDATE SET
            tags = ARRAY(SELECT DISTINCT t FROM unnest(crm_user_metadata.tags || ${textArray(step.add)}) t
                         WHERE t <> ALL(${textArray(step.remove)}) ORDER BY t),
            version = crm_user_metadata.version + 1, updated_at = ${ts(now)}`);
        },
      );
    case "priority":
      return complete(
        a,
        all("done"),
        () => after,
        async (tx, won) => {
          await tx.execute(sql`INSERT INTO crm_user_metadata (user_id, priority)
          SELECT r.user_id, ${step.priority} FROM crm_automation_runs r WHERE r.id IN ${idList(won.map((m) => m.runId))}
          ON CONFLICT (user_id) DO UPDATE SET priority = excluded.priority, version = crm_user_metadata.version + 1, updated_at = ${ts(now)}`);
        },
      );
    case "notify_admins": {
      const done = await complete(
        a,
        runs.map((r) => ({ runId: r.id, outcome: r.is_control ? "held_out" : "done" })),
        () => after,
        async (tx, won) => {
          const notify = won.filter((m) => m.outcome === "done").map((m) => m.runId);
          if (!notify.length) return;
          const S = srcSchema();
          await tx.execute(sql`INSERT INTO crm_notifications (at, title, body, user_id, automation_id, run_id, email_status)
            SELECT ${ts(now)}, ${def.name} || ': ' || coalesce(u.name, u.email, r.user_id::text), ${step.message}, r.user_id,
                   ${def.id}::uuid, r.id, ${step.email ? "queued" : null}
            FROM crm_automation_runs r LEFT JOIN ${S}.users u ON u.id = r.user_id WHERE r.id IN ${idList(notify)}`);
        },
      );
      // Emailed notifications wait for the send job like messages do.
      return step.email ? { ...done, queued: done.steps } : done;
    }
    case "exit":
      return complete(a, all("done"), () => EXIT);
  }
}

/**
 * Test mode (one chosen user, started from the builder): the run walks the
 * same flow with the same branch decisions, but waits pass at once, nothing
 * about the user changes, and each message goes to the local outbox as the
 * user would receive it, never to the user. The preview is written in the
 * step's transaction, so it exists exactly once.
 */
async function runTestStep(a: TStepArgs, after: string | null, all: (o: TStepOutcome) => TMove[]): Promise<TGroupResult> {
  const { step } = a;
  const steps = a.def.definition.steps;
  switch (step.type) {
    case "branch":
    case "wait_until": {
      const matched =
        step.type === "branch" ? await branchMatches(a.db, step, a.runs, a.now) : await usersMatching(a.db, step.criteria, a.runs, a.now);
      if (step.type === "wait_until")
        return complete(
          a,
          a.runs.map((r) => ({ runId: r.id, outcome: matched.has(r.user_id) ? "met" : "timed_out" })),
          () => after,
        );
      const yes = armStart(steps, step, "yes");
      const no = armStart(steps, step, "no");
      return complete(
        a,
        a.runs.map((r) => ({ runId: r.id, outcome: matched.has(r.user_id) ? "yes" : "no" })),
        (m) => (m.outcome === "yes" ? yes : no),
      );
    }
    case "send_email":
    case "send_in_app":
    case "send_push": {
      const preview = await testPreview(a.db, step, a.runs);
      return complete(
        a,
        all("sent"),
        () => after,
        async (tx, won) => {
          const outbox = new LocalOutboxProvider(tx);
          for (const m of won) {
            const email = preview.get(m.runId);
            if (email) await outbox.send(email, { idempotencyKey: `automation-test-${m.runId}-${step.id}` });
          }
        },
      );
    }
    case "exit":
      return complete(a, all("done"), () => EXIT);
    default:
      return complete(a, all("done"), () => after);
  }
}

/** What each test run's user would receive, as an email for the outbox. */
async function testPreview(db: DbOrTx, step: Extract<TStep, { type: `send_${string}` }>, runs: TClaimed[]) {
  const readers = await loadRecipients(
    db,
    runs.map((r) => r.user_id),
  );
  const out = new Map<string, TEmailMessage>();
  let rendered: Awaited<ReturnType<typeof renderEmail>> | null = null;
  if (step.type === "send_email") {
    const v = await versionContent(db, step.templateId, step.templateVersion);
    rendered = await renderEmail({ kind: "template", subject: v.subject, body: v.body });
  }
  for (const r of runs) {
    const reader = readers.get(r.user_id);
    if (!reader) continue;
    const tags = [{ name: "automation_test", value: r.id }];
    if (rendered) {
      const m = emailMessageFor(rendered, reader, tags);
      out.set(r.id, { ...m, subject: `[Test] ${m.subject}` });
    } else {
      const channel = step.type === "send_push" ? "Push" : "In-app";
      const title = step.type === "send_push" ? step.title : step.type === "send_in_app" ? (step.subject ?? "") : "";
      const text = `${channel} message for ${reader.email}${title ? `\n\n${title}` : ""}\n\n${"content" in step ? step.content : ""}`;
      out.set(r.id, { ...senderOnly(), to: [reader.email], subject: `[Test · ${channel}] ${title || "message"}`, text, tags });
    }
  }
  return out;
}

const senderOnly = () => ({ from: senderDefaults().from });

/** A wait starts: the runs stay on the step, waiting, until `until`. */
async function holdUntil(a: TStepArgs, until: Date): Promise<TGroupResult> {
  await a.db.execute(sql`UPDATE crm_automation_runs SET waiting = true, due_at = ${ts(until)}, attempts = 0, held_reason = NULL
    WHERE id IN ${idList(a.runs.map((r) => r.id))} AND current_step = ${a.step.id}`);
  return { steps: 0, queued: 0 };
}

/**
 * Records the step for each run (only the rows this transaction inserts
 * count), applies the effect for those runs, and moves them on, in one
 * transaction.
 */
async function complete(
  a: TStepArgs,
  moves: TMove[],
  next: (m: TMove) => TNext,
  effect?: (tx: DbOrTx, won: TMove[]) => Promise<void>,
): Promise<TGroupResult> {
  if (!moves.length) return { steps: 0, queued: 0 };
  return a.db.transaction(async (tx) => {
    const rows = await executeRows<{ run_id: string }>(
      tx,
      sql`INSERT INTO crm_automation_run_steps (run_id, step_id, outcome, at, message_id)
          SELECT x.run_id, ${a.step.id}, x.outcome, ${ts(a.now)}, x.message_id
          FROM jsonb_to_recordset(${JSON.stringify(moves.map((m) => ({ run_id: m.runId, outcome: m.outcome, message_id: m.messageId ?? null })))}::jsonb)
            AS x(run_id uuid, outcome text, message_id uuid)
          ON CONFLICT DO NOTHING RETURNING run_id`,
    );
    const wonIds = new Set(rows.map((r) => r.run_id));
    const won = moves.filter((m) => wonIds.has(m.runId));
    if (!won.length) return { steps: 0, queued: 0 };
    if (effect) await effect(tx, won);
    const byNext = new Map<TNext, string[]>();
    for (const m of won) {
      const n = next(m);
      byNext.set(n, [...(byNext.get(n) ?? []), m.runId]);
    }
    for (const [n, ids] of byNext) {
      const where = sql`WHERE id IN ${idList(ids)}`;
      if (n === EXIT)
        await tx.execute(sql`UPDATE crm_automation_runs SET status = 'exited', exit_reason = 'Exit step', ended_at = ${ts(a.now)},
          current_step = NULL, due_at = NULL, waiting = false, held_reason = NULL ${where}`);
      else if (n === null)
        await tx.execute(sql`UPDATE crm_automation_runs SET status = 'completed', ended_at = ${ts(a.now)},
          current_step = NULL, due_at = NULL, waiting = false, held_reason = NULL ${where}`);
      else
        await tx.execute(sql`UPDATE crm_automation_runs SET current_step = ${n}, waiting = false, wait_deadline = NULL,
          due_at = ${ts(a.now)}, attempts = 0, held_reason = NULL, last_error = NULL ${where}`);
    }
    return { steps: won.length, queued: won.filter((m) => m.messageId).length };
  });
}

/**
 * A send step: the control group is held out, suppressed addresses (email)
 * and users without a device (push) are skipped, quiet hours and frequency
 * caps hold the message (or skip it, per automation); everyone else gets a
 * message row, queued for the send job (in-app: sent at once, it is ours).
 */
async function send(a: TStepArgs, step: Extract<TStep, { type: `send_${string}` }>, after: string | null): Promise<TGroupResult> {
  const { db, runs, now, def } = a;
  const channel = step.type === "send_email" ? "email" : step.type === "send_push" ? "push" : "in_app";
  const live = runs.filter((r) => !r.is_control);
  const skipped = new Map<string, TStepOutcome>();
  if (live.length && channel === "email") {
    for (const u of await executeRows<{ user_id: string }>(
      db,
      sql`SELECT r.user_id FROM crm_automation_runs r JOIN ${srcSchema()}.users u ON u.id = r.user_id
          JOIN crm_suppressions s ON s.email = lower(u.email) WHERE r.id IN ${idList(live.map((r) => r.id))}`,
    ))
      skipped.set(u.user_id, "skipped_suppressed");
  }
  if (live.length && channel === "push") {
    const withDevice = new Set(
      (
        await executeRows<{ user_id: string }>(
          db,
          sql`SELECT DISTINCT user_id FROM crm_push_subscriptions WHERE user_id IN ${idList(live.map((r) => r.user_id))}`,
        )
      ).map((r) => r.user_id),
    );
    for (const r of live) if (!withDevice.has(r.user_id)) skipped.set(r.user_id, "skipped_no_device");
  }
  // Quiet hours and caps: held runs stay on this step (or skip it); the reason is on the run.
  const candidates = live.filter((r) => !skipped.has(r.user_id));
  const hold = await capHolds(db, a.rules, channel, candidates, now);
  if (hold.size) {
    if (def.definition.whenCapped === "skip") {
      for (const [userId, h] of hold) skipped.set(userId, h.reason === "quiet" ? "skipped_quiet" : "skipped_capped");
    } else {
      const byUntil = new Map<string, { until: Date; reason: string; ids: string[] }>();
      for (const r of candidates) {
        const h = hold.get(r.user_id);
        if (!h) continue;
        const key = `${h.until.getTime()}|${h.reason}`;
        const g = byUntil.get(key) ?? { until: h.until, reason: h.reason, ids: [] };
        g.ids.push(r.id);
        byUntil.set(key, g);
      }
      for (const g of byUntil.values())
        await db.execute(sql`UPDATE crm_automation_runs SET due_at = ${ts(g.until)}, held_reason = ${g.reason}, attempts = 0
          WHERE id IN ${idList(g.ids)} AND current_step = ${step.id}`);
    }
  }
  const proceeding = runs.filter((r) => r.is_control || skipped.has(r.user_id) || !hold.has(r.user_id));
  const content = step.type === "send_email" ? await versionContent(db, step.templateId, step.templateVersion) : null;
  const moves: TMove[] = proceeding.map((r) =>
    r.is_control
      ? { runId: r.id, outcome: "held_out" }
      : skipped.has(r.user_id)
        ? { runId: r.id, outcome: skipped.get(r.user_id) as TStepOutcome }
        : { runId: r.id, outcome: "sent", messageId: randomUUID() },
  );
  const userOf = new Map(runs.map((r) => [r.id, r.user_id]));
  const done = await complete(
    a,
    moves,
    () => after,
    async (tx, won) => {
      const messages = won.filter((m) => m.messageId);
      if (!messages.length) return;
      const rows = JSON.stringify(messages.map((m) => ({ id: m.messageId, user_id: userOf.get(m.runId) })));
      const subject =
        step.type === "send_email" ? (content?.subject ?? null) : step.type === "send_push" ? step.title : (step.subject ?? null);
      const body = step.type === "send_email" ? (content?.body ?? "") : step.content;
      const link = step.type === "send_push" ? (step.url ?? null) : null;
      await tx.execute(sql`INSERT INTO crm_messages (id, user_id, thread_id, subject, content, direction, channel, status, created_at,
        template_id, template_version, link_url, automation_id)
      SELECT x.id, x.user_id, x.user_id, ${subject}, ${body}, 'outbound', ${channel}, ${channel === "in_app" ? "sent" : "queued"},
             ${ts(a.now)}, ${content?.template.id ?? null}::uuid, ${content?.version ?? null}::int, ${link}, ${def.id}::uuid
      FROM jsonb_to_recordset(${rows}::jsonb) AS x(id uuid, user_id uuid)`);
    },
  );
  // An in-app message is delivered by being written; email and push wait for the send job.
  return channel === "in_app" ? { ...done, queued: 0 } : done;
}

/**
 * A branch's "yes" users: the criteria, or (a branch on a message) those
 * whose message from the named send step was opened (read, or clicked) or
 * clicked. A run that did not get that message (another arm, held out,
 * skipped) goes "no".
 */
async function branchMatches(db: DbOrTx, step: Extract<TStep, { type: "branch" }>, runs: TClaimed[], now: Date): Promise<Set<string>> {
  if (!step.message) return usersMatching(db, step.criteria, runs, now);
  const did =
    step.message.action === "clicked"
      ? sql`m.clicked_at IS NOT NULL`
      : sql`(m.opened_at IS NOT NULL OR m.read_at IS NOT NULL OR m.clicked_at IS NOT NULL)`;
  const rows = await executeRows<{ user_id: string }>(
    db,
    sql`SELECT r.user_id FROM crm_automation_runs r
        JOIN crm_automation_run_steps s ON s.run_id = r.id AND s.step_id = ${step.message.stepId}
        JOIN crm_messages m ON m.id = s.message_id
        WHERE r.id IN ${idList(runs.map((r) => r.id))} AND ${did}`,
  );
  return new Set(rows.map((r) => r.user_id));
}

/** The users of `runs` who match the criteria now. */
async function usersMatching(db: DbOrTx, criteria: TCriteria, runs: TClaimed[], now: Date): Promise<Set<string>> {
  const segments = await loadReferencedCriteria(db, criteria);
  const compiled = compileCriteria(criteria, { now, segments });
  const rows = await executeRows<{ id: string }>(
    db,
    sql`SELECT u.id FROM ${criteriaFrom(compiled)} WHERE u.id IN ${idList(runs.map((r) => r.user_id))} AND ${compiled.where}`,
  );
  return new Set(rows.map((r) => r.id));
}

async function failRuns(db: DbOrTx, runs: TClaimed[], reason: string, now: Date) {
  await db.execute(sql`UPDATE crm_automation_runs SET status = 'failed', last_error = ${reason}, ended_at = ${ts(now)},
    due_at = NULL WHERE id IN ${idList(runs.map((r) => r.id))}`);
}

/** A step that threw: tried again after the lease, failed for good after MAX_RUN_ATTEMPTS. */
async function noteFailure(db: DbOrTx, runs: TClaimed[], reason: string, now: Date) {
  const ids = idList(runs.map((r) => r.id));
  await db.execute(sql`UPDATE crm_automation_runs SET last_error = ${reason.slice(0, 500)},
    status = CASE WHEN attempts >= ${MAX_RUN_ATTEMPTS} THEN 'failed' ELSE status END,
    ended_at = CASE WHEN attempts >= ${MAX_RUN_ATTEMPTS} THEN ${ts(now)} ELSE ended_at END,
    due_at = CASE WHEN attempts >= ${MAX_RUN_ATTEMPTS} THEN NULL ELSE due_at END
    WHERE id IN ${ids} AND status = 'active'`);
}
