"""deploy/: what the Dockerfile, the compose file, the systemd units and the proxies name
exists in the project and works: the entry point, the health URL, the settings, the backup
command line. The image itself is built only where Docker runs."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from aiohttp import web

from bot.ops import Ops
from infra.settings import Settings
from sandbox import BotAPISandbox
from tests.test_entrypoint import ROOT, free_port, start_bot

DEPLOY = ROOT / "deploy"
SETTINGS = {name.upper() for name in Settings.model_fields}
# Environment the deployment sets that is not a setting of the bot.
NOT_SETTINGS = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "MPLCONFIGDIR", "VISNYK_UPSTREAM"}


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in instructions():
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def exec_form(keyword: str) -> list[str]:
    """The JSON array of ENTRYPOINT, or of HEALTHCHECK's CMD (after its options)."""
    [rest] = [rest for found, rest in instructions() if found == keyword]
    words = json.loads(rest.split(" CMD ", 1)[1] if keyword == "HEALTHCHECK" else rest)
    assert isinstance(words, list)
    return [str(word) for word in words]


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (from every section), each with all its values."""
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_dockerfile_copies_every_package_and_runs_the_bot_as_a_user() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {
        pattern.rstrip("*")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set()
    for keyword, rest in instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _target = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                copied.add(source)
    assert packages <= copied and {"pyproject.toml", "README.md"} <= copied
    allowed = {
        line[1:]
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    assert copied <= allowed  # nothing copied is left out of the build context
    bases = [rest.split()[0] for keyword, rest in instructions() if keyword == "FROM"]
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    assert bases and all(re.fullmatch(r"python:3\.\d+-slim", base) for base in bases)
    assert all(
        tuple(map(int, base[7:-5].split("."))) >= tuple(map(int, minimum.split(".")))
        for base in bases
    )
    [user] = [rest for keyword, rest in instructions() if keyword == "USER"]
    assert user not in ("root", "0")
    env = dockerfile_env()
    assert set(env) <= SETTINGS | NOT_SETTINGS
    [volume] = [rest for keyword, rest in instructions() if keyword == "VOLUME"]
    assert str(Path(env["DATABASE_PATH"]).parent) in volume
    exposed = {
        port for keyword, rest in instructions() if keyword == "EXPOSE" for port in rest.split()
    }
    assert {env["METRICS_PORT"], env["WEBHOOK_PORT"]} <= exposed
    assert exec_form("ENTRYPOINT") == ["python", "-m", "bot"]
    help_text = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "backup" in help_text and "restore" in help_text


def test_the_health_url_is_the_one_the_bot_serves() -> None:
    command = exec_form("HEALTHCHECK")
    assert command[:2] == ["python", "-c"]
    assert "'/healthz'" in command[2] and "METRICS_PORT" in command[2]
    app = web.Application()
    Ops(None, None, None).add_routes(app)  # type: ignore[arg-type]
    paths = {resource.canonical for resource in app.router.resources()}
    assert paths == {"/healthz", "/metrics"}


async def test_the_healthcheck_command_passes_on_a_running_bot_and_fails_without_one(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    """The HEALTHCHECK's own command, run here against the real bot as Docker would."""
    command = exec_form("HEALTHCHECK")
    port = free_port()
    env = {**os.environ, "METRICS_PORT": str(port)}
    process = await start_bot(sandbox, tmp_path / "visnyk.db", tmp_path, METRICS_PORT=str(port))
    try:
        sandbox.add_user(31, first_name="Тарас", language_code="uk")
        sandbox.send_message(31, "/start", user_id=31)
        await sandbox.wait_for(31, 1, timeout=30)
        healthy = await asyncio.create_subprocess_exec(
            sys.executable, *command[1:], env=env, stderr=asyncio.subprocess.DEVNULL
        )
        assert await healthy.wait() == 0
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=20)
    gone = await asyncio.create_subprocess_exec(
        sys.executable, *command[1:], env=env, stderr=asyncio.subprocess.DEVNULL
    )
    assert await gone.wait() != 0


def test_compose_builds_this_dockerfile_and_keeps_the_database_on_its_volume() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "context: ..\n" in text and "dockerfile: deploy/Dockerfile\n" in text
    assert "env_file: ../.env\n" in text
    named = set(re.findall(r"^\s{6}([A-Z_]+): ", text, flags=re.MULTILINE))
    assert named and named <= SETTINGS | NOT_SETTINGS
    env = dockerfile_env()
    assert f"DATABASE_PATH: {env['DATABASE_PATH']}\n" in text
    assert f"- visnyk-data:{Path(env['DATABASE_PATH']).parent}\n" in text
    assert f'METRICS_PORT: "{env["METRICS_PORT"]}"' in text
    assert f'"127.0.0.1:{env["METRICS_PORT"]}:{env["METRICS_PORT"]}"' in text
    assert "restart: unless-stopped" in text and 'max-size: "10m"' in text
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in text


def test_the_systemd_units_run_the_bot_and_its_backups() -> None:
    service = unit("visnyk.service")
    [start] = service["ExecStart"]
    assert start.endswith(" -m bot")
    assert service["User"] == ["visnyk"] and service["Restart"] == ["always"]
    assert service["RestartPreventExitStatus"] == ["2"]  # a configuration error: see below
    assert service["StateDirectory"] == ["visnyk"]
    for values in (service, unit("visnyk-backup.service")):
        names = {value.split("=", 1)[0] for value in values["Environment"]}
        assert names <= SETTINGS | NOT_SETTINGS
        assert values["EnvironmentFile"] == ["/etc/visnyk/visnyk.env"]
    timer = unit("visnyk-backup.timer")
    assert timer["Unit"] == ["visnyk-backup.service"] and timer["OnCalendar"]
    # A setting the bot refuses is exit status 2, which systemd is told not to restart.
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": "not-a-token"},
        cwd=DEPLOY,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 2


def test_the_backup_units_command_line_backs_up(tmp_path: Path) -> None:
    [start] = unit("visnyk-backup.service")["ExecStart"]
    interpreter, *arguments = shlex.split(start)
    assert interpreter.endswith("/bin/python") and arguments[:3] == ["-m", "bot", "backup"]
    folder = arguments[3]
    database = tmp_path / "visnyk.db"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
            "'CREATE TABLE deliveries (id INTEGER)')",
            str(database),
        ],
        check=True,
    )
    here = [str(tmp_path / "backups") + "/" if word == folder else word for word in arguments]
    result = subprocess.run(
        [sys.executable, *here],
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(database)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "backups").glob("visnyk-*.db"))) == 1


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify`, with the interpreter pointed at one that exists here."""
    for source in (DEPLOY / "systemd").iterdir():
        text = source.read_text(encoding="utf-8").replace(
            "/opt/visnyk/venv/bin/python", sys.executable
        )
        (tmp_path / source.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "Unknown" not in said and "ignoring" not in said, said


def test_the_proxies_forward_the_webhook_path_and_nothing_else() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    port = Settings.model_fields["webhook_port"].default
    assert "handle {$VISNYK_WEBHOOK_PATH:/telegram/webhook} {" in caddy
    assert f"reverse_proxy {{$VISNYK_UPSTREAM:127.0.0.1:{port}}}" in caddy
    assert "location = /telegram/webhook {" in nginx
    assert f"proxy_pass http://127.0.0.1:{port};" in nginx
    assert caddy.count("reverse_proxy") == 1 and nginx.count("proxy_pass") == 1
    assert "respond 404" in caddy and "return 404;" in nginx
    assert "WEBHOOK_URL=https://bot.example.org/telegram/webhook" in readme


def test_what_the_dockerfile_copies_builds_the_package_with_its_data(tmp_path: Path) -> None:
    """The image's `pip install .`, on the files its COPY lines bring: the wheel holds the
    entry point, the translations and the migrations."""
    context = tmp_path / "src"
    context.mkdir()
    for keyword, rest in instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _target = rest.split()
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source,
                        context / source,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    )
                else:
                    shutil.copy(ROOT / source, context / source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=context,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("visnyk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {
        "bot/__main__.py",
        "bot/ops.py",
        "infra/locales/uk/LC_MESSAGES/messages.po",
        "infra/locales/en/LC_MESSAGES/messages.po",
        "storage/migrations/0001_initial.sql",
    } <= names
    assert not any(name.startswith(("tests/", "deploy/", "bench/")) for name in names)
