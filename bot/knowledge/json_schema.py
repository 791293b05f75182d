"""A JSON Schema for the knowledge files, built from the loader's own field rules.

Editors (VS Code with the YAML extension, and others that speak the YAML language server)
validate and complete as moderators type. The loader stays the authority (it also checks
ids across files, duplicates, dates that exist, the embed budget); the schema catches the
shape early. knowledge/knowledge.schema.json is this module's output; a test keeps them
equal. Regenerate with: python -m bot.knowledge.json_schema > knowledge/knowledge.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from bot.answering.languages import ANSWER_LANGUAGES
from bot.knowledge import fields as F
from bot.knowledge.loader import SECTIONS
from bot.knowledge.locales import LANGUAGES as LOCALE_LANGUAGES
from bot.knowledge.locales import UI_TEXTS
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS

SCHEMA_FILE = "knowledge.schema.json"
SECTION_FIELDS = {
    "sources": ("source", F.SOURCE_FIELDS),
    "regions": ("region", F.REGION_FIELDS),
    "platforms": ("platform", F.PLATFORM_FIELDS),
    "entries": ("entry", F.ENTRY_FIELDS),
    "premises": ("premise", F.PREMISE_FIELDS),
}


def _text(max_len: int = 0, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
    if max_len:
        schema["maxLength"] = max_len
    if description:
        schema["description"] = description
    return schema


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _field(name: str, rule: F.Field) -> dict[str, Any]:
    kind = rule.kind
    if kind == "id":
        return {"type": "string", "pattern": F.ID_PATTERN.pattern, "description": "kebab-case id"}
    if kind == "url":
        return {"type": "string", "pattern": "^https://", "description": "an https:// link"}
    if kind == "date":
        return {
            "type": "string",
            "pattern": F.DATE_PATTERN.pattern,
            "description": 'a date: "2026", "2026-11" or "2026-11-23"',
        }
    if kind == "str" and name == "kind":
        return {"enum": ["answer", "decline", "smalltalk"], "default": "answer"}
    if kind == "str" and name == "lang":
        return {"enum": list(ANSWER_LANGUAGES), "default": "en"}
    if kind in ("text", "str"):
        return _text(rule.max_len)
    if kind == "strlist":
        return _list(_text(rule.max_len))
    if kind == "idlist":
        return _list({"type": "string", "pattern": F.ID_PATTERN.pattern})
    if kind == "steps":
        return {
            "type": "object",
            "description": "numbered steps per platform",
            "propertyNames": {"enum": list(PLATFORM_IDS)},
            "additionalProperties": {
                **_list(_text(F.MAX_STEP)),
                "minItems": 1,
                "maxItems": F.MAX_STEPS,
            },
        }
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "any":
        return {}
    if kind == "notes":
        return {
            "type": "object",
            "description": "a note per region",
            "propertyNames": {"enum": list(REGION_IDS)},
            "additionalProperties": _text(F.MAX_NOTE),
        }
    raise AssertionError(kind)


def _item(what: str, rules: dict[str, F.Field]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": what,
        "properties": {name: _field(name, rule) for name, rule in rules.items()},
        "required": [name for name, rule in rules.items() if rule.required],
        "additionalProperties": False,
    }


def knowledge_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        section: _list(_item(what, rules)) for section, (what, rules) in SECTION_FIELDS.items()
    }
    properties["phrasings"] = {
        "type": "object",
        "description": "example phrasings per entry id (e.g. one file per language)",
        "propertyNames": {"pattern": F.ID_PATTERN.pattern},
        "additionalProperties": _list(_text(F.MAX_EXAMPLE)),
    }
    properties["translation"] = {
        "type": "object",
        "description": "one language's texts; see knowledge/README.md",
        "required": ["language"],
    }
    properties["locale"] = {
        "type": "object",
        "description": "one language's buttons, notes and command help; see knowledge/README.md",
        "required": ["language"],
        "properties": {
            "language": {"enum": list(LOCALE_LANGUAGES)},
            "ui": {
                "type": "object",
                "properties": {key: {"type": "string"} for key in UI_TEXTS},
                "additionalProperties": False,
            },
            "commands": {"type": "object", "additionalProperties": _text(100)},
        },
        "additionalProperties": False,
    }
    properties["copy_hosts"] = _list({"type": "string"})
    properties["messages"] = {
        "type": "object",
        "properties": {key: _text(F.MAX_MESSAGE) for key in F.MESSAGE_KEYS},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "optout-bot knowledge file",
        "description": "One YAML file of the knowledge folder; see knowledge/README.md.",
        "type": "object",
        "properties": {section: properties[section] for section in SECTIONS},
        "additionalProperties": False,
    }


def schema_text() -> str:
    return json.dumps(knowledge_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
