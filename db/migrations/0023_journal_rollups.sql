-- Journal rollups for the accounting reports (README "Reports"): what `arAging` and the trial
-- balance read instead of aggregating every journal line of the firm, so their cost follows the
-- open receivables and the number of accounts and months, not the firm's history. Kept by a
-- statement-level trigger on billing.journal_lines in the same statement as every insert (and
-- COPY); lines are append-only, so inserts are the only change. Forced tenant policies; the billing
-- role reads them and writes them only through the trigger.
--
--   * receivable_items: one row per (client, invoice, currency) with ACCOUNTS_RECEIVABLE lines: their
--     balance (debits − credits), the first and last accounting dates, and the invoice's due date
--     (null without an invoice; an issued invoice's due date never changes, and it is set before
--     its first posting). The nil UUID stands for a line without a client or an invoice. An item whose balance is zero and whose last line is on
--     or before a date owes nothing as of that date, so the aging reads only the open items and
--     those with lines after its date.
--   * journal_account_days / journal_account_months: debits and credits per account and currency,
--     per accounting date and per calendar month (the month's first day). A balance as of a date is
--     the whole months before its month plus that month's days up to it: at most a row per account,
--     currency and month, plus 31 days.
CREATE TABLE "billing"."receivable_items" (
  "firm_id" uuid NOT NULL,
  "client_id" uuid NOT NULL,
  "invoice_id" uuid NOT NULL,
  "currency" text NOT NULL,
  "first_date" date NOT NULL,
  "last_date" date NOT NULL,
  "due_date" date,
  "balance_minor" bigint NOT NULL,
  CONSTRAINT "receivable_items_pk" PRIMARY KEY ("firm_id", "client_id", "invoice_id", "currency")
);--> statement-breakpoint
-- The open items in client order (the aging's rows and totals as of today), and the items that moved after a date.
CREATE INDEX "receivable_items_open_idx" ON "billing"."receivable_items" ("firm_id", "client_id", "currency", "invoice_id")
  INCLUDE ("first_date", "last_date", "due_date", "balance_minor") WHERE "balance_minor" <> 0;--> statement-breakpoint
CREATE INDEX "receivable_items_last_date_idx" ON "billing"."receivable_items" ("firm_id", "last_date");--> statement-breakpoint
CREATE TABLE "billing"."journal_account_days" (
  "firm_id" uuid NOT NULL,
  "accounting_date" date NOT NULL,
  "account_id" uuid NOT NULL,
  "currency" text NOT NULL,
  "debit_minor" bigint NOT NULL,
  "credit_minor" bigint NOT NULL,
  CONSTRAINT "journal_account_days_pk" PRIMARY KEY ("firm_id", "accounting_date", "account_id", "currency")
);--> statement-breakpoint
CREATE TABLE "billing"."journal_account_months" (
  "firm_id" uuid NOT NULL,
  "month" date NOT NULL,
  "account_id" uuid NOT NULL,
  "currency" text NOT NULL,
  "debit_minor" bigint NOT NULL,
  "credit_minor" bigint NOT NULL,
  CONSTRAINT "journal_account_months_pk" PRIMARY KEY ("firm_id", "month", "account_id", "currency"),
  CONSTRAINT "journal_account_months_first_day" CHECK ("month" = date_trunc('month', "month")::date)
);--> statement-breakpoint
ALTER TABLE "billing"."receivable_items" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_months" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."receivable_items" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_days" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_months" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "receivable_items_tenant_isolation" ON "billing"."receivable_items" AS PERMISSIVE FOR ALL TO public
  USING ("billing"."receivable_items"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid)
  WITH CHECK ("billing"."receivable_items"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "journal_account_days_tenant_isolation" ON "billing"."journal_account_days" AS PERMISSIVE FOR ALL TO public
  USING ("billing"."journal_account_days"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid)
  WITH CHECK ("billing"."journal_account_days"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "journal_account_months_tenant_isolation" ON "billing"."journal_account_months" AS PERMISSIVE FOR ALL TO public
  USING ("billing"."journal_account_months"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid)
  WITH CHECK ("billing"."journal_account_months"."firm_id" = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
GRANT SELECT ON "billing"."receivable_items", "billing"."journal_account_days", "billing"."journal_account_months"
  TO firmgraph_billing;--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "billing"."receivable_items", "billing"."journal_account_days",
  "billing"."journal_account_months" FROM firmgraph_billing;--> statement-breakpoint

-- One pass per statement over its new lines, however many (an issue's three, or COPY of 100,000). As
-- the owner (SECURITY DEFINER), so the billing role needs no write privilege on the rollups; the
-- owner is bound by the forced tenant policies, so it writes the transaction's firm only.
CREATE FUNCTION "billing"."apply_journal_rollups"()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO billing.receivable_items AS r (firm_id, client_id, invoice_id, currency, first_date, last_date, due_date, balance_minor)
  SELECT n.firm_id, coalesce(n.client_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(n.invoice_id, '00000000-0000-0000-0000-000000000000'), n.currency,
    min(n.accounting_date), max(n.accounting_date), min(v.due_date), sum(n.debit_minor - n.credit_minor)
  FROM new_rows n
  JOIN billing.accounts a ON a.firm_id = n.firm_id AND a.id = n.account_id AND a.system_account = 'ACCOUNTS_RECEIVABLE'
  LEFT JOIN billing.invoices v ON v.firm_id = n.firm_id AND v.id = n.invoice_id
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (firm_id, client_id, invoice_id, currency) DO UPDATE
    SET first_date = least(r.first_date, excluded.first_date), last_date = greatest(r.last_date, excluded.last_date),
        due_date = coalesce(r.due_date, excluded.due_date), balance_minor = r.balance_minor + excluded.balance_minor;

  INSERT INTO billing.journal_account_days AS d (firm_id, accounting_date, account_id, currency, debit_minor, credit_minor)
  SELECT n.firm_id, n.accounting_date, n.account_id, n.currency, sum(n.debit_minor), sum(n.credit_minor)
  FROM new_rows n GROUP BY 1, 2, 3, 4
  ON CONFLICT (firm_id, accounting_date, account_id, currency) DO UPDATE
    SET debit_minor = d.debit_minor + excluded.debit_minor, credit_minor = d.credit_minor + excluded.credit_minor;

  INSERT INTO billing.journal_account_months AS m (firm_id, month, account_id, currency, debit_minor, credit_minor)
  SELECT n.firm_id, date_trunc('month', n.accounting_date)::date, n.account_id, n.currency, sum(n.debit_minor), sum(n.credit_minor)
  FROM new_rows n GROUP BY 1, 2, 3, 4
  ON CONFLICT (firm_id, month, account_id, currency) DO UPDATE
    SET debit_minor = m.debit_minor + excluded.debit_minor, credit_minor = m.credit_minor + excluded.credit_minor;
  RETURN NULL;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."apply_journal_rollups"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "journal_lines_rollups" AFTER INSERT ON "billing"."journal_lines"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."apply_journal_rollups"();--> statement-breakpoint

-- Rebuilds the rollups from the lines, set-based: for this migration (a database migrated with a
-- journal in it) and for bulk loads that disable the trigger (scripts/seed-large). SECURITY INVOKER
-- and granted to nobody: it needs a caller that sees every firm's rows (a superuser, or the owner
-- here, with the forced policies lifted inside this migration's transaction).
CREATE FUNCTION "billing"."rebuild_journal_rollups"()
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  DELETE FROM billing.receivable_items;
  DELETE FROM billing.journal_account_days;
  DELETE FROM billing.journal_account_months;
  INSERT INTO billing.receivable_items (firm_id, client_id, invoice_id, currency, first_date, last_date, due_date, balance_minor)
  SELECT l.firm_id, coalesce(l.client_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(l.invoice_id, '00000000-0000-0000-0000-000000000000'), l.currency,
    min(l.accounting_date), max(l.accounting_date), min(v.due_date), sum(l.debit_minor - l.credit_minor)
  FROM billing.journal_lines l
  JOIN billing.accounts a ON a.firm_id = l.firm_id AND a.id = l.account_id AND a.system_account = 'ACCOUNTS_RECEIVABLE'
  LEFT JOIN billing.invoices v ON v.firm_id = l.firm_id AND v.id = l.invoice_id
  GROUP BY 1, 2, 3, 4;
  INSERT INTO billing.journal_account_days (firm_id, accounting_date, account_id, currency, debit_minor, credit_minor)
  SELECT firm_id, accounting_date, account_id, currency, sum(debit_minor), sum(credit_minor)
  FROM billing.journal_lines GROUP BY 1, 2, 3, 4;
  INSERT INTO billing.journal_account_months (firm_id, month, account_id, currency, debit_minor, credit_minor)
  SELECT firm_id, date_trunc('month', accounting_date)::date, account_id, currency, sum(debit_minor), sum(credit_minor)
  FROM billing.journal_lines GROUP BY 1, 2, 3, 4;
$$;--> statement-breakpoint
COMMENT ON FUNCTION "billing"."rebuild_journal_rollups"() IS
  'Rebuilds billing.receivable_items, journal_account_days and journal_account_months from billing.journal_lines: after a bulk load with the rollup trigger disabled.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."rebuild_journal_rollups"() FROM PUBLIC;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."accounts" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."receivable_items" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_days" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_months" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
SELECT "billing"."rebuild_journal_rollups"();--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."receivable_items" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_days" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_account_months" FORCE ROW LEVEL SECURITY;
