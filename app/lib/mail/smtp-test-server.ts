import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

/**
 * A real SMTP server on 127.0.0.1 and a random port, for tests: it parses every mail it accepts
 * with mailparser, and answers with whatever reply code a test asks for.
 */

export interface SmtpReply {
  code: number
  message: string
}

export interface SmtpTestServerOptions {
  /** Refuse a recipient (RCPT TO) with this reply; undefined accepts it. */
  rcpt?: (address: string, session: SMTPServerSession) => SmtpReply | undefined
  /** Refuse the message after DATA with this reply; undefined accepts it. */
  data?: (raw: string) => SmtpReply | undefined
}

export interface SmtpTestServer {
  port: number
  url: string
  received: ParsedMail[]
  /** Connection errors the server reported (e.g. `read ECONNRESET` from a client reset mid-transaction), kept. */
  errors: Error[]
  /** Resolves once `count` mails have been accepted (fails after `timeoutMs`, default 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>
  close(): Promise<void>
}

const refusal = (reply: SmtpReply) => Object.assign(new Error(reply.message), { responseCode: reply.code })

export async function startSmtpTestServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: ParsedMail[] = []
  const errors: Error[] = []
  const waiting: Array<{ count: number; resolve: () => void }> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, session, callback) {
      const reply = options.rcpt?.(address.address, session)
      callback(reply ? refusal(reply) : undefined)
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const reply = options.data?.(raw)
        if (reply) return callback(refusal(reply))
        simpleParser(raw)
          .then((parsed) => {
            received.push(parsed)
            for (const w of waiting.filter((w) => received.length >= w.count)) w.resolve()
            callback()
          })
          .catch((error: Error) => callback(error))
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  // A client that resets its connection mid-transaction (a process stopped or killed while sending)
  // makes the server emit 'error'; without a listener that is an uncaught exception in the caller.
  server.on('error', (error: Error) => errors.push(error))
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    errors,
    waitFor(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve(received)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} mails, got ${received.length}`)), timeoutMs)
        waiting.push({
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve(received)
          },
        })
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
