"""The deploy files, tested as far as this machine allows (it cannot build images):
the systemd unit with `systemd-analyze verify`, compose.yaml with yamllint and a structure
check, the Dockerfile's promises read from the file, and its install steps replayed in a
fresh virtual environment (OPTOUT_DEPLOY_REPLAY=1; about a minute)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "optout-bot.service"
YAMLLINT = "{extends: default, rules: {line-length: {max: 100}, document-start: disable}}"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n\s*", " ", re.sub(r"(?m)^\s*#.*\n", "", text))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in text.splitlines()
        if line.strip()
    ]


def test_dockerfile_is_slim_non_root_with_healthcheck_and_volumes() -> None:
    steps = dockerfile()
    kinds = [kind for kind, _ in steps]
    args = dict(reversed(steps))  # the first of each kind
    assert re.fullmatch(r"python:3\.1[1-9]-slim", args["FROM"])
    user = [a for k, a in steps if k == "USER"][-1]
    assert user not in ("root", "0") and kinds.index("USER") < kinds.index("CMD")
    assert "/healthz" in args["HEALTHCHECK"] and "HEALTH_PORT=8080" in args["ENV"] + " ".join(
        a for k, a in steps if k == "ENV"
    )
    volumes = " ".join(a for k, a in steps if k == "VOLUME")
    envs = " ".join(a for k, a in steps if k == "ENV")
    assert "/data" in volumes and "/knowledge" in volumes
    assert "DATABASE_PATH=/data/" in envs and "KNOWLEDGE_DIR=/knowledge" in envs
    run = " ".join(a for k, a in steps if k == "RUN")
    assert "pip install ." in run and "pip install -e" not in run  # a normal install
    assert "knowledge export /knowledge" in run


def test_dockerignore_keeps_secrets_and_databases_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".git", ".venv", "*.sqlite3*"} <= set(ignored)


def test_compose_file_lints_and_has_the_bot_and_a_postgres_profile() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT, str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot, postgres = compose["services"]["bot"], compose["services"]["postgres"]
    assert bot["build"] == "." and "profiles" not in bot
    assert {v.split(":")[1] for v in bot["volumes"]} == {"/data", "/knowledge"}
    assert bot["environment"]["DATABASE_PATH"].startswith("/data/")
    assert postgres["profiles"] == ["postgres"]
    assert bot["depends_on"]["postgres"]["required"] is False
    assert set(compose["volumes"]) >= {"bot-data", "knowledge", "pg-data"}


def test_systemd_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    text = UNIT.read_text(encoding="utf-8")
    for option in (
        "Restart=on-failure",
        "EnvironmentFile=/etc/optout-bot/env",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "RestartPreventExitStatus=2",
        "StateDirectory=optout-bot",
    ):
        assert option in text.splitlines(), option
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    # verify checks that ExecStart exists: point it at this environment's command
    unit = tmp_path / "optout-bot.service"
    exe = Path(sys.executable).with_name("optout-bot")
    unit.write_text(text.replace("/opt/optout-bot/bin/optout-bot", str(exe)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stderr


@pytest.mark.skipif(
    os.environ.get("OPTOUT_DEPLOY_REPLAY") != "1",
    reason="set OPTOUT_DEPLOY_REPLAY=1 to replay the Dockerfile's install (about a minute)",
)
def test_dockerfile_install_steps_in_a_fresh_venv(tmp_path: Path) -> None:
    """COPY pyproject.toml README.md bot knowledge; pip install .; knowledge export; run as
    the image would: the installed package answers, teach refuses to write inside it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", ".backups")
    for name in ("bot", "knowledge"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(src)], capture_output=True, text=True
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    shutil.rmtree(src)  # as the image does: nothing may still point at the checkout
    home = tmp_path / "data"
    home.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=home, env=env, capture_output=True, text=True, timeout=120)

    knowledge = tmp_path / "knowledge"
    assert run("optout-bot", "knowledge", "export", str(knowledge)).returncode == 0
    checked = run("optout-bot", "check", str(knowledge))
    last = checked.stdout.splitlines()[-1]
    assert checked.returncode == 0 and last.startswith("knowledge OK"), checked.stdout
    asked = run("optout-bot", "ask", "--json", "how do I opt out on my iPhone")
    assert asked.returncode == 0 and '"entry": "turn-off"' in asked.stdout, asked.stderr
    refused = run(
        "python",
        "-c",
        "from bot.knowledge import default_knowledge_dir as d\n"
        "from bot.services.teach import TeachError, add_example\n"
        "try:\n add_example(d(), 'turn-off', 'how can i stop the ai thing', who='m')\n"
        "except TeachError as e:\n print('refused:', e)\n",
    )
    assert refused.stdout.startswith("refused:") and "KNOWLEDGE_DIR" in refused.stdout
    assert "site-packages" in run("python", "-c", "import bot; print(bot.__file__)").stdout
