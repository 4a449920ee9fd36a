CREATE TABLE "crm_inbound_quarantine" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"provider_email_id" text,
	"from_address" text NOT NULL,
	"to_address" text,
	"user_id" uuid,
	"subject" text,
	"content" text NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "crm_inbound_quarantine_reason_check" CHECK ("crm_inbound_quarantine"."reason" IN ('sender_mismatch', 'unknown_address'))
);
--> statement-breakpoint
CREATE INDEX "crm_inbound_quarantine_received_idx" ON "crm_inbound_quarantine" USING btree ("received_at");