ALTER TABLE "crm_automations" ADD COLUMN "goals_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "capped_count" integer DEFAULT 0 NOT NULL;