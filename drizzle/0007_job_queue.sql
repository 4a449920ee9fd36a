CREATE TABLE "crm_job_queue" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"concurrency_key" text,
	"dedupe_key" text,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "crm_job_queue_status_check" CHECK ("crm_job_queue"."status" IN ('queued', 'running', 'done', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "crm_job_queue_due_idx" ON "crm_job_queue" USING btree ("run_at","id") WHERE "crm_job_queue"."status" IN ('queued', 'running');--> statement-breakpoint
CREATE INDEX "crm_job_queue_key_idx" ON "crm_job_queue" USING btree ("concurrency_key") WHERE "crm_job_queue"."status" = 'running';--> statement-breakpoint
CREATE INDEX "crm_job_queue_finished_idx" ON "crm_job_queue" USING btree ("finished_at");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_job_queue_dedupe_idx" ON "crm_job_queue" USING btree ("dedupe_key");