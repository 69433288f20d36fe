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
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT$extras" || return 1
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

as_root_with_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {  # Debian packages; apt's index is refreshed only when a package is unknown
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep 'install ok installed' >/dev/null \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

has_cjk_font() {  # grep reads all of fc-list's output: no SIGPIPE under pipefail
  fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null
}

ensure_system_packages() {  # Pango for PDF delivery notes, CJK fonts for Chinese in them
  if "$VENV/bin/python" -c 'import weasyprint' >/dev/null 2>&1 && has_cjk_font; then
    return 0
  fi
  if as_root_with_apt; then
    apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
  else
    echo "==> note: PDF delivery notes need libpango-1.0-0, libpangoft2-1.0-0 and fonts-noto-cjk"
  fi
}
