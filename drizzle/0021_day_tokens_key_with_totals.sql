-- The primary key carries each user-day's totals, so a range of whole days (segments' AI usage conditions) is read
-- from the index alone; no new index, so a refresh writes no more entries than before.
ALTER TABLE "crm_rollup_user_day_tokens" DROP CONSTRAINT "crm_rollup_user_day_tokens_day_user_id_pk";--> statement-breakpoint
ALTER TABLE "crm_rollup_user_day_tokens" ADD CONSTRAINT "crm_rollup_user_day_tokens_day_user_id_pk" PRIMARY KEY ("day", "user_id") INCLUDE ("tokens", "cost_micros");
