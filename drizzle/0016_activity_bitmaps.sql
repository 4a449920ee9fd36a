CREATE TABLE "crm_rollup_day_bits" (
	"day" integer NOT NULL,
	"chunk" integer NOT NULL,
	"bits" bit varying NOT NULL,
	CONSTRAINT "crm_rollup_day_bits_day_chunk_pk" PRIMARY KEY("day","chunk")
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_user_days" (
	"day" integer NOT NULL,
	"num" integer NOT NULL,
	"first_slot" smallint NOT NULL,
	"last_slot" smallint NOT NULL,
	CONSTRAINT "crm_rollup_user_days_day_num_pk" PRIMARY KEY("day","num")
);
--> statement-breakpoint
CREATE TABLE "crm_user_numbers" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"num" integer NOT NULL,
	"created_at" timestamp with time zone,
	CONSTRAINT "crm_user_numbers_num_unique" UNIQUE("num")
);
--> statement-breakpoint
DROP TABLE "crm_rollup_user_slots" CASCADE;--> statement-breakpoint
CREATE INDEX "crm_rollup_user_days_covering_idx" ON "crm_rollup_user_days" USING btree ("day","num","first_slot","last_slot");--> statement-breakpoint
CREATE INDEX "crm_user_numbers_created_at_num_idx" ON "crm_user_numbers" USING btree ("created_at","num");--> statement-breakpoint
CREATE INDEX "crm_rollup_users_intensive_started_at_idx" ON "crm_rollup_users" USING btree ("intensive_started_at");--> statement-breakpoint
ALTER TABLE "crm_rollup_users" DROP COLUMN "active_days";--> statement-breakpoint
ALTER TABLE "crm_rollup_users" DROP COLUMN "early_slots";--> statement-breakpoint
-- Activity is now kept as per-day bit strings and per user-day first/last slots: roll sessions and events up
-- again from the start (token usage keeps its watermark). Until the refresh has caught up, the rows after the
-- watermark are read live, so every number stays exact meanwhile.
UPDATE "crm_rollup_state" SET "sessions_until_id" = 0, "events_until_id" = 0;--> statement-breakpoint
DELETE FROM "crm_rollup_buckets" WHERE "metric" IN ('session', 'event');--> statement-breakpoint
DELETE FROM "crm_rollup_days" WHERE "metric" IN ('session', 'event');--> statement-breakpoint
TRUNCATE "crm_rollup_users";