#!/usr/bin/env bash
# Shared set-up for `make test`, `make demo` and `make bench`: a private build
# installed into a scratch copy of the PostgreSQL 15 tree, and a throwaway
# cluster run as the postgres user on a private socket directory and port.
# Nothing touches the system installation or the system cluster.

ANNQA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=$(cd "${SHARED:-$ANNQA_ROOT/../shared}" 2>/dev/null && pwd) || {
  echo "annqa: shared data not found (expected ../shared beside the repository; set SHARED=...)" >&2; exit 1; }
export SHARED
PGVER=15
SYS_PGLIB=/usr/lib/postgresql/$PGVER
SYS_PGSHARE=/usr/share/postgresql/$PGVER

# Run a command as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# annqa_instance VARIANT: build and install into $T/inst; sets T, INST, BIN.
annqa_instance() {
  local variant=${1:-plain}
  T=$(mktemp -d /tmp/annqa-XXXXXX)
  chmod 755 "$T"
  INST=$T/inst
  mkdir -p "$INST/usr/lib/postgresql" "$INST/usr/share/postgresql"
  cp -a "$SYS_PGLIB" "$INST/usr/lib/postgresql/"
  cp -a "$SYS_PGSHARE" "$INST/usr/share/postgresql/"
  BIN=$INST$SYS_PGLIB/bin
  local extra_cflags="" extra_ldflags=""
  case "$variant" in
    asan) extra_cflags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1"
          extra_ldflags="-fsanitize=address,undefined" ;;
    valgrind) extra_cflags="-O0" ;;
  esac
  ( cd "$ANNQA_ROOT" && make -s clean >/dev/null 2>&1 || true
    cd "$ANNQA_ROOT" && make -s EXTRA_CFLAGS="$extra_cflags" EXTRA_LDFLAGS="$extra_ldflags" >"$T/build.log" 2>&1 \
      && make -s install DESTDIR="$INST" >>"$T/build.log" 2>&1 ) || {
    cat "$T/build.log"; echo "annqa: build failed" >&2; return 1; }
  # an instrumented build must not stay in the tree: a later plain `make` would
  # find its objects up to date and `make install` would install them
  if [ "$variant" != plain ]; then (cd "$ANNQA_ROOT" && make -s clean >/dev/null 2>&1 || true); fi
  if [ "$variant" = valgrind ]; then
    mv "$BIN/postgres" "$BIN/postgres.real"
    cat >"$BIN/postgres" <<VG
#!/bin/sh
exec valgrind --quiet --trace-children=no --error-limit=no --num-callers=30 \
  --suppressions=$ANNQA_ROOT/test/valgrind.supp --gen-suppressions=all \
  --log-file=$T/valgrind.%p.log "$BIN/postgres.real" "\$@"
VG
    chmod 755 "$BIN/postgres"
  fi
  chown -R postgres: "$T" 2>/dev/null || true
}

# annqa_start [postgres -c options...]: initdb and start; sets PGHOST, PGPORT, PGUSER.
annqa_start() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || break
  done
  mkdir -p "$T/sock"; chown postgres: "$T/sock" 2>/dev/null || true
  as_pg "$BIN/initdb" -D "$T/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$T/initdb.log" 2>&1 || {
    cat "$T/initdb.log"; return 1; }
  local preload=""
  if [ "${ANNQA_VARIANT:-plain}" = asan ]; then
    gcc -shared -fPIC -o "$T/nls_shim.so" "$ANNQA_ROOT/test/asan/nls_shim.c"
    preload="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so):$T/nls_shim.so"
  fi
  as_pg env ${preload:+LD_PRELOAD=$preload} \
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$T/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$T/ubsan" \
    "$BIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 120 \
    -o "-k $T/sock -p $port -c listen_addresses='' -c fsync=off -c max_worker_processes=8 -c max_parallel_workers=4 $*" start >/dev/null || {
    cat "$T/server.log"; return 1; }
  export PGHOST=$T/sock PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

annqa_stop() {
  [ -n "${T:-}" ] || return 0
  if [ -f "$T/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$T/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

annqa_cleanup() {
  annqa_stop
  [ -n "${T:-}" ] && [ -z "${ANNQA_KEEP:-}" ] && rm -rf "$T"
  return 0
}

# psql against the scratch cluster, failing on the first error.
apsql() { "$BIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"; }
