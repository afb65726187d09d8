import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The decoded text/plain and text/html parts. */
  text: string;
  html: string;
  raw: string;
}

/** A local SMTP server on 127.0.0.1 (a free port, or `port`) that keeps what it receives. */
export async function startSmtp(port = 0): Promise<{ url: string; port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'subject'), text: part(raw, 'text/plain'), html: part(raw, 'text/html'), raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${bound}`, port: bound, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r\n\r\n/)[0]!.replace(/\r\n[ \t]+/g, ' ');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** The body of the first MIME part of this type, quoted-printable or base64 decoded. */
function part(raw: string, type: string): string {
  const index = raw.toLowerCase().indexOf(`content-type: ${type}`);
  if (index < 0) return '';
  const rest = raw.slice(index);
  const split = rest.indexOf('\r\n\r\n');
  const headers = rest.slice(0, split).toLowerCase();
  const body = rest.slice(split + 4).split(/\r\n--/)[0]!;
  if (headers.includes('base64')) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (headers.includes('quoted-printable')) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
