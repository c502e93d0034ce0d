#!/usr/bin/env bash
# `make bench`: benchmarks, each figure next to its baseline measured in the
# same run on the same scratch cluster.  Never part of `make test`; asserts no
# time.  ANNQA_BENCH=NAME runs only test/bench/NAME.sql.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/deps.sh
source test/lib.sh
trap annqa_cleanup EXIT
annqa_instance plain
annqa_start -c shared_buffers=2GB -c work_mem=256MB -c max_parallel_workers_per_gather=0 -c jit=off
"$BIN/createdb" annqa_bench
export PGDATABASE=annqa_bench
apsql -c "SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;" -f test/bench/bench.sql
echo "annqa benchmarks ($(nproc) cores, PostgreSQL $("$BIN/postgres" -V | awk '{print $3}'), $(date -u +%F))"
for f in test/bench/[0-9]*.sql; do
  name=$(basename "$f" .sql)
  [ -n "${ANNQA_BENCH:-}" ] && [ "$ANNQA_BENCH" != "$name" ] && continue
  echo; echo "== $name"
  (cd "$SHARED" && apsql -P footer=off -f "$ANNQA_ROOT/$f")
done
