import { HONEYPOT_FIELD } from '../lib/honeypot'

/** The hidden trap field; see app/lib/honeypot.ts. Its label is for bots, so it is not translated. */
export function HoneypotField() {
  return (
    <div className="hp" aria-hidden="true">
      <label htmlFor={HONEYPOT_FIELD}>{HONEYPOT_FIELD}</label>
      <input id={HONEYPOT_FIELD} name={HONEYPOT_FIELD} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
    </div>
  )
}
