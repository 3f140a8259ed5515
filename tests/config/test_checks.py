"""A serving process refuses to start on a configuration that would fail every page."""

import subprocess

from tests.config.settings_probe import STRONG_SECRET_KEY, probe_env, run_python

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def _env(tmp_path, debug: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return probe_env(
        SECRET_KEY=STRONG_SECRET_KEY,
        DEBUG=debug,
        STATICFILES_BACKEND=MANIFEST_STORAGE,
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )


def _serve(tmp_path, debug: str = "0") -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return run_python("import config.asgi\nprint('served')\n", env=_env(tmp_path, debug))


def _manage(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return run_python(
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', *{list(args)!r}])\n",
        env=_env(tmp_path, "0"),
    )


def test_missing_static_manifest_with_debug_off_stops_the_server_at_start_up(tmp_path):
    result = _serve(tmp_path)

    assert result.returncode != 0
    assert "project.E001" in result.stderr
    assert "collectstatic" in result.stderr
    assert "served" not in result.stdout


def test_collected_static_files_let_the_server_start(tmp_path):
    collected = _manage(tmp_path, "collectstatic", "--noinput", "-v", "0")
    assert collected.returncode == 0, collected.stderr

    result = _serve(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "served" in result.stdout


def test_debug_serves_without_a_manifest(tmp_path):
    result = _serve(tmp_path, debug="1")

    assert result.returncode == 0, result.stderr


def test_manage_py_check_deploy_reports_the_missing_manifest(tmp_path):
    result = _manage(tmp_path, "check", "--deploy")

    assert result.returncode != 0
    assert "project.E001" in result.stderr
