CREATE TABLE "billing"."user_day_totals" (
	"firm_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"work_date" date NOT NULL,
	"recorded_minutes" integer NOT NULL,
	"billable_minutes" integer NOT NULL,
	CONSTRAINT "user_day_totals_firm_id_user_id_work_date_pk" PRIMARY KEY("firm_id","user_id","work_date")
);
--> statement-breakpoint
ALTER TABLE "billing"."user_day_totals" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."wip_firm_days" (
	"firm_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"work_date" date NOT NULL,
	"minutes" integer NOT NULL,
	"value_minor" bigint NOT NULL,
	CONSTRAINT "wip_firm_days_firm_id_currency_work_date_pk" PRIMARY KEY("firm_id","currency","work_date")
);
--> statement-breakpoint
ALTER TABLE "billing"."wip_firm_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."wip_user_days" (
	"firm_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"work_date" date NOT NULL,
	"minutes" integer NOT NULL,
	"value_minor" bigint NOT NULL,
	CONSTRAINT "wip_user_days_firm_id_user_id_currency_work_date_pk" PRIMARY KEY("firm_id","user_id","currency","work_date")
);
--> statement-breakpoint
ALTER TABLE "billing"."wip_user_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "user_day_totals_firm_date_idx" ON "billing"."user_day_totals" USING btree ("firm_id","work_date","user_id") INCLUDE ("recorded_minutes","billable_minutes");--> statement-breakpoint
CREATE POLICY "user_day_totals_tenant_isolation" ON "billing"."user_day_totals" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "wip_firm_days_tenant_isolation" ON "billing"."wip_firm_days" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "wip_user_days_tenant_isolation" ON "billing"."wip_user_days" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);