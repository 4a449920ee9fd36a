CREATE TABLE "crm_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" timestamp with time zone NOT NULL,
	"allowed" boolean NOT NULL
);
--> statement-breakpoint
CREATE INDEX "crm_rate_limits_tat_idx" ON "crm_rate_limits" USING btree ("tat");--> statement-breakpoint
CREATE INDEX "crm_auth_verification_tokens_expires_idx" ON "crm_auth_verification_tokens" USING btree ("expires");