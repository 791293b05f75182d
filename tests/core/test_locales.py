"""The bot's own words per language (knowledge/locales/): checked with file:line like the rest
of the knowledge, and English whenever a language leaves a text out."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.knowledge import load_knowledge
from bot.knowledge.locales import COMMAND_TEXTS, LANGUAGES, UI_TEXTS, ui_text

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


def _write(kb_dir: Path, body: str) -> Path:
    folder = kb_dir / "locales"
    folder.mkdir(exist_ok=True)
    path = folder / "de.yaml"
    path.write_text("locale:\n  language: de\n" + body, encoding="utf-8")
    return path


def test_shipped_locales_are_complete_and_clean() -> None:
    result = load_knowledge(SHIPPED)
    assert result.kb is not None
    assert not [p for p in result.problems if "locales/" in p.file], result.problems
    assert sorted(result.kb.locales) == sorted(LANGUAGES)
    for locale in result.kb.locales.values():
        assert set(locale.ui) == set(UI_TEXTS), locale.language
        assert set(locale.commands) == COMMAND_TEXTS, locale.language


def test_a_locale_text_is_used_and_a_missing_one_is_english(kb_copy: Path) -> None:
    _write(kb_copy, '  ui:\n    details: "Einzelheiten"\n    busy: "Warte {seconds} s"\n')
    result = load_knowledge(kb_copy)
    assert result.kb is not None
    locales = result.kb.locales
    assert ui_text(locales, "de", "details") == "Einzelheiten"
    assert ui_text(locales, "de", "busy", seconds=3) == "Warte 3 s"
    assert ui_text(locales, "de", "helpful") == "Helpful"  # left out: English
    assert ui_text(locales, "fr", "details") == "Details"  # no French file here
    missing = [p for p in result.warnings if "not translated" in p.message]
    assert missing and missing[0].file.endswith("locales/de.yaml") and missing[0].line == 3


def test_bad_locale_texts_are_errors_with_their_line(kb_copy: Path) -> None:
    _write(
        kb_copy,
        "  ui:\n"
        '    detials: "Einzelheiten"\n'  # line 4: unknown key
        '    busy: "Warte {sekunden} s"\n'  # line 5: placeholder renamed
        f'    helpful: "{"x" * 81}"\n'  # line 6: over a button label
        "  commands:\n"
        f'    "Android app": "{"y" * 101}"\n',  # line 8: over Discord's 100
    )
    result = load_knowledge(kb_copy)
    assert result.kb is None
    where = {(p.line, p.severity) for p in result.errors if p.file.endswith("locales/de.yaml")}
    assert where == {(4, "error"), (5, "error"), (6, "error"), (8, "error")}
    assert any("did you mean 'details'" in p.message for p in result.errors)
    assert any("{seconds}" in p.message for p in result.errors)


def test_an_old_command_text_is_a_warning_not_an_error(kb_copy: Path) -> None:
    _write(kb_copy, '  commands:\n    "Android phone app": "Android-App"\n')
    result = load_knowledge(kb_copy)
    assert result.kb is not None
    (old,) = [p for p in result.warnings if "no longer" in p.message]
    assert old.line == 4 and "did you mean 'Android app'" in old.message


def test_check_reports_a_bad_locale(kb_copy: Path, capsys) -> None:
    _write(kb_copy, '  ui:\n    soon: "Gleich {link}"\n')
    assert main(["check", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "locales/de.yaml:4: 'soon' must use the same placeholders as the English" in out
