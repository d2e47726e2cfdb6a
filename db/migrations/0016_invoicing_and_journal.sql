CREATE TYPE "billing"."payment_terms" AS ENUM('DUE_ON_RECEIPT', 'NET_7', 'NET_15', 'NET_30', 'NET_60');--> statement-breakpoint
CREATE TYPE "billing"."account_type" AS ENUM('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE');--> statement-breakpoint
CREATE TYPE "billing"."journal_entry_kind" AS ENUM('INVOICE_ISSUED', 'INVOICE_VOIDED', 'CREDIT_NOTE_ISSUED', 'PAYMENT_RECEIVED', 'PAYMENT_REFUNDED', 'PROCESSOR_FEE', 'DISPUTE_OPENED', 'DISPUTE_WON', 'DISPUTE_LOST', 'CREDIT_GRANTED', 'CREDIT_APPLIED', 'CREDIT_REFUNDED', 'REVENUE_RECOGNIZED', 'WRITE_OFF');--> statement-breakpoint
CREATE TYPE "billing"."journal_source_type" AS ENUM('INVOICE', 'CREDIT_NOTE', 'PAYMENT', 'REFUND', 'DISPUTE', 'CLIENT_CREDIT');--> statement-breakpoint
CREATE TYPE "billing"."system_account" AS ENUM('ACCOUNTS_RECEIVABLE', 'CASH_CLEARING', 'TAX_PAYABLE', 'CLIENT_CREDIT', 'UNEARNED_REVENUE', 'REVENUE', 'PROCESSOR_FEES', 'WRITE_OFFS', 'ROUNDING');--> statement-breakpoint
CREATE TYPE "billing"."adjustment_reason" AS ENUM('COURTESY', 'INEFFICIENCY', 'FEE_CAP', 'NEGOTIATED', 'PREMIUM', 'CORRECTION', 'OTHER');--> statement-breakpoint
CREATE TYPE "billing"."invoice_line_kind" AS ENUM('TIME', 'SERVICE', 'EXPENSE', 'DISCOUNT');--> statement-breakpoint
CREATE TYPE "billing"."numbered_document" AS ENUM('INVOICE', 'CREDIT_NOTE');--> statement-breakpoint
CREATE TYPE "billing"."time_line_grouping" AS ENUM('PER_ENTRY', 'PER_SERVICE', 'PER_STAFF_AND_SERVICE');--> statement-breakpoint
CREATE TABLE "billing"."accounts" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"type" "billing"."account_type" NOT NULL,
	"system_account" "billing"."system_account",
	"service_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "accounts_service_revenue" CHECK ("billing"."accounts"."service_id" is null or "billing"."accounts"."type" = 'REVENUE')
);
--> statement-breakpoint
ALTER TABLE "billing"."accounts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."journal_entries" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" "billing"."journal_entry_kind" NOT NULL,
	"source_type" "billing"."journal_source_type" NOT NULL,
	"source_id" uuid NOT NULL,
	"accounting_date" date NOT NULL,
	"event_date" date NOT NULL,
	"memo" text,
	"posted_by_id" uuid,
	"posted_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"posted_xact" bigint DEFAULT txid_current() NOT NULL,
	CONSTRAINT "journal_entries_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "journal_entries_event_date" CHECK ("billing"."journal_entries"."event_date" <= "billing"."journal_entries"."accounting_date")
);
--> statement-breakpoint
ALTER TABLE "billing"."journal_entries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."journal_lines" (
	"firm_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"line_no" smallint NOT NULL,
	"account_id" uuid NOT NULL,
	"accounting_date" date NOT NULL,
	"debit_minor" bigint NOT NULL,
	"credit_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"client_id" uuid,
	"invoice_id" uuid,
	"memo" text,
	CONSTRAINT "journal_lines_firm_id_entry_id_line_no_pk" PRIMARY KEY("firm_id","entry_id","line_no"),
	CONSTRAINT "journal_lines_one_side" CHECK (("billing"."journal_lines"."debit_minor" > 0 and "billing"."journal_lines"."credit_minor" = 0) or ("billing"."journal_lines"."credit_minor" > 0 and "billing"."journal_lines"."debit_minor" = 0)),
	CONSTRAINT "journal_lines_currency_iso4217" CHECK ("billing"."journal_lines"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."period_locks" (
	"firm_id" uuid PRIMARY KEY NOT NULL,
	"lock_date" date,
	"hard_lock_date" date,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "period_locks_hard_within" CHECK ("billing"."period_locks"."hard_lock_date" is null or "billing"."period_locks"."lock_date" >= "billing"."period_locks"."hard_lock_date")
);
--> statement-breakpoint
ALTER TABLE "billing"."period_locks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."client_billing_profiles" (
	"firm_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"billing_address" text,
	"tax_id" text,
	"payment_terms" "billing"."payment_terms",
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_billing_profiles_firm_id_client_id_pk" PRIMARY KEY("firm_id","client_id")
);
--> statement-breakpoint
ALTER TABLE "billing"."client_billing_profiles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."credit_notes" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"number" text NOT NULL,
	"currency" text NOT NULL,
	"issue_date" date NOT NULL,
	"reason" text NOT NULL,
	"lines" jsonb NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"tax_minor" bigint NOT NULL,
	"total_minor" bigint NOT NULL,
	"applied_minor" bigint NOT NULL,
	"to_credit_minor" bigint NOT NULL,
	"seller" jsonb NOT NULL,
	"bill_to" jsonb NOT NULL,
	"pdf_sha256" text NOT NULL,
	"issued_by_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_notes_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "credit_notes_amounts" CHECK ("billing"."credit_notes"."total_minor" > 0 and "billing"."credit_notes"."tax_minor" >= 0 and "billing"."credit_notes"."applied_minor" >= 0 and "billing"."credit_notes"."to_credit_minor" >= 0 and "billing"."credit_notes"."applied_minor" + "billing"."credit_notes"."to_credit_minor" = "billing"."credit_notes"."total_minor")
);
--> statement-breakpoint
ALTER TABLE "billing"."credit_notes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."document_counters" (
	"firm_id" uuid NOT NULL,
	"document" "billing"."numbered_document" NOT NULL,
	"year" smallint NOT NULL,
	"last_value" integer NOT NULL,
	CONSTRAINT "document_counters_firm_id_document_year_pk" PRIMARY KEY("firm_id","document","year"),
	CONSTRAINT "document_counters_positive" CHECK ("billing"."document_counters"."last_value" > 0)
);
--> statement-breakpoint
ALTER TABLE "billing"."document_counters" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."idempotency_keys" (
	"firm_id" uuid NOT NULL,
	"operation" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"result_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_firm_id_operation_key_pk" PRIMARY KEY("firm_id","operation","key")
);
--> statement-breakpoint
ALTER TABLE "billing"."idempotency_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."invoice_line_taxes" (
	"firm_id" uuid NOT NULL,
	"line_id" uuid NOT NULL,
	"tax_rate_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"name" text NOT NULL,
	"rate_basis_points" integer NOT NULL,
	"inclusive" boolean NOT NULL,
	"tax_minor" bigint NOT NULL,
	CONSTRAINT "invoice_line_taxes_firm_id_line_id_tax_rate_id_pk" PRIMARY KEY("firm_id","line_id","tax_rate_id")
);
--> statement-breakpoint
ALTER TABLE "billing"."invoice_line_taxes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."invoice_lines" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" "billing"."invoice_line_kind" NOT NULL,
	"description" text NOT NULL,
	"service_id" uuid,
	"user_id" uuid,
	"engagement_id" uuid,
	"minutes" integer,
	"quantity" numeric(14, 4) NOT NULL,
	"unit_amount_minor" bigint,
	"standard_minor" bigint NOT NULL,
	"amount_minor" bigint NOT NULL,
	"adjustment_reason" "billing"."adjustment_reason",
	"adjustment_note" text,
	"tax_minor" bigint DEFAULT 0 NOT NULL,
	"exclusive_tax_minor" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "invoice_lines_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "invoice_lines_minutes" CHECK (("billing"."invoice_lines"."kind" = 'TIME') = ("billing"."invoice_lines"."minutes" is not null)),
	CONSTRAINT "invoice_lines_sign" CHECK (case when "billing"."invoice_lines"."kind" = 'DISCOUNT' then "billing"."invoice_lines"."amount_minor" <= 0 and "billing"."invoice_lines"."standard_minor" <= 0
        else "billing"."invoice_lines"."amount_minor" >= 0 and "billing"."invoice_lines"."standard_minor" >= 0 end),
	CONSTRAINT "invoice_lines_adjustment" CHECK (("billing"."invoice_lines"."amount_minor" = "billing"."invoice_lines"."standard_minor") or "billing"."invoice_lines"."adjustment_reason" is not null),
	CONSTRAINT "invoice_lines_tax" CHECK ("billing"."invoice_lines"."exclusive_tax_minor" between 0 and "billing"."invoice_lines"."tax_minor" or ("billing"."invoice_lines"."kind" = 'DISCOUNT' and "billing"."invoice_lines"."exclusive_tax_minor" between "billing"."invoice_lines"."tax_minor" and 0))
);
--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."invoice_settings" (
	"firm_id" uuid PRIMARY KEY NOT NULL,
	"seller_name" text,
	"seller_address" text,
	"seller_tax_id" text,
	"invoice_number_format" text DEFAULT 'INV-{YYYY}-{SEQ:5}' NOT NULL,
	"credit_note_number_format" text DEFAULT 'CN-{YYYY}-{SEQ:5}' NOT NULL,
	"payment_terms" "billing"."payment_terms" DEFAULT 'NET_30' NOT NULL,
	"time_line_grouping" "billing"."time_line_grouping" DEFAULT 'PER_SERVICE' NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "billing"."invoice_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."invoice_time_entries" (
	"firm_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"line_id" uuid NOT NULL,
	"time_entry_id" uuid NOT NULL,
	"released_at" timestamp (3) with time zone,
	CONSTRAINT "invoice_time_entries_firm_id_line_id_time_entry_id_pk" PRIMARY KEY("firm_id","line_id","time_entry_id")
);
--> statement-breakpoint
ALTER TABLE "billing"."invoice_time_entries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing"."tax_rates" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"rate_basis_points" integer NOT NULL,
	"inclusive" boolean NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tax_rates_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "tax_rates_range" CHECK ("billing"."tax_rates"."rate_basis_points" between 0 and 10000)
);
--> statement-breakpoint
ALTER TABLE "billing"."tax_rates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" DROP CONSTRAINT "invoices_amounts_valid";--> statement-breakpoint
DROP INDEX "billing"."invoices_firm_client_open_idx";--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "payment_terms" "billing"."payment_terms" DEFAULT 'NET_30' NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "subtotal_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "tax_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "amount_credited_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "amount_due_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "memo" text;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "internal_note" text;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "seller" jsonb;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "bill_to" jsonb;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "pdf_sha256" text;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "created_by_id" uuid;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "issued_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "issued_by_id" uuid;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "voided_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "voided_by_id" uuid;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" ADD CONSTRAINT "journal_lines_firm_id_entry_id_journal_entries_firm_id_id_fk" FOREIGN KEY ("firm_id","entry_id") REFERENCES "billing"."journal_entries"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" ADD CONSTRAINT "journal_lines_firm_id_account_id_accounts_firm_id_id_fk" FOREIGN KEY ("firm_id","account_id") REFERENCES "billing"."accounts"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."credit_notes" ADD CONSTRAINT "credit_notes_firm_id_invoice_id_invoices_firm_id_id_fk" FOREIGN KEY ("firm_id","invoice_id") REFERENCES "billing"."invoices"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."invoice_line_taxes" ADD CONSTRAINT "invoice_line_taxes_firm_id_line_id_invoice_lines_firm_id_id_fk" FOREIGN KEY ("firm_id","line_id") REFERENCES "billing"."invoice_lines"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."invoice_line_taxes" ADD CONSTRAINT "invoice_line_taxes_firm_id_tax_rate_id_tax_rates_firm_id_id_fk" FOREIGN KEY ("firm_id","tax_rate_id") REFERENCES "billing"."tax_rates"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" ADD CONSTRAINT "invoice_lines_firm_id_invoice_id_invoices_firm_id_id_fk" FOREIGN KEY ("firm_id","invoice_id") REFERENCES "billing"."invoices"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing"."invoice_time_entries" ADD CONSTRAINT "invoice_time_entries_firm_id_line_id_invoice_lines_firm_id_id_fk" FOREIGN KEY ("firm_id","line_id") REFERENCES "billing"."invoice_lines"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_firm_code_key" ON "billing"."accounts" USING btree ("firm_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_firm_system_key" ON "billing"."accounts" USING btree ("firm_id","system_account") WHERE "billing"."accounts"."system_account" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_firm_service_key" ON "billing"."accounts" USING btree ("firm_id","service_id") WHERE "billing"."accounts"."service_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "journal_entries_source_kind_key" ON "billing"."journal_entries" USING btree ("firm_id","source_type","source_id","kind");--> statement-breakpoint
CREATE INDEX "journal_entries_firm_date_idx" ON "billing"."journal_entries" USING btree ("firm_id","accounting_date","id");--> statement-breakpoint
CREATE INDEX "journal_lines_account_client_idx" ON "billing"."journal_lines" USING btree ("firm_id","account_id","client_id","currency","accounting_date","debit_minor","credit_minor");--> statement-breakpoint
CREATE INDEX "journal_lines_invoice_idx" ON "billing"."journal_lines" USING btree ("firm_id","invoice_id","account_id","debit_minor","credit_minor") WHERE "billing"."journal_lines"."invoice_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_notes_firm_number_key" ON "billing"."credit_notes" USING btree ("firm_id","number");--> statement-breakpoint
CREATE INDEX "credit_notes_invoice_idx" ON "billing"."credit_notes" USING btree ("firm_id","invoice_id");--> statement-breakpoint
CREATE INDEX "credit_notes_firm_issue_date_idx" ON "billing"."credit_notes" USING btree ("firm_id","issue_date","id");--> statement-breakpoint
CREATE INDEX "invoice_line_taxes_invoice_idx" ON "billing"."invoice_line_taxes" USING btree ("firm_id","invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_lines_position_key" ON "billing"."invoice_lines" USING btree ("firm_id","invoice_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_time_entries_live_key" ON "billing"."invoice_time_entries" USING btree ("firm_id","time_entry_id") WHERE "billing"."invoice_time_entries"."released_at" is null;--> statement-breakpoint
CREATE INDEX "invoice_time_entries_invoice_idx" ON "billing"."invoice_time_entries" USING btree ("firm_id","invoice_id");--> statement-breakpoint
CREATE INDEX "invoices_firm_issue_date_idx" ON "billing"."invoices" USING btree ("firm_id","issue_date","id") WHERE "billing"."invoices"."status" <> 'DRAFT';--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_void_reason" CHECK ("billing"."invoices"."status" <> 'VOID' or ("billing"."invoices"."void_reason" is not null and "billing"."invoices"."voided_at" is not null));--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_amounts_valid" CHECK ("billing"."invoices"."total_minor" >= 0 and "billing"."invoices"."amount_paid_minor" >= 0 and "billing"."invoices"."amount_credited_minor" between 0 and "billing"."invoices"."total_minor"
        and "billing"."invoices"."amount_due_minor" between 0 and "billing"."invoices"."total_minor" and "billing"."invoices"."tax_minor" >= 0);--> statement-breakpoint
CREATE POLICY "accounts_tenant_isolation" ON "billing"."accounts" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "journal_entries_tenant_isolation" ON "billing"."journal_entries" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "journal_lines_tenant_isolation" ON "billing"."journal_lines" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "period_locks_tenant_isolation" ON "billing"."period_locks" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "client_billing_profiles_tenant_isolation" ON "billing"."client_billing_profiles" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "credit_notes_tenant_isolation" ON "billing"."credit_notes" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "document_counters_tenant_isolation" ON "billing"."document_counters" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "idempotency_keys_tenant_isolation" ON "billing"."idempotency_keys" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "invoice_line_taxes_tenant_isolation" ON "billing"."invoice_line_taxes" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "invoice_lines_tenant_isolation" ON "billing"."invoice_lines" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "invoice_settings_tenant_isolation" ON "billing"."invoice_settings" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "invoice_time_entries_tenant_isolation" ON "billing"."invoice_time_entries" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tax_rates_tenant_isolation" ON "billing"."tax_rates" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);
