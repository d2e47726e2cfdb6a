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
ALTER TABLE "tenancy"."firms" ADD COLUMN "audit_retention_days" integer DEFAULT 2555 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenancy"."audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenancy"."audit_log" ADD CONSTRAINT "audit_log_firm_fk" FOREIGN KEY ("firm_id") REFERENCES "tenancy"."firms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_firm_actor_idx" ON "tenancy"."audit_log" USING btree ("firm_id","actor_id","seq");--> statement-breakpoint
CREATE INDEX "audit_log_firm_target_idx" ON "tenancy"."audit_log" USING btree ("firm_id","target_type","target_id","seq");--> statement-breakpoint
ALTER TABLE "tenancy"."firms" ADD CONSTRAINT "firms_audit_retention_days_check" CHECK ("tenancy"."firms"."audit_retention_days" between 30 and 36500);--> statement-breakpoint
CREATE POLICY "audit_chain_heads_tenant_isolation" ON "tenancy"."audit_chain_heads" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "audit_log_tenant_isolation" ON "tenancy"."audit_log" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);