"""Help for people editing the knowledge (issue 15): YAML errors name the usual mistake (a
tab, an unquoted colon, a missing dash), and a JSON Schema built from the loader's rules
ships in the knowledge folder, referenced by every file, so editors validate as people type."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.knowledge.json_schema import SCHEMA_FILE, schema_text
from bot.knowledge.safe_yaml import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
FIXTURE = ROOT / "tests" / "fixtures" / "kb_min"
ENTRY = "entries:\n  - id: turn-off\n    title: t\n    examples:\n"


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        ("entries:\n  - id: x\n\ttitle: t\n", 3, "a tab: YAML indents with spaces only"),
        (ENTRY + '\t  - "a"\n', 5, "replace the tab with spaces"),
        (ENTRY + "      - how do i opt out: on the web\n", 5, 'put it in quotes: - "how do i'),
        ("entries:\n  - id: x\n    title: Opt out: how\n", 3, "put the whole text in quotes"),
        (ENTRY + '      - "a"\n      "b"\n', 6, "a list item without its dash?"),
        (ENTRY + "      - a\n      b\n    answer: y\n", 6, "Start it with '- '"),
        ("entries:\n  - id: x\n    title: t\n  id: y\n", 4, "a list item without its dash"),
    ],
    ids=["tab", "tab-in-list", "colon-in-phrasing", "colon-in-value", "dash", "dash-plain",
         "dash-entry"],
)  # fmt: skip
def test_yaml_errors_hint_at_the_usual_mistake(text, line, hint) -> None:
    data, problems = parse_yaml(text, "f.yaml")
    assert data is None and len(problems) == 1
    assert problems[0].line == line and hint in problems[0].message, problems[0]


def test_quoted_colons_and_entries_are_fine() -> None:
    text = ENTRY + '      - "how do i opt out: on the web"\n      - plain words\n'
    data, problems = parse_yaml(text, "f.yaml")
    assert problems == [] and data["entries"][0]["examples"][0].endswith("on the web")


def test_the_shipped_schema_is_the_one_the_rules_make() -> None:
    assert (KNOWLEDGE / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((KNOWLEDGE / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "path",
    sorted(KNOWLEDGE.rglob("*.yaml")) + sorted(FIXTURE.rglob("*.yaml")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_knowledge_file_validates_and_names_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    errors = [e.message for e in _validator().iter_errors(_plain(yaml.safe_load(text)))]
    assert errors == []
    if path.is_relative_to(KNOWLEDGE):
        modeline = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
        assert modeline, "first line must name the schema for editors"
        assert (path.parent / modeline[1]).resolve() == KNOWLEDGE / SCHEMA_FILE


@pytest.mark.parametrize(
    ("entry", "mistake"),
    [
        ({"tittle": "x"}, "Additional properties"),
        ({"id": "Not An Id"}, "does not match"),
        ({"checked": "2026-13"}, None),  # the loader checks real dates; the pattern only shape
        ({"kind": "maybe"}, "is not one of"),
        ({"steps": {"windows": ["open it"]}}, "is not one of"),
        ({"link": "http://x"}, "does not match"),
    ],
)
def test_the_schema_catches_common_shape_mistakes(entry, mistake) -> None:
    good = {
        "id": "x",
        "title": "t",
        "examples": ["a"],
        "answer": "b",
        "checked": "2026-01-01",
    }
    errors = [e.message for e in _validator().iter_errors({"entries": [{**good, **entry}]})]
    if mistake is None:
        assert errors == []
    else:
        assert any(mistake in e for e in errors), errors
