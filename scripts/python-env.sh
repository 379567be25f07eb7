#!/usr/bin/env bash
# The project's Python environment: Apache Spark's and MLflow's own clients (pyspark, mlflow-skinny,
# onnxruntime), pinned by scripts/python-requirements.txt and python-constraints.txt, in .venv-rebuy/
# of the checkout (git-ignored). Used by `rebuy score --engine spark`, the tests and the Spark bench.
# Idempotent: a stamp holding the pins' hash makes a second run return at once. Prints the venv path.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${REBUY_VENV:-$root/.venv-rebuy}"
python="${REBUY_PYTHON:-python3}"
requirements="$root/scripts/python-requirements.txt"
constraints="$root/scripts/python-constraints.txt"
stamp="$venv/.rebuy-stamp"

want="$(cat "$requirements" "$constraints" | sha256sum | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
ready() { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }

if ready; then echo "$venv"; exit 0; fi

# One provisioning at a time (the tests and a bench may start together); the second waits, then finds it ready.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if ready; then echo "$venv"; exit 0; fi

echo "rebuy: creating the Python environment in $venv (pyspark, mlflow-skinny, onnxruntime; about a minute and 1.2 GB the first time)" >&2
"$python" -m venv --clear "$venv"
# pyspark is published as source only; everything else must come as a wheel (no compilers needed).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: --no-binary=pyspark \
  -r "$requirements" -c "$constraints" >&2
echo "$want" > "$stamp"
echo "rebuy: Python environment ready" >&2
echo "$venv"
