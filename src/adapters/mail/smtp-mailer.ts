import type { Transporter, TransportOptions } from 'nodemailer';
import type { Mailer, OutgoingEmail } from '../../core/notifications/notification.js';
import { PermanentFailure } from '../../core/jobs/ports.js';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:port or smtps://… (SMTP_URL). */
  url: string;
  /** The From header (CURT_MAIL_FROM). */
  from: string;
  /** Connect, greeting and socket timeouts (default 15 s). */
  timeoutMs?: number;
}

/**
 * E-mail over SMTP with nodemailer: a small pool of connections, STARTTLS when the server
 * offers it (smtps:// for implicit TLS). A send that fails for a transient reason (server
 * down, timeout, 4xx) throws, and the job queue retries it; a permanent refusal (5xx, e.g. an
 * unknown mailbox) throws PermanentFailure, so the job is dead at once rather than retried.
 */
export class SmtpMailer implements Mailer {
  /** Created on the first send: nodemailer costs ~15 MB of memory in processes that never mail. */
  private transport: Promise<Transporter> | null = null;

  constructor(private readonly options: SmtpMailerOptions) {}

  private connect(): Promise<Transporter> {
    const timeout = this.options.timeoutMs ?? 15_000;
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
      url: this.options.url, pool: true, maxConnections: 2,
      connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout,
    } as TransportOptions));
    return this.transport;
  }

  async send(message: OutgoingEmail): Promise<void> {
    try {
      const transport = await this.connect();
      await transport.sendMail({ from: this.options.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500 && code < 600) throw new PermanentFailure(`SMTP refused the message (${code}): ${(error as Error).message}`);
      throw error;
    }
  }

  close(): void {
    void this.transport?.then((transport) => transport.close(), () => {});
  }
}
