#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright drives it; it never downloads a browser).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium manque : installez le paquet Debian chromium (apt-get install chromium)." >&2
  exit 1
fi
echo "Chromium absent : installation du paquet Debian chromium…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium >/dev/null
