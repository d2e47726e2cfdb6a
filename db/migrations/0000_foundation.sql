CREATE SCHEMA "tenancy";
--> statement-breakpoint
CREATE SCHEMA "crm";
--> statement-breakpoint
CREATE SCHEMA "billing";
--> statement-breakpoint
CREATE SCHEMA "documents";
--> statement-breakpoint
CREATE TYPE "tenancy"."role" AS ENUM('OWNER', 'ADMIN', 'MANAGER', 'STAFF');--> statement-breakpoint
CREATE TYPE "crm"."client_status" AS ENUM('ACTIVE', 'ARCHIVED');--> statement-breakpoint
CREATE TYPE "billing"."invoice_status" AS ENUM('DRAFT', 'OPEN', 'PAID', 'VOID');--> statement-breakpoint
CREATE TABLE "tenancy"."firms" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "firms_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."firms" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."invitations" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" "tenancy"."role" NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by_user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"accepted_at" timestamp (3) with time zone,
	CONSTRAINT "invitations_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "invitations_firm_token_key" UNIQUE("firm_id","token_hash")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."memberships" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "tenancy"."role" NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "memberships_firm_user_key" UNIQUE("firm_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."memberships" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenancy"."refresh_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	CONSTRAINT "refresh_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "tenancy"."sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"active_firm_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "tenancy"."users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp (3) with time zone,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "crm"."clients" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"website" text,
	"currency" text NOT NULL,
	"status" "crm"."client_status" DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp (3) with time zone,
	CONSTRAINT "clients_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "clients_currency_iso4217" CHECK ("crm"."clients"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "crm"."clients" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."invoices" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"number" text,
	"status" "billing"."invoice_status" DEFAULT 'DRAFT' NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"amount_paid_minor" bigint DEFAULT 0 NOT NULL,
	"issue_date" date,
	"due_date" date,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "invoices_firm_number_key" UNIQUE("firm_id","number"),
	CONSTRAINT "invoices_amounts_valid" CHECK ("billing"."invoices"."total_minor" >= 0 and "billing"."invoices"."amount_paid_minor" between 0 and "billing"."invoices"."total_minor"),
	CONSTRAINT "invoices_currency_iso4217" CHECK ("billing"."invoices"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "invoices_issued_numbered" CHECK (("billing"."invoices"."status" = 'DRAFT') = ("billing"."invoices"."number" is null))
);
--> statement-breakpoint
ALTER TABLE "billing"."invoices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."documents" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "documents_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "documents_size_nonnegative" CHECK ("documents"."documents"."size_bytes" >= 0)
);
--> statement-breakpoint
ALTER TABLE "documents"."documents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."invitations" ADD CONSTRAINT "invitations_invited_by_user_id_users_id_fk" FOREIGN KEY ("invited_by_user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."invitations" ADD CONSTRAINT "invitations_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."memberships" ADD CONSTRAINT "memberships_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."refresh_tokens" ADD CONSTRAINT "refresh_tokens_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "tenancy"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "tenancy"."memberships" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_session_idx" ON "tenancy"."refresh_tokens" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "tenancy"."sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "clients_firm_status_name_idx" ON "crm"."clients" USING btree ("firm_id","status",lower("name"),"id");--> statement-breakpoint
CREATE INDEX "invoices_firm_client_created_idx" ON "billing"."invoices" USING btree ("firm_id","client_id","created_at","id");--> statement-breakpoint
CREATE INDEX "documents_firm_client_created_idx" ON "documents"."documents" USING btree ("firm_id","client_id","created_at","id");--> statement-breakpoint
CREATE POLICY "firms_tenant_isolation" ON "tenancy"."firms" AS PERMISSIVE FOR ALL TO public USING (id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firms_member_read" ON "tenancy"."firms" AS PERMISSIVE FOR SELECT TO public USING (exists (select 1 from tenancy.memberships m where m.firm_id = firms.id and m.user_id = nullif(current_setting('app.user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "invitations_tenant_isolation" ON "tenancy"."invitations" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "memberships_tenant_isolation" ON "tenancy"."memberships" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "memberships_own_read" ON "tenancy"."memberships" AS PERMISSIVE FOR SELECT TO public USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "clients_tenant_isolation" ON "crm"."clients" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "invoices_tenant_isolation" ON "billing"."invoices" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "documents_tenant_isolation" ON "documents"."documents" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);