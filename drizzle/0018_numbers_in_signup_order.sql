DROP INDEX "crm_user_numbers_created_at_num_idx";--> statement-breakpoint
CREATE INDEX "crm_user_numbers_created_at_idx" ON "crm_user_numbers" USING btree ("created_at","user_id","num");