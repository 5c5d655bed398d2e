CREATE TABLE "server_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"idle_minutes" integer DEFAULT 15 NOT NULL,
	"launch_log_days" integer DEFAULT 30 NOT NULL,
	"notification_days" integer DEFAULT 90 NOT NULL,
	"participant_event_days" integer DEFAULT 90 NOT NULL,
	"ended_meeting_days" integer DEFAULT 90 NOT NULL,
	"sign_in_attempt_days" integer DEFAULT 30 NOT NULL,
	"audit_days" integer DEFAULT 730 NOT NULL,
	"last_purge_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "server_settings_one_row" CHECK ("server_settings"."id" = 1)
);
--> statement-breakpoint
DROP INDEX "notifications_undelivered";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "is_test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "meetings_ended_at" ON "meetings" USING btree ("ended_at") WHERE state = 'ended';--> statement-breakpoint
CREATE INDEX "notifications_troubled" ON "notifications" USING btree ("seq") WHERE state <> 'delivered' or attempts > 1;--> statement-breakpoint
CREATE INDEX "participant_events_at" ON "participant_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "sign_in_attempts_at" ON "sign_in_attempts" USING btree ("at");--> statement-breakpoint
INSERT INTO "server_settings" ("id") VALUES (1) ON CONFLICT DO NOTHING;
