#!/usr/bin/env bash
# The visual report in a real browser.  Called by test/run.sh with the scratch
# cluster running (PGHOST, PGPORT, BIN, T, SHARED, ANNQA_ROOT set): loads the
# demo data into a database of its own exactly as `make demo` does, writes the
# demo report (annqa.report_html('labelme-cars')) to test/results/report.html,
# renders it headless in Debian's chromium and checks that
#   - the page logs nothing to the console (the report carries a
#     Content-Security-Policy of default-src 'none', so any external asset,
#     script or style sheet it tried to load would be blocked and logged);
#   - the rendered DOM has every section and the SVG charts and overlays,
#     with the LabelMe pictures drawn under the overlays;
#   - the screenshot is a PNG of the window size (kept as
#     test/results/report.png, the test artifact).
set -euo pipefail
out=$ANNQA_ROOT/test/results
mkdir -p "$out"
db=annqa_browser
psql_() { "$BIN/psql" -X -v ON_ERROR_STOP=1 -q -d "$db" "$@"; }
problems=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "    ok   $what"; else echo "    FAIL $what"; problems=$((problems + 1)); fi
}

"$BIN/dropdb" --if-exists "$db" 2>/dev/null || true
"$BIN/createdb" "$db"
psql_ -c "SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;"
( cd "$SHARED/data" && psql_ -f "$ANNQA_ROOT/test/demo/load.sql" && psql_ -P footer=off -f "$ANNQA_ROOT/test/demo/report.sql" ) \
  >"$T/browser-load.log" 2>&1 || { tail -30 "$T/browser-load.log"; echo "browser: loading the demo data failed"; exit 1; }
psql_ -At -c "SELECT annqa.report_html('labelme-cars')" >"$out/report.html"
n_items=$(psql_ -At -c "SELECT count(*) FROM annqa.item_image m JOIN annqa.item i USING (item_id) JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'labelme-cars'")

# a profile directory of its own, no first-run work, no network services
prof=$(mktemp -d /tmp/annqa-chromium-XXXXXX)
trap 'rm -rf "$prof"' EXIT
flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$prof" --no-first-run --no-default-browser-check
       --disable-background-networking --disable-component-update --disable-default-apps --disable-sync
       --disable-extensions --disable-breakpad --metrics-recording-only --hide-scrollbars --mute-audio
       --window-size=1280,4000)
url="file://$out/report.html"
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --log-level=0 --v=0 \
  --screenshot="$out/report.png" "$url" >"$T/chromium-shot.log" 2>&1 || { tail -20 "$T/chromium-shot.log"; echo "browser: chromium failed"; exit 1; }
timeout 120 chromium "${flags[@]}" --dump-dom "$url" >"$out/report.dom.html" 2>"$T/chromium-dom.log" || {
  tail -20 "$T/chromium-dom.log"; echo "browser: chromium --dump-dom failed"; exit 1; }

# console: any message the page logged (the report has no script, so none is expected)
if grep -q "CONSOLE" "$T/chromium-shot.log"; then grep "CONSOLE" "$T/chromium-shot.log" | head -20; fi
check "no console messages" bash -c "! grep -q CONSOLE '$T/chromium-shot.log'"

# the rendered DOM
dom=$out/report.dom.html
count() { grep -o -- "$1" "$dom" | wc -l; }
check "the DOM was rendered (no parser error)" bash -c "grep -q '</html>' '$dom' && ! grep -q '<parsererror' '$dom'"
for s in gate agreement-by-class agreement-matrix confusion gold-accuracy rework checklist gallery; do
  check "section #$s rendered" grep -q "<section id=\"$s\"" "$dom"
done
check "the gate verdict is shown" grep -q 'Gate verdict: <span class="\(pass\|fail\)"' "$dom"
check "3 chart SVGs (bars, agreement heat map, confusion heat map): $(count '<svg[^>]*class="chart"')" test "$(count '<svg[^>]*class="chart"')" -eq 3
check "overlay SVGs in the gallery: $(count '<svg[^>]*class="item"')" test "$(count '<svg[^>]*class="item"')" -ge 6
check "mask paths drawn: $(count '<path class="mask"')" test "$(count '<path class="mask"')" -ge 24
check "the 64 x 64 pictures under the overlays ($n_items loaded): $(count '<image class="photo"')" \
  test "$(count '<image class="photo"')" -eq "$(count '<svg[^>]*class="item"')"
check "pictures are data: URIs of JPEGs" bash -c "! grep -o '<image class=\"photo\"[^>]*' '$dom' | grep -v -q 'href=\"data:image/jpeg;base64,'"
check "the confusion matrix has the unmatched row and column" test "$(count '>unmatched<')" -ge 2

# the screenshot: a PNG of 1280 x 4000 with content (a blank page compresses to a few kB)
png_ok() {
  local sig w h
  sig=$(od -An -tx1 -N8 "$out/report.png" | tr -d ' \n')
  w=$(od -An -tu1 -j16 -N4 "$out/report.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(od -An -tu1 -j20 -N4 "$out/report.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  [ "$sig" = 89504e470d0a1a0a ] && [ "$w" -eq 1280 ] && [ "$h" -eq 4000 ] && [ "$(stat -c %s "$out/report.png")" -gt 100000 ]
}
check "screenshot test/results/report.png: PNG 1280 x 4000, $(stat -c %s "$out/report.png") bytes" png_ok
"$BIN/dropdb" "$db"
[ "$problems" -eq 0 ]
