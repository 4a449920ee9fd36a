import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { AUTOMATION_STATUSES, RUN_STATUSES, STEP_OUTCOMES, TRIGGER_KINDS } from "@/shared/schemas/automations";
import { crmAdmins } from "./auth";
import { inList } from "./in-list";

/**
 * Automations (docs/automations.md). The editable draft lives here; turning
 * it on publishes an immutable version (crm_automation_versions) that new
 * runs use, while runs already going finish on the version they started.
 */
export const crmAutomations = pgTable(
  "crm_automations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    status: text("status").$type<(typeof AUTOMATION_STATUSES)[number]>().notNull().default("draft"),
    /** The definition being edited (ZAutomationDefinition); published into a version when turned on. */
    draft: jsonb("draft").$type<unknown>().notNull(),
    /** Bumped on every save of the draft, so a stale editor is refused instead of overwriting. */
    revision: integer("revision").notNull().default(1),
    /** The version new runs use (null: never turned on). */
    liveVersion: integer("live_version"),
    /** The published trigger's kind and segment, for the enrolment paths to find their automations without reading JSON. */
    triggerKind: text("trigger_kind").$type<(typeof TRIGGER_KINDS)[number]>(),
    triggerSegmentId: uuid("trigger_segment_id"),
    /** Source-event and date triggers: rows up to here have been looked at. */
    enrolCursor: timestamp("enrol_cursor", { withTimezone: true }),
    /** When the goal was last checked over the open runs (at most every GOAL_CHECK_EVERY_MS). */
    goalsCheckedAt: timestamp("goals_checked_at", { withTimezone: true }),
    /** Segment triggers: membership history rows up to this id have been looked at. */
    enrolHistoryId: bigint("enrol_history_id", { mode: "number" }),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_automations_trigger_idx").on(t.triggerKind, t.triggerSegmentId).where(sql`status = 'live'`),
    index("crm_automations_created_by_idx").on(t.createdById),
    check("crm_automations_status_check", sql`${t.status} IN (${inList(AUTOMATION_STATUSES)})`),
    check("crm_automations_trigger_check", sql`${t.triggerKind} IN (${inList(TRIGGER_KINDS)})`),
  ],
);

export const crmAutomationVersions = pgTable(
  "crm_automation_versions",
  {
    automationId: uuid("automation_id")
      .notNull()
      .references(() => crmAutomations.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    definition: jsonb("definition").$type<unknown>().notNull(),
    publishedAt: timestamp("published_at", { withTimezone: true }).notNull().defaultNow(),
    publishedById: uuid("published_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
  },
  (t) => [primaryKey({ columns: [t.automationId, t.version] }), index("crm_automation_versions_published_by_idx").on(t.publishedById)],
);

/**
 * One enrolment of one user: the step it is at, when it is next due, and how
 * it ended. A run is advanced only inside the transaction that records the
 * step it completed (crm_automation_run_steps), so no step runs twice.
 */
export const crmAutomationRuns = pgTable(
  "crm_automation_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    automationId: uuid("automation_id")
      .notNull()
      .references(() => crmAutomations.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    userId: uuid("user_id").notNull(),
    status: text("status").$type<(typeof RUN_STATUSES)[number]>().notNull().default("active"),
    /** In the control group: walks the flow, receives nothing. */
    isControl: boolean("is_control").notNull().default(false),
    /** A test-mode run (one chosen user, the dev outbox): not counted in results. */
    isTest: boolean("is_test").notNull().default(false),
    /** The step to run next (null once ended); `waiting` when that step is a wait already started. */
    currentStep: text("current_step"),
    waiting: boolean("waiting").notNull().default(false),
    /** When the run is next looked at (null once ended). */
    dueAt: timestamp("due_at", { withTimezone: true }),
    /** A wait-until step: when it gives up. */
    waitDeadline: timestamp("wait_deadline", { withTimezone: true }),
    /** What enrolled it, unique per automation when set (a source row, a segment entry): the same cause never enrols twice. */
    triggerKey: text("trigger_key"),
    /** manual (by whom), segment, event, date, criteria. */
    enrolledBy: text("enrolled_by").notNull(),
    enteredAt: timestamp("entered_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    exitReason: text("exit_reason"),
    goalReachedAt: timestamp("goal_reached_at", { withTimezone: true }),
    /** Why a send step is holding the run (quiet hours, a frequency cap), shown on the run until it goes on. */
    heldReason: text("held_reason"),
    lastError: text("last_error"),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [
    uniqueIndex("crm_automation_runs_one_active_idx").on(t.automationId, t.userId).where(sql`status = 'active' AND NOT is_test`),
    uniqueIndex("crm_automation_runs_trigger_key_idx").on(t.automationId, t.triggerKey),
    index("crm_automation_runs_due_idx").on(t.dueAt).where(sql`status = 'active'`),
    index("crm_automation_runs_automation_idx").on(t.automationId, t.enteredAt),
    // "Has this person had a run of this automation?" (the re-entry rule, per candidate at enrolment): one probe each.
    index("crm_automation_runs_automation_user_idx").on(t.automationId, t.userId),
    index("crm_automation_runs_user_idx").on(t.userId, t.enteredAt),
    check("crm_automation_runs_status_check", sql`${t.status} IN (${inList(RUN_STATUSES)})`),
  ],
);

/** Each step a run completed, once (the primary key is the exactly-once guard), with what it did. */
export const crmAutomationRunSteps = pgTable(
  "crm_automation_run_steps",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => crmAutomationRuns.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    outcome: text("outcome").$type<(typeof STEP_OUTCOMES)[number]>().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    /** The message a send step queued (no FK: it is written in the same transaction, after this row wins). */
    messageId: uuid("message_id"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stepId] }),
    index("crm_automation_run_steps_message_idx").on(t.messageId),
    check("crm_automation_run_steps_outcome_check", sql`${t.outcome} IN (${inList(STEP_OUTCOMES)})`),
  ],
);

/** In-CRM notifications for admins (an automation's "notify admins" step). */
export const crmNotifications = pgTable(
  "crm_notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    userId: uuid("user_id"),
    automationId: uuid("automation_id").references(() => crmAutomations.id, { onDelete: "set null" }),
    runId: uuid("run_id"),
    readAt: timestamp("read_at", { withTimezone: true }),
    /** Also emailed to the admins: queued until the automation send job has sent it. */
    emailStatus: text("email_status").$type<"queued" | "sent" | "failed">(),
  },
  (t) => [
    index("crm_notifications_at_idx").on(t.at),
    index("crm_notifications_automation_idx").on(t.automationId),
    index("crm_notifications_email_queued_idx").on(t.at).where(sql`email_status = 'queued'`),
  ],
);
