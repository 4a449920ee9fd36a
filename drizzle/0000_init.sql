CREATE TABLE "crm_audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"actor_email" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_audit_log_actor_type_check" CHECK ("crm_audit_log"."actor_type" IN ('admin', 'system', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "crm_admins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"email_verified" timestamp with time zone,
	"image" text,
	"role" text DEFAULT 'viewer' NOT NULL,
	"invited_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sign_in_at" timestamp with time zone,
	CONSTRAINT "crm_admins_role_check" CHECK ("crm_admins"."role" IN ('owner', 'admin', 'viewer')),
	CONSTRAINT "crm_admins_email_lower_check" CHECK ("crm_admins"."email" = lower("crm_admins"."email"))
);
--> statement-breakpoint
CREATE TABLE "crm_auth_accounts" (
	"user_id" uuid NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"provider_account_id" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "crm_auth_accounts_provider_provider_account_id_pk" PRIMARY KEY("provider","provider_account_id")
);
--> statement-breakpoint
CREATE TABLE "crm_auth_sessions" (
	"session_token" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"expires" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_auth_verification_tokens" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp with time zone NOT NULL,
	CONSTRAINT "crm_auth_verification_tokens_identifier_token_pk" PRIMARY KEY("identifier","token")
);
--> statement-breakpoint
CREATE TABLE "crm_campaign_tracking" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text NOT NULL,
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_campaign_tracking_status_check" CHECK ("crm_campaign_tracking"."status" IN ('sent', 'delivered', 'opened', 'clicked', 'bounced'))
);
--> statement-breakpoint
CREATE TABLE "crm_campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"subject" text,
	"content" text NOT NULL,
	"segment_id" uuid,
	"status" text DEFAULT 'draft' NOT NULL,
	"sent_at" timestamp with time zone,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_campaigns_type_check" CHECK ("crm_campaigns"."type" IN ('email', 'push', 'in_app')),
	CONSTRAINT "crm_campaigns_status_check" CHECK ("crm_campaigns"."status" IN ('draft', 'scheduled', 'sending', 'sent', 'paused', 'canceled', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "crm_email_outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"to" text[] NOT NULL,
	"from" text NOT NULL,
	"reply_to" text,
	"subject" text NOT NULL,
	"html" text,
	"text" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_job_runs" (
	"job_id" text PRIMARY KEY NOT NULL,
	"last_started_at" timestamp with time zone,
	"last_finished_at" timestamp with time zone,
	"last_status" text,
	"last_error" text,
	"last_runner" text,
	"run_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"from_admin_id" uuid,
	"subject" text,
	"content" text NOT NULL,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_user_segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"criteria" jsonb NOT NULL,
	"user_count" integer DEFAULT 0 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_user_segments_user_count_check" CHECK ("crm_user_segments"."user_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "crm_user_metadata" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"notes" text,
	"priority" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_user_metadata_priority_check" CHECK ("crm_user_metadata"."priority" IN ('low', 'medium', 'high', 'vip'))
);
--> statement-breakpoint
ALTER TABLE "crm_audit_log" ADD CONSTRAINT "crm_audit_log_actor_id_crm_admins_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_admins" ADD CONSTRAINT "crm_admins_invited_by_id_crm_admins_id_fk" FOREIGN KEY ("invited_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_auth_accounts" ADD CONSTRAINT "crm_auth_accounts_user_id_crm_admins_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."crm_admins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_auth_sessions" ADD CONSTRAINT "crm_auth_sessions_user_id_crm_admins_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."crm_admins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD CONSTRAINT "crm_campaign_tracking_campaign_id_crm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."crm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD CONSTRAINT "crm_campaigns_segment_id_crm_user_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."crm_user_segments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD CONSTRAINT "crm_campaigns_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_from_admin_id_crm_admins_id_fk" FOREIGN KEY ("from_admin_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_user_segments" ADD CONSTRAINT "crm_user_segments_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_user_metadata" ADD CONSTRAINT "crm_user_metadata_updated_by_id_crm_admins_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crm_audit_log_target_idx" ON "crm_audit_log" USING btree ("target_type","target_id","at");--> statement-breakpoint
CREATE INDEX "crm_audit_log_actor_idx" ON "crm_audit_log" USING btree ("actor_id");--> statement-breakpoint
CREATE INDEX "crm_audit_log_at_idx" ON "crm_audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_admins_email_lower_idx" ON "crm_admins" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "crm_admins_invited_by_idx" ON "crm_admins" USING btree ("invited_by_id");--> statement-breakpoint
CREATE INDEX "crm_auth_accounts_user_idx" ON "crm_auth_accounts" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crm_auth_sessions_user_idx" ON "crm_auth_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crm_auth_sessions_expires_idx" ON "crm_auth_sessions" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_campaign_status_idx" ON "crm_campaign_tracking" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_user_idx" ON "crm_campaign_tracking" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crm_campaigns_segment_idx" ON "crm_campaigns" USING btree ("segment_id");--> statement-breakpoint
CREATE INDEX "crm_campaigns_status_idx" ON "crm_campaigns" USING btree ("status");--> statement-breakpoint
CREATE INDEX "crm_campaigns_created_by_idx" ON "crm_campaigns" USING btree ("created_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_email_outbox_idempotency_idx" ON "crm_email_outbox" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "crm_email_outbox_created_idx" ON "crm_email_outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "crm_messages_user_created_idx" ON "crm_messages" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "crm_messages_from_admin_idx" ON "crm_messages" USING btree ("from_admin_id");--> statement-breakpoint
CREATE INDEX "crm_user_segments_created_by_idx" ON "crm_user_segments" USING btree ("created_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_user_metadata_user_idx" ON "crm_user_metadata" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crm_user_metadata_tags_idx" ON "crm_user_metadata" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "crm_user_metadata_priority_idx" ON "crm_user_metadata" USING btree ("priority");--> statement-breakpoint
CREATE INDEX "crm_user_metadata_updated_by_idx" ON "crm_user_metadata" USING btree ("updated_by_id");