-- A launch in one call: find or create the visit's one meeting (a provider reopens an ended one),
-- upsert the participant, and write the launch log row. A patient opening an ended visit gets no
-- participant row (their records were deleted when it ended, spec section 5): the participant
-- column comes back null. PL/pgSQL keeps the statement's plan for
-- the session, which halves the cost of a launch on the embedded database (bench/launch).
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
    VALUES (p_integration_id, p_visit_key, p_session_id, p_conference_id, p_admittance_policy, p_default_host_email)
    ON CONFLICT (integration_id, visit_key) DO UPDATE SET
      state = CASE WHEN p_user_type = 'Provider' AND meetings.state = 'ended' THEN 'waiting' ELSE meetings.state END,
      ended_at = CASE WHEN p_user_type = 'Provider' AND meetings.state = 'ended' THEN NULL ELSE meetings.ended_at END
    RETURNING meetings.id, meetings.state
  ), participant AS (
    INSERT INTO participants (meeting_id, user_type, epic_user_id, epic_user_id_type, session_id, conference_id, first_name, last_name, provider_id)
    SELECT meeting.id, p_user_type, p_epic_user_id, p_epic_user_id_type, p_session_id, p_conference_id, p_first_name, p_last_name, p_provider_id
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
    SELECT p_encryption_key, 'ok', coalesce(p_session_id, p_conference_id), p_epic_user_id, p_user_type, meeting.id
    FROM meeting
  )
  SELECT participant.id, meeting.id FROM meeting LEFT JOIN participant ON true;
END
$$;
