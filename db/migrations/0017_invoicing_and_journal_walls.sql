-- The walls of invoicing and the journal (README "Invoicing and the journal"): forced tenant
-- policies, the billing role's privileges, and the accounting rules PostgreSQL itself holds, for
-- every role, the owner included:
--   * every journal entry balances per currency, checked at commit; lines join only an entry of
--     their own transaction, so no later insert can unbalance a committed entry;
--   * journal entries and lines are append-only, and one entry per (source, kind);
--   * no entry is dated on or before the firm's period lock, and the lock only moves forward
--     (except by reopenPeriod); the hard lock never moves back;
--   * an issued invoice's number, parties, dates, terms, lines and amounts never change, and its
--     amount due always equals its receivable in the journal;
--   * credit notes are immutable; system accounts cannot be deleted.
ALTER TABLE "billing"."accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_entries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."journal_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."period_locks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."client_billing_profiles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."credit_notes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."document_counters" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."idempotency_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_line_taxes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoice_time_entries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."tax_rates" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "billing"."journal_entries", "billing"."journal_lines",
  "billing"."credit_notes", "billing"."idempotency_keys" FROM firmgraph_billing;--> statement-breakpoint
REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON "billing"."period_locks", "billing"."document_counters" FROM firmgraph_billing;--> statement-breakpoint

-- UUIDv7 (RFC 9562 §5.7) for rows the database makes itself: 48 bits of Unix milliseconds, then
-- random bits, with the version set to 7. PostgreSQL 18 has uuidv7(); FirmGraph supports 15.
CREATE FUNCTION "billing"."uuid_v7"() RETURNS uuid
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."uuid_v7"() FROM PUBLIC;--> statement-breakpoint

-- The books a firm opens with: its system accounts (codes in the usual chart ranges: 1xxx assets,
-- 2xxx liabilities, 4xxx revenue, 6xxx expenses) and its period-lock row, which every posting locks
-- FOR SHARE so that closing a period waits for postings in flight. Idempotent.
CREATE FUNCTION "billing"."open_books"(firm uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO billing.accounts (firm_id, id, code, name, type, system_account)
  SELECT firm, billing.uuid_v7(), a.code, a.name, a.type::billing.account_type, a.system_account::billing.system_account
  FROM (VALUES
    ('1100', 'Accounts receivable', 'ASSET', 'ACCOUNTS_RECEIVABLE'),
    ('1200', 'Cash clearing (payment processor)', 'ASSET', 'CASH_CLEARING'),
    ('2100', 'Tax payable', 'LIABILITY', 'TAX_PAYABLE'),
    ('2200', 'Client credit', 'LIABILITY', 'CLIENT_CREDIT'),
    ('2300', 'Unearned revenue (retainers)', 'LIABILITY', 'UNEARNED_REVENUE'),
    ('4000', 'Revenue', 'REVENUE', 'REVENUE'),
    ('6100', 'Write-offs', 'EXPENSE', 'WRITE_OFFS'),
    ('6200', 'Payment processor fees', 'EXPENSE', 'PROCESSOR_FEES'),
    ('6900', 'Rounding', 'EXPENSE', 'ROUNDING')
  ) AS a(code, name, type, system_account)
  ON CONFLICT DO NOTHING;
  INSERT INTO billing.period_locks (firm_id) VALUES (firm) ON CONFLICT DO NOTHING;
$$;--> statement-breakpoint
COMMENT ON FUNCTION "billing"."open_books"(uuid) IS
  'Creates a firm''s system accounts and its period-lock row (idempotent); runs as a firm is created, inside its transaction (app.firm_id is the new firm).';--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."open_books"(uuid) FROM PUBLIC;--> statement-breakpoint
CREATE FUNCTION "billing"."open_books_for_new_firm"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM billing.open_books(NEW.id);
  RETURN NULL;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."open_books_for_new_firm"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "firms_open_books" AFTER INSERT ON "tenancy"."firms"
  FOR EACH ROW EXECUTE FUNCTION "billing"."open_books_for_new_firm"();--> statement-breakpoint

-- System accounts stay: they cannot be deleted, nor lose or change their role.
CREATE FUNCTION "billing"."accounts_keep_system"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF OLD.system_account IS NOT NULL AND (TG_OP = 'DELETE'
      OR NEW.system_account IS DISTINCT FROM OLD.system_account OR NEW.type IS DISTINCT FROM OLD.type) THEN
    RAISE EXCEPTION 'System account % (%) cannot be deleted or change its role', OLD.code, OLD.system_account
      USING ERRCODE = 'check_violation', CONSTRAINT = 'accounts_system_kept';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;--> statement-breakpoint
CREATE TRIGGER "accounts_keep_system" BEFORE UPDATE OR DELETE ON "billing"."accounts"
  FOR EACH ROW EXECUTE FUNCTION "billing"."accounts_keep_system"();--> statement-breakpoint

-- Append-only records: UPDATE, DELETE and TRUNCATE refused to everyone, the owner included.
CREATE FUNCTION "billing"."refuse_change"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'billing.% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "journal_entries_append_only" BEFORE UPDATE OR DELETE ON "billing"."journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_entries_no_truncate" BEFORE TRUNCATE ON "billing"."journal_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_lines_append_only" BEFORE UPDATE OR DELETE ON "billing"."journal_lines"
  FOR EACH ROW EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_lines_no_truncate" BEFORE TRUNCATE ON "billing"."journal_lines"
  FOR EACH STATEMENT EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "credit_notes_append_only" BEFORE UPDATE OR DELETE ON "billing"."credit_notes"
  FOR EACH ROW EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "credit_notes_no_truncate" BEFORE TRUNCATE ON "billing"."credit_notes"
  FOR EACH STATEMENT EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "idempotency_keys_append_only" BEFORE UPDATE ON "billing"."idempotency_keys"
  FOR EACH ROW EXECUTE FUNCTION "billing"."refuse_change"();--> statement-breakpoint

-- A new entry: stamped with its transaction and time (whatever the insert says), and refused when
-- its accounting date is on or before the firm's lock. The lock row is read FOR SHARE: postings run
-- side by side, while closePeriod's UPDATE waits for them, and a posting after it sees the new lock.
CREATE FUNCTION "billing"."journal_entry_admit"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  locked_through date;
BEGIN
  NEW.posted_xact := txid_current();
  NEW.posted_at := clock_timestamp();
  SELECT greatest(p.lock_date, p.hard_lock_date) INTO locked_through
  FROM billing.period_locks p WHERE p.firm_id = NEW.firm_id FOR SHARE;
  IF locked_through IS NOT NULL AND NEW.accounting_date <= locked_through THEN
    RAISE EXCEPTION 'The period through % is closed: no journal entry may be dated %', locked_through, NEW.accounting_date
      USING ERRCODE = 'check_violation', CONSTRAINT = 'period_locked', SCHEMA = 'billing', TABLE = 'journal_entries';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "journal_entries_admit" BEFORE INSERT ON "billing"."journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "billing"."journal_entry_admit"();--> statement-breakpoint

-- Lines join only an entry posted in their own transaction, on its accounting date.
CREATE FUNCTION "billing"."journal_lines_admit"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (
    SELECT FROM new_rows n JOIN billing.journal_entries e ON e.firm_id = n.firm_id AND e.id = n.entry_id
    WHERE e.posted_xact <> txid_current() OR e.accounting_date <> n.accounting_date
  ) THEN
    RAISE EXCEPTION 'Journal lines may be added only to an entry posted in the same transaction, on its accounting date'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_lines_same_posting';
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "journal_lines_admit" AFTER INSERT ON "billing"."journal_lines"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."journal_lines_admit"();--> statement-breakpoint

-- At commit, each new entry has at least two lines and its debits equal its credits in every currency.
CREATE FUNCTION "billing"."journal_entry_balanced"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  line_count integer;
  unbalanced record;
BEGIN
  SELECT count(*) INTO line_count FROM billing.journal_lines l WHERE l.firm_id = NEW.firm_id AND l.entry_id = NEW.id;
  IF line_count < 2 THEN
    RAISE EXCEPTION 'Journal entry % has % line(s); an entry needs at least two', NEW.id, line_count
      USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced', SCHEMA = 'billing', TABLE = 'journal_entries';
  END IF;
  SELECT l.currency, sum(l.debit_minor) AS debits, sum(l.credit_minor) AS credits INTO unbalanced
  FROM billing.journal_lines l WHERE l.firm_id = NEW.firm_id AND l.entry_id = NEW.id
  GROUP BY l.currency HAVING sum(l.debit_minor) <> sum(l.credit_minor) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Journal entry % does not balance in %: debits % and credits %', NEW.id, unbalanced.currency,
      unbalanced.debits, unbalanced.credits
      USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced', SCHEMA = 'billing', TABLE = 'journal_entries';
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "journal_entries_balanced" AFTER INSERT ON "billing"."journal_entries"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "billing"."journal_entry_balanced"();--> statement-breakpoint

-- The period lock moves forward only; it moves back only inside reopenPeriod's transaction, which
-- sets app.period_reopen, and never below the hard lock. The hard lock never moves back.
CREATE FUNCTION "billing"."period_locks_forward"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF OLD.hard_lock_date IS NOT NULL AND (NEW.hard_lock_date IS NULL OR NEW.hard_lock_date < OLD.hard_lock_date) THEN
    RAISE EXCEPTION 'The hard lock through % can never be moved back', OLD.hard_lock_date
      USING ERRCODE = 'check_violation', CONSTRAINT = 'period_locks_hard_forward';
  END IF;
  IF OLD.lock_date IS NOT NULL AND (NEW.lock_date IS NULL OR NEW.lock_date < OLD.lock_date)
      AND coalesce(current_setting('app.period_reopen', true), '') <> 'on' THEN
    RAISE EXCEPTION 'The period lock through % moves back only by reopenPeriod', OLD.lock_date
      USING ERRCODE = 'check_violation', CONSTRAINT = 'period_locks_forward';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "period_locks_forward" BEFORE UPDATE ON "billing"."period_locks"
  FOR EACH ROW EXECUTE FUNCTION "billing"."period_locks_forward"();--> statement-breakpoint

-- Time dated in a closed period cannot be recorded, edited, approved or deleted. Invoicing may still
-- bill it and a void may return it (APPROVED ↔ BILLED, nothing else changed): old time is billed in
-- open periods. One check per statement, over its transition tables.
CREATE FUNCTION "billing"."time_entries_period_lock"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  locked record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT n.work_date, greatest(p.lock_date, p.hard_lock_date) AS through INTO locked
    FROM new_rows n JOIN billing.period_locks p ON p.firm_id = n.firm_id
    WHERE n.work_date <= greatest(p.lock_date, p.hard_lock_date) LIMIT 1;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT o.work_date, greatest(p.lock_date, p.hard_lock_date) AS through INTO locked
    FROM old_rows o JOIN billing.period_locks p ON p.firm_id = o.firm_id
    WHERE o.work_date <= greatest(p.lock_date, p.hard_lock_date) LIMIT 1;
  ELSE
    SELECT least(n.work_date, o.work_date) AS work_date, greatest(p.lock_date, p.hard_lock_date) AS through INTO locked
    FROM new_rows n JOIN old_rows o ON o.firm_id = n.firm_id AND o.id = n.id
    JOIN billing.period_locks p ON p.firm_id = n.firm_id
    WHERE least(n.work_date, o.work_date) <= greatest(p.lock_date, p.hard_lock_date)
      AND NOT ((o.status, n.status) IN (('APPROVED', 'BILLED'), ('BILLED', 'APPROVED'))
               AND to_jsonb(n) - 'status' - 'updated_at' = to_jsonb(o) - 'status' - 'updated_at')
    LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'The period through % is closed: time dated % cannot change', locked.through, locked.work_date
      USING ERRCODE = 'check_violation', CONSTRAINT = 'period_locked', SCHEMA = 'billing', TABLE = 'time_entries';
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "time_entries_period_lock_insert" AFTER INSERT ON "billing"."time_entries"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."time_entries_period_lock"();--> statement-breakpoint
CREATE TRIGGER "time_entries_period_lock_update" AFTER UPDATE ON "billing"."time_entries"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."time_entries_period_lock"();--> statement-breakpoint
CREATE TRIGGER "time_entries_period_lock_delete" AFTER DELETE ON "billing"."time_entries"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."time_entries_period_lock"();--> statement-breakpoint

-- An issued invoice: the number, parties, dates, terms and amounts never change and it is never
-- deleted; it never returns to DRAFT; a VOID invoice never changes again. Status, the paid, credited
-- and due amounts, the void fields and the staff-only note may move, and the amount due is held to
-- the journal at commit (invoices_amount_due_journal below).
CREATE FUNCTION "billing"."invoices_issued_immutable"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF OLD.status = 'DRAFT' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'Issued invoice % cannot be deleted; void it or issue a credit note', OLD.number
      USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable', SCHEMA = 'billing', TABLE = 'invoices';
  END IF;
  IF NEW.status = 'DRAFT' OR OLD.status = 'VOID'
     OR (NEW.firm_id, NEW.id, NEW.client_id, NEW.number, NEW.currency, NEW.payment_terms, NEW.subtotal_minor,
         NEW.tax_minor, NEW.total_minor, NEW.issue_date, NEW.due_date, NEW.memo, NEW.seller, NEW.bill_to,
         NEW.pdf_sha256, NEW.created_at, NEW.created_by_id, NEW.issued_at, NEW.issued_by_id)
        IS DISTINCT FROM
        (OLD.firm_id, OLD.id, OLD.client_id, OLD.number, OLD.currency, OLD.payment_terms, OLD.subtotal_minor,
         OLD.tax_minor, OLD.total_minor, OLD.issue_date, OLD.due_date, OLD.memo, OLD.seller, OLD.bill_to,
         OLD.pdf_sha256, OLD.created_at, OLD.created_by_id, OLD.issued_at, OLD.issued_by_id) THEN
    RAISE EXCEPTION 'Issued invoice % cannot change; void it or issue a credit note', OLD.number
      USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable', SCHEMA = 'billing', TABLE = 'invoices';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "invoices_issued_immutable" BEFORE UPDATE OR DELETE ON "billing"."invoices"
  FOR EACH ROW EXECUTE FUNCTION "billing"."invoices_issued_immutable"();--> statement-breakpoint

-- At commit, an issued invoice's amount due equals its receivable in the journal (the debits minus
-- the credits of ACCOUNTS_RECEIVABLE lines carrying the invoice), whenever either side moved.
CREATE FUNCTION "billing"."invoice_amount_due_matches_journal"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  target uuid;
  due bigint;
  receivable bigint;
BEGIN
  IF TG_TABLE_NAME = 'invoices' THEN
    target := NEW.id;
  ELSE
    target := NEW.invoice_id;
  END IF;
  SELECT i.amount_due_minor INTO due FROM billing.invoices i
  WHERE i.firm_id = NEW.firm_id AND i.id = target AND i.status <> 'DRAFT';
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(sum(l.debit_minor - l.credit_minor), 0) INTO receivable
  FROM billing.journal_lines l
  JOIN billing.accounts a ON a.firm_id = l.firm_id AND a.id = l.account_id AND a.system_account = 'ACCOUNTS_RECEIVABLE'
  WHERE l.firm_id = NEW.firm_id AND l.invoice_id = target;
  IF due <> receivable THEN
    RAISE EXCEPTION 'Invoice %: amount due % differs from its receivable in the journal, %', target, due, receivable
      USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_amount_due_journal', SCHEMA = 'billing', TABLE = 'invoices';
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "invoices_amount_due_journal" AFTER INSERT OR UPDATE ON "billing"."invoices"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status <> 'DRAFT')
  EXECUTE FUNCTION "billing"."invoice_amount_due_matches_journal"();--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "journal_lines_amount_due_journal" AFTER INSERT ON "billing"."journal_lines"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.invoice_id IS NOT NULL)
  EXECUTE FUNCTION "billing"."invoice_amount_due_matches_journal"();--> statement-breakpoint

-- An invoice's lines, their taxes and the time they bill change only while it is a DRAFT; a void
-- may release the time of its invoice (released_at, nothing else). One check per statement.
CREATE FUNCTION "billing"."invoice_parts_draft_only"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  issued text;
  releasing boolean := TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'invoice_time_entries';
BEGIN
  IF TG_OP <> 'DELETE' THEN
    SELECT coalesce(i.number, i.id::text) INTO issued FROM new_rows n
    JOIN billing.invoices i ON i.firm_id = n.firm_id AND i.id = n.invoice_id
    WHERE i.status <> 'DRAFT' AND NOT (releasing AND i.status = 'VOID') LIMIT 1;
  END IF;
  IF issued IS NULL AND TG_OP <> 'INSERT' THEN
    SELECT coalesce(i.number, i.id::text) INTO issued FROM old_rows o
    JOIN billing.invoices i ON i.firm_id = o.firm_id AND i.id = o.invoice_id
    WHERE i.status <> 'DRAFT' AND NOT (releasing AND i.status = 'VOID') LIMIT 1;
  END IF;
  IF issued IS NOT NULL THEN
    RAISE EXCEPTION 'Issued invoice %: its lines cannot change (billing.%: %)', issued, TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable', SCHEMA = 'billing', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "invoice_lines_draft_only_insert" AFTER INSERT ON "billing"."invoice_lines"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_lines_draft_only_update" AFTER UPDATE ON "billing"."invoice_lines"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_lines_draft_only_delete" AFTER DELETE ON "billing"."invoice_lines"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_line_taxes_draft_only_insert" AFTER INSERT ON "billing"."invoice_line_taxes"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_line_taxes_draft_only_update" AFTER UPDATE ON "billing"."invoice_line_taxes"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_line_taxes_draft_only_delete" AFTER DELETE ON "billing"."invoice_line_taxes"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_time_entries_draft_only_insert" AFTER INSERT ON "billing"."invoice_time_entries"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_time_entries_draft_only_update" AFTER UPDATE ON "billing"."invoice_time_entries"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
CREATE TRIGGER "invoice_time_entries_draft_only_delete" AFTER DELETE ON "billing"."invoice_time_entries"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."invoice_parts_draft_only"();--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."accounts_keep_system"(), "billing"."refuse_change"(), "billing"."journal_entry_admit"(),
  "billing"."journal_lines_admit"(), "billing"."journal_entry_balanced"(), "billing"."period_locks_forward"(),
  "billing"."time_entries_period_lock"(), "billing"."invoices_issued_immutable"(),
  "billing"."invoice_amount_due_matches_journal"(), "billing"."invoice_parts_draft_only"() FROM PUBLIC;--> statement-breakpoint

-- What billing reads of crm and tenancy to issue an invoice, through named crossings (README
-- "Database roles"): the clients' names, currencies and status, and the firm's name.
CREATE FUNCTION "crm"."clients_for_billing"(client_ids uuid[])
RETURNS TABLE (client_id uuid, name text, currency text, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id, c.name, c.currency, c.status::text FROM crm.clients c
  WHERE c.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND c.id = ANY (clients_for_billing.client_ids[1:1000])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."clients_for_billing"(uuid[]) IS
  'Name, billing currency and status of clients of the current firm (app.firm_id): billing drafts and issues invoices without reading crm''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."clients_for_billing"(uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."clients_for_billing"(uuid[]) TO firmgraph_billing;--> statement-breakpoint
CREATE FUNCTION "tenancy"."firm_for_billing"()
RETURNS TABLE (name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT f.name FROM tenancy.firms f WHERE f.id = nullif(current_setting('app.firm_id', true), '')::uuid
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."firm_for_billing"() IS
  'The current firm''s (app.firm_id) name: billing prints it as the seller when the firm has not set one.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."firm_for_billing"() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."firm_for_billing"() TO firmgraph_billing;
