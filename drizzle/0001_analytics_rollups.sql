CREATE TABLE "crm_rollup_buckets" (
	"metric" text NOT NULL,
	"dim" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" bigint NOT NULL,
	"v1" bigint DEFAULT 0 NOT NULL,
	"v2" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "crm_rollup_buckets_metric_dim_bucket_pk" PRIMARY KEY("metric","dim","bucket")
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_days" (
	"metric" text NOT NULL,
	"dim" text NOT NULL,
	"day" integer NOT NULL,
	"n" bigint NOT NULL,
	"v1" bigint DEFAULT 0 NOT NULL,
	"v2" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "crm_rollup_days_metric_day_dim_pk" PRIMARY KEY("metric","day","dim")
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_state" (
	"id" text PRIMARY KEY NOT NULL,
	"sessions_until_id" bigint NOT NULL,
	"events_until_id" bigint NOT NULL,
	"tokens_until_id" bigint NOT NULL,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_user_day_tokens" (
	"day" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"tokens" bigint NOT NULL,
	"cost_micros" bigint NOT NULL,
	CONSTRAINT "crm_rollup_user_day_tokens_day_user_id_pk" PRIMARY KEY("day","user_id")
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_user_slots" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"active_slots" "int4multirange" DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_rollup_users" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"active_days" "int4multirange" DEFAULT '{}' NOT NULL,
	"early_slots" "int4multirange" DEFAULT '{}' NOT NULL,
	"intensive_started_at" timestamp with time zone,
	"intensive_completions" timestamp with time zone[] DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_admins" ADD COLUMN "timezone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
CREATE INDEX "crm_rollup_buckets_metric_bucket_idx" ON "crm_rollup_buckets" USING btree ("metric","bucket");