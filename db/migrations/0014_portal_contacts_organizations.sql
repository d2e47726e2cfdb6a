CREATE TYPE "tenancy"."portal_token_purpose" AS ENUM('INVITATION', 'MAGIC_LINK');--> statement-breakpoint
CREATE TYPE "crm"."contact_role" AS ENUM('PRIMARY', 'BILLING', 'OTHER');--> statement-breakpoint
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
CREATE INDEX "portal_sessions_user_idx" ON "tenancy"."portal_sessions" USING btree ("firm_id","portal_user_id");--> statement-breakpoint
CREATE INDEX "portal_tokens_user_idx" ON "tenancy"."portal_tokens" USING btree ("firm_id","portal_user_id");--> statement-breakpoint
CREATE INDEX "client_contacts_contact_idx" ON "crm"."client_contacts" USING btree ("firm_id","contact_id");--> statement-breakpoint
CREATE INDEX "client_organization_members_org_idx" ON "crm"."client_organization_members" USING btree ("firm_id","organization_id");--> statement-breakpoint
CREATE INDEX "contacts_firm_name_idx" ON "crm"."contacts" USING btree ("firm_id",lower("name"),"id");--> statement-breakpoint
CREATE POLICY "portal_client_grants_tenant_isolation" ON "tenancy"."portal_client_grants" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_refresh_tokens_tenant_isolation" ON "tenancy"."portal_refresh_tokens" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_sessions_tenant_isolation" ON "tenancy"."portal_sessions" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_tokens_tenant_isolation" ON "tenancy"."portal_tokens" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "portal_users_tenant_isolation" ON "tenancy"."portal_users" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_contacts_tenant_isolation" ON "crm"."client_contacts" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_organization_members_tenant_isolation" ON "crm"."client_organization_members" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_organizations_tenant_isolation" ON "crm"."client_organizations" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "contacts_tenant_isolation" ON "crm"."contacts" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);