#!/usr/bin/env bash
# The oldest and newest supported pairs through tox (SQLite): Python 3.10 x Django 4.2 and
# Python 3.13 x Django 6.1. Interpreters come from PATH or pyenv. Both run; either failing fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if command -v pyenv >/dev/null; then
  for bin in "$(pyenv root)"/versions/3.1[03].*/bin; do [ -d "$bin" ] && PATH="$PATH:$bin"; done
fi
TOXENV_DIR="$ROOT/.tmp/tox-venv"
if [ ! -x "$TOXENV_DIR/bin/tox" ]; then
  python3 -m venv "$TOXENV_DIR" && "$TOXENV_DIR/bin/pip" install -q "tox>=4" \
    2> >(grep -v "^WARNING: Location" >&2) || exit 1
fi
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
rc=0
for env in py310-django42 py313-django61; do
  echo "== tox -e $env"
  AUTHKIT_TEST_DB=sqlite "$TOXENV_DIR/bin/tox" -q -e "$env" -- "$@" || { rc=1; echo "FAILED: $env"; }
done
exit $rc
