ALTER TABLE "crm_suppressions" DROP CONSTRAINT "crm_suppressions_reason_check";--> statement-breakpoint
DROP INDEX "crm_campaign_tracking_user_idx";--> statement-breakpoint
UPDATE "crm_campaign_tracking" SET "email" = '' WHERE "email" IS NULL;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ALTER COLUMN "email" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_campaign_email_idx" ON "crm_campaign_tracking" USING btree ("campaign_id","email","id");--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_user_sent_idx" ON "crm_campaign_tracking" USING btree ("user_id","sent_at");--> statement-breakpoint
ALTER TABLE "crm_suppressions" ADD CONSTRAINT "crm_suppressions_reason_check" CHECK ("crm_suppressions"."reason" IN ('unsubscribed', 'bounced', 'complained', 'manual', 'provider'));