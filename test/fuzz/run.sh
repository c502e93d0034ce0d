#!/usr/bin/env bash
# Build the libFuzzer targets against the pure core (src/core) with
# clang -fsanitize=fuzzer,address,undefined and run each for SECONDS seconds.
# The last line of output is a one-line summary; the exit status is non-zero
# on any finding (crash, sanitizer report or failed invariant).
# Debian bookworm packages: clang, libclang-rt-14-dev (listed in test/deps.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-10}
CC=${FUZZ_CC:-$(command -v clang || command -v clang-14 || true)}
if [ -z "$CC" ]; then echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)"; exit 1; fi
OUT=test/fuzz/bin
mkdir -p "$OUT"
targets=(fuzz_rle_text fuzz_rle_recv fuzz_ls_brush fuzz_cvat)
for t in "${targets[@]}"; do
  "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Isrc/core -o "$OUT/$t" "test/fuzz/$t.c" src/core/rle_codec.c src/core/raster.c src/core/io_codec.c src/core/cvat_interp.c -lm \
    >"$OUT/$t.build.log" 2>&1 || { cat "$OUT/$t.build.log"; echo "fuzz: build of $t failed"; exit 1; }
done
total=0; findings=0
for t in "${targets[@]}"; do
  corpus=$OUT/corpus_$t; mkdir -p "$corpus"
  # seeds: the spec's worked examples
  if [ "$t" = fuzz_rle_text ]; then
    printf '\x05P128000V1' >"$corpus/seed1"; printf '\x0a061M' >"$corpus/seed2"; printf '\x0b0T35^N' >"$corpus/seed3"
    printf '\x108<63' >"$corpus/seed4"; printf '\xc9\x00\x00\x00\x00\x00\x00\x48\x00\x48\x00\x48\x00\x48\x00\x00\x00' >"$corpus/seed5"
  elif [ "$t" = fuzz_cvat ]; then
    # 2 and 3 points: test A of test/unit/test_cvat.c in eighths of a pixel
    printf '\x01\x80\x00\x00\x00\x00\x50\x00\x00\x00\x00\x00\x50\x00\x28\x00\x50\x00\x50\x00\x50\x00' >"$corpus/seed1"
  elif [ "$t" = fuzz_ls_brush ]; then
    # a 2 x 1 image: the README's brush example (test/fixtures/io/ls_brush_tiny.json)
    printf '\x01\x00\x00\x00\x08\x38\xa4\x7c\xc0\x07\xfe\x00\x01\xfe' >"$corpus/seed1"
  else
    printf '\x00\x00\x00\x01\x00\x00\x00\x0a\x00\x00\x00\x0a\x00\x00\x00\x03\x00\x00\x00\x20\x00\x00\x00\x02\x00\x00\x00\x42' >"$corpus/seed1"
  fi
  log=$OUT/$t.log
  "./$OUT/$t" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$OUT/$t-" -print_final_stats=1 "$corpus" >"$log" 2>&1
  rc=$?
  n=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
  n=${n:-0}; total=$((total + n))
  if [ $rc -ne 0 ] || grep -q "ERROR: AddressSanitizer\|runtime error\|deadly signal\|ERROR: libFuzzer" "$log"; then
    findings=$((findings + 1)); echo "fuzz: $t found a problem:"; grep -A15 "ERROR\|runtime error\|deadly" "$log" | head -40
  fi
  echo "fuzz: $t: $n execs in ${SECONDS_EACH}s"
done
echo "${#targets[@]} targets, $total execs, $findings crashes"
[ "$findings" -eq 0 ]
