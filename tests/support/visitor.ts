/** A visitor with a cookie jar, talking HTTP to a running Plaza like a browser without JS. */
export class Visitor {
  cookies = new Map<string, string>()
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private remember(res: Response) {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';')
      const [name, ...value] = pair!.split('=')
      const expired = attributes.some((a) => /max-age=0/i.test(a.trim()))
      if (expired || value.join('=') === '') this.cookies.delete(name!.trim())
      else this.cookies.set(name!.trim(), value.join('='))
    }
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(this.base + path, {
      headers: { accept: 'text/html', ...this.headers, ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...headers },
      redirect: 'manual',
    })
    this.remember(res)
    return res
  }

  async post(path: string, fields: Record<string, string> | FormData, headers: Record<string, string> = {}) {
    const res = await fetch(this.base + path, {
      method: 'POST',
      body: fields instanceof FormData ? fields : new URLSearchParams(fields),
      headers: { origin: this.base, accept: 'text/html', ...this.headers, ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...headers },
      redirect: 'manual',
    })
    this.remember(res)
    return res
  }

  get loggedIn() {
    return this.cookies.has('plaza_session')
  }
}
