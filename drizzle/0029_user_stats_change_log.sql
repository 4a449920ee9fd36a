ALTER TABLE "crm_user_stats_state" ADD COLUMN "full_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_user_stats_state" ADD COLUMN "log_snapshot" text;--> statement-breakpoint
ALTER TABLE "crm_source_change_sources" ADD COLUMN "columns" text[];