# Shared by scripts/serve and scripts/test: a local virtual environment with the project.
# Sourced, not run. Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PYTHON:-python3.11}"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || PYTHON_BIN=python3

ensure_venv() {  # $1: pip extras, e.g. "[test]" or ""
  local extras="$1" stamp="$VENV/.installed$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment in .venv"
    "$PYTHON_BIN" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "==> installing wms-sales$extras into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT$extras"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

ensure_system_packages() {  # Pango for PDF delivery notes, CJK fonts for Chinese in them
  if ! "$VENV/bin/python" -c 'import weasyprint' >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "==> installing Pango and CJK fonts (Debian packages) for PDF delivery notes"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk >/dev/null
    else
      echo "==> note: PDF delivery notes need libpango-1.0-0, libpangoft2-1.0-0 and fonts-noto-cjk"
    fi
  fi
}
