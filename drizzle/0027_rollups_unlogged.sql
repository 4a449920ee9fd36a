-- Everything the refresh-analytics job derives from the main app's rows (rollups, user numbers, the users list's
-- stats, and the watermark they are consistent with) is UNLOGGED: rebuilt from the source, it need not cost the shared
-- database write-ahead log (a 1M-user catch-up wrote several GB of it, mostly full-page images). After a crash,
-- a failover or a restore from a physical backup, Postgres empties all of them together: the watermark is back to
-- zero, every answer reads the source rows (exact, slower) and the next refresh catches up (docs/deploy.md).
ALTER TABLE "crm_rollup_state" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_user_numbers" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_buckets" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_days" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_user_days" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_day_bits" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_users" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_user_day_tokens" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_rollup_user_week_tokens" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_user_stats" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "crm_user_stats_state" SET UNLOGGED;
