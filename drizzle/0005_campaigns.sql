CREATE TABLE "crm_provider_events" (
	"svix_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"email_id" text,
	"campaign_id" uuid,
	"tracking_id" uuid,
	"link" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" DROP CONSTRAINT "crm_campaign_tracking_status_check";--> statement-breakpoint
ALTER TABLE "crm_campaigns" ALTER COLUMN "content" SET DEFAULT '';--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "batch_no" integer;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "delayed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "first_opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "open_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "first_clicked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "click_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "bounced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "complained_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD COLUMN "provider_failed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "template_id" uuid;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "template_version" integer;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "scheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "schedule_timezone" text;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "total_recipients" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "sent_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "failed_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "crm_provider_events" ADD CONSTRAINT "crm_provider_events_campaign_id_crm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."crm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_provider_events" ADD CONSTRAINT "crm_provider_events_tracking_id_crm_campaign_tracking_id_fk" FOREIGN KEY ("tracking_id") REFERENCES "public"."crm_campaign_tracking"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crm_provider_events_campaign_type_idx" ON "crm_provider_events" USING btree ("campaign_id","type","occurred_at");--> statement-breakpoint
CREATE INDEX "crm_provider_events_tracking_idx" ON "crm_provider_events" USING btree ("tracking_id");--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD CONSTRAINT "crm_campaigns_template_id_crm_email_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."crm_email_templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_campaign_tracking_campaign_user_idx" ON "crm_campaign_tracking" USING btree ("campaign_id","user_id");--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_campaign_batch_idx" ON "crm_campaign_tracking" USING btree ("campaign_id","batch_no");--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_provider_idx" ON "crm_campaign_tracking" USING btree ("provider_message_id");--> statement-breakpoint
CREATE INDEX "crm_campaigns_template_idx" ON "crm_campaigns" USING btree ("template_id");--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ADD CONSTRAINT "crm_campaign_tracking_status_check" CHECK ("crm_campaign_tracking"."status" IN ('queued', 'sent', 'failed', 'delivered', 'opened', 'clicked', 'bounced', 'complained'));