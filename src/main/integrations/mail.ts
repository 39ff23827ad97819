import nodemailer, { type Transporter } from 'nodemailer';
import { GatewayRefused, GatewayUnavailable, type Mailer } from '../services/gateways';

/** Mail through nodemailer's SMTP transport (a real relay, or the local SMTP sandbox). */
export class SmtpMailer implements Mailer {
  readonly mode: 'real' | 'sandbox';
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    sandbox: boolean,
  ) {
    this.mode = sandbox ? 'sandbox' : 'real';
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      // The sandbox speaks plain SMTP on loopback; a real relay must offer TLS.
      ignoreTLS: sandbox,
      requireTLS: !sandbox && url.protocol !== 'smtps:',
      // Reuse connections: a burst of notices should not open one SMTP session per message.
      pool: true,
      maxConnections: 4,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(message: { to: string; subject: string; text: string; html: string; messageId: string }): Promise<string> {
    try {
      const info = await this.transport.sendMail({ from: this.from, ...message });
      return info.messageId;
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500)
        throw new GatewayRefused(`The mail server refused the message: ${(error as Error).message}`, String(code));
      throw new GatewayUnavailable(`The mail server is not reachable: ${(error as Error).message}`);
    }
  }
}
