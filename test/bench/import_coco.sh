#!/usr/bin/env bash
# The COCO loader benchmark (README, "Import and export" under "Performance"):
#   bash test/bench/import_coco.sh [N_ANNOTATIONS]      (default 1000000)
# Builds and starts a scratch cluster (test/lib.sh), writes a synthetic file
# with gen_coco.py, runs `annqa import coco` once and prints the wall time,
# the server's CPU time per statement (log_statement_stats) and the time of
# each step of annqa.coco_load (its DEBUG step lines).  Not part of `make
# test` or `make bench`; run it on a quiet machine, and not repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
bash test/deps.sh
source test/lib.sh
trap annqa_cleanup EXIT
annqa_instance plain
annqa_start
"$BIN/createdb" annqa_import_bench
apsql -d annqa_import_bench -c "SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;" \
  -c "ALTER DATABASE annqa_import_bench SET log_min_messages = debug1" \
  -c "ALTER DATABASE annqa_import_bench SET log_statement_stats = on"
f=$T/coco_$n.json
/usr/bin/python3 test/bench/gen_coco.py "$n" "$f"
chmod 644 "$f"
echo "annqa import coco: $n annotations, $(du -m "$f" | cut -f1) MB; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "end to end: %e s wall (the CLI: %U s user, %S s system CPU)" \
  "$BIN/annqa" import coco "$f" --dataset bench --db "dbname=annqa_import_bench" 2>&1 | grep -v "objects, "
echo "server CPU per statement:"
grep -E "s user, .* elapsed|STATEMENT:  (COPY|SELECT annqa.coco_load)" "$T/server.log" \
  | sed -E 's/^.* STATEMENT:  //; s/^\s*!\s*//' | paste - - | grep -E "COPY pg_temp.annqa_coco_annotations|coco_load" \
  | awk -F'\t' '{n = split($1, a, " "); if (a[n - 2] + 0 > 0.005) print "  " substr($2, 1, 60) ": " $1}'
echo "coco_load steps:"
grep "annqa.import_coco: step" "$T/server.log" | sed -E 's/^.*step (.*), [0-9-]+ ([0-9:.]+)\+00$/\2\t\1/' \
  | awk -F'\t' '{split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]; if (NR > 1) printf "  %-50s %6.2f s\n", prev, s - last; prev = $2; last = s}'
