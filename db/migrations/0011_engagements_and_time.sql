CREATE TYPE "crm"."engagement_status" AS ENUM('DRAFT', 'ACTIVE', 'ON_HOLD', 'COMPLETED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "billing"."billing_arrangement" AS ENUM('HOURLY', 'FIXED_FEE', 'RETAINER', 'MIXED');--> statement-breakpoint
CREATE TYPE "billing"."billing_type" AS ENUM('HOURLY', 'FIXED_FEE', 'NON_BILLABLE');--> statement-breakpoint
CREATE TYPE "billing"."rate_source" AS ENUM('ENGAGEMENT_STAFF', 'ENGAGEMENT_SERVICE', 'CLIENT_STAFF', 'STAFF_STANDARD', 'FIRM_ROLE');--> statement-breakpoint
CREATE TYPE "billing"."time_entry_status" AS ENUM('DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'BILLED');--> statement-breakpoint
CREATE TYPE "billing"."time_rounding" AS ENUM('NONE', 'UP_TO_6_MINUTES', 'UP_TO_15_MINUTES');--> statement-breakpoint
CREATE TABLE "crm"."engagement_team_members" (
	"firm_id" uuid NOT NULL,
	"engagement_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "engagement_team_members_firm_id_engagement_id_user_id_pk" PRIMARY KEY("firm_id","engagement_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."engagement_team_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."engagements" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"name" text NOT NULL,
	"code" text NOT NULL,
	"status" "crm"."engagement_status" DEFAULT 'DRAFT' NOT NULL,
	"start_date" date,
	"end_date" date,
	"manager_user_id" uuid NOT NULL,
	"description" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "engagements_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "engagements_firm_code_key" UNIQUE("firm_id","code"),
	CONSTRAINT "engagements_firm_client_id_key" UNIQUE("firm_id","client_id","id"),
	CONSTRAINT "engagements_code_format" CHECK ("crm"."engagements"."code" ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
	CONSTRAINT "engagements_name_length" CHECK (char_length("crm"."engagements"."name") between 1 and 200),
	CONSTRAINT "engagements_dates_ordered" CHECK ("crm"."engagements"."end_date" is null or "crm"."engagements"."start_date" is null or "crm"."engagements"."end_date" >= "crm"."engagements"."start_date")
);
--> statement-breakpoint
ALTER TABLE "crm"."engagements" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."cost_rates" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"hourly_minor" bigint NOT NULL,
	"effective_from" date NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_rates_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "cost_rates_card_key" UNIQUE("firm_id","user_id","currency","effective_from"),
	CONSTRAINT "cost_rates_amount" CHECK ("billing"."cost_rates"."hourly_minor" >= 0),
	CONSTRAINT "cost_rates_currency_iso4217" CHECK ("billing"."cost_rates"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "billing"."cost_rates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."engagement_arrangements" (
	"firm_id" uuid NOT NULL,
	"engagement_id" uuid NOT NULL,
	"arrangement" "billing"."billing_arrangement" NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "engagement_arrangements_firm_id_engagement_id_pk" PRIMARY KEY("firm_id","engagement_id")
);
--> statement-breakpoint
ALTER TABLE "billing"."engagement_arrangements" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."engagement_service_lines" (
	"firm_id" uuid NOT NULL,
	"engagement_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	"billing_type" "billing"."billing_type" NOT NULL,
	CONSTRAINT "engagement_service_lines_firm_id_engagement_id_service_id_pk" PRIMARY KEY("firm_id","engagement_id","service_id"),
	CONSTRAINT "engagement_service_lines_type" CHECK ("billing"."engagement_service_lines"."billing_type" in ('HOURLY', 'FIXED_FEE'))
);
--> statement-breakpoint
ALTER TABLE "billing"."engagement_service_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."firm_time_settings" (
	"firm_id" uuid PRIMARY KEY NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"time_rounding" "billing"."time_rounding" DEFAULT 'NONE' NOT NULL,
	"allow_self_approval" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "billing"."firm_time_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."rates" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"source" "billing"."rate_source" NOT NULL,
	"engagement_id" uuid,
	"client_id" uuid,
	"user_id" uuid,
	"service_id" uuid,
	"role" text,
	"currency" text NOT NULL,
	"hourly_minor" bigint NOT NULL,
	"effective_from" date NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rates_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "rates_card_key" UNIQUE NULLS NOT DISTINCT("firm_id","source","engagement_id","client_id","user_id","service_id","role","currency","effective_from"),
	CONSTRAINT "rates_scope" CHECK (case "billing"."rates"."source"
        when 'ENGAGEMENT_STAFF' then "billing"."rates"."engagement_id" is not null and "billing"."rates"."user_id" is not null and "billing"."rates"."client_id" is null and "billing"."rates"."service_id" is null and "billing"."rates"."role" is null
        when 'ENGAGEMENT_SERVICE' then "billing"."rates"."engagement_id" is not null and "billing"."rates"."service_id" is not null and "billing"."rates"."client_id" is null and "billing"."rates"."user_id" is null and "billing"."rates"."role" is null
        when 'CLIENT_STAFF' then "billing"."rates"."client_id" is not null and "billing"."rates"."user_id" is not null and "billing"."rates"."engagement_id" is null and "billing"."rates"."service_id" is null and "billing"."rates"."role" is null
        when 'STAFF_STANDARD' then "billing"."rates"."user_id" is not null and "billing"."rates"."engagement_id" is null and "billing"."rates"."client_id" is null and "billing"."rates"."service_id" is null and "billing"."rates"."role" is null
        when 'FIRM_ROLE' then "billing"."rates"."role" in ('OWNER', 'ADMIN', 'MANAGER', 'STAFF') and "billing"."rates"."engagement_id" is null and "billing"."rates"."client_id" is null and "billing"."rates"."user_id" is null and "billing"."rates"."service_id" is null
      end),
	CONSTRAINT "rates_amount" CHECK ("billing"."rates"."hourly_minor" >= 0),
	CONSTRAINT "rates_currency_iso4217" CHECK ("billing"."rates"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "billing"."rates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."running_timers" (
	"firm_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"engagement_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	"description" text,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "running_timers_firm_id_user_id_pk" PRIMARY KEY("firm_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "billing"."running_timers" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."services" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"name_key" text GENERATED ALWAYS AS (lower(name)) STORED NOT NULL,
	"billing_type" "billing"."billing_type" NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "services_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "services_firm_name_key" UNIQUE("firm_id","name_key"),
	CONSTRAINT "services_name_length" CHECK (char_length("billing"."services"."name") between 1 and 120)
);
--> statement-breakpoint
ALTER TABLE "billing"."services" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."staff_capacities" (
	"firm_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"weekly_minutes" integer NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_capacities_firm_id_user_id_pk" PRIMARY KEY("firm_id","user_id"),
	CONSTRAINT "staff_capacities_weekly_minutes" CHECK ("billing"."staff_capacities"."weekly_minutes" between 0 and 10080)
);
--> statement-breakpoint
ALTER TABLE "billing"."staff_capacities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."time_entries" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"engagement_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	"work_date" date NOT NULL,
	"minutes" integer NOT NULL,
	"description" text,
	"billable" boolean NOT NULL,
	"currency" text NOT NULL,
	"status" "billing"."time_entry_status" DEFAULT 'DRAFT' NOT NULL,
	"created_by_id" uuid NOT NULL,
	"submitted_at" timestamp (3) with time zone,
	"submitted_by_id" uuid,
	"approved_at" timestamp (3) with time zone,
	"approved_by_id" uuid,
	"rejected_at" timestamp (3) with time zone,
	"rejected_by_id" uuid,
	"rejection_reason" text,
	"rate_id" uuid,
	"rate_source" "billing"."rate_source",
	"rate_hourly_minor" bigint,
	"value_minor" bigint,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_entries_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "time_entries_minutes" CHECK ("billing"."time_entries"."minutes" between 1 and 1440),
	CONSTRAINT "time_entries_currency_iso4217" CHECK ("billing"."time_entries"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "time_entries_snapshot" CHECK ("billing"."time_entries"."status" not in ('APPROVED', 'BILLED') or ("billing"."time_entries"."approved_at" is not null and "billing"."time_entries"."value_minor" is not null
        and ("billing"."time_entries"."billable" = ("billing"."time_entries"."rate_hourly_minor" is not null) or (not "billing"."time_entries"."billable" and "billing"."time_entries"."value_minor" = 0)))),
	CONSTRAINT "time_entries_rejection" CHECK ("billing"."time_entries"."status" <> 'REJECTED' or ("billing"."time_entries"."rejection_reason" is not null and "billing"."time_entries"."rejected_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "billing"."time_entries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."engagement_team_members" ADD CONSTRAINT "engagement_team_members_firm_id_engagement_id_engagements_firm_id_id_fk" FOREIGN KEY ("firm_id","engagement_id") REFERENCES "crm"."engagements"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."engagements" ADD CONSTRAINT "engagements_firm_id_client_id_clients_firm_id_id_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."engagement_service_lines" ADD CONSTRAINT "engagement_service_lines_firm_id_service_id_services_firm_id_id_fk" FOREIGN KEY ("firm_id","service_id") REFERENCES "billing"."services"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."rates" ADD CONSTRAINT "rates_firm_id_service_id_services_firm_id_id_fk" FOREIGN KEY ("firm_id","service_id") REFERENCES "billing"."services"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."running_timers" ADD CONSTRAINT "running_timers_firm_id_service_id_services_firm_id_id_fk" FOREIGN KEY ("firm_id","service_id") REFERENCES "billing"."services"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."time_entries" ADD CONSTRAINT "time_entries_firm_id_service_id_services_firm_id_id_fk" FOREIGN KEY ("firm_id","service_id") REFERENCES "billing"."services"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "engagement_team_members_user_idx" ON "crm"."engagement_team_members" USING btree ("firm_id","user_id");--> statement-breakpoint
CREATE INDEX "engagements_firm_client_code_idx" ON "crm"."engagements" USING btree ("firm_id","client_id","code");--> statement-breakpoint
CREATE INDEX "engagements_firm_manager_code_idx" ON "crm"."engagements" USING btree ("firm_id","manager_user_id","code");--> statement-breakpoint
CREATE INDEX "rates_firm_engagement_idx" ON "billing"."rates" USING btree ("firm_id","engagement_id");--> statement-breakpoint
CREATE INDEX "rates_firm_user_idx" ON "billing"."rates" USING btree ("firm_id","user_id");--> statement-breakpoint
CREATE INDEX "time_entries_engagement_idx" ON "billing"."time_entries" USING btree ("firm_id","engagement_id","work_date","id");--> statement-breakpoint
CREATE INDEX "time_entries_user_idx" ON "billing"."time_entries" USING btree ("firm_id","user_id","work_date","id");--> statement-breakpoint
CREATE INDEX "time_entries_client_idx" ON "billing"."time_entries" USING btree ("firm_id","client_id","work_date","id");--> statement-breakpoint
CREATE INDEX "time_entries_firm_date_idx" ON "billing"."time_entries" USING btree ("firm_id","work_date","id");--> statement-breakpoint
CREATE INDEX "time_entries_submitted_idx" ON "billing"."time_entries" USING btree ("firm_id","work_date","id") WHERE "billing"."time_entries"."status" = 'SUBMITTED';--> statement-breakpoint
CREATE INDEX "time_entries_wip_idx" ON "billing"."time_entries" USING btree ("firm_id","client_id","engagement_id","work_date","user_id","service_id","currency","value_minor") WHERE "billing"."time_entries"."status" = 'APPROVED' and "billing"."time_entries"."billable";--> statement-breakpoint
ALTER TABLE "crm"."message_threads" ADD CONSTRAINT "message_threads_engagement_fk" FOREIGN KEY ("firm_id","client_id","engagement_id") REFERENCES "crm"."engagements"("firm_id","client_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "engagement_team_members_tenant_isolation" ON "crm"."engagement_team_members" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "engagements_tenant_isolation" ON "crm"."engagements" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "cost_rates_tenant_isolation" ON "billing"."cost_rates" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "engagement_arrangements_tenant_isolation" ON "billing"."engagement_arrangements" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "engagement_service_lines_tenant_isolation" ON "billing"."engagement_service_lines" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_time_settings_tenant_isolation" ON "billing"."firm_time_settings" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "rates_tenant_isolation" ON "billing"."rates" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "running_timers_tenant_isolation" ON "billing"."running_timers" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "services_tenant_isolation" ON "billing"."services" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "staff_capacities_tenant_isolation" ON "billing"."staff_capacities" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "time_entries_tenant_isolation" ON "billing"."time_entries" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);