#!/usr/bin/env bash
# Sanitizer run (npm run test:asan). Root: the integration tests build network namespaces.
#   1. make -C native/test asan: the C++ unit tests under ASan + UBSan.
#   2. The addon built with ASan + UBSan (binding.gyp sanitize=1) into build/asan/build/Release/
#      through node-gyp with npm's nodedir; build/Release/rawscan.node is left untouched.
#   3. test/integration/engine.test.ts with that addon (RAWSCAN_ADDON) and libasan preloaded into
#      every process it starts, leak detection on.
#   4. Unless RAWSCAN_ASAN_SCAN=0 and if dist/ is built: a lab and a full -sS -p- scan of it
#      through the CLI with the sanitized addon, then the lab torn down.
# Every sanitizer report is written to a log file (log_path) instead of stderr, so a report from
# any process counts even if its exit status is ignored; the script prints them all, prints one
# summary line, and exits 1 if a stage failed or any report was written.
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
stage() { # stage NAME COMMAND...: runs a stage, records its failure, never stops the script
  local name=$1
  shift
  echo "== test:asan: $name"
  if ! "$@"; then failed+=("$name"); fi
}

# --- 1. C++ unit tests (linked with the sanitizers; no preload needed).
stage "C++ unit tests (make -C native/test asan)" make -s -C native/test asan

# --- 2. The sanitized addon. node-gyp always builds into ./build of the directory it runs in,
# so build/asan/ holds symlinks to binding.gyp and native/ and gets its own build/ tree.
build_addon() {
  local stage_dir=build/asan nodedir
  mkdir -p "$stage_dir"
  ln -sfn ../../binding.gyp "$stage_dir/binding.gyp"
  ln -sfn ../../native "$stage_dir/native"
  nodedir=$(npm config get nodedir)
  local gyp=(node "$root/node_modules/node-gyp/bin/node-gyp.js")
  local opts=(--sanitize=1 --jobs=max)
  case "$nodedir" in "" | undefined | null) ;; *) opts+=("--nodedir=$nodedir") ;; esac
  (
    cd "$stage_dir"
    if [ ! -f build/Makefile ] || [ binding.gyp -nt build/Makefile ]; then
      "${gyp[@]}" configure "${opts[@]}" --loglevel=warn
    fi
    "${gyp[@]}" build "${opts[@]}" --loglevel=warn >/dev/null
  )
}
stage "ASan/UBSan addon build (build/asan)" build_addon
addon=$root/build/asan/build/Release/rawscan.node

# LeakSanitizer is on. Node itself reports no leaks at a normal exit, so nothing is suppressed
# wholesale; only leaks that never involve our addon are ignored: the system tools the tests
# run (ip, nft, setpriv: short-lived, not ours). Anything allocated from rawscan.node or from a
# library it calls (libpcap) stays reported, because a suppression matches any frame of a leak.
cat >"$logs/lsan.supp" <<'EOF'
leak:/usr/bin/ip
leak:/usr/sbin/ip
leak:/bin/ip
leak:/usr/sbin/nft
leak:libnftables
leak:/usr/bin/setpriv
EOF
asan_env=(
  env "RAWSCAN_ADDON=$addon"
  "LD_PRELOAD=$(g++ -print-file-name=libasan.so)"
  "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$logs/asan:strict_string_checks=1:detect_stack_use_after_return=1"
  "LSAN_OPTIONS=suppressions=$logs/lsan.supp:print_suppressions=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
)

# --- 3. Engine integration tests under the sanitized addon.
if [ -f "$addon" ]; then
  stage "engine integration tests (sanitized addon)" \
    "${asan_env[@]}" CI=true node node_modules/vitest/vitest.mjs run test/integration/engine.test.ts

  # --- 4. A full SYN scan of a lab through the CLI.
  lab_scan() { # lab up/down run unsanitized; only the scan loads the addon
    local lab="z$(($$ % 100000))" status=0 ns target
    node dist/cli/main.js lab up "$lab" --random 60 --seed 7 >"$logs/lab-up.txt" ||
      { cat "$logs/lab-up.txt"; node dist/cli/main.js lab down "$lab" || true; return 1; }
    ns=$(node -p "require('/run/rawscan-lab/$lab.json').scannerNs")
    target=$(node -p "require('/run/rawscan-lab/$lab.json').targetAddress")
    "${asan_env[@]}" ip netns exec "$ns" node dist/cli/main.js -sS -p- -n -Pn -T4 "$target" \
      >"$logs/lab-scan.txt" 2>&1 || status=1
    node dist/cli/main.js lab down "$lab" >/dev/null || status=1
    grep -E '^(PORT|Not shown|[0-9]+/tcp)' "$logs/lab-scan.txt" | head -n 4
    ((status == 0)) || cat "$logs/lab-scan.txt"
    return "$status"
  }
  if [ "${RAWSCAN_ASAN_SCAN:-1}" != 0 ] && [ -f dist/cli/main.js ]; then
    stage "CLI -sS -p- scan of a lab (sanitized addon)" lab_scan
  fi
fi

# --- Reports and summary.
shopt -s nullglob
reports=("$logs"/asan.* "$logs"/ubsan.*)
for r in "${reports[@]}"; do
  echo "== sanitizer report $r"
  cat "$r"
done
count=${#reports[@]}
if ((${#failed[@]} == 0 && count == 0)); then
  echo "test:asan: PASS — no sanitizer reports (logs: $logs)"
  exit 0
fi
echo "test:asan: FAIL — $count sanitizer report(s); failed stages: ${failed[*]:-none} (logs: $logs)"
exit 1
