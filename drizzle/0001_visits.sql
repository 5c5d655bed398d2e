CREATE TABLE "launch_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"encryption_key" text,
	"outcome" text NOT NULL,
	"detail" text,
	"session_id" text,
	"epic_user_id" text,
	"user_type" text,
	"meeting_id" uuid
);
--> statement-breakpoint
CREATE TABLE "meetings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"visit_key" text NOT NULL,
	"session_id" text,
	"conference_id" text,
	"state" text DEFAULT 'waiting' NOT NULL,
	"admittance_policy" text NOT NULL,
	"default_host_email" text NOT NULL,
	"host_provider_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "participant_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"integration_id" uuid NOT NULL,
	"meeting_id" uuid NOT NULL,
	"participant_id" uuid,
	"session_id" text,
	"conference_id" text,
	"epic_user_id" text NOT NULL,
	"epic_user_id_type" text,
	"user_type" text NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"meeting_id" uuid NOT NULL,
	"user_type" text NOT NULL,
	"epic_user_id" text NOT NULL,
	"epic_user_id_type" text,
	"session_id" text,
	"conference_id" text,
	"first_name" text,
	"last_name" text,
	"provider_id" uuid,
	"admission" text DEFAULT 'waiting' NOT NULL,
	"connection_id" text,
	"connected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"epic_user_id" text NOT NULL,
	"email" text,
	"first_name" text,
	"last_name" text,
	"user_type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_launch_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"from_connection" text NOT NULL,
	"to_connection" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_host_provider_id_providers_id_fk" FOREIGN KEY ("host_provider_id") REFERENCES "public"."providers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "launch_log_at" ON "launch_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "meetings_integration_visit" ON "meetings" USING btree ("integration_id","visit_key");--> statement-breakpoint
CREATE INDEX "meetings_created_at" ON "meetings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "participant_events_meeting" ON "participant_events" USING btree ("meeting_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_meeting_user" ON "participants" USING btree ("meeting_id","user_type","epic_user_id");--> statement-breakpoint
CREATE INDEX "participants_connected_seen" ON "participants" USING btree ("last_seen_at");--> statement-breakpoint
CREATE UNIQUE INDEX "providers_integration_epic_user" ON "providers" USING btree ("integration_id","epic_user_id");--> statement-breakpoint
CREATE INDEX "providers_integration_email" ON "providers" USING btree ("integration_id","email");--> statement-breakpoint
CREATE INDEX "signals_to_connection" ON "signals" USING btree ("to_connection","id");