CREATE TABLE "crm_push_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"campaign_id" uuid,
	"tracking_id" uuid,
	"message_id" uuid,
	"subscription_id" uuid,
	"push_service" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"status_code" integer,
	"error" text,
	"sent_at" timestamp with time zone,
	"first_clicked_at" timestamp with time zone,
	"click_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "crm_push_deliveries_status_check" CHECK ("crm_push_deliveries"."status" IN ('queued', 'accepted', 'gone', 'failed')),
	CONSTRAINT "crm_push_deliveries_owner_check" CHECK (("crm_push_deliveries"."tracking_id" IS NULL) <> ("crm_push_deliveries"."message_id" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "crm_push_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_success_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "crm_messages" DROP CONSTRAINT "crm_messages_channel_check";--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "push_url" text;--> statement-breakpoint
ALTER TABLE "crm_campaigns" ADD COLUMN "push_icon" text;--> statement-breakpoint
ALTER TABLE "crm_messages" ADD COLUMN "link_url" text;--> statement-breakpoint
ALTER TABLE "crm_push_deliveries" ADD CONSTRAINT "crm_push_deliveries_campaign_id_crm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."crm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_push_deliveries" ADD CONSTRAINT "crm_push_deliveries_tracking_id_crm_campaign_tracking_id_fk" FOREIGN KEY ("tracking_id") REFERENCES "public"."crm_campaign_tracking"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_push_deliveries" ADD CONSTRAINT "crm_push_deliveries_message_id_crm_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."crm_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_push_deliveries" ADD CONSTRAINT "crm_push_deliveries_subscription_id_crm_push_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."crm_push_subscriptions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_push_deliveries_tracking_subscription_idx" ON "crm_push_deliveries" USING btree ("tracking_id","subscription_id");--> statement-breakpoint
CREATE INDEX "crm_push_deliveries_campaign_status_idx" ON "crm_push_deliveries" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "crm_push_deliveries_message_idx" ON "crm_push_deliveries" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "crm_push_deliveries_subscription_idx" ON "crm_push_deliveries" USING btree ("subscription_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_push_subscriptions_endpoint_idx" ON "crm_push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "crm_push_subscriptions_user_idx" ON "crm_push_subscriptions" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "crm_messages" ADD CONSTRAINT "crm_messages_channel_check" CHECK ("crm_messages"."channel" IN ('email', 'in_app', 'push'));