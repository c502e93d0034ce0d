#!/usr/bin/env bash
# Install (as root) or report (otherwise) the Debian bookworm packages annqa needs.
set -euo pipefail
PKGS=(postgresql-15 postgresql-server-dev-15 postgresql-15-postgis-3 libcjson-dev
      libpq-dev libipc-run-perl build-essential pkg-config clang libclang-rt-14-dev ${ANNQA_EXTRA_PKGS:-})
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "annqa: installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/annqa-apt.log 2>&1 || {
    tail -20 /tmp/annqa-apt.log; echo "annqa: apt-get install failed" >&2; exit 1; }
else
  echo "annqa: missing Debian packages: ${missing[*]}" >&2
  echo "annqa: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
