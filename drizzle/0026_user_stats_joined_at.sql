DROP INDEX "crm_user_stats_spent_idx";--> statement-breakpoint
DROP INDEX "crm_user_stats_ai_cost_idx";--> statement-breakpoint
DROP INDEX "crm_user_stats_margin_idx";--> statement-breakpoint
DROP INDEX "crm_user_stats_plan_idx";--> statement-breakpoint
ALTER TABLE "crm_user_stats" ADD COLUMN "joined_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "crm_user_stats_unjoined_idx" ON "crm_user_stats" USING btree ("user_id") WHERE joined_at IS NULL;--> statement-breakpoint
CREATE INDEX "crm_user_stats_spent_idx" ON "crm_user_stats" USING btree ("spent_cents","user_id","joined_at");--> statement-breakpoint
CREATE INDEX "crm_user_stats_ai_cost_idx" ON "crm_user_stats" USING btree ("ai_cost_micros","user_id","joined_at");--> statement-breakpoint
CREATE INDEX "crm_user_stats_margin_idx" ON "crm_user_stats" USING btree ("margin_micros","user_id","joined_at");--> statement-breakpoint
CREATE INDEX "crm_user_stats_plan_idx" ON "crm_user_stats" USING btree ("plan","subscription_status","user_id","joined_at");