CREATE TABLE "crm_segment_counts" (
	"segment_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_count" integer NOT NULL,
	"entered" integer NOT NULL,
	"exited" integer NOT NULL,
	CONSTRAINT "crm_segment_counts_segment_id_at_pk" PRIMARY KEY("segment_id","at")
);
--> statement-breakpoint
CREATE TABLE "crm_segment_members" (
	"segment_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_segment_members_segment_id_user_id_pk" PRIMARY KEY("segment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "crm_segment_membership_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_segment_membership_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"segment_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"change" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_segment_history_change_check" CHECK ("crm_segment_membership_history"."change" IN ('entered', 'exited'))
);
--> statement-breakpoint
ALTER TABLE "crm_user_segments" ADD COLUMN "last_computed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_user_segments" ADD COLUMN "last_compute_ms" integer;--> statement-breakpoint
ALTER TABLE "crm_segment_counts" ADD CONSTRAINT "crm_segment_counts_segment_id_crm_user_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."crm_user_segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_segment_members" ADD CONSTRAINT "crm_segment_members_segment_id_crm_user_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."crm_user_segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_segment_membership_history" ADD CONSTRAINT "crm_segment_membership_history_segment_id_crm_user_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."crm_user_segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crm_segment_members_user_idx" ON "crm_segment_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crm_segment_history_segment_at_idx" ON "crm_segment_membership_history" USING btree ("segment_id","at");--> statement-breakpoint
CREATE INDEX "crm_segment_history_user_at_idx" ON "crm_segment_membership_history" USING btree ("user_id","at");