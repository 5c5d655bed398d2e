CREATE TYPE "public"."guest_role" AS ENUM('interpreter', 'family', 'clinician');--> statement-breakpoint
ALTER TYPE "public"."user_type" ADD VALUE 'Guest';--> statement-breakpoint
CREATE TABLE "guest_invites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"meeting_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "guest_role" NOT NULL,
	"language" text,
	"invited_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"participant_id" uuid,
	"claimed_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "page_id" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "invite_id" uuid;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "guest_role" "guest_role";--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "signals" ADD COLUMN "from_participant" uuid;--> statement-breakpoint
ALTER TABLE "guest_invites" ADD CONSTRAINT "guest_invites_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guest_invites" ADD CONSTRAINT "guest_invites_invited_by_participants_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."participants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guest_invites" ADD CONSTRAINT "guest_invites_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "guest_invites_meeting" ON "guest_invites" USING btree ("meeting_id","created_at");