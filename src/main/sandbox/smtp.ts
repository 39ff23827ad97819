import net from 'node:net';
import { randomId } from './http-util';
import { Journal } from './journal';

/**
 * A loopback SMTP server that stores every message for the console and the tests. Speaks enough
 * ESMTP for nodemailer (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); can be told to refuse the next
 * N messages with a temporary 451 or to be down altogether.
 *
 * With `stateDir`, stored messages are kept in `smtp.jsonl` there (journal.ts), written before the
 * server says 250 (as a real relay queues a message before accepting it), and survive a restart.
 */
export interface StoredMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  messageId: string | null;
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
  receivedAt: Date;
}

function decodeQuotedPrintable(text: string): string {
  // Byte by byte: latin1 maps each byte to one character, so `=XX` escapes become the bytes they name
  // and the UTF-8 sequences they spell are decoded once at the end.
  const bytes = Buffer.from(text.replace(/=\r?\n/g, ''), 'utf8')
    .toString('latin1')
    .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const index = line.indexOf(':');
    if (index > 0) headers[line.slice(0, index).trim().toLowerCase()] = line.slice(index + 1).trim();
  }
  return headers;
}

function decodeWord(value: string): string {
  // RFC 2047: whitespace between two adjacent encoded words is not part of the text.
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_match, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodePart(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

export function parseMail(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const type = headers['content-type'] ?? 'text/plain';
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    for (const part of body.split(`--${boundary}`)) {
      const partSplit = part.search(/\r?\n\r?\n/);
      if (partSplit < 0) continue;
      const partHeaders = parseHeaders(part.slice(0, partSplit).replace(/^\r?\n/, ''));
      const content = decodePart(
        partHeaders,
        part
          .slice(partSplit)
          .replace(/^\r?\n\r?\n/, '')
          .replace(/\r?\n$/, ''),
      );
      if ((partHeaders['content-type'] ?? '').startsWith('text/html')) html = content;
      else if ((partHeaders['content-type'] ?? '').startsWith('text/plain')) text = content;
    }
  } else if (type.startsWith('text/html')) {
    html = decodePart(headers, body);
  } else {
    text = decodePart(headers, body);
  }
  return { headers, text, html };
}

export interface SmtpSandboxOptions {
  /** Keep stored messages in this folder (created 0700): survives restarts. */
  stateDir?: string;
}

type SmtpRecord = { t: 'mail'; v: Omit<StoredMail, 'receivedAt'> & { receivedAt: string } };

export class SmtpSandbox {
  readonly messages: StoredMail[] = [];
  url = '';
  readonly stateDir: string | null;
  private server: net.Server | null = null;
  private refusals = 0;
  private down = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly journal: Journal<SmtpRecord> | null;

  constructor(options: SmtpSandboxOptions = {}) {
    this.stateDir = options.stateDir ?? null;
    this.journal = this.stateDir ? new Journal<SmtpRecord>(this.stateDir, 'smtp.jsonl') : null;
    for (const record of this.journal?.load() ?? []) {
      if (!this.messages.some((mail) => mail.id === record.v.id))
        this.messages.push({ ...record.v, receivedAt: new Date(record.v.receivedAt) });
    }
  }

  private *records(): Generator<SmtpRecord> {
    for (const mail of this.messages) yield { t: 'mail', v: { ...mail, receivedAt: mail.receivedAt.toISOString() } };
  }

  /** Answer the next N messages with a temporary failure (451). */
  failNext(count: number): void {
    this.refusals += count;
  }

  /** While down, connections are accepted and closed at once (like a dead relay). */
  setDown(down: boolean): void {
    this.down = down;
  }

  async start(port = 0): Promise<string> {
    this.journal?.compact(this.records());
    this.server = net.createServer((socket) => this.session(socket));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as net.AddressInfo;
    this.url = `smtp://127.0.0.1:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
    this.journal?.close();
  }

  private session(socket: net.Socket): void {
    this.sockets.add(socket);
    // Replies go out as written (a relay answers each command at once; Nagle would hold them back).
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (this.down) {
      socket.destroy();
      return;
    }
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    reply('220 sandbox.linguaflex.local ESMTP ready');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = buffer.slice(0, end).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          if (this.refusals > 0) {
            this.refusals -= 1;
            reply('451 4.3.0 Sandbox: temporary failure (injected), try again later');
          } else {
            const parsed = parseMail(raw);
            const id = randomId('mail_', 12);
            const mail: StoredMail = {
              id,
              from,
              to,
              subject: decodeWord(parsed.headers['subject'] ?? ''),
              messageId: parsed.headers['message-id'] ?? null,
              headers: parsed.headers,
              text: parsed.text,
              html: parsed.html,
              raw,
              receivedAt: new Date(),
            };
            let stored = true;
            try {
              // Stored before the 250, as a relay queues a message before it accepts it.
              this.journal?.append([{ t: 'mail', v: { ...mail, receivedAt: mail.receivedAt.toISOString() } }]);
            } catch {
              stored = false;
            }
            if (stored) {
              this.messages.push(mail);
              this.journal?.compactIfDue(() => this.records());
              reply(`250 2.0.0 OK queued as ${id}`);
            } else {
              reply('451 4.3.0 Sandbox: could not store the message, try again later');
            }
          }
          from = '';
          to = [];
          continue;
        }
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) return;
        const line = buffer.slice(0, lineEnd);
        buffer = buffer.slice(lineEnd + 2);
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'EHLO') {
          // PIPELINING (RFC 2920), as common relays offer: the envelope and DATA arrive in one batch.
          socket.write(
            '250-sandbox.linguaflex.local\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n',
          );
        } else if (command === 'HELO') reply('250 sandbox.linguaflex.local');
        else if (command === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 OK');
        } else if (command === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 OK');
        } else if (command === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (command === 'RSET') {
          from = '';
          to = [];
          reply('250 2.0.0 OK');
        } else if (command === 'NOOP') reply('250 2.0.0 OK');
        else if (command === 'QUIT') {
          reply('221 2.0.0 Bye');
          socket.end();
          return;
        } else reply('502 5.5.2 Command not implemented');
      }
    });
  }
}
