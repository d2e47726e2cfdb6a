import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from './ids.ts';

/** One plain-text email. */
interface MailMessage {
  /** One recipient address. */
  to: string;
  subject: string;
  /** Plain-text body. It may carry a secret link (invitation, sign-in): never log it. */
  text: string;
}

/** Sends email. The only transport so far is `mailboxMailer`; an SMTP one needs a library decision first. */
export interface Mailer {
  /** Delivers one message. @throws when the transport fails (the caller's change is already committed). */
  send(message: MailMessage): Promise<void>;
}

/**
 * The local stand-in for an email service (development and tests): each message becomes one JSON
 * file `{ to, subject, text, sentAt }` in `<dataDir>/mailbox/`, named `<UUIDv7>.json` so names sort
 * by sending time. The directory is created on first use. Files are written with mode 0600, since
 * messages carry sign-in secrets.
 */
export function mailboxMailer(dataDir: string): Mailer {
  const directory = mailboxDirectory(dataDir);
  return {
    async send(message) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const body = JSON.stringify({ ...message, sentAt: new Date().toISOString() }, null, 2);
      await writeFile(join(directory, `${newId()}.json`), body, { mode: 0o600, flag: 'wx' });
    },
  };
}

/** Where `mailboxMailer` writes: `<dataDir>/mailbox`. */
export function mailboxDirectory(dataDir: string): string {
  return join(dataDir, 'mailbox');
}
