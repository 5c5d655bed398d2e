CREATE TYPE "public"."admin_role" AS ENUM('owner', 'admin');--> statement-breakpoint
CREATE TYPE "public"."screen_share_policy" AS ENUM('nobody', 'providers', 'everyone');--> statement-breakpoint
ALTER TYPE "public"."user_type" ADD VALUE 'Room';--> statement-breakpoint
CREATE TABLE "admin_integrations" (
	"admin_id" uuid NOT NULL,
	"integration_id" uuid NOT NULL,
	CONSTRAINT "admin_integrations_admin_id_integration_id_pk" PRIMARY KEY("admin_id","integration_id")
);
--> statement-breakpoint
CREATE TABLE "chat_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"participant_id" uuid,
	"sender_name" text NOT NULL,
	"sender_type" "user_type" NOT NULL,
	"body" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"name" text NOT NULL,
	"location" text DEFAULT '' NOT NULL,
	"pairing_code_hash" text,
	"pairing_code_expires_at" timestamp with time zone,
	"device_token_hash" text,
	"paired_at" timestamp with time zone,
	"connection_id" text,
	"server_id" uuid,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "admins" ADD COLUMN "role" "admin_role" DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "name" text DEFAULT 'Primary' NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "screen_share_policy" "screen_share_policy" DEFAULT 'providers' NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "chat_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "launch_log" ADD COLUMN "integration_id" uuid;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "sharing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "room_id" uuid;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "called_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "admin_integrations" ADD CONSTRAINT "admin_integrations_admin_id_admins_id_fk" FOREIGN KEY ("admin_id") REFERENCES "public"."admins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "admin_integrations" ADD CONSTRAINT "admin_integrations_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_meeting" ON "chat_messages" USING btree ("meeting_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_integration_name" ON "rooms" USING btree ("integration_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_device_token" ON "rooms" USING btree ("device_token_hash");--> statement-breakpoint
ALTER TABLE "launch_log" ADD CONSTRAINT "launch_log_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- The first account is the owner; the integration a launch used is on its launch log row.
UPDATE "admins" SET "role" = 'owner' WHERE "id" = (SELECT "id" FROM "admins" ORDER BY "created_at", "id" LIMIT 1);--> statement-breakpoint
UPDATE "launch_log" l SET "integration_id" = i."id" FROM "integrations" i WHERE i."encryption_key" = l."encryption_key";--> statement-breakpoint
-- The launch function (drizzle/0005) also writes which integration the launch was for.
CREATE OR REPLACE FUNCTION televisit_join_visit(
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

  INSERT INTO launch_log (encryption_key, integration_id, outcome, session_id, epic_user_id, user_type, meeting_id)
  VALUES (p_encryption_key, p_integration_id, result, coalesce(p_session_id, p_conference_id), p_epic_user_id, p_user_type::user_type, m.id);
  RETURN QUERY SELECT pid, m.id, result;
END
$$;
