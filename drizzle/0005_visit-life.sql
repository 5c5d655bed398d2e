CREATE TABLE "app_servers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "meetings_integration_visit";--> statement-breakpoint
DROP INDEX "participants_connected_seen";--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "generation" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "links_valid_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "empty_since" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "ended_by" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "server_id" uuid;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "mic_on" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "camera_on" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "meetings_integration_visit_generation" ON "meetings" USING btree ("integration_id","visit_key","generation");--> statement-breakpoint
CREATE INDEX "meetings_open" ON "meetings" USING btree ("empty_since") WHERE state <> 'ended';--> statement-breakpoint
CREATE INDEX "participants_connected_server" ON "participants" USING btree ("server_id") WHERE connection_id is not null;--> statement-breakpoint
ALTER TABLE "participants" DROP COLUMN "last_seen_at";--> statement-breakpoint
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_ended_by" CHECK ("meetings"."ended_by" is null or "meetings"."ended_by" in ('provider', 'admin', 'idle', 'links_expired'));--> statement-breakpoint
UPDATE "meetings" m SET "empty_since" = NULL WHERE EXISTS (SELECT 1 FROM "participants" p WHERE p."meeting_id" = m."id" AND p."connection_id" IS NOT NULL);--> statement-breakpoint
DROP FUNCTION televisit_join_visit(uuid, text, text, text, text, text, text, text, text, text, text, uuid, text);--> statement-breakpoint
-- A launch in one call: find the visit's newest meeting (or make the first), join it, and write
-- the launch log row. The newest meeting is locked, so launches of one visit take turns and agree.
-- An ended meeting stays ended: nobody joins it, and a provider who asks (p_start_new) gets the
-- next generation, which patients' links then join (docs/visit-lifecycle.md). Someone new is not
-- let in while p_max_people are connected; someone already in the visit always is.
-- outcome: ok, visit_ended or visit_full (the participant id is null unless ok).
CREATE FUNCTION televisit_join_visit(
  p_integration_id uuid,
  p_visit_key text,
  p_session_id text,
  p_conference_id text,
  p_admittance_policy text,
  p_default_host_email text,
  p_user_type text,
  p_epic_user_id text,
  p_epic_user_id_type text,
  p_first_name text,
  p_last_name text,
  p_provider_id uuid,
  p_encryption_key text,
  p_links_valid_until timestamptz,
  p_start_new boolean,
  p_max_people integer
) RETURNS TABLE (joined_participant_id uuid, joined_meeting_id uuid, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
  m meetings%ROWTYPE;
  pid uuid;
  result text;
BEGIN
  SELECT * INTO m FROM meetings WHERE integration_id = p_integration_id AND visit_key = p_visit_key ORDER BY generation DESC LIMIT 1 FOR UPDATE;
  IF NOT FOUND OR (m.state = 'ended' AND p_user_type = 'Provider' AND p_start_new) THEN
    INSERT INTO meetings (integration_id, visit_key, generation, session_id, conference_id, admittance_policy, default_host_email, links_valid_until)
    VALUES (p_integration_id, p_visit_key, coalesce(m.generation, 0) + 1, p_session_id, p_conference_id, p_admittance_policy::admittance_policy, p_default_host_email, p_links_valid_until)
    ON CONFLICT (integration_id, visit_key, generation) DO NOTHING
    RETURNING * INTO m;
    IF NOT FOUND THEN
      -- Another launch made it first: join theirs.
      SELECT * INTO m FROM meetings WHERE integration_id = p_integration_id AND visit_key = p_visit_key ORDER BY generation DESC LIMIT 1 FOR UPDATE;
    END IF;
  ELSIF m.state <> 'ended' THEN
    -- NULL is "no end": once a link that never expires was seen, only the idle timer applies.
    UPDATE meetings SET links_valid_until = CASE
        WHEN links_valid_until IS NULL OR p_links_valid_until IS NULL THEN NULL
        ELSE greatest(links_valid_until, p_links_valid_until) END
      WHERE id = m.id;
  END IF;

  IF m.state = 'ended' THEN
    result := 'visit_ended';
  ELSE
    SELECT id INTO pid FROM participants WHERE meeting_id = m.id AND user_type = p_user_type::user_type AND epic_user_id = p_epic_user_id;
    IF pid IS NULL AND (SELECT count(*) FROM participants WHERE meeting_id = m.id AND connection_id IS NOT NULL) >= p_max_people THEN
      result := 'visit_full';
    ELSE
      INSERT INTO participants (meeting_id, user_type, epic_user_id, epic_user_id_type, session_id, conference_id, first_name, last_name, provider_id)
      VALUES (m.id, p_user_type::user_type, p_epic_user_id, p_epic_user_id_type, p_session_id, p_conference_id, p_first_name, p_last_name, p_provider_id)
      ON CONFLICT (meeting_id, user_type, epic_user_id) DO UPDATE SET
        first_name = coalesce(excluded.first_name, participants.first_name),
        last_name = coalesce(excluded.last_name, participants.last_name),
        session_id = coalesce(excluded.session_id, participants.session_id),
        provider_id = coalesce(excluded.provider_id, participants.provider_id)
      RETURNING id INTO pid;
      result := 'ok';
    END IF;
  END IF;

  INSERT INTO launch_log (encryption_key, outcome, session_id, epic_user_id, user_type, meeting_id)
  VALUES (p_encryption_key, result, coalesce(p_session_id, p_conference_id), p_epic_user_id, p_user_type::user_type, m.id);
  RETURN QUERY SELECT pid, m.id, result;
END
$$;
