import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_ROLE } from '../db/roles.ts';
import { connectAdmin } from './support/admin-db.ts';
import { insertService, insertTimeEntries } from './support/time-db.ts';

// The accounting rules PostgreSQL holds itself (migration 0017), tried as the role that owns the
// tables: whatever a service, a script or a migration does, the database refuses these.

let admin: postgres.Sql;
beforeAll(() => {
  admin = connectAdmin();
});
afterAll(async () => {
  await admin.end();
});

/** A new firm, inserted as signUp creates one: acting for it, so the insert trigger opens its books. */
async function newFirm(): Promise<string> {
  const id = randomUUID();
  await admin.begin(async (tx) => {
    await tx`select set_config('app.firm_id', ${id}, true)`;
    await tx`insert into tenancy.firms (id, name, slug) values (${id}, 'Walls Firm', ${`walls-${id}`})`;
  });
  return id;
}

/** Runs `work` in one transaction as the tables' owner role, acting for `firmId`. */
async function asOwner<T>(firmId: string, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await admin.begin(async (tx) => {
    await tx.unsafe(`set local role ${OWNER_ROLE}`);
    await tx`select set_config('app.firm_id', ${firmId}, true)`;
    return work(tx);
  })) as T;
}

/** The PostgreSQL error `promise` fails with: its constraint name (or SQLSTATE when it names none). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => null,
    (caught: unknown) => caught,
  )) as { constraint_name?: string; code?: string } | null;
  expect(error, 'the database accepted it').not.toBeNull();
  return error!.constraint_name ?? error!.code!;
}

async function accountId(tx: postgres.TransactionSql, firmId: string, role: string): Promise<string> {
  const [row] = await tx`select id from billing.accounts where firm_id = ${firmId} and system_account = ${role}`;
  return row!.id as string;
}

/** Inserts an entry dated `date` with lines (debit, credit) in minor units of USD, receivable against revenue. */
async function postEntry(
  tx: postgres.TransactionSql,
  firmId: string,
  {
    date = '2026-05-10',
    lines = [[1000, 0] as const, [0, 1000] as const],
  }: { date?: string; lines?: readonly (readonly [number, number])[] } = {},
): Promise<string> {
  const entryId = uuidv7();
  await tx`insert into billing.journal_entries (firm_id, id, kind, source_type, source_id, accounting_date, event_date)
    values (${firmId}, ${entryId}, 'INVOICE_ISSUED', 'INVOICE', ${uuidv7()}, ${date}, ${date})`;
  await addLines(tx, firmId, entryId, date, lines, 1);
  return entryId;
}

async function addLines(
  tx: postgres.TransactionSql,
  firmId: string,
  entryId: string,
  date: string,
  lines: readonly (readonly [number, number])[],
  firstLineNo: number,
): Promise<void> {
  const receivable = await accountId(tx, firmId, 'ACCOUNTS_RECEIVABLE');
  const revenue = await accountId(tx, firmId, 'REVENUE');
  for (const [index, [debit, credit]] of lines.entries()) {
    await tx`insert into billing.journal_lines (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor, credit_minor, currency)
      values (${firmId}, ${entryId}, ${firstLineNo + index}, ${debit > 0 ? receivable : revenue}, ${date}, ${debit}, ${credit}, 'USD')`;
  }
}

async function entryCount(firmId: string): Promise<number> {
  const [row] = await asOwner(
    firmId,
    (tx) => tx`select count(*)::int as n from billing.journal_entries where firm_id = ${firmId}`,
  );
  return row!.n as number;
}

describe('the journal, as PostgreSQL holds it', () => {
  it('opens every new firm with its nine system accounts and an empty period lock', async () => {
    const firmId = await newFirm();
    const accounts = await asOwner(
      firmId,
      (tx) => tx`select code, system_account from billing.accounts where firm_id = ${firmId} order by code`,
    );
    expect(accounts.map((a) => a.system_account)).toEqual([
      'ACCOUNTS_RECEIVABLE',
      'CASH_CLEARING',
      'TAX_PAYABLE',
      'CLIENT_CREDIT',
      'UNEARNED_REVENUE',
      'REVENUE',
      'WRITE_OFFS',
      'PROCESSOR_FEES',
      'ROUNDING',
    ]);
    const [lock] = await asOwner(firmId, (tx) => tx`select lock_date, hard_lock_date from billing.period_locks`);
    expect(lock).toEqual({ lock_date: null, hard_lock_date: null });
  });

  it('refuses an unbalanced entry, or one of a single line, at commit, leaving nothing', async () => {
    const firmId = await newFirm();
    expect(
      await refusal(
        asOwner(firmId, (tx) =>
          postEntry(tx, firmId, {
            lines: [
              [1000, 0],
              [0, 999],
            ],
          }),
        ),
      ),
    ).toBe('journal_entries_balanced');
    expect(await refusal(asOwner(firmId, (tx) => postEntry(tx, firmId, { lines: [[1000, 0]] })))).toBe(
      'journal_entries_balanced',
    );
    expect(await entryCount(firmId)).toBe(0);
    // The same entry balanced commits: the refusals above were about the balance.
    await asOwner(firmId, (tx) => postEntry(tx, firmId));
    expect(await entryCount(firmId)).toBe(1);
  });

  it('refuses every UPDATE, DELETE and TRUNCATE of journal entries and lines', async () => {
    const firmId = await newFirm();
    const entryId = await asOwner(firmId, (tx) => postEntry(tx, firmId));
    const attempts = [
      (tx: postgres.TransactionSql) =>
        tx`update billing.journal_lines set debit_minor = 2000 where entry_id = ${entryId} and line_no = 1`,
      (tx: postgres.TransactionSql) => tx`update billing.journal_lines set memo = 'edited' where entry_id = ${entryId}`,
      (tx: postgres.TransactionSql) => tx`delete from billing.journal_lines where entry_id = ${entryId}`,
      (tx: postgres.TransactionSql) => tx`update billing.journal_entries set memo = 'edited' where id = ${entryId}`,
      (tx: postgres.TransactionSql) => tx`delete from billing.journal_entries where id = ${entryId}`,
      (tx: postgres.TransactionSql) => tx`truncate billing.journal_lines`,
    ];
    for (const attempt of attempts) {
      // insufficient_privilege, raised by billing.refuse_change for every role.
      expect(await refusal(asOwner(firmId, attempt))).toBe('42501');
    }
    const lines = await asOwner(
      firmId,
      (tx) => tx`select debit_minor::int as debit, credit_minor::int as credit, memo from billing.journal_lines
        where entry_id = ${entryId} order by line_no`,
    );
    expect(lines).toEqual([
      { debit: 1000, credit: 0, memo: null },
      { debit: 0, credit: 1000, memo: null },
    ]);
  });

  it('refuses lines added to an entry posted by an earlier transaction, even balanced ones', async () => {
    const firmId = await newFirm();
    const entryId = await asOwner(firmId, (tx) => postEntry(tx, firmId));
    expect(
      await refusal(
        asOwner(firmId, (tx) =>
          addLines(
            tx,
            firmId,
            entryId,
            '2026-05-10',
            [
              [500, 0],
              [0, 500],
            ],
            3,
          ),
        ),
      ),
    ).toBe('journal_lines_same_posting');
  });

  it('refuses an entry dated on or before the period lock or the hard lock, and admits the day after', async () => {
    const firmId = await newFirm();
    await asOwner(
      firmId,
      (tx) => tx`update billing.period_locks set lock_date = '2026-03-31' where firm_id = ${firmId}`,
    );
    for (const date of ['2026-03-31', '2026-01-02']) {
      expect(await refusal(asOwner(firmId, (tx) => postEntry(tx, firmId, { date })))).toBe('period_locked');
    }
    await asOwner(firmId, (tx) => postEntry(tx, firmId, { date: '2026-04-01' }));
    expect(await entryCount(firmId)).toBe(1);
  });

  it('moves the period lock back only inside a reopening transaction, and the hard lock never', async () => {
    const firmId = await newFirm();
    const setLock = (date: string, reopen = false) =>
      asOwner(firmId, async (tx) => {
        if (reopen) await tx`select set_config('app.period_reopen', 'on', true)`;
        await tx`update billing.period_locks set lock_date = ${date} where firm_id = ${firmId}`;
      });
    await setLock('2026-03-31');
    expect(await refusal(setLock('2026-02-28'))).toBe('period_locks_forward');
    expect(await refusal(asOwner(firmId, (tx) => tx`update billing.period_locks set lock_date = null`))).toBe(
      'period_locks_forward',
    );
    await setLock('2026-02-28', true);
    await asOwner(
      firmId,
      (tx) => tx`update billing.period_locks set hard_lock_date = '2026-01-31' where firm_id = ${firmId}`,
    );
    const hardBack = asOwner(firmId, async (tx) => {
      await tx`select set_config('app.period_reopen', 'on', true)`;
      await tx`update billing.period_locks set hard_lock_date = '2025-12-31' where firm_id = ${firmId}`;
    });
    expect(await refusal(hardBack)).toBe('period_locks_hard_forward');
    // Not even a reopening takes the lock below the hard lock.
    expect(await refusal(setLock('2026-01-15', true))).toBe('period_locks_hard_within');
    const [lock] = await asOwner(
      firmId,
      (tx) => tx`select lock_date::text, hard_lock_date::text from billing.period_locks`,
    );
    expect(lock).toEqual({ lock_date: '2026-02-28', hard_lock_date: '2026-01-31' });
  });

  it('keeps system accounts: no delete, no change of role or type; an unused account of the firm can go', async () => {
    const firmId = await newFirm();
    for (const change of [
      (tx: postgres.TransactionSql) => tx`delete from billing.accounts where system_account = 'ACCOUNTS_RECEIVABLE'`,
      (tx: postgres.TransactionSql) =>
        tx`update billing.accounts set type = 'EXPENSE' where system_account = 'REVENUE'`,
      (tx: postgres.TransactionSql) =>
        tx`update billing.accounts set system_account = null where system_account = 'ROUNDING'`,
    ]) {
      expect(await refusal(asOwner(firmId, change))).toBe('accounts_system_kept');
    }
    await asOwner(firmId, async (tx) => {
      await tx`insert into billing.accounts (firm_id, id, code, name, type) values (${firmId}, ${uuidv7()}, '4100', 'Advisory fees', 'REVENUE')`;
      await tx`delete from billing.accounts where firm_id = ${firmId} and code = '4100'`;
    });
    const [{ n }] = (await asOwner(
      firmId,
      (tx) => tx`select count(*)::int as n from billing.accounts where firm_id = ${firmId}`,
    )) as unknown as [{ n: number }];
    expect(n).toBe(9);
  });

  it('refuses time dated in a closed period, except invoicing moving it between APPROVED and BILLED', async () => {
    const firmId = await newFirm();
    const serviceId = await insertService(admin, firmId, 'Advisory');
    const entry = { userId: randomUUID(), engagementId: randomUUID(), clientId: randomUUID(), serviceId, minutes: 60 };
    const [approved, draft] = await insertTimeEntries(admin, firmId, [
      { ...entry, workDate: '2026-03-10', status: 'APPROVED', valueMinor: 15000 },
      { ...entry, workDate: '2026-03-11', status: 'DRAFT' },
    ]);
    await asOwner(
      firmId,
      (tx) => tx`update billing.period_locks set lock_date = '2026-03-31' where firm_id = ${firmId}`,
    );
    const refusals = [
      insertTimeEntries(admin, firmId, [{ ...entry, workDate: '2026-03-20', status: 'DRAFT' }]),
      asOwner(firmId, (tx) => tx`update billing.time_entries set minutes = 30 where id = ${draft!}`),
      asOwner(firmId, (tx) => tx`update billing.time_entries set work_date = '2026-04-02' where id = ${draft!}`),
      asOwner(firmId, (tx) => tx`delete from billing.time_entries where id = ${draft!}`),
      asOwner(
        firmId,
        (tx) => tx`update billing.time_entries set status = 'BILLED', minutes = 30 where id = ${approved!}`,
      ),
    ];
    for (const attempt of refusals) expect(await refusal(attempt)).toBe('period_locked');
    await asOwner(firmId, (tx) => tx`update billing.time_entries set status = 'BILLED' where id = ${approved!}`);
    await asOwner(firmId, (tx) => tx`update billing.time_entries set status = 'APPROVED' where id = ${approved!}`);
    const rows = await asOwner(
      firmId,
      (tx) =>
        tx`select work_date::text, minutes, status from billing.time_entries where firm_id = ${firmId} order by work_date`,
    );
    expect(rows).toEqual([
      { work_date: '2026-03-10', minutes: 60, status: 'APPROVED' },
      { work_date: '2026-03-11', minutes: 60, status: 'DRAFT' },
    ]);
  });
});
