CREATE TYPE "tenancy"."portal_token_purpose" AS ENUM('INVITATION', 'MAGIC_LINK');--> statement-breakpoint
CREATE TYPE "crm"."contact_role" AS ENUM('PRIMARY', 'BILLING', 'OTHER');--> statement-breakpoint
CREATE TYPE "crm"."message_format" AS ENUM('PLAIN', 'MARKDOWN');--> statement-breakpoint
CREATE TYPE "crm"."participant_kind" AS ENUM('STAFF', 'PORTAL');--> statement-breakpoint
CREATE TABLE "tenancy"."api_keys" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_last4" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by_user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_keys_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "api_keys_firm_token_hash_key" UNIQUE("firm_id","token_hash"),
	CONSTRAINT "api_keys_token_hash_sha256" CHECK ("tenancy"."api_keys"."token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "tenancy"."api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."break_glass_grants" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"operator_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"minutes" integer NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"approved_by_operator_id" uuid,
	"approved_at" timestamp (3) with time zone,
	"starts_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "break_glass_grants_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "break_glass_grants_minutes_range" CHECK ("tenancy"."break_glass_grants"."minutes" between 1 and 240),
	CONSTRAINT "break_glass_grants_reason_length" CHECK (char_length("tenancy"."break_glass_grants"."reason") between 10 and 1000),
	CONSTRAINT "break_glass_grants_second_approver" CHECK ("tenancy"."break_glass_grants"."approved_by_operator_id" is null or "tenancy"."break_glass_grants"."approved_by_operator_id" <> "tenancy"."break_glass_grants"."operator_id"),
	CONSTRAINT "break_glass_grants_window" CHECK (("tenancy"."break_glass_grants"."starts_at" is null) = ("tenancy"."break_glass_grants"."expires_at" is null))
);
--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."operator_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"operator_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "tenancy"."platform_operators" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp (3) with time zone,
	CONSTRAINT "platform_operators_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "tenancy"."login_throttles" (
	"email_hash" text PRIMARY KEY NOT NULL,
	"attempts" integer NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenancy"."mfa_backup_codes" (
	"user_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp (3) with time zone,
	CONSTRAINT "mfa_backup_codes_user_id_code_hash_pk" PRIMARY KEY("user_id","code_hash")
);
--> statement-breakpoint
CREATE TABLE "tenancy"."mfa_challenges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"active_firm_id" uuid,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	CONSTRAINT "mfa_challenges_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "tenancy"."user_totp" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"secret_ciphertext" text NOT NULL,
	"enabled_at" timestamp (3) with time zone,
	"last_used_step" bigint,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenancy"."rate_limit_buckets" (
	"bucket_key" text PRIMARY KEY NOT NULL,
	"level" double precision NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "rate_limit_buckets_level_check" CHECK ("tenancy"."rate_limit_buckets"."level" >= 0)
);
--> statement-breakpoint
CREATE TABLE "tenancy"."audit_chain_heads" (
	"firm_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_hash" "bytea" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenancy"."audit_chain_heads" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."audit_log" (
	"firm_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"request_id" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"metadata" jsonb NOT NULL,
	"prev_hash" "bytea" NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "audit_log_firm_id_seq_pk" PRIMARY KEY("firm_id","seq"),
	CONSTRAINT "audit_log_firm_id_key" UNIQUE("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_client_grants" (
	"firm_id" uuid NOT NULL,
	"portal_user_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "portal_client_grants_firm_id_portal_user_id_client_id_pk" PRIMARY KEY("firm_id","portal_user_id","client_id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_client_grants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_logins" (
	"email" text NOT NULL,
	"firm_id" uuid NOT NULL,
	"firm_slug" text NOT NULL,
	"portal_user_id" uuid NOT NULL,
	CONSTRAINT "portal_logins_email_firm_id_pk" PRIMARY KEY("email","firm_id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_logins" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_refresh_tokens" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	CONSTRAINT "portal_refresh_tokens_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "portal_refresh_tokens_firm_token_hash_key" UNIQUE("firm_id","token_hash")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_refresh_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_sessions" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"portal_user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "portal_sessions_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_tokens" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"portal_user_id" uuid NOT NULL,
	"purpose" "tenancy"."portal_token_purpose" NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "portal_tokens_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "portal_tokens_firm_token_hash_key" UNIQUE("firm_id","token_hash"),
	CONSTRAINT "portal_tokens_token_hash_sha256" CHECK ("tenancy"."portal_tokens"."token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."portal_users" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"organization_id" uuid,
	"invited_by_user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "portal_users_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "portal_users_firm_email_key" UNIQUE("firm_id","email"),
	CONSTRAINT "portal_users_firm_contact_key" UNIQUE("firm_id","contact_id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."portal_users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."client_contacts" (
	"firm_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"role" "crm"."contact_role" NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_contacts_firm_id_client_id_contact_id_pk" PRIMARY KEY("firm_id","client_id","contact_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."client_contacts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."client_organization_members" (
	"firm_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_organization_members_firm_id_client_id_pk" PRIMARY KEY("firm_id","client_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."client_organization_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."client_organizations" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_organizations_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "crm"."client_organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."contacts" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"title" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "crm"."contacts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."client_team_members" (
	"firm_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_team_members_firm_id_client_id_user_id_pk" PRIMARY KEY("firm_id","client_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."client_team_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."message_read_states" (
	"firm_id" uuid NOT NULL,
	"thread_id" uuid NOT NULL,
	"participant_kind" "crm"."participant_kind" NOT NULL,
	"participant_id" uuid NOT NULL,
	"last_read_message_id" uuid NOT NULL,
	"last_read_sent_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_read_states_firm_id_thread_id_participant_kind_participant_id_pk" PRIMARY KEY("firm_id","thread_id","participant_kind","participant_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."message_threads" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"engagement_id" uuid,
	"subject" text NOT NULL,
	"created_by_kind" "crm"."participant_kind" NOT NULL,
	"created_by_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_message_at" timestamp (3) with time zone,
	CONSTRAINT "message_threads_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "message_threads_subject_length" CHECK (char_length("crm"."message_threads"."subject") between 1 and 200)
);
--> statement-breakpoint
ALTER TABLE "crm"."message_threads" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."messages" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"thread_id" uuid NOT NULL,
	"author_kind" "crm"."participant_kind" NOT NULL,
	"author_id" uuid NOT NULL,
	"body" text,
	"format" "crm"."message_format" NOT NULL,
	"attachment_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"sent_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp (3) with time zone,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "messages_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "messages_body_length" CHECK (char_length("crm"."messages"."body") between 1 and 10000),
	CONSTRAINT "messages_tombstone" CHECK (("crm"."messages"."deleted_at" is null) = ("crm"."messages"."body" is not null)),
	CONSTRAINT "messages_attachment_count" CHECK (cardinality("crm"."messages"."attachment_ids") <= 10)
);
--> statement-breakpoint
ALTER TABLE "crm"."messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."outbox_events" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_events_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "crm"."outbox_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."firms" ADD COLUMN "require_mfa_for_admins" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tenancy"."firms" ADD COLUMN "audit_retention_days" integer DEFAULT 2555 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenancy"."api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."api_keys" ADD CONSTRAINT "api_keys_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_operator_id_platform_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_approved_by_operator_id_platform_operators_id_fk" FOREIGN KEY ("approved_by_operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."operator_sessions" ADD CONSTRAINT "operator_sessions_operator_id_platform_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."mfa_backup_codes" ADD CONSTRAINT "mfa_backup_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."mfa_challenges" ADD CONSTRAINT "mfa_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."user_totp" ADD CONSTRAINT "user_totp_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."audit_log" ADD CONSTRAINT "audit_log_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_client_grants" ADD CONSTRAINT "portal_client_grants_user_fk" FOREIGN KEY ("firm_id","portal_user_id") REFERENCES "tenancy"."portal_users"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_refresh_tokens" ADD CONSTRAINT "portal_refresh_tokens_session_fk" FOREIGN KEY ("firm_id","session_id") REFERENCES "tenancy"."portal_sessions"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_sessions" ADD CONSTRAINT "portal_sessions_user_fk" FOREIGN KEY ("firm_id","portal_user_id") REFERENCES "tenancy"."portal_users"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_tokens" ADD CONSTRAINT "portal_tokens_user_fk" FOREIGN KEY ("firm_id","portal_user_id") REFERENCES "tenancy"."portal_users"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_users" ADD CONSTRAINT "portal_users_invited_by_user_id_users_id_fk" FOREIGN KEY ("invited_by_user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_users" ADD CONSTRAINT "portal_users_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."client_contacts" ADD CONSTRAINT "client_contacts_client_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."client_contacts" ADD CONSTRAINT "client_contacts_contact_fk" FOREIGN KEY ("firm_id","contact_id") REFERENCES "crm"."contacts"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."client_organization_members" ADD CONSTRAINT "client_organization_members_client_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."client_organization_members" ADD CONSTRAINT "client_organization_members_organization_fk" FOREIGN KEY ("firm_id","organization_id") REFERENCES "crm"."client_organizations"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."client_team_members" ADD CONSTRAINT "client_team_members_firm_id_client_id_clients_firm_id_id_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ADD CONSTRAINT "message_read_states_firm_id_thread_id_message_threads_firm_id_id_fk" FOREIGN KEY ("firm_id","thread_id") REFERENCES "crm"."message_threads"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ADD CONSTRAINT "message_read_states_firm_id_last_read_message_id_messages_firm_id_id_fk" FOREIGN KEY ("firm_id","last_read_message_id") REFERENCES "crm"."messages"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_threads" ADD CONSTRAINT "message_threads_firm_id_client_id_clients_firm_id_id_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."messages" ADD CONSTRAINT "messages_firm_id_thread_id_message_threads_firm_id_id_fk" FOREIGN KEY ("firm_id","thread_id") REFERENCES "crm"."message_threads"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_firm_created_idx" ON "tenancy"."api_keys" USING btree ("firm_id","created_at","id");--> statement-breakpoint
CREATE INDEX "break_glass_grants_firm_requested_idx" ON "tenancy"."break_glass_grants" USING btree ("firm_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "operator_sessions_operator_idx" ON "tenancy"."operator_sessions" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "mfa_challenges_user_idx" ON "tenancy"."mfa_challenges" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "audit_log_firm_actor_idx" ON "tenancy"."audit_log" USING btree ("firm_id","actor_id","seq");--> statement-breakpoint
CREATE INDEX "audit_log_firm_target_idx" ON "tenancy"."audit_log" USING btree ("firm_id","target_type","target_id","seq");--> statement-breakpoint
CREATE INDEX "portal_sessions_user_idx" ON "tenancy"."portal_sessions" USING btree ("firm_id","portal_user_id");--> statement-breakpoint
CREATE INDEX "portal_tokens_user_idx" ON "tenancy"."portal_tokens" USING btree ("firm_id","portal_user_id");--> statement-breakpoint
CREATE INDEX "client_contacts_contact_idx" ON "crm"."client_contacts" USING btree ("firm_id","contact_id");--> statement-breakpoint
CREATE INDEX "client_organization_members_org_idx" ON "crm"."client_organization_members" USING btree ("firm_id","organization_id");--> statement-breakpoint
CREATE INDEX "contacts_firm_name_idx" ON "crm"."contacts" USING btree ("firm_id",lower("name"),"id");--> statement-breakpoint
CREATE INDEX "client_team_members_user_idx" ON "crm"."client_team_members" USING btree ("firm_id","user_id");--> statement-breakpoint
CREATE INDEX "message_threads_client_activity_idx" ON "crm"."message_threads" USING btree ("firm_id","client_id",coalesce("last_message_at", "created_at") desc,"id");--> statement-breakpoint
CREATE INDEX "messages_thread_sent_idx" ON "crm"."messages" USING btree ("firm_id","thread_id","sent_at","id");--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "crm"."outbox_events" USING btree ("created_at","id") WHERE "crm"."outbox_events"."published_at" is null;--> statement-breakpoint
CREATE INDEX "invoices_firm_client_open_idx" ON "billing"."invoices" USING btree ("firm_id","client_id","currency","total_minor","amount_paid_minor") WHERE "billing"."invoices"."status" = 'OPEN';--> statement-breakpoint
ALTER TABLE "tenancy"."firms" ADD CONSTRAINT "firms_audit_retention_days_check" CHECK ("tenancy"."firms"."audit_retention_days" between 30 and 36500);--> statement-breakpoint
CREATE POLICY "api_keys_tenant_isolation" ON "tenancy"."api_keys" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "break_glass_grants_tenant_isolation" ON "tenancy"."break_glass_grants" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "audit_chain_heads_tenant_isolation" ON "tenancy"."audit_chain_heads" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "audit_log_tenant_isolation" ON "tenancy"."audit_log" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_client_grants_tenant_isolation" ON "tenancy"."portal_client_grants" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_logins_tenant_isolation" ON "tenancy"."portal_logins" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_logins_email_lookup" ON "tenancy"."portal_logins" AS PERMISSIVE FOR SELECT TO public USING ("tenancy"."portal_logins"."email" = nullif(current_setting('app.portal_email', true), ''));--> statement-breakpoint
CREATE POLICY "portal_refresh_tokens_tenant_isolation" ON "tenancy"."portal_refresh_tokens" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_sessions_tenant_isolation" ON "tenancy"."portal_sessions" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_tokens_tenant_isolation" ON "tenancy"."portal_tokens" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_users_tenant_isolation" ON "tenancy"."portal_users" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_contacts_tenant_isolation" ON "crm"."client_contacts" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_organization_members_tenant_isolation" ON "crm"."client_organization_members" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_organizations_tenant_isolation" ON "crm"."client_organizations" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "contacts_tenant_isolation" ON "crm"."contacts" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_team_members_tenant_isolation" ON "crm"."client_team_members" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "message_read_states_tenant_isolation" ON "crm"."message_read_states" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "message_threads_tenant_isolation" ON "crm"."message_threads" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "messages_tenant_isolation" ON "crm"."messages" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbox_events_tenant_isolation" ON "crm"."outbox_events" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);