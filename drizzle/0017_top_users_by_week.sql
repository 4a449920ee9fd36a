CREATE TABLE "crm_rollup_user_week_tokens" (
	"week" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"tokens" bigint NOT NULL,
	"cost_micros" bigint NOT NULL,
	CONSTRAINT "crm_rollup_user_week_tokens_week_user_id_pk" PRIMARY KEY("week","user_id")
);
--> statement-breakpoint
CREATE INDEX "crm_rollup_user_week_tokens_cost_idx" ON "crm_rollup_user_week_tokens" USING btree ("week","cost_micros" DESC NULLS LAST,"user_id");--> statement-breakpoint
CREATE INDEX "crm_rollup_user_day_tokens_user_idx" ON "crm_rollup_user_day_tokens" USING btree ("user_id","day","cost_micros","tokens");--> statement-breakpoint
-- The weeks so far, from the days already rolled up (exact: the same rows, summed per 7-day block).
INSERT INTO "crm_rollup_user_week_tokens" ("week", "user_id", "tokens", "cost_micros")
SELECT floor("day" / 7.0)::int, "user_id", sum("tokens"), sum("cost_micros") FROM "crm_rollup_user_day_tokens" GROUP BY 1, 2;
--> statement-breakpoint
ANALYZE "crm_rollup_user_week_tokens";
