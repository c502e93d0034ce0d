#!/usr/bin/env bash
# `make demo`: build and install annqa into a scratch PostgreSQL tree, start a
# throwaway cluster as the postgres user (private socket directory and port),
# load real multi-annotator data from ../shared/data into the annqa model, print the
# quality views, run the calibration and release gates,
# and stop the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/deps.sh
source test/lib.sh
trap annqa_cleanup EXIT
echo "annqa demo: building and starting a scratch cluster ..."
annqa_instance plain
annqa_start
"$BIN/createdb" annqa_demo
export PGDATABASE=annqa_demo
apsql -c "SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;"
echo "annqa demo: loading $SHARED/data ..."
cd "$SHARED/data"
apsql -f "$ANNQA_ROOT/test/demo/load.sql"
apsql -P footer=off -f "$ANNQA_ROOT/test/demo/report.sql"
# the visual report of the LabelMe batch (annqa.report_html), written under test/results/
mkdir -p "$ANNQA_ROOT/test/results"
apsql -At -c "SELECT annqa.report_html('labelme-cars')" > "$ANNQA_ROOT/test/results/report.html"
echo "annqa demo: visual report written to $ANNQA_ROOT/test/results/report.html"
