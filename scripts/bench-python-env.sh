#!/bin/sh
# Creates the Python used only by the outside references under bench/reference/: a venv in
# .bench-python/ of the checkout (git-ignored by its own .gitignore), with scikit-learn, pandas,
# TensorFlow (CPU), polars and onnxruntime from PyPI. Nothing is installed into the system.
# Idempotent: a stamp holding the hash of the package list and Python's version makes a second run
# return at once, and a changed list installs again.
#   sh scripts/bench-python-env.sh            # then: .bench-python/bin/python bench/reference/...
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.bench-python"
packages='numpy<2.3 pandas scikit-learn tensorflow-cpu polars==2.1.0 onnxruntime==1.23.2'
stamp="$venv/.bench-stamp"
want="$(printf '%s\n' "$packages" | sha256sum | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version.split()[0])')"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
printf '*\n' > "$venv/.gitignore"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# Word splitting of the list is wanted: one argument per package.
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --quiet $packages
"$venv/bin/python" -c "import sklearn, tensorflow as tf, polars, onnxruntime; print('scikit-learn', sklearn.__version__, '| tensorflow', tf.__version__, '| polars', polars.__version__, '| onnxruntime', onnxruntime.__version__)"
echo "$want" > "$stamp"
