#!/usr/bin/env bash
# Install Debian's chromium for the browser tests of report.html (tests/integration/test_html_browser.py).
# Idempotent: does nothing when a browser is already there.  Never fails the caller: when the
# install is impossible (no root, no network), the browser tests skip and say why.
set -u
BROWSER="${RELECTURE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
  echo "install-browser: $BROWSER is present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-browser: not root and no sudo: browser tests will be skipped" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get: install chromium yourself (or set RELECTURE_CHROMIUM); browser tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; then
  echo "install-browser: installed $("$BROWSER" --version 2>/dev/null || echo chromium)"
else
  echo "install-browser: apt-get install chromium failed: browser tests will be skipped" >&2
fi
exit 0
