#!/usr/bin/env bash
# The whole annqa test suite: `make test` (also `make asan` / `make valgrind`
# through ANNQA_VARIANT).  Installs missing Debian packages when run as root,
# builds into a scratch PostgreSQL tree, starts a throwaway cluster as the
# postgres user, runs pg_regress, the TAP tests, the C unit tests and the fuzz
# smoke run, cleans up, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
VARIANT=${ANNQA_VARIANT:-plain}
export ANNQA_VARIANT=$VARIANT
[ "$VARIANT" = valgrind ] && export ANNQA_EXTRA_PKGS="valgrind"
[ "$VARIANT" = asan ] && export ANNQA_EXTRA_PKGS="libgcc-12-dev"
[ "$VARIANT" = plain ] && export ANNQA_EXTRA_PKGS="chromium fonts-dejavu-core"   # the browser test
bash test/deps.sh || exit 1
source test/lib.sh

passed=0; failed=0; failures=()
pass() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "  FAIL $1"; }
trap annqa_cleanup EXIT

rm -rf "$ANNQA_ROOT/test/results"
echo "== annqa test suite ($VARIANT build)"
annqa_instance "$VARIANT" || exit 1
annqa_start || exit 1
[ -n "${ANNQA_KEEP:-}" ] && echo "scratch directory (kept): $T"
PGXS_DIR=$(dirname "$(dirname "$("$SYS_PGLIB/bin/pg_config" --pgxs)")")

# ---------------------------------------------------------------- pg_regress
echo "== pg_regress"
REGRESS_IN=$T/regress_in
mkdir -p "$REGRESS_IN" "$T/regress_out"
ln -s "$ANNQA_ROOT/test/sql" "$REGRESS_IN/sql"
ln -s "$ANNQA_ROOT/expected" "$REGRESS_IN/expected"
ln -s "$SHARED" "$REGRESS_IN/shared"
ln -s "$ANNQA_ROOT/test/fixtures" "$REGRESS_IN/fixtures"
tests=${ANNQA_TESTS:-$(cd test/sql && ls *.sql | sed 's/\.sql$//' | sort)}
# Tests needing a non-default set-up can be skipped under the slow variants.
if [ "$VARIANT" != plain ]; then tests=$(echo $tests | tr ' ' '\n' | grep -v -x -f test/slow_tests.txt 2>/dev/null || echo $tests); fi
( cd "$REGRESS_IN" && "$PGXS_DIR/test/regress/pg_regress" --bindir="$BIN" \
    --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=annqa_regress \
    --inputdir=. --outputdir="$T/regress_out" $tests ) >"$T/regress.log" 2>&1
cat "$T/regress.log" | grep -E "^(test| )" | sed 's/^/    /'
for t in $tests; do
  if grep -qE "^(test +| +)$t +\.\.\. ok" "$T/regress.log"; then pass "regress/$t"; else fail "regress/$t"; fi
done
if [ -s "$T/regress_out/regression.diffs" ]; then
  mkdir -p "$ANNQA_ROOT/test/results"
  cp "$T/regress_out/regression.diffs" "$ANNQA_ROOT/test/results/regression.diffs"
  head -200 "$T/regress_out/regression.diffs"
  echo "    (full diff in test/results/regression.diffs)"
fi

# ---------------------------------------------------------------- variant checks
if [ "$VARIANT" = asan ]; then
  if ls "$T"/asan.* "$T"/ubsan.* >/dev/null 2>&1; then
    cat "$T"/asan.* "$T"/ubsan.* 2>/dev/null | head -100; fail "asan/ubsan reports"
  elif grep -q "runtime error\|AddressSanitizer" "$T/server.log"; then
    grep -A20 "runtime error\|AddressSanitizer" "$T/server.log" | head -60; fail "asan/ubsan reports"
  else pass "asan/ubsan: no reports"; fi
fi
if [ "$VARIANT" = valgrind ]; then
  annqa_stop
  # An error block is ours when one of its stack frames is in annqa.so or in
  # one of annqa's source files (the build has -g).
  srcs=$(cd "$ANNQA_ROOT" && ls src/*.c src/core/*.c | xargs -n1 basename | sed 's/\./\\./' | paste -sd'|')
  count_blocks() {  # $1: 1 = only blocks through annqa
    cat "$T"/valgrind.*.log 2>/dev/null | awk -v only="$1" -v pat="annqa\\.so|[ (](${srcs}):[0-9]" '
      /^==[0-9]+== *$/ { if (err && (!only || hit)) n++; err = 0; hit = 0; next }
      /^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination overlap)/ { err = 1 }
      $0 ~ pat { hit = 1 }
      END { if (err && (!only || hit)) n++; print n + 0 }'
  }
  ours=$(count_blocks 1)
  total=$(count_blocks 0)
  echo "    valgrind: $total error reports in all, $ours in stacks through annqa"
  if [ "$ours" -eq 0 ]; then pass "valgrind: no errors in annqa code"; else
    cat "$T"/valgrind.*.log | grep -B2 -A30 -E "annqa\.so|annqa_" | head -150; fail "valgrind errors in annqa code"; fi
fi

# ---------------------------------------------------------------- TAP and unit tests
if [ "$VARIANT" = plain ]; then
  echo "== TAP tests"
  mkdir -p "$T/tap"; chown postgres: "$T/tap" 2>/dev/null || true
  for f in test/t/*.pl; do
    [ -e "$f" ] || continue
    if as_pg env PATH="$BIN:$PATH" TESTDIR="$T/tap" SHARED="$SHARED" ANNQA_ROOT="$ANNQA_ROOT" \
         PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
         prove -I "$PGXS_DIR/test/perl" -I test/t "$f" >"$T/tap/$(basename "$f").log" 2>&1; then
      pass "tap/$(basename "$f")"
    else
      tail -40 "$T/tap/$(basename "$f").log"; fail "tap/$(basename "$f")"
    fi
  done

  echo "== browser: the demo report in headless chromium"
  if BIN="$BIN" T="$T" SHARED="$SHARED" ANNQA_ROOT="$ANNQA_ROOT" bash test/browser/run.sh >"$T/browser.log" 2>&1; then
    pass "browser/report ($(grep -c '^    ok' "$T/browser.log") checks; screenshot test/results/report.png)"
  else
    tail -40 "$T/browser.log"; fail "browser/report"
  fi

  echo "== C unit tests"
  make -s -C "$ANNQA_ROOT" $(ls test/unit/test_*.c 2>/dev/null | sed 's|test/unit/\(.*\)\.c|test/unit/bin/\1|') >"$T/unit-build.log" 2>&1 || {
    cat "$T/unit-build.log"; fail "unit build"; }
  for b in test/unit/bin/test_*; do
    [ -x "$b" ] || continue
    if "./$b" >"$T/$(basename "$b").log" 2>&1; then pass "unit/$(basename "$b")  ($(grep -c '^ok' "$T/$(basename "$b").log") checks)"
    else grep -v '^ok' "$T/$(basename "$b").log" | head -30; fail "unit/$(basename "$b")"; fi
  done

  if [ -x test/fuzz/run.sh ] || [ -f test/fuzz/run.sh ]; then
    echo "== fuzz smoke run"
    if bash test/fuzz/run.sh "${ANNQA_FUZZ_SECONDS:-10}" >"$T/fuzz.log" 2>&1; then pass "fuzz smoke ($(tail -1 "$T/fuzz.log"))"
    else tail -30 "$T/fuzz.log"; fail "fuzz smoke"; fi
  fi
fi

if grep -q "server process .* was terminated by signal" "$T/server.log" 2>/dev/null; then
  grep -B2 -A5 "terminated by signal" "$T/server.log" | head -40; fail "server crash during the suite"
fi

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
