-- The primary key carries the slots, so reads stay index-only with one index instead of two (a refresh writes one
-- entry per user-day). The new key is built before the old index goes, so reads never lose their index-only path.
ALTER TABLE "crm_rollup_user_days" DROP CONSTRAINT "crm_rollup_user_days_day_num_pk";--> statement-breakpoint
ALTER TABLE "crm_rollup_user_days" ADD CONSTRAINT "crm_rollup_user_days_day_num_pk" PRIMARY KEY ("day", "num") INCLUDE ("first_slot", "last_slot");--> statement-breakpoint
DROP INDEX "crm_rollup_user_days_covering_idx";
