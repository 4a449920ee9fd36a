CREATE TABLE "crm_saved_views" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"admin_id" uuid NOT NULL,
	"name" text NOT NULL,
	"query" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_user_stats" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"plan" text DEFAULT 'free' NOT NULL,
	"subscription_status" text DEFAULT 'none' NOT NULL,
	"spent_cents" bigint DEFAULT 0 NOT NULL,
	"ai_tokens" bigint DEFAULT 0 NOT NULL,
	"ai_cost_micros" bigint DEFAULT 0 NOT NULL,
	"margin_micros" bigint GENERATED ALWAYS AS (spent_cents * 10000 - ai_cost_micros) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_user_stats_state" (
	"id" text PRIMARY KEY NOT NULL,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_saved_views" ADD CONSTRAINT "crm_saved_views_admin_id_crm_admins_id_fk" FOREIGN KEY ("admin_id") REFERENCES "public"."crm_admins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_saved_views_admin_name_idx" ON "crm_saved_views" USING btree ("admin_id","name");--> statement-breakpoint
CREATE INDEX "crm_user_stats_spent_idx" ON "crm_user_stats" USING btree ("spent_cents","user_id");--> statement-breakpoint
CREATE INDEX "crm_user_stats_ai_cost_idx" ON "crm_user_stats" USING btree ("ai_cost_micros","user_id");--> statement-breakpoint
CREATE INDEX "crm_user_stats_margin_idx" ON "crm_user_stats" USING btree ("margin_micros","user_id");--> statement-breakpoint
CREATE INDEX "crm_user_stats_plan_idx" ON "crm_user_stats" USING btree ("plan","subscription_status");--> statement-breakpoint
-- Lifetime AI usage starts from the per-day rollup, which is up to the same watermark.
INSERT INTO "crm_user_stats" ("user_id", "ai_tokens", "ai_cost_micros")
SELECT "user_id", sum("tokens"), sum("cost_micros") FROM "crm_rollup_user_day_tokens" GROUP BY "user_id";
