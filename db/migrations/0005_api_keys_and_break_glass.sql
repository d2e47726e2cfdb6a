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
ALTER TABLE "tenancy"."api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "tenancy"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."api_keys" ADD CONSTRAINT "api_keys_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_operator_id_platform_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_approved_by_operator_id_platform_operators_id_fk" FOREIGN KEY ("approved_by_operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" ADD CONSTRAINT "break_glass_grants_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."operator_sessions" ADD CONSTRAINT "operator_sessions_operator_id_platform_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "tenancy"."platform_operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_token_hash_idx" ON "tenancy"."api_keys" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_keys_firm_created_idx" ON "tenancy"."api_keys" USING btree ("firm_id","created_at","id");--> statement-breakpoint
CREATE INDEX "break_glass_grants_firm_requested_idx" ON "tenancy"."break_glass_grants" USING btree ("firm_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "break_glass_grants_id_idx" ON "tenancy"."break_glass_grants" USING btree ("id");--> statement-breakpoint
CREATE INDEX "operator_sessions_operator_idx" ON "tenancy"."operator_sessions" USING btree ("operator_id");--> statement-breakpoint
CREATE POLICY "api_keys_tenant_isolation" ON "tenancy"."api_keys" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "break_glass_grants_tenant_isolation" ON "tenancy"."break_glass_grants" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);