-- Brings what existed before invoicing into the journal's rules: every firm opens its books
-- (billing.open_books), and every invoice written before lines and the journal existed gets one
-- SERVICE line for its total, the seller and client printed on it, and its journal entries, so its
-- amount due equals its receivable: INVOICE_ISSUED on its issue date (receivable debited, revenue
-- credited) and, for what was recorded as paid, PAYMENT_RECEIVED into cash clearing on the same date.
-- As the owner, without the tenant policies for the length of this migration (each row keeps its
-- own firm_id), and with the issued-invoice triggers paused, since these invoices are completed
-- here rather than changed; the balance and amount-due checks run before the policies return.
ALTER TABLE "tenancy"."firms" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."clients" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."accounts" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."period_locks" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_entries" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" DISABLE TRIGGER "invoices_issued_immutable";--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" DISABLE TRIGGER "invoice_lines_draft_only_insert";--> statement-breakpoint

SELECT billing.open_books(f.id) FROM tenancy.firms f;--> statement-breakpoint

UPDATE billing.invoices i SET
  subtotal_minor = i.total_minor,
  seller = jsonb_build_object('name', f.name, 'addressLines', '[]'::jsonb, 'taxId', null),
  bill_to = jsonb_build_object('name', c.name, 'addressLines', '[]'::jsonb, 'taxId', null),
  amount_due_minor = CASE WHEN i.status IN ('OPEN', 'PAID') THEN i.total_minor - i.amount_paid_minor ELSE 0 END
FROM tenancy.firms f, crm.clients c
WHERE f.id = i.firm_id AND c.firm_id = i.firm_id AND c.id = i.client_id;--> statement-breakpoint

INSERT INTO billing.invoice_lines (firm_id, id, invoice_id, position, kind, description, quantity,
  unit_amount_minor, standard_minor, amount_minor)
SELECT i.firm_id, billing.uuid_v7(), i.id, 1, 'SERVICE', 'Professional services', 1, i.total_minor, i.total_minor, i.total_minor
FROM billing.invoices i WHERE i.total_minor > 0;--> statement-breakpoint

WITH issued AS (
  SELECT i.*, billing.uuid_v7() AS entry_id FROM billing.invoices i
  WHERE i.status IN ('OPEN', 'PAID', 'VOID') AND i.total_minor > 0
), entries AS (
  INSERT INTO billing.journal_entries (firm_id, id, kind, source_type, source_id, accounting_date, event_date, memo)
  SELECT firm_id, entry_id, 'INVOICE_ISSUED', 'INVOICE', id, issue_date, issue_date, 'Invoice ' || number FROM issued
)
INSERT INTO billing.journal_lines (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor, credit_minor,
  currency, client_id, invoice_id)
SELECT s.firm_id, s.entry_id, l.line_no, a.id, s.issue_date, l.debit, l.credit, s.currency, s.client_id, s.id
FROM issued s
CROSS JOIN LATERAL (VALUES (1, 'ACCOUNTS_RECEIVABLE', s.total_minor, 0::bigint), (2, 'REVENUE', 0::bigint, s.total_minor))
  AS l(line_no, account, debit, credit)
JOIN billing.accounts a ON a.firm_id = s.firm_id AND a.system_account = l.account::billing.system_account;--> statement-breakpoint

WITH paid AS (
  SELECT i.*, billing.uuid_v7() AS entry_id, billing.uuid_v7() AS payment_id FROM billing.invoices i
  WHERE i.status IN ('OPEN', 'PAID') AND i.amount_paid_minor > 0
), entries AS (
  INSERT INTO billing.journal_entries (firm_id, id, kind, source_type, source_id, accounting_date, event_date, memo)
  SELECT firm_id, entry_id, 'PAYMENT_RECEIVED', 'PAYMENT', payment_id, issue_date, issue_date,
    'Payment recorded before the journal, invoice ' || number FROM paid
)
INSERT INTO billing.journal_lines (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor, credit_minor,
  currency, client_id, invoice_id)
SELECT s.firm_id, s.entry_id, l.line_no, a.id, s.issue_date, l.debit, l.credit, s.currency, s.client_id, s.id
FROM paid s
CROSS JOIN LATERAL (VALUES (1, 'CASH_CLEARING', s.amount_paid_minor, 0::bigint), (2, 'ACCOUNTS_RECEIVABLE', 0::bigint, s.amount_paid_minor))
  AS l(line_no, account, debit, credit)
JOIN billing.accounts a ON a.firm_id = s.firm_id AND a.system_account = l.account::billing.system_account;--> statement-breakpoint

-- Run the commit-time checks (balanced entries, amount due = receivable) now, while the rows are visible.
SET CONSTRAINTS ALL IMMEDIATE;--> statement-breakpoint
SET CONSTRAINTS ALL DEFERRED;--> statement-breakpoint
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_issued_complete" CHECK ("billing"."invoices"."status" = 'DRAFT' or ("billing"."invoices"."issue_date" is not null and "billing"."invoices"."due_date" is not null and "billing"."invoices"."seller" is not null
        and "billing"."invoices"."bill_to" is not null));--> statement-breakpoint
ALTER TABLE "billing"."invoices" ENABLE TRIGGER "invoices_issued_immutable";--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" ENABLE TRIGGER "invoice_lines_draft_only_insert";--> statement-breakpoint
ALTER TABLE "tenancy"."firms" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."clients" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."period_locks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_entries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" FORCE ROW LEVEL SECURITY;
