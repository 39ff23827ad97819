import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../../src/main/integrations/mail';
import { SmtpSandbox } from '../../../src/main/sandbox/smtp';

// Over a socket, as the app sends: nodemailer picks each part's transfer encoding (7bit, quoted-printable
// or base64 by content) and the sandbox must hand back the text it was given.
const sandbox = new SmtpSandbox();
let mailer: SmtpMailer;
beforeAll(async () => {
  await sandbox.start();
  mailer = new SmtpMailer(sandbox.url, 'LinguaFlex <no-reply@linguaflex.test>', true);
});
afterAll(() => sandbox.stop());

// Line ends in a mail body travel as CRLF. Mostly ASCII with some other characters makes nodemailer
// choose quoted-printable (soft line breaks, `=XX` escapes); mostly other characters, base64.
const body = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 90 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((pieces) => pieces.join('').replace(/\r?\n|\r/g, '\r\n'))
  .filter((text) => text.length > 0);
let sent = 0;
const send = async (text: string, html: string) => {
  sent += 1;
  await mailer.send({
    to: 'student@linguaflex.test',
    subject: 'Your booking',
    text,
    html,
    messageId: `<m${sent}@test>`,
  });
  const stored = sandbox.messages.at(-1);
  if (!stored) throw new Error('nothing stored');
  return stored;
};

describe('the SMTP sandbox reads back what nodemailer sent', () => {
  it('decodes every transfer encoding nodemailer picks, any text, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(body, body, async (text, html) => {
        const stored = await send(text, `<p>${html}</p>`);
        expect(stored.text).toBe(text);
        expect(stored.html).toBe(`<p>${html}</p>`);
      }),
      { numRuns: 150 },
    );
  });

  it('sends the envelope and Message-ID asked for, and answers with that Message-ID', async () => {
    const messageId = '<booking-7-payment@linguaflex.ops>';
    const answered = await mailer.send({
      to: 'Ana Student <ana@linguaflex.test>',
      subject: 'Booking #7 is paid — your Zoom link',
      text: 'Join: https://zoom.example/j/1',
      html: '<p>Join: <a href="https://zoom.example/j/1">link</a></p>',
      messageId,
    });
    expect(answered).toBe(messageId);
    expect(sandbox.messages.at(-1)).toMatchObject({
      from: 'no-reply@linguaflex.test',
      to: ['ana@linguaflex.test'],
      subject: 'Booking #7 is paid — your Zoom link',
      messageId,
      text: 'Join: https://zoom.example/j/1',
    });
  });

  it('keeps an encoded "=" and joins long lines across soft breaks', async () => {
    const text = `price=50 ${'lesson '.repeat(30)}café =3D end`;
    const stored = await send(text, '<b>x</b>');
    expect(stored.headers['content-type']).toContain('multipart/alternative');
    expect(stored.text).toBe(text);
  });
});
