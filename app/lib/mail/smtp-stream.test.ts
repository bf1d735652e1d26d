import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

/**
 * smtp-server's DATA reader as patched for Plaza (`patches/smtp-server+3.21.7.patch`: the dot scan by
 * indexOf, ADR 144; the bytes held back between two chunks emitted without copying the next chunk,
 * ADR 153). Whatever the chunks a socket hands it, it must give back exactly the message the client
 * dot-stuffed (RFC 5321 4.5.2), stop at CRLF.CRLF and read the commands after it as commands.
 */

interface Stream {
  oncommand: (command: Buffer, callback?: () => void) => void
  startDataMode(maxBytes: number): NodeJS.ReadableStream
  continue(): void
  write(chunk: Buffer, callback: () => void): void
}
const { SMTPStream } = createRequire(import.meta.url)('smtp-server/lib/smtp-stream') as { SMTPStream: new () => Stream }

/** A seeded generator, so that a failure can be run again. */
function random(seed: number) {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
}

// A dot after any LF (smtp-server's reading of a line start) or at the very start gets one more.
const stuff = (body: string) => body.replace(/(^|\n)\./g, '$1..')

function receive(pieces: Buffer[]): Promise<{ data: string; commands: string[] }> {
  return new Promise((resolve) => {
    const stream = new SMTPStream()
    const commands: string[] = []
    const data: Buffer[] = []
    stream.oncommand = (command, callback) => {
      commands.push(command.toString('latin1'))
      callback?.()
    }
    const dataStream = stream.startDataMode(1e9)
    dataStream.on('data', (chunk: Buffer) => data.push(Buffer.from(chunk)))
    dataStream.on('end', () => stream.continue())
    let i = 0
    const next = () => {
      if (i < pieces.length) stream.write(pieces[i++]!, next)
      else setTimeout(() => resolve({ data: Buffer.concat(data).toString('latin1'), commands }), 0)
    }
    next()
  })
}

describe("smtp-server's DATA reader (patched)", () => {
  it('gives back every dot-stuffed message exactly, however the socket cuts it', async () => {
    const next = random(153)
    const words = ['.', '..', '.\r', 'a', 'line', '\r', '.x', 'QUIT', 'Zm9vYmFy+/=', '\n']
    for (let run = 0; run < 1500; run++) {
      const lines = Array.from({ length: Math.floor(next() * 40) }, () => Array.from({ length: Math.floor(next() * 4) }, () => words[Math.floor(next() * words.length)]).join(''))
      // Lines end with CRLF; a line may still hold a bare CR or LF, which is content. A message starts
      // with its header (a first line of dots cut into pieces of a byte or two is read wrongly by
      // smtp-server with or without Plaza's patches: not a message a mail exchanger sends).
      const body = `Subject: ${run}\r\n${lines.map((l) => `${l}\r\n`).join('')}`
      const wire = Buffer.from(`${stuff(body)}.\r\nQUIT\r\n`, 'latin1')
      const most = [1, 3, 8, 9, 16, 70, 4096][run % 7]!
      const pieces: Buffer[] = []
      for (let at = 0; at < wire.length;) {
        const n = 1 + Math.floor(next() * most)
        pieces.push(wire.subarray(at, at + n))
        at += n
      }
      const { data, commands } = await receive(pieces)
      expect({ run, data }).toEqual({ run, data: body })
      expect(commands).toEqual(['QUIT'])
    }
  })

  it('reads a message of megabytes in socket-sized chunks whole, its dot lines unstuffed', async () => {
    const next = random(7)
    const base64 = Array.from(
      { length: 20_000 },
      (_, i) => (i % 997 === 0 ? '.' : '') + Array.from({ length: 76 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[Math.floor(next() * 64)]).join(''),
    )
    const body = `Subject: big\r\n\r\n.first\r\n${base64.join('\r\n')}\r\n..\r\n`
    const wire = Buffer.from(`${stuff(body)}.\r\nQUIT\r\n`, 'latin1')
    for (const size of [65536, 65535, 8191, 1000]) {
      const pieces: Buffer[] = []
      for (let at = 0; at < wire.length; at += size) pieces.push(wire.subarray(at, at + size))
      const { data, commands } = await receive(pieces)
      expect(data === body).toBe(true)
      expect(commands).toEqual(['QUIT'])
    }
  })
})
