CREATE TABLE "crm_api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "crm_email_template_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_email_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'active' NOT NULL,
	"current_version" integer DEFAULT 1 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_email_templates_status_check" CHECK ("crm_email_templates"."status" IN ('active', 'archived'))
);
--> statement-breakpoint
CREATE TABLE "crm_suppressions" (
	"email" text PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_suppressions_reason_check" CHECK ("crm_suppressions"."reason" IN ('unsubscribed', 'bounced', 'complained', 'manual'))
);
--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "direction" text DEFAULT 'outbound' NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "channel" text DEFAULT 'in_app' NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "status" text DEFAULT 'sent' NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "thread_id" uuid;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "template_id" uuid;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "template_version" integer;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "crm_api_keys" ADD CONSTRAINT "crm_api_keys_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_email_template_versions" ADD CONSTRAINT "crm_email_template_versions_template_id_crm_email_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."crm_email_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_email_template_versions" ADD CONSTRAINT "crm_email_template_versions_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_email_templates" ADD CONSTRAINT "crm_email_templates_created_by_id_crm_admins_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."crm_admins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_api_keys_hash_idx" ON "crm_api_keys" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "crm_api_keys_created_by_idx" ON "crm_api_keys" USING btree ("created_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_email_template_versions_template_version_idx" ON "crm_email_template_versions" USING btree ("template_id","version");--> statement-breakpoint
CREATE INDEX "crm_email_template_versions_created_by_idx" ON "crm_email_template_versions" USING btree ("created_by_id");--> statement-breakpoint
CREATE INDEX "crm_email_templates_created_by_idx" ON "crm_email_templates" USING btree ("created_by_id");--> statement-breakpoint
CREATE INDEX "crm_suppressions_user_idx" ON "crm_suppressions" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_template_id_crm_email_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."crm_email_templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crm_messages_thread_created_idx" ON "crm_messages" USING btree ("thread_id","created_at");--> statement-breakpoint
CREATE INDEX "crm_messages_template_idx" ON "crm_messages" USING btree ("template_id");--> statement-breakpoint
CREATE INDEX "crm_messages_unread_inbound_idx" ON "crm_messages" USING btree ("user_id") WHERE direction = 'inbound' AND read_at IS NULL;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_direction_check" CHECK ("crm_messages"."direction" IN ('outbound', 'inbound'));--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_channel_check" CHECK ("crm_messages"."channel" IN ('email', 'in_app'));--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_status_check" CHECK ("crm_messages"."status" IN ('queued', 'sent', 'delivered', 'read', 'failed'));--> statement-breakpoint
-- One conversation per user: existing messages join their user's thread.
UPDATE "crm_messages" SET "thread_id" = "user_id" WHERE "thread_id" IS NULL;
