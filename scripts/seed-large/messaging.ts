import { allocateByWeight, between, idAt, type ClientFixture, type FirmFixture } from './plan.ts';
import type { SeedTable } from './table.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Messages per thread on average: a client's threads are its messages divided by this. */
const MESSAGES_PER_THREAD = 8;
/** A participant has read every thread quieter than this; in livelier ones the last few may be unread. */
const ALL_READ_AFTER_MS = 7 * DAY_MS;
/** The PRNG stream every messaging table derives its rows from, so they agree on ids and times. */
const STREAM = 'crm.messaging';

const SUBJECTS = [
  'Year-end close',
  'Quarterly VAT return',
  'Payroll changes for next month',
  'Missing receipts',
  'Question about the latest invoice',
  'Documents for the tax return',
  'Engagement letter renewal',
  'Bank feed stopped syncing',
  'New hire onboarding',
  'Budget for next year',
  'Audit preparation',
  'Sales tax registration',
];
const STAFF_LINES = [
  'Thanks, we have received it and will get back to you by Friday.',
  'Could you send the bank statements for last month when you have a moment?',
  'We have reconciled everything up to the end of the quarter. Two items are still open.',
  'The draft is ready for your review. Let us know if anything looks off.',
  'Quick reminder: the filing deadline is in two weeks.',
  'We have booked the adjustment. The balance should look right now.',
];
const STAFF_MARKDOWN = [
  'Here is what we still need:\n\n- bank statements for **March**\n- the signed engagement letter\n- payroll summary',
  'Summary of the call:\n\n1. Close the books by the 10th\n2. Send the *draft* accounts\n3. Review the budget together',
];
const CLIENT_LINES = [
  'I will upload the receipts you asked for tonight.',
  'Can we move our call to Thursday afternoon?',
  'We hired two people this month; what do you need from us for payroll?',
  'The invoice total looks higher than last quarter, can you explain?',
  'Thanks for the quick turnaround!',
  'I uploaded the statements to the portal this morning.',
];

/** A thread participant: a staff user or a portal user, by id (`crm.participant_kind`). */
interface Participant {
  kind: 'STAFF' | 'PORTAL';
  id: string;
}

interface PlannedMessage {
  id: string;
  author: Participant;
  sentAt: Date;
  /** Null for a deleted message (a tombstone). */
  body: string | null;
  format: 'PLAIN' | 'MARKDOWN';
  editedAt: Date | null;
  deletedAt: Date | null;
}

interface PlannedThread {
  id: string;
  clientId: string;
  subject: string;
  createdAt: Date;
  /** Oldest first; never empty. */
  messages: PlannedMessage[];
  /** How far each participant has read: an index into `messages`. */
  readMarks: { participant: Participant; index: number }[];
}

/**
 * The firm's message threads, derived from the fixture and one PRNG stream, so each messaging
 * table gets the same threads, messages and ids. Only clients with portal users have threads (the
 * portal is where clients message the firm); `targets.messages` is spread over them by weight,
 * about `MESSAGES_PER_THREAD` a thread. A thread starts after the client's first portal user
 * signed up and runs for up to 45 days; authors alternate between the client's portal users and
 * its team (the owner when no team member had joined yet), and sending marks the thread read for
 * the author, as `sendMessage` does. Threads quiet for a week are read by everyone; in the others
 * the last few messages may be unread. About 1% of messages are deleted, 3% edited.
 */
function* planThreads(firm: FirmFixture, now: Date): Generator<PlannedThread> {
  const random = firm.random(STREAM);
  const clients = firm.clients.filter((client) => client.portalUsers.length > 0);
  const counts = allocateByWeight(clients, firm.targets.messages);
  for (const [index, client] of clients.entries()) {
    const total = counts[index]!;
    if (total === 0) continue;
    const lengths = new Array<number>(Math.max(1, Math.round(total / MESSAGES_PER_THREAD))).fill(1);
    for (let left = total - lengths.length; left > 0; left -= 1) lengths[Math.floor(random() * lengths.length)]! += 1;
    const opened = new Date(Math.min(...client.portalUsers.map((user) => user.activatedAt.getTime())));
    for (const length of lengths) yield planThread(random, firm, client, opened, length, now);
  }
}

function planThread(
  random: () => number,
  firm: FirmFixture,
  client: ClientFixture,
  opened: Date,
  length: number,
  now: Date,
): PlannedThread {
  const createdAt = between(random, opened, now);
  const start = createdAt.getTime();
  const span = Math.min(now.getTime(), start + (1 + random() * 44) * DAY_MS) - start;
  const times = new Float64Array(length);
  for (let n = 1; n < length; n += 1) times[n] = start + Math.floor(random() * span);
  times[0] = start;
  times.sort();
  let fromPortal = random() < 0.5;
  const messages: PlannedMessage[] = [];
  for (const [n, time] of times.entries()) {
    const sentAt = new Date(time);
    if (n > 0 && random() < 0.6) fromPortal = !fromPortal;
    const author = fromPortal ? portalAuthor(random, client, sentAt) : staffAuthor(random, firm, client, sentAt);
    const markdown = !fromPortal && random() < 0.1;
    const lines = fromPortal ? CLIENT_LINES : markdown ? STAFF_MARKDOWN : STAFF_LINES;
    const body = lines[Math.floor(random() * lines.length)]!;
    // 1% deleted (a tombstone), 3% edited, each a few minutes after sending.
    const roll = random();
    const changedAt = roll < 0.04 ? new Date(Math.min(now.getTime(), time + (1 + random() * 13) * MINUTE_MS)) : null;
    messages.push({
      id: idAt(sentAt, random),
      author,
      sentAt,
      body: roll < 0.01 ? null : body,
      format: markdown ? 'MARKDOWN' : 'PLAIN',
      editedAt: roll >= 0.01 ? changedAt : null,
      deletedAt: roll < 0.01 ? changedAt : null,
    });
  }
  const last = messages.length - 1;
  const quiet = now.getTime() - messages[last]!.sentAt.getTime() > ALL_READ_AFTER_MS;
  const participants = new Map<string, Participant>();
  for (const user of client.portalUsers)
    if (user.activatedAt <= messages[last]!.sentAt) participants.set(user.id, { kind: 'PORTAL', id: user.id });
  for (const message of messages) participants.set(message.author.id, message.author);
  const readMarks = [...participants.values()].flatMap((participant) => {
    const ownLast = messages.findLastIndex((message) => message.author.id === participant.id);
    const index = Math.max(ownLast, quiet ? last : last - Math.floor(random() * 4));
    return index >= 0 ? [{ participant, index }] : [];
  });
  return {
    id: idAt(createdAt, random),
    clientId: client.id,
    subject: SUBJECTS[Math.floor(random() * SUBJECTS.length)]!,
    createdAt,
    messages,
    readMarks,
  };
}

/** One of the client's portal users who had signed up by `at` (the first one always had: threads start after). */
function portalAuthor(random: () => number, client: ClientFixture, at: Date): Participant {
  const able = client.portalUsers.filter((user) => user.activatedAt <= at);
  const user = able.length > 0 ? able[Math.floor(random() * able.length)]! : client.portalUsers[0]!;
  return { kind: 'PORTAL', id: user.id };
}

/** A team member who had joined the firm by `at`, or the owner (who may write in every thread). */
function staffAuthor(random: () => number, firm: FirmFixture, client: ClientFixture, at: Date): Participant {
  const able = client.team.filter((person) => person.createdAt <= at);
  const person = able.length > 0 ? able[Math.floor(random() * able.length)]! : firm.staff[0]!;
  return { kind: 'STAFF', id: person.id };
}

/** `crm.message_threads`: threads with portal clients, their last activity being their last message. */
export const messageThreadsTable: SeedTable = {
  table: 'crm.message_threads',
  columns: [
    'firm_id',
    'id',
    'client_id',
    'subject',
    'created_by_kind',
    'created_by_id',
    'created_at',
    'last_message_at',
  ],
  *rows(firm, { now }) {
    for (const thread of planThreads(firm, now)) {
      const [first] = thread.messages;
      yield [
        firm.id,
        thread.id,
        thread.clientId,
        thread.subject,
        first!.author.kind,
        first!.author.id,
        thread.createdAt,
        thread.messages.at(-1)!.sentAt,
      ];
    }
  },
};

/** `crm.messages`: about 100,000 in the largest firm at scale 1; deleted ones are tombstones (no body). */
export const messagesTable: SeedTable = {
  table: 'crm.messages',
  columns: [
    'firm_id',
    'id',
    'thread_id',
    'author_kind',
    'author_id',
    'body',
    'format',
    'sent_at',
    'edited_at',
    'deleted_at',
  ],
  *rows(firm, { now }) {
    for (const thread of planThreads(firm, now)) {
      for (const message of thread.messages) {
        yield [
          firm.id,
          message.id,
          thread.id,
          message.author.kind,
          message.author.id,
          message.body,
          message.format,
          message.sentAt,
          message.editedAt,
          message.deletedAt,
        ];
      }
    }
  },
};

/** `crm.message_read_states`: each participant's read mark, as `markThreadRead` and `sendMessage` leave it. */
export const messageReadStatesTable: SeedTable = {
  table: 'crm.message_read_states',
  columns: [
    'firm_id',
    'thread_id',
    'participant_kind',
    'participant_id',
    'last_read_message_id',
    'last_read_sent_at',
    'updated_at',
  ],
  *rows(firm, { now }) {
    for (const thread of planThreads(firm, now)) {
      for (const { participant, index } of thread.readMarks) {
        const message = thread.messages[index]!;
        yield [firm.id, thread.id, participant.kind, participant.id, message.id, message.sentAt, message.sentAt];
      }
    }
  },
};
