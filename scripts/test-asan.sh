#!/usr/bin/env bash
# Sanitizer run (npm run test:asan). Root: the integration tests build network namespaces.
#   1. make -C native/test asan: the C++ unit tests under ASan + UBSan.
#   2. The addon built by clang++-14 with ASan + UBSan (binding.gyp sanitize=1) through node-gyp
#      with npm's nodedir into build-asan/build/Release/; build/Release/rawscan.node is untouched.
#   3. test/integration/engine.test.ts with that addon (RAWSCAN_ADDON) and the ASan runtime
#      preloaded into every process the run starts.
#   4. If dist/ is built (skip with RAWSCAN_ASAN_SCAN=0): a lab, a full -sS -p- scan of it through
#      the CLI with the sanitized addon, the lab torn down.
# Why clang: its ASan runtime contains UBSan, so both write to ASan's log_path; with g++, UBSan
# (a separate libubsan) ignores log_path and writes to the stderr of whichever process hit it.
# Reports go to log files, so a report counts even from a process whose exit status nobody
# checks. ASan and UBSan errors abort the process and always count (except the interceptor
# errors of iproute2 listed below: the preload reaches every tool the tests run).
# Leaks: see LEAKS below. Prints the reports, one summary line, exits 1 on any failure or report.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "$(id -u)" -ne 0 ]; then
  echo "test:asan: needs root (the integration tests create network namespaces); run it with sudo" >&2
  exit 1
fi

logs=$(mktemp -d /tmp/rawscan-asan-XXXXXX)
chmod 1777 "$logs" # the privilege test runs a node as nobody; its reports must land here too
failed=()
stage() { # stage NAME COMMAND...: runs a stage and records its failure; the script goes on
  local name=$1
  shift
  echo "== test:asan: $name"
  if ! "$@"; then failed+=("$name"); fi
}

# --- 1. C++ unit tests (g++, linked with the sanitizers; their UBSan reports go to stderr here).
stage "C++ unit tests (make -C native/test asan)" make -s -C native/test asan

# --- 2. The sanitized addon. node-gyp always builds into ./build of the directory it runs in,
# so build-asan/ holds symlinks to binding.gyp and native/ and gets a build/ tree of its own
# (outside build/, which every `npm run build:native` deletes). Stages run as `if` conditions,
# where set -e is off: every step below says what failure means.
build_addon() {
  local gyp=(node "$root/node_modules/node-gyp/bin/node-gyp.js") opts=(--sanitize=1 --jobs=max)
  local nodedir
  nodedir=$(npm config get nodedir)
  case "$nodedir" in "" | undefined | null) ;; *) opts+=("--nodedir=$nodedir") ;; esac
  mkdir -p build-asan || return 1
  ln -sfn ../binding.gyp build-asan/binding.gyp && ln -sfn ../native build-asan/native || return 1
  (
    cd build-asan || exit 1
    export CC=clang-14 CXX=clang++-14
    if [ ! -f build/Makefile ] || [ binding.gyp -nt build/Makefile ]; then
      "${gyp[@]}" configure "${opts[@]}" --loglevel=warn || exit 1
    fi
    "${gyp[@]}" build "${opts[@]}" --loglevel=warn >/dev/null
  ) || return 1
  [[ $(nm -D build-asan/build/Release/rawscan.node) == *__asan_report* ]] ||
    { echo "test:asan: build-asan/build/Release/rawscan.node is not instrumented" >&2; return 1; }
}
stage "ASan/UBSan addon build (build-asan)" build_addon
addon=$root/build-asan/build/Release/rawscan.node

# LEAKS. LeakSanitizer runs at every exit but never changes an exit status (exitcode=0); the
# leaks that count are picked from its reports afterwards (our_leaks). A suppressions file
# cannot do that: a suppression matches ANY frame of a leak's stack, and every allocation of
# the addon has Node and V8 frames below it. Node leaks nothing at a normal exit, but after
# process.exit() (the CLI, one test) V8 and Node leave thousands of allocations, some made
# inside napi_* calls of ours. A leak is ours when the first frame above the allocator
# runtime (ASan's, libstdc++, libc) and libpcap is in rawscan.node: memory our code (or
# libpcap on its behalf) allocated and never freed. malloc_context_size=12 keeps the
# reports of process.exit() short enough to symbolize quickly; 12 frames still reach our
# code in the allocation/free stacks of a use-after-free.
cat >"$logs/suppressions.txt" <<'EOF'
interceptor_via_lib:bin/ip$
EOF
asan_options=(detect_leaks=1 abort_on_error=1 malloc_context_size=12 "log_path=$logs/asan"
  "suppressions=$logs/suppressions.txt" "stack_trace_format='    #%n %p %F %L <%m>'") # <%m>: module
llvm_bin=$(dirname "$(readlink -f "$(command -v clang++-14)")") # llvm-14, a dependency of clang-14
asan_env=(
  env -u RAWSCAN_TEST_REPORT "RAWSCAN_ADDON=$addon" # .ci/run's vitest report is not ours to write
  "ASAN_SYMBOLIZER_PATH=$llvm_bin/llvm-symbolizer"
  "LD_PRELOAD=$(clang++-14 -print-file-name=libclang_rt.asan-x86_64.so)"
  "ASAN_OPTIONS=$(IFS=:; echo "${asan_options[*]}")"
  "LSAN_OPTIONS=exitcode=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
)

# Prints the leak blocks of a LeakSanitizer report that are ours (see LEAKS).
our_leaks() {
  awk -v RS= '/^(Direct|Indirect) leak/ {
    n = split($0, frame, "\n")
    for (i = 2; i <= n; i++) {
      if (frame[i] ~ /<[^>]*(libclang_rt\.asan|libstdc\+\+|libc\.so|libpcap)[^>]*>$/) continue
      if (frame[i] ~ /rawscan\.node>$/) print $0 "\n"
      break
    }
  }' "$1"
}

# --- 3. Engine integration tests under the sanitized addon.
if [ -f "$addon" ]; then
  stage "engine integration tests (sanitized addon)" \
    "${asan_env[@]}" CI=true node node_modules/vitest/vitest.mjs run test/integration/engine.test.ts

  # --- 4. A full SYN scan of a lab through the CLI; lab up/down run without the sanitizers.
  # The scan must exit 0 and find exactly the lab's open ports.
  lab="z$(($$ % 100000))"
  lab_down() { node dist/cli/main.js lab down "$lab" >/dev/null; }
  lab_scan() {
    local status=0 ns target want got
    trap 'lab_down 2>/dev/null || true' EXIT
    trap 'lab_down 2>/dev/null || true; exit 130' INT TERM
    node dist/cli/main.js lab up "$lab" --random 60 --seed 7 >"$logs/lab-up.txt" ||
      { cat "$logs/lab-up.txt"; return 1; }
    read -r ns target want < <(node -e "const s = require('/run/rawscan-lab/$lab.json');
      console.log(s.scannerNs, s.targetAddress, Object.keys(s.ports).filter((p) => s.ports[p] === 'open').join(' '))")
    "${asan_env[@]}" ip netns exec "$ns" node dist/cli/main.js -sS -p- -n -Pn -T4 "$target" \
      >"$logs/lab-scan.txt" 2>&1 || status=1
    lab_down || status=1
    trap - EXIT INT TERM
    got=$(awk '$2 == "open" { sub("/tcp", "", $1); printf "%s%s", sep, $1; sep = " " }' "$logs/lab-scan.txt")
    echo "open ports: found [$got], lab truth [$want]"
    [ "$got" = "$want" ] || status=1
    ((status == 0)) || cat "$logs/lab-scan.txt"
    return "$status"
  }
  if [ "${RAWSCAN_ASAN_SCAN:-1}" = 0 ]; then
    echo "== test:asan: lab scan skipped (RAWSCAN_ASAN_SCAN=0)"
  elif [ ! -f dist/cli/main.js ]; then
    echo "== test:asan: lab scan skipped (dist/ not built: npm run build:ts)"
  else
    stage "CLI -sS -p- scan of a lab (sanitized addon)" lab_scan
  fi
fi

# --- Reports and summary.
shopt -s nullglob
count=0 ignored=0
for r in "$logs"/asan.*; do
  if grep -q 'ERROR: LeakSanitizer' "$r"; then
    leaks=$(our_leaks "$r")
    if [ -z "$leaks" ]; then
      ignored=$((ignored + 1))
      continue
    fi
    echo "== leaks of rawscan.node in $r"
    echo "$leaks"
  else
    echo "== sanitizer report $r"
    cat "$r"
  fi
  count=$((count + 1))
done
note="$ignored leak report(s) of Node/V8 alone ignored; logs: $logs"
if ((${#failed[@]} == 0 && count == 0)); then
  echo "test:asan: PASS — no sanitizer reports ($note)"
  exit 0
fi
echo "test:asan: FAIL — $count sanitizer report(s); failed stages: ${failed[*]:-none} ($note)"
exit 1
