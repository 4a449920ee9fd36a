-- A time-ordered UUID (version 7: 48 bits of Unix milliseconds, then random bits): rows inserted together get
-- neighbouring keys. From gen_random_uuid() (version 4) with the time written over its first six bytes and the
-- version nibble set to 7 (bits 52 and 53); the variant bits stay as they are.
CREATE OR REPLACE FUNCTION crm_uuid7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $fn$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    PLACING substring(int8send(floor(date_part('epoch', clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$fn$;--> statement-breakpoint
ALTER TABLE "crm_campaign_tracking" ALTER COLUMN "id" SET DEFAULT crm_uuid7();--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_campaign_status_batch_idx" ON "crm_campaign_tracking" USING btree ("campaign_id","status","batch_no");--> statement-breakpoint
DROP INDEX "crm_campaign_tracking_campaign_status_idx";--> statement-breakpoint
DROP INDEX "crm_campaign_tracking_campaign_batch_idx";--> statement-breakpoint
DROP INDEX "crm_campaign_tracking_provider_idx";--> statement-breakpoint
CREATE INDEX "crm_campaign_tracking_provider_idx" ON "crm_campaign_tracking" USING btree ("provider_message_id") WHERE provider_message_id IS NOT NULL;
