#!/usr/bin/env bash
# `make bench`: benchmarks, each figure next to its baseline measured in the
# same run on the same scratch cluster.  Never part of `make test`; asserts no
# time.  ANNQA_BENCH=NAME runs only test/bench/NAME.sql.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/deps.sh
source test/lib.sh

# Huge pages for the 2 GB of shared buffers, when this machine lets us
# reserve them (root and a writable /proc/sys/vm/nr_hugepages; the old value
# is put back on exit).  A parallel worker is a new process: with 4 kB pages
# it maps every shared-buffer page it reads one fault at a time, and unmaps
# them when it exits, in every query; 2 MB pages make that 512 times rarer.
# PostgreSQL's documentation recommends them for large shared_buffers.
# ANNQA_BENCH_HUGEPAGES=0 leaves the machine as it is (huge_pages = try
# then uses only pages that are already reserved).
HP_OLD=
bench_cleanup() {
  annqa_cleanup
  if [ -n "$HP_OLD" ]; then echo "$HP_OLD" > /proc/sys/vm/nr_hugepages 2>/dev/null || true; fi
}
trap bench_cleanup EXIT
if [ "${ANNQA_BENCH_HUGEPAGES:-1}" = 1 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
  cur=$(cat /proc/sys/vm/nr_hugepages)
  if [ "$cur" -lt 1100 ] && echo 1100 > /proc/sys/vm/nr_hugepages 2>/dev/null; then HP_OLD=$cur; fi
fi
annqa_instance plain
annqa_start -c shared_buffers=2GB -c huge_pages=try -c work_mem=256MB -c max_parallel_workers_per_gather=0 -c jit=off
# huge pages taken (in use or reserved) once the cluster is up
hp_taken=$(awk '/HugePages_Total/ {t=$2} /HugePages_Free/ {f=$2} /HugePages_Rsvd/ {r=$2} END {print t - f + r}' /proc/meminfo)
"$BIN/createdb" annqa_bench
export PGDATABASE=annqa_bench
apsql -c "SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;" -f test/bench/bench.sql
echo "annqa benchmarks ($(nproc) cores, PostgreSQL $("$BIN/postgres" -V | awk '{print $3}'), $(date -u +%F))"
if [ "${hp_taken:-0}" -gt 0 ]; then
  echo "shared_buffers 2GB on huge pages ($hp_taken x 2 MB taken)"
else
  echo "shared_buffers 2GB on 4 kB pages (no huge pages could be reserved; parallel figures are lower)"
fi
for f in test/bench/[0-9]*.sql; do
  name=$(basename "$f" .sql)
  [ -n "${ANNQA_BENCH:-}" ] && [ "$ANNQA_BENCH" != "$name" ] && continue
  echo; echo "== $name"
  (cd "$SHARED" && apsql -P footer=off -f "$ANNQA_ROOT/$f")
done
