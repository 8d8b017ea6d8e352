#!/usr/bin/env bash
# The README's first command: install what the main job needs, then train a CNN.
# System packages (Graphviz's `dot` for the graph picture, a Hangul font for the Korean
# labels in pictures) come from the distribution when missing; the Python ones from PyPI
# with the project's `train` extra. Extra arguments go to examples/train.py.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then
    missing+=(fontconfig fonts-nanum)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    if command -v apt-get >/dev/null 2>&1; then
        echo "== installing ${missing[*]}"
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: please install ${missing[*]} with your system's package manager" >&2
    fi
fi

PY="${PYTHON:-python3}"
"$PY" -m pip install -q --disable-pip-version-check -e ".[train]"
exec "$PY" examples/train.py "$@"
