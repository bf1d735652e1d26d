import type { LoaderFunctionArgs } from '@remix-run/node'
import { publishedBallotList } from '../http/votes.server'

/** /votes/:id/ballots.json — the anonymised ballot list after the close, streamed, with how to recompute each hash. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return publishedBallotList(request, params.id, 'json')
}
