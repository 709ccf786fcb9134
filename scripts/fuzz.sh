#!/usr/bin/env bash
# Runs every libFuzzer target of native/test (native/test/fuzz/fuzz_*.cc) for
# an equal share of a total time budget, over its growing corpus plus the seeds
# taken from test/fixtures/packets.
#
#   bash scripts/fuzz.sh            # 60 s in total (CI: every change)
#   bash scripts/fuzz.sh 600        # ten minutes in total
#   FUZZ_SECONDS=600 npm run fuzz
#
# Prints the executions (and executions per second) of each target. Exits 1 on
# the first finding (crash, sanitizer report, leak, timeout), naming the input
# that reproduces it (native/test/bin/{crash,leak,timeout,oom}-*), and 2 when
# the targets cannot be built. Needs clang++-14 (libFuzzer, ASan, UBSan).
set -euo pipefail
cd "$(dirname "$0")/../native/test"

total=${1:-${FUZZ_SECONDS:-60}}
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 1)); then
  echo "fuzz.sh: total time '$total' is not a positive number of seconds" >&2
  exit 2
fi

targets=()
for source in fuzz/fuzz_*.cc; do
  name=${source#fuzz/}
  targets+=("${name%.cc}")
done
((${#targets[@]} > 0)) || { echo "fuzz.sh: no fuzz targets in native/test/fuzz" >&2; exit 2; }

if ! make -s "${targets[@]/#/bin/}" bin/corpus/.seeded; then
  echo "fuzz.sh: building the fuzz targets failed (is clang++-14 installed?)" >&2
  exit 2
fi

share=$((total / ${#targets[@]}))
((share >= 1)) || share=1
log=$(mktemp /tmp/rawscan-fuzz-XXXXXX.log)
trap 'rm -f "$log"' EXIT
summary=()
for t in "${targets[@]}"; do
  mkdir -p "bin/corpus/$t"
  echo "== $t for ${share}s"
  status=0
  # -timeout: one input taking over 5 s is a finding (a hang in the parser).
  ./bin/"$t" -max_total_time="$share" -timeout=5 -print_final_stats=1 \
    -artifact_prefix=bin/ "bin/corpus/$t" bin/corpus/seeds >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if ((status != 0)); then
    tail -n 60 "$log" >&2
    artifact=$(grep -Eo 'bin/(crash|leak|timeout|oom)-[0-9a-f]+' "$log" | tail -1 || true)
    echo "fuzz.sh: $t found a bug (exit $status)${artifact:+; reproduce with native/test/bin/$t native/test/$artifact}" >&2
    exit 1
  fi
  summary+=("$(printf '%-20s %12s executions %10s/s' "$t" "${runs:-?}" "${speed:-?}")")
done
echo "== fuzzing done, ${share}s per target, no findings"
printf '%s\n' "${summary[@]}"
