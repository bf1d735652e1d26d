import net from 'node:net'
import nodemailer from 'nodemailer'
import { afterEach, describe, expect, it } from 'vitest'
import { startSmtpTestServer, type SmtpTestServer } from '../../app/lib/mail/smtp-test-server'
import { startSmtpSink, type SmtpSink } from './smtp'

/**
 * The SMTP servers the tests run (the sink Plaza delivers to in integration tests, and the test
 * server of app/lib/mail): a client that resets its connection in the middle of a message — a
 * Plaza stopped or killed while its mail worker sends — must not become an uncaught exception in
 * the test process (it did once in CI: `read ECONNRESET` during open311-fixmystreet.test.ts), and
 * the server keeps accepting mail.
 */

/** Opens a connection, starts a message, sends half of it and resets the connection (TCP RST). */
async function resetMidMessage(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  let buffer = ''
  const reply = (code: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const lines = buffer.split('\r\n')
        if (lines.some((l) => l.startsWith(`${code} `))) {
          buffer = ''
          socket.off('data', onData)
          resolve()
        }
      }
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        check()
      }
      socket.on('data', onData)
      socket.once('close', () => reject(new Error(`closed waiting for ${code}`)))
      check()
    })
  await reply('220')
  socket.write('EHLO client.example\r\n')
  await reply('250')
  socket.write('MAIL FROM:<plaza@valmera.example>\r\n')
  await reply('250')
  socket.write('RCPT TO:<someone@valmera.example>\r\n')
  await reply('250')
  socket.write('DATA\r\n')
  await reply('354')
  socket.write('Subject: half\r\n\r\nThe first half of a message')
  await new Promise((r) => setTimeout(r, 50))
  socket.resetAndDestroy()
  await new Promise((r) => socket.once('close', r))
}

async function send(url: string, subject: string) {
  const transport = nodemailer.createTransport(url)
  await transport.sendMail({ from: 'plaza@valmera.example', to: 'someone@valmera.example', subject, text: 'Whole.' })
  transport.close()
}

async function until(check: () => boolean) {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not within 10 s')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a client reset mid-message', () => {
  let sink: SmtpSink | undefined
  let server: SmtpTestServer | undefined
  afterEach(async () => {
    await sink?.stop()
    await server?.close()
    sink = server = undefined
  })

  it('is kept as an error by the sink, which then accepts the next mail', async () => {
    sink = await startSmtpSink()
    await resetMidMessage(Number(new URL(sink.url).port))
    await until(() => sink!.errors.length > 0)
    expect(sink.errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET')
    await send(sink.url, 'whole')
    await until(() => sink!.mails.length === 1)
    expect(sink.mails[0]!.subject).toBe('whole')
  })

  it('is kept as an error by the test server, which then accepts the next mail', async () => {
    server = await startSmtpTestServer()
    await resetMidMessage(server.port)
    await until(() => server!.errors.length > 0)
    expect(server.errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET')
    await send(server.url, 'whole')
    const mails = await server.waitFor(1)
    expect(mails[0]!.subject).toBe('whole')
  })
})
