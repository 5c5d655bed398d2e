CREATE TYPE "public"."admission" AS ENUM('waiting', 'admitted', 'removed');--> statement-breakpoint
CREATE TYPE "public"."admittance_policy" AS ENUM('automatic', 'manual');--> statement-breakpoint
CREATE TYPE "public"."auth_type" AS ENUM('none', 'basic', 'oauth');--> statement-breakpoint
CREATE TYPE "public"."connection_status" AS ENUM('Connected', 'Disconnected');--> statement-breakpoint
CREATE TYPE "public"."encryption_algorithm" AS ENUM('AES-256-CBC', 'AES-128-CBC');--> statement-breakpoint
CREATE TYPE "public"."epic_environment" AS ENUM('Test', 'Production');--> statement-breakpoint
CREATE TYPE "public"."meeting_state" AS ENUM('waiting', 'active', 'ended');--> statement-breakpoint
CREATE TYPE "public"."notification_kind" AS ENUM('connection_status', 'device_test');--> statement-breakpoint
CREATE TYPE "public"."notification_state" AS ENUM('pending', 'delivered', 'failed', 'not_sent');--> statement-breakpoint
CREATE TYPE "public"."oauth_client_auth" AS ENUM('client_secret_basic', 'client_secret_post');--> statement-breakpoint
CREATE TYPE "public"."provider_user_type" AS ENUM('Basic', 'Licensed');--> statement-breakpoint
CREATE TYPE "public"."sign_in_outcome" AS ENUM('pending', 'failed', 'succeeded', 'refused');--> statement-breakpoint
CREATE TYPE "public"."user_type" AS ENUM('Patient', 'Provider');--> statement-breakpoint
DROP INDEX "notifications_due";--> statement-breakpoint
DROP INDEX "notifications_ordering_pending";--> statement-breakpoint
DROP INDEX "notifications_undelivered";--> statement-breakpoint
ALTER TABLE "integrations" ALTER COLUMN "provider_user_type" SET DATA TYPE "public"."provider_user_type" USING "provider_user_type"::"public"."provider_user_type";--> statement-breakpoint
ALTER TABLE "integrations" ALTER COLUMN "encryption_algorithm" SET DATA TYPE "public"."encryption_algorithm" USING "encryption_algorithm"::"public"."encryption_algorithm";--> statement-breakpoint
ALTER TABLE "integrations" ALTER COLUMN "epic_environment" SET DATA TYPE "public"."epic_environment" USING "epic_environment"::"public"."epic_environment";--> statement-breakpoint
ALTER TABLE "integrations" ALTER COLUMN "admittance_policy" SET DATA TYPE "public"."admittance_policy" USING "admittance_policy"::"public"."admittance_policy";--> statement-breakpoint
ALTER TABLE "integrations" ALTER COLUMN "auth_type" SET DATA TYPE "public"."auth_type" USING "auth_type"::"public"."auth_type";--> statement-breakpoint
ALTER TABLE "launch_log" ALTER COLUMN "user_type" SET DATA TYPE "public"."user_type" USING "user_type"::"public"."user_type";--> statement-breakpoint
ALTER TABLE "meetings" ALTER COLUMN "state" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "meetings" ALTER COLUMN "state" SET DATA TYPE "public"."meeting_state" USING "state"::"public"."meeting_state";--> statement-breakpoint
ALTER TABLE "meetings" ALTER COLUMN "state" SET DEFAULT 'waiting'::"public"."meeting_state";--> statement-breakpoint
ALTER TABLE "meetings" ALTER COLUMN "admittance_policy" SET DATA TYPE "public"."admittance_policy" USING "admittance_policy"::"public"."admittance_policy";--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "kind" SET DATA TYPE "public"."notification_kind" USING "kind"::"public"."notification_kind";--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "user_type" SET DATA TYPE "public"."user_type" USING "user_type"::"public"."user_type";--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "state" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "state" SET DATA TYPE "public"."notification_state" USING "state"::"public"."notification_state";--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "state" SET DEFAULT 'pending'::"public"."notification_state";--> statement-breakpoint
ALTER TABLE "participant_events" ALTER COLUMN "user_type" SET DATA TYPE "public"."user_type" USING "user_type"::"public"."user_type";--> statement-breakpoint
ALTER TABLE "participant_events" ALTER COLUMN "status" SET DATA TYPE "public"."connection_status" USING "status"::"public"."connection_status";--> statement-breakpoint
ALTER TABLE "participants" ALTER COLUMN "user_type" SET DATA TYPE "public"."user_type" USING "user_type"::"public"."user_type";--> statement-breakpoint
ALTER TABLE "participants" ALTER COLUMN "admission" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "participants" ALTER COLUMN "admission" SET DATA TYPE "public"."admission" USING "admission"::"public"."admission";--> statement-breakpoint
ALTER TABLE "participants" ALTER COLUMN "admission" SET DEFAULT 'waiting'::"public"."admission";--> statement-breakpoint
ALTER TABLE "providers" ALTER COLUMN "user_type" SET DATA TYPE "public"."provider_user_type" USING "user_type"::"public"."provider_user_type";--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD COLUMN "refresh_token_sealed" text;--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD COLUMN "integration_id" uuid;--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD COLUMN "token_endpoint" text;--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD COLUMN "issuer" text;--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD COLUMN "client_id" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "oauth_client_auth" "oauth_client_auth" DEFAULT 'client_secret_basic' NOT NULL;--> statement-breakpoint
ALTER TABLE "sign_in_attempts" ADD COLUMN "outcome" "sign_in_outcome";--> statement-breakpoint
UPDATE "sign_in_attempts" SET "outcome" = CASE WHEN "succeeded" THEN 'succeeded'::"sign_in_outcome" ELSE 'failed'::"sign_in_outcome" END;--> statement-breakpoint
ALTER TABLE "sign_in_attempts" ALTER COLUMN "outcome" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "epic_access_tokens" ADD CONSTRAINT "epic_access_tokens_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sign_in_attempts_email_address_at" ON "sign_in_attempts" USING btree ("email","address","at");--> statement-breakpoint
ALTER TABLE "sign_in_attempts" DROP COLUMN "succeeded";--> statement-breakpoint
ALTER TABLE "launch_log" ADD CONSTRAINT "launch_log_outcome_code" CHECK ("launch_log"."outcome" ~ '^[a-z][a-z0-9_]{0,63}$');--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_status_fits_kind" CHECK (("notifications"."kind" = 'connection_status' and "notifications"."status" in ('Connected', 'Disconnected')) or ("notifications"."kind" = 'device_test' and "notifications"."status" in ('Passed', 'Failed')));--> statement-breakpoint
CREATE INDEX "notifications_due" ON "notifications" USING btree ("next_attempt_at") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_ordering_pending" ON "notifications" USING btree ("ordering_key","seq") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_undelivered" ON "notifications" USING btree ("seq") WHERE state <> 'delivered';--> statement-breakpoint
-- The launch in one call (drizzle/0002), now over enum columns, and honest in the launch log: a
-- patient opening an ended visit gets no participant row and the log says visit_ended, not ok.
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
  p_encryption_key text
) RETURNS TABLE (joined_participant_id uuid, joined_meeting_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH meeting AS (
    INSERT INTO meetings (integration_id, visit_key, session_id, conference_id, admittance_policy, default_host_email)
    VALUES (p_integration_id, p_visit_key, p_session_id, p_conference_id, p_admittance_policy::admittance_policy, p_default_host_email)
    ON CONFLICT (integration_id, visit_key) DO UPDATE SET
      state = CASE WHEN p_user_type = 'Provider' AND meetings.state = 'ended' THEN 'waiting'::meeting_state ELSE meetings.state END,
      ended_at = CASE WHEN p_user_type = 'Provider' AND meetings.state = 'ended' THEN NULL ELSE meetings.ended_at END
    RETURNING meetings.id, meetings.state
  ), participant AS (
    INSERT INTO participants (meeting_id, user_type, epic_user_id, epic_user_id_type, session_id, conference_id, first_name, last_name, provider_id)
    SELECT meeting.id, p_user_type::user_type, p_epic_user_id, p_epic_user_id_type, p_session_id, p_conference_id, p_first_name, p_last_name, p_provider_id
    FROM meeting
    WHERE NOT (p_user_type = 'Patient' AND meeting.state = 'ended')
    ON CONFLICT (meeting_id, user_type, epic_user_id) DO UPDATE SET
      first_name = coalesce(excluded.first_name, participants.first_name),
      last_name = coalesce(excluded.last_name, participants.last_name),
      session_id = coalesce(excluded.session_id, participants.session_id),
      provider_id = coalesce(excluded.provider_id, participants.provider_id)
    RETURNING participants.id, participants.meeting_id
  ), logged AS (
    INSERT INTO launch_log (encryption_key, outcome, session_id, epic_user_id, user_type, meeting_id)
    SELECT p_encryption_key,
      CASE WHEN p_user_type = 'Patient' AND meeting.state = 'ended' THEN 'visit_ended' ELSE 'ok' END,
      coalesce(p_session_id, p_conference_id), p_epic_user_id, p_user_type::user_type, meeting.id
    FROM meeting
  )
  SELECT participant.id, meeting.id FROM meeting LEFT JOIN participant ON true;
END
$$;
