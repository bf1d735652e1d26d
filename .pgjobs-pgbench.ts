process.env.BENCH_ENGINE = 'postgres'
const { benchPetitions } = await import('/work/wt-pgjobs/tests/bench/petitions.bench.ts')
const verdicts = await benchPetitions(10)
for (const v of verdicts) console.log(`${v.ok ? 'PASS' : 'FAIL'}  ${v.name}: ${v.detail}`)
process.exit(0)
