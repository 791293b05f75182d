"""Knowledge inside the installed package (issue 15): teach refuses to write there, `run`
warns once, and `optout-bot knowledge export DIR` starts a folder of one's own."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot import app, cli
from bot.config import Settings
from bot.knowledge import load_knowledge
from bot.knowledge import location as location_module
from bot.knowledge.location import export_knowledge, inside_installed_package
from bot.services.teach import TeachError, add_example

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb_min"


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for site-packages holding the bundled knowledge, as a wheel installs it."""
    site = tmp_path / "site-packages"
    shutil.copytree(FIXTURE, site / "bot" / "_knowledge")
    monkeypatch.setattr(location_module, "install_roots", lambda: [site])
    return site / "bot" / "_knowledge"


def test_inside_installed_package() -> None:
    site = Path("/usr/lib/python3/site-packages")
    assert inside_installed_package(site / "bot" / "_knowledge", [site])
    assert not inside_installed_package(Path("/srv/optout/knowledge"), [site])
    assert not inside_installed_package(Path("/usr/lib/python3/site-packages-x"), [site])


def test_the_real_install_roots_hold_this_venvs_site_packages() -> None:
    import rapidfuzz

    assert inside_installed_package(Path(rapidfuzz.__file__).parent)
    assert not inside_installed_package(FIXTURE)  # a checkout (editable install) is fine


def test_teach_refuses_to_write_into_the_installed_package(site_packages: Path) -> None:
    before = {p: p.read_bytes() for p in site_packages.rglob("*") if p.is_file()}
    with pytest.raises(TeachError, match="KNOWLEDGE_DIR"):
        add_example(site_packages, "turn-off", "how can i stop this ai thing", who="mod")
    assert {p: p.read_bytes() for p in site_packages.rglob("*") if p.is_file()} == before
    assert not (site_packages / ".backups").exists()


def test_teach_still_writes_a_folder_of_ones_own(kb_copy: Path) -> None:
    result = add_example(kb_copy, "turn-off", "how can i stop this ai thing", who="mod")
    assert result.entry_id == "turn-off"


def test_run_warns_once_about_knowledge_in_the_package(site_packages, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        app.warn_if_knowledge_in_package(Settings(knowledge_dir=site_packages))
        app.warn_if_knowledge_in_package(Settings(knowledge_dir=FIXTURE))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "set KNOWLEDGE_DIR" in warnings[0]


def test_export_copies_the_bundled_knowledge(tmp_path: Path, capsys) -> None:
    target = tmp_path / "my-knowledge"
    assert cli.main(["knowledge", "export", str(target)]) == 0
    assert f"KNOWLEDGE_DIR={target}" in capsys.readouterr().out
    result = load_knowledge(target)
    assert result.ok and len(result.kb.entries) > 10
    assert not any(part.startswith(".") for p in target.rglob("*") for part in p.parts[-1:])
    assert cli.main(["knowledge", "export", str(target)]) == 1  # never over existing files
    assert "not an empty folder" in capsys.readouterr().err


def test_export_skips_backups(tmp_path: Path, kb_copy: Path) -> None:
    (kb_copy / ".backups").mkdir()
    (kb_copy / ".backups" / "old.yaml").write_text("x: 1\n")
    files = export_knowledge(tmp_path / "out", source=kb_copy)
    assert files and all(".backups" not in str(p) for p in files)
