#!/bin/sh
# seed_corpus.sh FIXTURE_DIR OUT_DIR: one seed per test/fixtures/packets/*.hex, the
# frame prefixed with the link-type byte the fuzz targets read first.
set -eu
fixtures=$1
out=$2
mkdir -p "$out"
for f in "$fixtures"/*.hex; do
  case $(sed -n 's/^# link: //p' "$f") in
    sll) link=01 ;;
    sll2) link=02 ;;
    raw) link=03 ;;
    *) link=00 ;;
  esac
  { echo "$link"; grep -v '^#' "$f"; } | xxd -r -p > "$out/$(basename "$f" .hex)"
done
