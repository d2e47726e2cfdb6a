import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../../db/client.ts';
import {
  invoices,
  type InvoiceRow,
  type InvoiceStatusValue,
  type PaymentTermsValue,
} from '../../../db/schema/billing.ts';
import {
  clientBillingProfiles,
  creditNotes,
  invoiceLines,
  invoiceLineTaxes,
  invoiceTimeEntries,
  type CreditNoteRow,
  type InvoiceLineRow,
  type InvoiceLineTaxRow,
} from '../../../db/schema/invoicing.ts';
import { getInvoiceSettings, type InvoiceSettingsModel } from '../ledger/ledger-store.ts';

/** The firm's invoices with these ids; unknown ids are simply absent. */
export async function getInvoicesByIds(
  tx: Tx,
  { firmId, invoiceIds }: { firmId: string; invoiceIds: readonly string[] },
): Promise<InvoiceRow[]> {
  return tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), inArray(invoices.id, [...invoiceIds])));
}

/** The invoice, locked FOR UPDATE until the transaction ends, or null. */
export async function lockInvoice(tx: Tx, { firmId, invoiceId }: { firmId: string; invoiceId: string }) {
  const [row] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.id, invoiceId)))
    .for('update');
  return row ?? null;
}

/**
 * Each client's receivable in the journal (debits − credits of its ACCOUNTS_RECEIVABLE lines), in
 * minor units per currency: an index-only sum over `journal_lines_account_client_idx`.
 */
export async function receivablesByClient(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<{ clientId: string; currency: string; dueMinor: bigint }[]> {
  const rows = await tx.execute<{ clientId: string; currency: string; dueMinor: string }>(
    sql`select l.client_id as "clientId", l.currency, sum(l.debit_minor - l.credit_minor)::text as "dueMinor"
        from billing.journal_lines l
        where l.firm_id = ${firmId} and l.client_id = any(${uuidArray(clientIds)})
          and l.account_id = (select a.id from billing.accounts a
                              where a.firm_id = ${firmId} and a.system_account = 'ACCOUNTS_RECEIVABLE')
        group by l.client_id, l.currency`,
  );
  return rows.map((row) => ({ ...row, dueMinor: BigInt(row.dueMinor) }));
}

/** Lines of the invoices, in order, and their taxes. */
export async function getInvoiceLines(
  tx: Tx,
  { firmId, invoiceIds }: { firmId: string; invoiceIds: readonly string[] },
): Promise<{ lines: InvoiceLineRow[]; taxes: InvoiceLineTaxRow[] }> {
  const [lines, taxes] = await Promise.all([
    tx
      .select()
      .from(invoiceLines)
      .where(and(eq(invoiceLines.firmId, firmId), inArray(invoiceLines.invoiceId, [...invoiceIds])))
      .orderBy(asc(invoiceLines.invoiceId), asc(invoiceLines.position)),
    tx
      .select()
      .from(invoiceLineTaxes)
      .where(and(eq(invoiceLineTaxes.firmId, firmId), inArray(invoiceLineTaxes.invoiceId, [...invoiceIds])))
      .orderBy(asc(invoiceLineTaxes.lineId), asc(invoiceLineTaxes.name)),
  ]);
  return { lines, taxes };
}

/** The firm's credit notes of these invoices, oldest first. */
export async function getCreditNotesByInvoice(
  tx: Tx,
  { firmId, invoiceIds }: { firmId: string; invoiceIds: readonly string[] },
): Promise<CreditNoteRow[]> {
  return tx
    .select()
    .from(creditNotes)
    .where(and(eq(creditNotes.firmId, firmId), inArray(creditNotes.invoiceId, [...invoiceIds])))
    .orderBy(asc(creditNotes.createdAt), asc(creditNotes.id));
}

/** The firm's credit notes with these ids. */
export async function getCreditNotesByIds(
  tx: Tx,
  { firmId, ids }: { firmId: string; ids: readonly string[] },
): Promise<CreditNoteRow[]> {
  return tx
    .select()
    .from(creditNotes)
    .where(and(eq(creditNotes.firmId, firmId), inArray(creditNotes.id, [...ids])));
}

/** The time entries each TIME line bills (live or released), by line. */
export async function getLineTimeEntryIds(
  tx: Tx,
  { firmId, lineIds }: { firmId: string; lineIds: readonly string[] },
): Promise<Map<string, string[]>> {
  const rows = await tx
    .select({ lineId: invoiceTimeEntries.lineId, timeEntryId: invoiceTimeEntries.timeEntryId })
    .from(invoiceTimeEntries)
    .where(and(eq(invoiceTimeEntries.firmId, firmId), inArray(invoiceTimeEntries.lineId, [...lineIds])))
    .orderBy(asc(invoiceTimeEntries.timeEntryId));
  const byLine = new Map<string, string[]>();
  for (const row of rows) byLine.set(row.lineId, [...(byLine.get(row.lineId) ?? []), row.timeEntryId]);
  return byLine;
}

/** What invoicing reads of a firm and a client before it drafts or issues: dates, the lock, the client, the settings. */
export interface InvoicingContext {
  timeZone: string;
  /** Today in the firm's time zone, `YYYY-MM-DD`. */
  today: string;
  /** The date through which the books are closed (period lock or hard lock), or null. */
  lockedThrough: string | null;
  /** The client as `crm.clients_for_billing` gives it, with its billing profile; null for an unknown client. */
  client: {
    name: string;
    currency: string;
    status: string;
    billingAddress: string | null;
    taxId: string | null;
    paymentTerms: PaymentTermsValue | null;
  } | null;
  settings: InvoiceSettingsModel;
}

/**
 * The firm's time zone and today there, its period lock and the client with its billing profile
 * (one statement), and the firm's invoicing settings (`getInvoiceSettings`, one more).
 */
export async function invoicingContext(
  tx: Tx,
  { firmId, clientId }: { firmId: string; clientId: string },
): Promise<InvoicingContext> {
  const [row] = await tx.execute<{
    timeZone: string;
    today: string;
    lockedThrough: string | null;
    clientName: string | null;
    clientCurrency: string;
    clientStatus: string;
    billingAddress: string | null;
    clientTaxId: string | null;
    clientPaymentTerms: PaymentTermsValue | null;
  }>(
    sql`select coalesce(ts.time_zone, 'UTC') as "timeZone",
          (now() at time zone coalesce(ts.time_zone, 'UTC'))::date::text as today,
          greatest(pl.lock_date, pl.hard_lock_date)::text as "lockedThrough",
          c.name as "clientName", c.currency as "clientCurrency", c.status as "clientStatus",
          p.billing_address as "billingAddress", p.tax_id as "clientTaxId", p.payment_terms as "clientPaymentTerms"
        from (select ${firmId}::uuid as firm_id) firm
        left join billing.firm_time_settings ts on ts.firm_id = firm.firm_id
        left join billing.period_locks pl on pl.firm_id = firm.firm_id
        left join crm.clients_for_billing(array[${clientId}::uuid]) c on true
        left join billing.client_billing_profiles p on p.firm_id = firm.firm_id and p.client_id = ${clientId}`,
  );
  const { clientName, clientCurrency, clientStatus, billingAddress, clientTaxId, clientPaymentTerms, ...firm } = row!;
  return {
    ...firm,
    client:
      clientName === null
        ? null
        : {
            name: clientName,
            currency: clientCurrency,
            status: clientStatus,
            billingAddress,
            taxId: clientTaxId,
            paymentTerms: clientPaymentTerms,
          },
    settings: await getInvoiceSettings(tx, firmId),
  };
}

/** Approved, billable time not on any live invoice, as `collectBillableTime` reads it. */
export interface BillableTime {
  id: string;
  userId: string;
  serviceId: string;
  serviceName: string;
  engagementId: string;
  workDate: string;
  minutes: number;
  description: string | null;
  rateHourlyMinor: bigint;
  valueMinor: bigint;
}

/**
 * The client's approved, billable time that no live invoice holds, in `currency`, of `engagementIds`
 * (all of the client's when null), worked on or before `through` (any date when null), oldest
 * first, at most `limit` entries. Locked FOR UPDATE OF the entries, so two drafts cannot both take them.
 */
export async function collectBillableTime(
  tx: Tx,
  query: {
    firmId: string;
    clientId: string;
    currency: string;
    engagementIds: readonly string[] | null;
    through: string | null;
    limit: number;
  },
): Promise<BillableTime[]> {
  const rows = await tx.execute<Omit<BillableTime, 'rateHourlyMinor' | 'valueMinor'> & { rate: string; value: string }>(
    sql`select t.id, t.user_id as "userId", t.service_id as "serviceId", s.name as "serviceName",
          t.engagement_id as "engagementId", t.work_date::text as "workDate", t.minutes, t.description,
          t.rate_hourly_minor::text as rate, t.value_minor::text as value
        from billing.time_entries t
        join billing.services s on s.firm_id = t.firm_id and s.id = t.service_id
        where t.firm_id = ${query.firmId} and t.client_id = ${query.clientId} and t.status = 'APPROVED'
          and t.billable and t.currency = ${query.currency}
          ${query.engagementIds ? sql`and t.engagement_id = any(${uuidArray(query.engagementIds)})` : sql``}
          ${query.through ? sql`and t.work_date <= ${query.through}::date` : sql``}
          and not exists (select from billing.invoice_time_entries l
                          where l.firm_id = t.firm_id and l.time_entry_id = t.id and l.released_at is null)
        order by t.work_date, t.id
        limit ${query.limit}
        for update of t`,
  );
  return rows.map(({ rate, value, ...row }) => ({ ...row, rateHourlyMinor: BigInt(rate), valueMinor: BigInt(value) }));
}

/** Inserts a draft invoice. */
export async function insertInvoice(tx: Tx, values: typeof invoices.$inferInsert): Promise<InvoiceRow> {
  const [row] = await tx.insert(invoices).values(values).returning();
  return row!;
}

/** Inserts lines, their taxes and the time they bill (each list may be empty). */
export async function insertLines(
  tx: Tx,
  parts: {
    lines: (typeof invoiceLines.$inferInsert)[];
    taxes: (typeof invoiceLineTaxes.$inferInsert)[];
    timeEntries: (typeof invoiceTimeEntries.$inferInsert)[];
  },
): Promise<void> {
  if (parts.lines.length > 0) await tx.insert(invoiceLines).values(parts.lines);
  if (parts.taxes.length > 0) await tx.insert(invoiceLineTaxes).values(parts.taxes);
  if (parts.timeEntries.length > 0) await tx.insert(invoiceTimeEntries).values(parts.timeEntries);
}

/** Replaces one line's values and its taxes. */
export async function replaceLine(
  tx: Tx,
  line: typeof invoiceLines.$inferInsert & { id: string },
  taxes: (typeof invoiceLineTaxes.$inferInsert)[],
): Promise<void> {
  await tx
    .update(invoiceLines)
    .set(line)
    .where(and(eq(invoiceLines.firmId, line.firmId), eq(invoiceLines.id, line.id)));
  await tx
    .delete(invoiceLineTaxes)
    .where(and(eq(invoiceLineTaxes.firmId, line.firmId), eq(invoiceLineTaxes.lineId, line.id)));
  if (taxes.length > 0) await tx.insert(invoiceLineTaxes).values(taxes);
}

/** Deletes one line (its taxes and time links with it: ON DELETE CASCADE). */
export async function deleteLine(tx: Tx, { firmId, lineId }: { firmId: string; lineId: string }): Promise<void> {
  await tx.delete(invoiceLines).where(and(eq(invoiceLines.firmId, firmId), eq(invoiceLines.id, lineId)));
}

/** Deletes a draft with its lines, taxes and time links. */
export async function deleteDraft(tx: Tx, { firmId, invoiceId }: { firmId: string; invoiceId: string }) {
  await tx
    .delete(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.id, invoiceId), eq(invoices.status, 'DRAFT')));
}

/** The line and its invoice, the invoice locked FOR UPDATE (so the draft's lines change one writer at a time), or null. */
export async function lockLine(tx: Tx, { firmId, lineId }: { firmId: string; lineId: string }) {
  const [line] = await tx
    .select()
    .from(invoiceLines)
    .where(and(eq(invoiceLines.firmId, firmId), eq(invoiceLines.id, lineId)));
  if (!line) return null;
  const invoice = await lockInvoice(tx, { firmId, invoiceId: line.invoiceId });
  return invoice && { line, invoice };
}

/**
 * Sets a draft's subtotal, tax and total from its lines (one statement), and any other changes.
 * @returns the updated row.
 */
export async function refreshDraft(
  tx: Tx,
  {
    firmId,
    invoiceId,
    changes = {},
  }: { firmId: string; invoiceId: string; changes?: Partial<typeof invoices.$inferInsert> },
): Promise<InvoiceRow> {
  const sums = sql`(select coalesce(sum(l.amount_minor), 0) as subtotal, coalesce(sum(l.tax_minor), 0) as tax,
      coalesce(sum(l.amount_minor + l.exclusive_tax_minor), 0) as total
    from billing.invoice_lines l where l.firm_id = ${firmId} and l.invoice_id = ${invoiceId})`;
  const [row] = await tx
    .update(invoices)
    .set({
      ...changes,
      subtotalMinor: sql`(select subtotal from ${sums} s)`,
      taxMinor: sql`(select tax from ${sums} s)`,
      totalMinor: sql`(select total from ${sums} s)`,
      updatedAt: new Date(),
    })
    .where(and(eq(invoices.firmId, firmId), eq(invoices.id, invoiceId)))
    .returning();
  return row!;
}

/** Updates an invoice (the database refuses changes an issued invoice may not take). */
export async function updateInvoiceRow(
  tx: Tx,
  { firmId, invoiceId }: { firmId: string; invoiceId: string },
  changes: Partial<typeof invoices.$inferInsert>,
): Promise<InvoiceRow> {
  const [row] = await tx
    .update(invoices)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(invoices.firmId, firmId), eq(invoices.id, invoiceId)))
    .returning();
  return row!;
}

/**
 * Marks the time an invoice holds BILLED (status `to`) or, on a void, releases it and returns it to
 * APPROVED. Only entries in the opposite status change.
 * @returns how many time entries changed.
 */
export async function setInvoiceTimeStatus(
  tx: Tx,
  { firmId, invoiceId, to }: { firmId: string; invoiceId: string; to: 'BILLED' | 'APPROVED' },
): Promise<number> {
  const from = to === 'BILLED' ? 'APPROVED' : 'BILLED';
  if (to === 'APPROVED') {
    await tx
      .update(invoiceTimeEntries)
      .set({ releasedAt: new Date() })
      .where(
        and(
          eq(invoiceTimeEntries.firmId, firmId),
          eq(invoiceTimeEntries.invoiceId, invoiceId),
          sql`${invoiceTimeEntries.releasedAt} is null`,
        ),
      );
  }
  const rows = await tx.execute(
    sql`update billing.time_entries t set status = ${to}, updated_at = now()
        from billing.invoice_time_entries l
        where l.firm_id = ${firmId} and l.invoice_id = ${invoiceId} and t.firm_id = l.firm_id
          and t.id = l.time_entry_id and t.status = ${from}
        returning t.id`,
  );
  return rows.length;
}

/** How many time entries the invoice holds live. */
export async function countLiveTime(tx: Tx, { firmId, invoiceId }: { firmId: string; invoiceId: string }) {
  const [row] = await tx.execute<{ count: number }>(
    sql`select count(*)::int as count from billing.invoice_time_entries
        where firm_id = ${firmId} and invoice_id = ${invoiceId} and released_at is null`,
  );
  return row!.count;
}

/**
 * Takes the next number of the firm's gapless counter for `document` and `year` (0 for formats
 * without `{YYYY}`): an upsert that locks the counter row until the transaction ends, so concurrent
 * issues queue behind it and a rollback gives the number back (a sequence would leave a gap).
 */
export async function takeNextNumber(
  tx: Tx,
  { firmId, document, year }: { firmId: string; document: 'INVOICE' | 'CREDIT_NOTE'; year: number },
): Promise<number> {
  const [row] = await tx.execute<{ value: number }>(
    sql`insert into billing.document_counters as c (firm_id, document, year, last_value)
        values (${firmId}, ${document}, ${year}, 1)
        on conflict (firm_id, document, year) do update set last_value = c.last_value + 1
        returning c.last_value as value`,
  );
  return row!.value;
}

/** The firm's revenue accounts tied to these services, by service id. */
export async function serviceRevenueAccounts(
  tx: Tx,
  { firmId, serviceIds }: { firmId: string; serviceIds: readonly string[] },
): Promise<Map<string, string>> {
  if (serviceIds.length === 0) return new Map();
  const rows = await tx.execute<{ serviceId: string; accountId: string }>(
    sql`select service_id as "serviceId", id as "accountId" from billing.accounts
        where firm_id = ${firmId} and service_id = any(${uuidArray(serviceIds)})`,
  );
  return new Map(rows.map((row) => [row.serviceId, row.accountId]));
}

/** The journal lines an entry posted, signed (debit positive), for a reversal. */
export async function entryLines(
  tx: Tx,
  { firmId, sourceType, sourceId, kind }: { firmId: string; sourceType: string; sourceId: string; kind: string },
) {
  const rows = await tx.execute<{
    accountId: string;
    amountMinor: string;
    currency: string;
    clientId: string | null;
    invoiceId: string | null;
    memo: string | null;
  }>(
    sql`select l.account_id as "accountId", (l.debit_minor - l.credit_minor)::text as "amountMinor", l.currency,
          l.client_id as "clientId", l.invoice_id as "invoiceId", l.memo
        from billing.journal_entries e
        join billing.journal_lines l on l.firm_id = e.firm_id and l.entry_id = e.id
        where e.firm_id = ${firmId} and e.source_type = ${sourceType} and e.source_id = ${sourceId} and e.kind = ${kind}
        order by l.line_no`,
  );
  return rows.map((row) => ({ ...row, amountMinor: BigInt(row.amountMinor) }));
}

/** Inserts a credit note. */
export async function insertCreditNote(tx: Tx, values: typeof creditNotes.$inferInsert): Promise<CreditNoteRow> {
  const [row] = await tx.insert(creditNotes).values(values).returning();
  return row!;
}

/** Minor units already credited per invoice line by the invoice's credit notes. */
export async function creditedByLine(
  tx: Tx,
  { firmId, invoiceId }: { firmId: string; invoiceId: string },
): Promise<Map<string, bigint>> {
  const rows = await tx.execute<{ lineId: string; credited: string }>(
    sql`select l->>'invoiceLineId' as "lineId", sum((l->>'amountMinor')::bigint)::text as credited
        from billing.credit_notes c, jsonb_array_elements(c.lines) l
        where c.firm_id = ${firmId} and c.invoice_id = ${invoiceId} and l->>'invoiceLineId' is not null
        group by 1`,
  );
  return new Map(rows.map((row) => [row.lineId, BigInt(row.credited)]));
}

/** Sets a client's billing profile fields (creating the row), returning nothing. */
export async function saveClientBillingProfile(
  tx: Tx,
  {
    firmId,
    clientId,
    changes,
  }: { firmId: string; clientId: string; changes: Partial<typeof clientBillingProfiles.$inferInsert> },
): Promise<void> {
  await tx
    .insert(clientBillingProfiles)
    .values({ firmId, clientId, ...changes })
    .onConflictDoUpdate({
      target: [clientBillingProfiles.firmId, clientBillingProfiles.clientId],
      set: { ...changes, updatedAt: new Date() },
    });
}

/** The billing profiles of these clients (absent ones have none). */
export async function getClientBillingProfiles(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
) {
  return tx
    .select()
    .from(clientBillingProfiles)
    .where(and(eq(clientBillingProfiles.firmId, firmId), inArray(clientBillingProfiles.clientId, [...clientIds])));
}

/** Filter of the firm-wide invoice list. */
export interface InvoiceListQuery {
  firmId: string;
  status: InvoiceStatusValue | null;
}

const listWhere = (query: InvoiceListQuery) =>
  and(eq(invoices.firmId, query.firmId), query.status ? eq(invoices.status, query.status) : undefined);

/** One page of the firm's invoices, newest first (`created_at desc, id desc`), fetching `limit + 1` rows. */
export async function listInvoices(
  tx: Tx,
  query: InvoiceListQuery & { limit: number; cursor: readonly [string, string] | null },
): Promise<InvoiceRow[]> {
  return tx
    .select()
    .from(invoices)
    .where(
      and(
        listWhere(query),
        query.cursor
          ? sql`(${invoices.createdAt}, ${invoices.id}) < (${query.cursor[0]}::timestamptz, ${query.cursor[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(sql`${invoices.createdAt} desc, ${invoices.id} desc`)
    .limit(query.limit + 1);
}

/** How many of the firm's invoices match. */
export async function countInvoices(tx: Tx, query: InvoiceListQuery): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(invoices)
    .where(listWhere(query));
  return row?.count ?? 0;
}

/** One past the highest line position of the draft (1 for a draft without lines). */
export async function nextLinePosition(tx: Tx, invoice: Pick<InvoiceRow, 'firmId' | 'id'>): Promise<number> {
  const [row] = await tx.execute<{ position: number }>(
    sql`select coalesce(max(position), 0)::int + 1 as position from billing.invoice_lines
        where firm_id = ${invoice.firmId} and invoice_id = ${invoice.id}`,
  );
  return row!.position;
}
