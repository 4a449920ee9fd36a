ALTER TABLE "crm_segment_members" DROP CONSTRAINT "crm_segment_members_segment_id_crm_user_segments_id_fk";
--> statement-breakpoint
ALTER TABLE "crm_segment_membership_history" DROP CONSTRAINT "crm_segment_membership_history_segment_id_crm_user_segments_id_fk";
--> statement-breakpoint
DROP INDEX "crm_segment_history_segment_at_idx";--> statement-breakpoint
-- Deleting a segment deletes its members and its history, as the foreign keys' cascade did (see crm_segment_members).
CREATE OR REPLACE FUNCTION crm_delete_segment_members() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM crm_segment_members WHERE segment_id = OLD.id;
  DELETE FROM crm_segment_membership_history WHERE segment_id = OLD.id;
  RETURN OLD;
END
$fn$;--> statement-breakpoint
CREATE TRIGGER crm_user_segments_delete_members AFTER DELETE ON crm_user_segments
  FOR EACH ROW EXECUTE FUNCTION crm_delete_segment_members();
