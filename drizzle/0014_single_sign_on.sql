ALTER TABLE "admins" ALTER COLUMN "password_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "admin_sessions" ADD COLUMN "method" text DEFAULT 'password' NOT NULL;--> statement-breakpoint
ALTER TABLE "admins" ADD COLUMN "oidc_issuer" text;--> statement-breakpoint
ALTER TABLE "admins" ADD COLUMN "oidc_subject" text;--> statement-breakpoint
CREATE UNIQUE INDEX "admins_oidc_identity" ON "admins" USING btree ("oidc_issuer","oidc_subject");