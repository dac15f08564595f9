#!/usr/bin/env bash
# Installs the Python clients that ckitd's client tests drive (Tests/Clients): docker-py 7.x, testcontainers 4.x and
# pytest, from PyPI into a virtual environment of their own, so the system's Python is left as it is.
# Idempotent and cheap once done (a stamp names what was installed). Prints the venv's python on its last line.
# CKIT_PYTHON_VENV overrides where the venv goes (default /opt/ckit-python, kept across clones on a machine).
set -euo pipefail

VENV=${CKIT_PYTHON_VENV:-/opt/ckit-python}
REQUIREMENTS=("docker>=7,<8" "testcontainers>=4,<5" "pytest>=8,<9")
STAMP="$VENV/.ckit-requirements"
WANT="${REQUIREMENTS[*]}"
# Added to the venv beside those (the stamp left as it is: a venv that several checkouts share is not rebuilt for
# it): the websocket client of ckitd's attach/ws test.
EXTRAS=("websocket-client>=1,<2")

extras() {
  "$VENV/bin/python" -c 'import websocket' 2>/dev/null ||
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${EXTRAS[@]}" >&2
}

if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; then
  extras
  echo "$VENV/bin/python"
  exit 0
fi

PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  # Debian splits venv's ensurepip into python3-venv.
  if [ "$(id -u)" -ne 0 ]; then
    echo "python-deps: need root to install python3 and python3-venv" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  PYTHON=$(command -v python3)
fi

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${REQUIREMENTS[@]}" >&2
echo "$WANT" >"$STAMP"
extras
echo "$VENV/bin/python"
