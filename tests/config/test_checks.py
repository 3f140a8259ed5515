"""A serving process refuses to start on a configuration that would fail every page."""

from tests.config.settings_probe import STRONG_SECRET_KEY, probe_env, run_python

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
IMPORT_ASGI = "import config.asgi\nprint('served')\n"


def _serve(tmp_path, **variables: str):  # type: ignore[no-untyped-def]
    env = probe_env(
        SECRET_KEY=STRONG_SECRET_KEY,
        STATICFILES_BACKEND=MANIFEST_STORAGE,
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    )
    return run_python(IMPORT_ASGI, env=env)


def test_missing_static_manifest_with_debug_off_stops_the_server_at_start_up(tmp_path):
    result = _serve(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "project.E001" in result.stderr
    assert "collectstatic" in result.stderr
    assert "served" not in result.stdout


def test_collected_static_files_let_the_server_start(tmp_path):
    env = probe_env(
        SECRET_KEY=STRONG_SECRET_KEY,
        DEBUG="0",
        STATICFILES_BACKEND=MANIFEST_STORAGE,
        STATIC_ROOT=str(tmp_path / "static"),
    )
    collected = run_python(
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'collectstatic', '--noinput', '-v', '0'])\n",
        env=env,
    )
    assert collected.returncode == 0, collected.stderr

    result = _serve(tmp_path, DEBUG="0")

    assert result.returncode == 0, result.stderr
    assert "served" in result.stdout


def test_debug_serves_without_a_manifest(tmp_path):
    result = _serve(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_manage_py_check_deploy_reports_the_missing_manifest(tmp_path):
    env = probe_env(
        SECRET_KEY=STRONG_SECRET_KEY,
        DEBUG="0",
        STATICFILES_BACKEND=MANIFEST_STORAGE,
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = run_python(
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy'])\n",
        env=env,
    )

    assert result.returncode != 0
    assert "project.E001" in result.stderr
