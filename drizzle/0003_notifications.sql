CREATE TABLE "epic_access_tokens" (
	"ordering_key" text PRIMARY KEY NOT NULL,
	"access_token_sealed" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"notification_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"url" text NOT NULL,
	"request_headers" jsonb NOT NULL,
	"request_body" text NOT NULL,
	"resp_code" integer NOT NULL,
	"response_start" text,
	"error" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"integration_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"participant_event_id" bigint,
	"meeting_id" uuid,
	"session_id" text,
	"epic_user_id" text,
	"user_type" text,
	"status" text NOT NULL,
	"ordering_key" text NOT NULL,
	"body" jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"resp_code" integer,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "notifications_seq_unique" UNIQUE("seq"),
	CONSTRAINT "notifications_participant_event_id_unique" UNIQUE("participant_event_id")
);
--> statement-breakpoint
CREATE TABLE "oauth_launches" (
	"state" text PRIMARY KEY NOT NULL,
	"integration_id" uuid NOT NULL,
	"issuer" text NOT NULL,
	"token_endpoint" text NOT NULL,
	"pending_sealed" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_attempts" ADD CONSTRAINT "notification_attempts_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_launches" ADD CONSTRAINT "oauth_launches_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notification_attempts_notification" ON "notification_attempts" USING btree ("notification_id","id");--> statement-breakpoint
CREATE INDEX "notifications_meeting" ON "notifications" USING btree ("meeting_id","seq");--> statement-breakpoint
CREATE INDEX "notifications_session" ON "notifications" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "notifications_created" ON "notifications" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "notifications_due" ON "notifications" USING btree ("next_attempt_at") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_ordering_pending" ON "notifications" USING btree ("ordering_key","seq") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_undelivered" ON "notifications" USING btree ("seq") WHERE state <> 'delivered';