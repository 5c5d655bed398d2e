CREATE TABLE "admins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "admins_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "app_milestones" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_email" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"changed_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"encryption_key" text NOT NULL,
	"default_host_email" text NOT NULL,
	"provider_user_type" text NOT NULL,
	"encryption_algorithm" text NOT NULL,
	"encryption_secret_sealed" text NOT NULL,
	"epic_environment" text NOT NULL,
	"admittance_policy" text NOT NULL,
	"auth_type" text NOT NULL,
	"auth_name" text,
	"auth_password_sealed" text,
	"oauth_client_id_test" text,
	"oauth_client_id_production" text,
	"oauth_client_secret_sealed" text,
	"oauth_issuers_test" text[] DEFAULT '{}'::text[] NOT NULL,
	"oauth_issuers_production" text[] DEFAULT '{}'::text[] NOT NULL,
	"epic_client_id" text,
	"vendor_name" text NOT NULL,
	"connection_status_url" text,
	"device_test_url" text,
	"device_test_help_url" text,
	"epic_time_zone" text NOT NULL,
	"default_link_validity_minutes" integer NOT NULL,
	"custom_text" text DEFAULT '' NOT NULL,
	"logo_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_encryption_key_unique" UNIQUE("encryption_key")
);
--> statement-breakpoint
CREATE TABLE "logos" (
	"hash" text PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"address" text NOT NULL,
	"succeeded" boolean NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_logo_hash_logos_hash_fk" FOREIGN KEY ("logo_hash") REFERENCES "public"."logos"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "sign_in_attempts_email_at" ON "sign_in_attempts" USING btree ("email","at");--> statement-breakpoint
CREATE INDEX "sign_in_attempts_address_at" ON "sign_in_attempts" USING btree ("address","at");