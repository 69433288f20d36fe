"""What a new user meets first: the CLI finds the installation, the login address Django users
expect, gunicorn instances that do not share a control socket, the scripts' font probe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("WMS_", "DJANGO_SETTINGS"))}
    return subprocess.run([sys.executable, "-m", "wms_sales.cli", *args],
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_cli_reads_the_secret_key_that_serve_generated(tmp_path):
    (tmp_path / "secret_key").write_text("a-key-generated-by-scripts-serve\n")
    done = _cli("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                env={"WMS_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "a-key-generated-by-scripts-serve"


def test_cli_without_any_key_says_where_it_looked(tmp_path):
    done = _cli("migrate", env={"WMS_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "WMS_SECRET_KEY is not set" in done.stderr
    assert str(tmp_path / "secret_key") in done.stderr
    assert "Traceback" not in done.stderr


def test_default_data_dir_is_the_checkouts_from_any_folder():
    from wms_sales.settings import default_data_dir

    assert default_data_dir() == ROOT / "data"


def test_django_login_address_redirects_to_ours(client):
    response = client.get("/accounts/login/?next=/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/orders/"


def test_serve_runs_gunicorn_without_the_shared_control_socket(monkeypatch, settings, tmp_path):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    call_command("serve", "--no-collectstatic", "--bind", "127.0.0.1:0")
    (argv,) = calls
    assert "--no-control-socket" in argv


@pytest.mark.skipif(not shutil.which("fc-list"), reason="fontconfig's fc-list is not installed")
def test_font_probe_survives_pipefail():
    """`fc-list | grep -q` under pipefail fails with SIGPIPE exactly when the font is there."""
    listed = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    expected = 0 if "noto sans cjk" in listed.lower() else 1
    probe = subprocess.run(["bash", "-c", f"source '{ROOT}/scripts/_env.sh' && has_cjk_font"],
                           capture_output=True, text=True)
    assert probe.returncode == expected, probe.stderr
