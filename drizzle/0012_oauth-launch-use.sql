ALTER TABLE "oauth_launches" ADD COLUMN "binding" text;--> statement-breakpoint
ALTER TABLE "oauth_launches" ADD COLUMN "used_at" timestamp with time zone;