"""The copy-host rule: a source must link its original publisher, never a copy site."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import load_knowledge
from bot.knowledge.copy_hosts import matching
from bot.presentation.layout import source_line

COPY_HOSTS = "copy_hosts:\n  - copysite.example\n  - mirror.example\n"


def _with_source_url(kb_copy: Path, url: str) -> None:
    base = kb_copy / "base.yaml"
    text = base.read_text(encoding="utf-8")
    base.write_text(text.replace("https://example.org/news", url), encoding="utf-8")


def test_matching_takes_the_host_and_its_subdomains_only() -> None:
    hosts = ["copysite.example"]
    assert matching("https://copysite.example/a?p=1", hosts) == "copysite.example"
    assert matching("https://www.CopySite.example/a", hosts) == "copysite.example"
    assert matching("https://notcopysite.example/a", hosts) is None
    assert matching("https://example.org/copysite.example", hosts) is None


def test_source_on_a_copy_host_is_a_warning_with_its_line(kb_copy: Path) -> None:
    (kb_copy / "copy-hosts.yaml").write_text(COPY_HOSTS, encoding="utf-8")
    _with_source_url(kb_copy, "https://www.mirror.example/?p=10715")
    result = load_knowledge(kb_copy, stale_days=100_000)
    assert result.ok, [str(p) for p in result.errors]
    warnings = [str(w) for w in result.warnings]
    assert len(warnings) == 1, warnings
    assert "source 'news' links to the copy site 'mirror.example'" in warnings[0]
    assert warnings[0].startswith("knowledge/base.yaml:12:")


def test_original_publisher_gives_no_warning_and_the_file_is_no_section_error(
    kb_copy: Path,
) -> None:
    (kb_copy / "copy-hosts.yaml").write_text(COPY_HOSTS, encoding="utf-8")
    result = load_knowledge(kb_copy, stale_days=100_000)
    assert result.ok and not result.problems, [str(p) for p in result.problems]


def test_a_bad_copy_host_entry_is_an_error(kb_copy: Path) -> None:
    (kb_copy / "copy-hosts.yaml").write_text(
        "copy_hosts:\n  - https://copysite.example/path\n", encoding="utf-8"
    )
    result = load_knowledge(kb_copy, stale_days=100_000)
    assert not result.ok
    assert any(
        "copy_hosts is not a host name" in str(p) and ":2:" in str(p) for p in result.errors
    ), [str(p) for p in result.errors]
    (kb_copy / "copy-hosts.yaml").write_text("copy_hosts: copysite.example\n", encoding="utf-8")
    assert any("must be a list" in str(p) for p in load_knowledge(kb_copy).errors)


def test_a_source_without_a_date_loads_and_renders_without_one(kb_copy: Path) -> None:
    base = kb_copy / "base.yaml"
    base.write_text(
        base.read_text(encoding="utf-8").replace('    date: "2024-09-18"\n', "", 1),
        encoding="utf-8",
    )
    result = load_knowledge(kb_copy, stale_days=100_000)
    assert result.ok, [str(p) for p in result.errors]
    assert result.kb.sources["news"].date is None
    assert source_line(result.kb.sources["news"]) == (
        "[Example news report — Example News](https://example.org/news)"
    )
