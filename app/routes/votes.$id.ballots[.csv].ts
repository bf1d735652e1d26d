import type { LoaderFunctionArgs } from '@remix-run/node'
import { publishedBallotList } from '../http/votes.server'

/** /votes/:id/ballots.csv — the anonymised ballot list after the close, streamed (voting.server.ts ballotListStream). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return publishedBallotList(request, params.id, 'csv')
}
