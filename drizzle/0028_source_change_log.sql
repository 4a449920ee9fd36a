CREATE TABLE "crm_source_change_horizons" (
	"taken_at" timestamp with time zone PRIMARY KEY NOT NULL,
	"oldest_xid" "xid8" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_source_change_sources" (
	"tbl" text PRIMARY KEY NOT NULL,
	"relation" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_source_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_source_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"tbl" text NOT NULL,
	"old" jsonb,
	"new" jsonb
);
--> statement-breakpoint
CREATE INDEX "crm_source_changes_tbl_xid_idx" ON "crm_source_changes" USING btree ("tbl","xid");--> statement-breakpoint
-- The main app's change-log triggers (docs/source-contract.md, "Change log") call this with the contract table's name
-- and the columns to log: one row per changed row, with those columns before and after; a statement-level call
-- (TRUNCATE) writes a row with neither ("read everything again"). SECURITY DEFINER: the main app's role needs no
-- grant on the CRM's table.
CREATE OR REPLACE FUNCTION crm_log_source_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    INSERT INTO crm_source_changes (tbl) VALUES (TG_ARGV[0]);
    RETURN NULL;
  END IF;
  INSERT INTO crm_source_changes (tbl, old, new) VALUES (
    TG_ARGV[0],
    CASE WHEN TG_OP <> 'INSERT' THEN (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(OLD)) e WHERE e.key = ANY (TG_ARGV[1:])) END,
    CASE WHEN TG_OP <> 'DELETE' THEN (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(NEW)) e WHERE e.key = ANY (TG_ARGV[1:])) END);
  RETURN NULL;
END $fn$;
--> statement-breakpoint
-- Creating a trigger needs EXECUTE on its function: only the CRM's role, and whom it grants (the main app's owner, to
-- install the triggers), can attach this one to a table and so write to the log.
REVOKE EXECUTE ON FUNCTION crm_log_source_change() FROM PUBLIC;
