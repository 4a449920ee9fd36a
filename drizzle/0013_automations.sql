CREATE TABLE "crm_automation_run_steps" (
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"outcome" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"message_id" uuid,
	CONSTRAINT "crm_automation_run_steps_run_id_step_id_pk" PRIMARY KEY("run_id","step_id"),
	CONSTRAINT "crm_automation_run_steps_outcome_check" CHECK ("crm_automation_run_steps"."outcome" IN ('done', 'yes', 'no', 'met', 'timed_out', 'sent', 'held_out', 'skipped_suppressed', 'skipped_no_device', 'skipped_capped', 'skipped_quiet'))
);
--> statement-breakpoint
CREATE TABLE "crm_automation_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"automation_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"is_control" boolean DEFAULT false NOT NULL,
	"is_test" boolean DEFAULT false NOT NULL,
	"current_step" text,
	"waiting" boolean DEFAULT false NOT NULL,
	"due_at" timestamp with time zone,
	"wait_deadline" timestamp with time zone,
	"trigger_key" text,
	"enrolled_by" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"exit_reason" text,
	"goal_reached_at" timestamp with time zone,
	"held_reason" text,
	"last_error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "crm_automation_runs_status_check" CHECK ("crm_automation_runs"."status" IN ('active', 'completed', 'exited', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "crm_automation_versions" (
	"automation_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by_id" uuid,
	CONSTRAINT "crm_automation_versions_automation_id_version_pk" PRIMARY KEY("automation_id","version")
);
--> statement-breakpoint
CREATE TABLE "crm_automations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"draft" jsonb NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"live_version" integer,
	"trigger_kind" text,
	"trigger_segment_id" uuid,
	"enrol_cursor" timestamp with time zone,
	"enrol_history_id" bigint,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_automations_status_check" CHECK ("crm_automations"."status" IN ('draft', 'live', 'paused', 'archived')),
	CONSTRAINT "crm_automations_trigger_check" CHECK ("crm_automations"."trigger_kind" IN ('segment_entered', 'segment_left', 'source_event', 'days_after_signup', 'days_before_renewal', 'criteria', 'manual'))
);
--> statement-breakpoint
CREATE TABLE "crm_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"user_id" uuid,
	"automation_id" uuid,
	"run_id" uuid,
	"read_at" timestamp with time zone,
	"email_status" text
);
--> statement-breakpoint
CREATE TABLE "crm_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "automation_id" uuid;--> statement-breakpoint
ALTER TABLE "crm_automation_run_steps" ADD CONSTRAINT "crm_automation_run_steps_run_id_crm_automation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."crm_automation_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_automation_runs" ADD CONSTRAINT "crm_automation_runs_automation_id_crm_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."crm_automations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_automation_versions" ADD CONSTRAINT "crm_automation_versions_automation_id_crm_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."crm_automations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_automation_versions" ADD CONSTRAINT "crm_automation_versions_published_by_id_crm_admins_id_fk" FOREIGN KEY ("published_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_automations" ADD CONSTRAINT "crm_automations_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_notifications" ADD CONSTRAINT "crm_notifications_automation_id_crm_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."crm_automations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_settings" ADD CONSTRAINT "crm_settings_updated_by_id_crm_admins_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crm_automation_run_steps_message_idx" ON "crm_automation_run_steps" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_automation_runs_one_active_idx" ON "crm_automation_runs" USING btree ("automation_id","user_id") WHERE status = 'active' AND NOT is_test;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_automation_runs_trigger_key_idx" ON "crm_automation_runs" USING btree ("automation_id","trigger_key");--> statement-breakpoint
CREATE INDEX "crm_automation_runs_due_idx" ON "crm_automation_runs" USING btree ("due_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "crm_automation_runs_automation_idx" ON "crm_automation_runs" USING btree ("automation_id","entered_at");--> statement-breakpoint
CREATE INDEX "crm_automation_runs_user_idx" ON "crm_automation_runs" USING btree ("user_id","entered_at");--> statement-breakpoint
CREATE INDEX "crm_automation_versions_published_by_idx" ON "crm_automation_versions" USING btree ("published_by_id");--> statement-breakpoint
CREATE INDEX "crm_automations_trigger_idx" ON "crm_automations" USING btree ("trigger_kind","trigger_segment_id") WHERE status = 'live';--> statement-breakpoint
CREATE INDEX "crm_automations_created_by_idx" ON "crm_automations" USING btree ("created_by_id");--> statement-breakpoint
CREATE INDEX "crm_notifications_at_idx" ON "crm_notifications" USING btree ("at");--> statement-breakpoint
CREATE INDEX "crm_notifications_automation_idx" ON "crm_notifications" USING btree ("automation_id");--> statement-breakpoint
CREATE INDEX "crm_notifications_email_queued_idx" ON "crm_notifications" USING btree ("at") WHERE email_status = 'queued';--> statement-breakpoint
CREATE INDEX "crm_settings_updated_by_idx" ON "crm_settings" USING btree ("updated_by_id");--> statement-breakpoint
CREATE INDEX "crm_messages_automation_queued_idx" ON "crm_messages" USING btree ("created_at") WHERE automation_id IS NOT NULL AND status = 'queued';--> statement-breakpoint
CREATE INDEX "crm_messages_automation_created_idx" ON "crm_messages" USING btree ("automation_id","created_at") WHERE automation_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "crm_segment_history_segment_id_idx" ON "crm_segment_membership_history" USING btree ("segment_id","id");