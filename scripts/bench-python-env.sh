#!/bin/sh
# Creates the Python used only by the outside references under bench/reference/: a venv in
# .bench-python/ of the checkout (git-ignored by its own .gitignore), with scikit-learn, pandas and
# TensorFlow (CPU) from PyPI. Nothing is installed into the system.
#   sh scripts/bench-python-env.sh            # then: .bench-python/bin/python bench/reference/...
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.bench-python"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
printf '*\n' > "$venv/.gitignore"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "numpy<2.3" "pandas" "scikit-learn" "tensorflow-cpu"
"$venv/bin/python" -c "import sklearn, tensorflow as tf; print('scikit-learn', sklearn.__version__, '| tensorflow', tf.__version__)"
