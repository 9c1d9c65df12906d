"""The `jigi` command as an administrator runs it: a real subprocess on a real database file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

JIGI = [sys.executable, "-m", "jigi.cli"]


def jigi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JIGI, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {
            "JIGI_MODE": "demo",
            "JIGI_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "jigi.settings",
        }
    )
    return env


def test_help_lists_jigi_commands(demo_env: dict[str, str]) -> None:
    result = jigi("--help", env=demo_env)
    assert result.returncode == 0
    for command in ("audit", "demo", "jobs", "worker", "createadmin", "setup"):
        assert f"  {command}" in result.stdout


def test_audit_verify_on_a_fresh_database_then_after_tampering(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    assert jigi("setup", env=demo_env).returncode == 0
    env = demo_env | {"JIGI_ADMIN_PASSWORD": "a-long-enough-passphrase"}
    assert jigi("createadmin", "chef", env=env).returncode == 0

    fresh = jigi("audit", "verify", "--json", env=demo_env)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout) | {"job": "-"} == {
        "ok": True,
        "job": "-",
        "checked": 1,
        "head_seq": 1,
        "broken_seq": None,
        "reason": "",
    }

    import sqlite3

    database = sqlite3.connect(tmp_path / "jigi.sqlite3")
    database.execute(
        "DROP TRIGGER audit_entry_no_update"
    )  # what an intruder with file access can do
    database.execute("UPDATE audit_auditentry SET actor_label = 'someone-else' WHERE seq = 1")
    database.commit()
    database.close()

    tampered = jigi("audit", "verify", "--json", env=demo_env)
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert report["ok"] is False
    assert report["broken_seq"] == 1
    human = jigi("audit", "verify", env=demo_env)
    assert "BROKEN at entry #1" in human.stdout


def test_demo_refuses_outside_demo_mode(demo_env: dict[str, str]) -> None:
    env = demo_env | {
        "JIGI_MODE": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "jigi.example.org",
    }
    result = jigi("demo", "--json", env=env)
    assert result.returncode == 1
    assert "JIGI_MODE=demo" in json.loads(result.stdout)["error"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"JIGI_MODE": "production"}, "SECRET_KEY"),
        ({"JIGI_MODE": "production", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://nobody@nowhere/db"}, "DATABASE_URL"),
        ({"JIGI_MODE": "staging"}, "JIGI_MODE"),
    ],
)
def test_bad_configuration_refuses_to_start_naming_the_variable(
    demo_env: dict[str, str], overrides: dict[str, str], named: str
) -> None:
    env = {
        key: value for key, value in demo_env.items() if key not in {"SECRET_KEY", "ALLOWED_HOSTS"}
    }
    result = jigi("--help", env=env | overrides)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_job_kind_is_a_clear_error(demo_env: dict[str, str]) -> None:
    assert jigi("setup", env=demo_env).returncode == 0
    result = jigi("jobs", "run", "nope", env=demo_env)
    assert result.returncode == 1
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_job_ids_and_missing_databases_are_clear_errors(demo_env: dict[str, str]) -> None:
    unmigrated = jigi("audit", "verify", "--json", env=demo_env)
    assert unmigrated.returncode == 1
    assert "jigi setup" in json.loads(unmigrated.stdout)["error"]
    assert jigi("setup", env=demo_env).returncode == 0
    malformed = jigi("jobs", "show", "zzzz", env=demo_env)
    assert malformed.returncode == 1
    assert "not a job id" in malformed.stderr
    assert "Traceback" not in malformed.stderr
