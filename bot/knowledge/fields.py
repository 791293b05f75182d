"""Field rules for each kind of knowledge item, checked with human-readable messages.

Kept declarative so the rules a moderator reads in knowledge/README.md and the rules
the loader enforces are one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import process

from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YList, YMap

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")

# Lengths chosen so any composed answer fits one Discord embed (see presentation.layout).
MAX_TITLE = 200
MAX_SHORT_TITLE = 40  # a button label that fits a phone screen
MAX_ANSWER = 1500
MAX_STEP = 300
MAX_STEPS = 10
MAX_NOTE = 600
MAX_SCOPE_ITEM = 200
MAX_SCOPE_ITEMS = 6
MAX_EXAMPLE = 200
MAX_ALIAS = 60
MAX_MESSAGE = 1000
MAX_PREMISE = 300


@dataclass(frozen=True, slots=True)
class Field:
    kind: str  # text | str | id | idlist | strlist | date | url | steps | notes
    required: bool = False
    max_len: int = 0


SOURCE_FIELDS = {
    "id": Field("id", True),
    "title": Field("text", True, 300),
    "publisher": Field("text", True, 120),
    "date": Field("date"),  # optional: left out when the source shows no date
    "url": Field("url"),
}
REGION_FIELDS = {
    "id": Field("id", True),
    "name": Field("text", True, 100),
    "aliases": Field("strlist", True, MAX_ALIAS),
    # Names of a whole area ("EU", "Europe"): a country or city named too wins over them.
    "broad": Field("strlist", False, MAX_ALIAS),
    # Weak hints ("GDPR", "French"): used only when the question names no place outright.
    "hints": Field("strlist", False, MAX_ALIAS),
    "note": Field("text", True, MAX_NOTE),
}
PLATFORM_FIELDS = {
    "id": Field("id", True),
    "name": Field("text", True, 100),
    "aliases": Field("strlist", True, MAX_ALIAS),
    "falls_back_to": Field("id"),
}
ENTRY_FIELDS = {
    "id": Field("id", True),
    "title": Field("text", True, MAX_TITLE),
    "short_title": Field("text", False, MAX_SHORT_TITLE),
    "kind": Field("str"),
    "examples": Field("strlist", True, MAX_EXAMPLE),
    "answer": Field("text", True, MAX_ANSWER),
    "link": Field("url"),
    "steps": Field("steps"),
    "regions": Field("notes"),
    "covers": Field("strlist", False, MAX_SCOPE_ITEM),
    "does_not_cover": Field("strlist", False, MAX_SCOPE_ITEM),
    "sources": Field("idlist"),
    "checked": Field("date", True),
    "related": Field("idlist"),
    "uncertain": Field("text", False, MAX_NOTE),
    # Entries whose whole answer this one contains: never ask "which one?" between them.
    "includes": Field("idlist"),
    # The big-picture entry: a vague question it nearly ties for is answered by it (with the
    # other entry offered as a button) instead of asking "which one?".
    "overview": Field("bool"),
    "shared_region_notes": Field("bool"),
}
# Wrong beliefs (knowledge/premises.yaml): when all words of a `when` item are in a question,
# the answer opens with the `say` line, and `entry` answers if nothing else is sure.
PREMISE_FIELDS = {
    "entry": Field("id", True),
    "when": Field("strlist", True, MAX_ALIAS),
    "say": Field("text", True, MAX_PREMISE),
    # The language the `when` words and the `say` line are written in (default English):
    # the line is shown when the answer is in that language.
    "lang": Field("str", False, 2),
}
MESSAGE_KEYS = {
    "region_overview": True,
    "decline": True,
    "clarify": False,
    "too_long": False,
    "unread_script": False,
    "region_ask": False,
    "menu_labels_may_differ": False,
}


def did_you_mean(word: str, choices: list[str]) -> str:
    """A ' (did you mean 'x'?)' hint for a misspelt key or id, or ''."""
    best = process.extractOne(word, choices, score_cutoff=60)
    return f" (did you mean '{best[0]}'?)" if best else ""


def line_of(m: YMap, key: str) -> int:
    return m.key_lines.get(key, m.line) if isinstance(m, YMap) else 0


def check_fields(
    item: Any, fields: dict[str, Field], what: str, label: str, problems: list[Problem]
) -> bool:
    """Check one mapping against its field rules; return False when it is unusable."""
    if not isinstance(item, YMap):
        line = getattr(item, "line", 0)
        problems.append(
            Problem(label, line, f"each {what} must be a mapping of keys (got {_kind(item)})")
        )
        return False
    ok = True
    for key in item:
        if key not in fields:
            hint = did_you_mean(key, list(fields))
            problems.append(
                Problem(
                    label,
                    line_of(item, key),
                    f"'{key}' is not a key that can be used in a {what}{hint}",
                )
            )
            ok = False
    for key, rule in fields.items():
        if key not in item:
            if rule.required:
                problems.append(
                    Problem(label, item.line, f"{what} is missing required key '{key}'")
                )
                ok = False
            continue
        ok &= _check_value(item[key], rule, key, item, what, label, problems)
    return ok


def _check_value(
    value: Any, rule: Field, key: str, item: YMap, what: str, label: str, problems: list[Problem]
) -> bool:
    """One key's value against its rule, by the rule's kind (see ``VALUE_CHECKS``)."""
    name = f"'{key}' in {what}"
    message = VALUE_CHECKS[rule.kind](value, rule, name)
    if message is None:
        return _check_nested(value, rule, name, line_of(item, key), label, problems)
    problems.append(Problem(label, line_of(item, key), message))
    return False


# Each value check returns None when the value is fine, or the problem's message. Lists and
# mappings report per item, so their checks return None and ``_check_nested`` does the rest.
def _text_problem(value: Any, rule: Field, name: str) -> str | None:
    """Text-like kinds (text, str, id, url): a string, within length, in the kind's shape."""
    if not isinstance(value, str):
        return f"{name} must be text (got {_kind(value)})"
    if rule.kind == "text" and not value.strip():
        return f"{name} is empty"
    if rule.max_len and len(value) > rule.max_len:
        return f"{name} is {len(value)} characters; the limit is {rule.max_len}"
    if rule.kind == "id" and not ID_PATTERN.match(value):
        return f"{name} must be lower-case letters, digits and dashes (got {value!r})"
    if rule.kind == "url" and not value.startswith("https://"):
        return f"{name} must start with https://"
    return None


def _bool_problem(value: Any, rule: Field, name: str) -> str | None:
    """YAML reads yes/no/on/off as booleans; a quoted "true" is text and would mislead."""
    return None if isinstance(value, bool) else f"{name} must be true or false (got {value!r})"


def _date_problem(value: Any, rule: Field, name: str) -> str | None:
    """A real calendar date (YAML's own date, or quoted YYYY, YYYY-MM or YYYY-MM-DD)."""
    if isinstance(value, date) or (isinstance(value, str) and _real_date(value)):
        return None
    return f'{name} must be a date like "2026-11-23" (got {value!r})'


def _no_problem(value: Any, rule: Field, name: str) -> str | None:
    """Checked elsewhere: by the section's own rules, or item by item in ``_check_nested``."""
    return None


VALUE_CHECKS = {
    "text": _text_problem,
    "str": _text_problem,
    "id": _text_problem,
    "url": _text_problem,
    "bool": _bool_problem,
    "date": _date_problem,
    "any": _no_problem,
    "strlist": _no_problem,
    "idlist": _no_problem,
    "steps": _no_problem,
    "notes": _no_problem,
}


def _check_nested(
    value: Any, rule: Field, name: str, line: int, label: str, problems: list[Problem]
) -> bool:
    """Lists and mappings, checked item by item so each bad item gets its own line."""
    if rule.kind in ("strlist", "idlist"):
        return _check_list(value, rule, name, line, label, problems, ids=rule.kind == "idlist")
    if rule.kind in ("steps", "notes"):
        return _check_map_of(value, name, line, label, problems, lists=rule.kind == "steps")
    return True


def _check_list(
    value: Any, rule: Field, name: str, line: int, label: str, problems: list[Problem], ids: bool
) -> bool:
    if not isinstance(value, YList):
        problems.append(Problem(label, line, f"{name} must be a list (got {_kind(value)})"))
        return False
    ok = True
    for item, item_line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                Problem(label, item_line, f"each item of {name} must be non-empty text")
            )
            ok = False
        elif rule.max_len and len(item) > rule.max_len:
            problems.append(
                Problem(
                    label,
                    item_line,
                    f"item of {name} is {len(item)} characters; the limit is {rule.max_len}",
                )
            )
            ok = False
        elif ids and not ID_PATTERN.match(item):
            problems.append(Problem(label, item_line, f"{item!r} in {name} is not a valid id"))
            ok = False
    return ok


def _check_map_of(
    value: Any, name: str, line: int, label: str, problems: list[Problem], lists: bool
) -> bool:
    if not isinstance(value, YMap):
        problems.append(Problem(label, line, f"{name} must be a mapping (got {_kind(value)})"))
        return False
    ok = True
    for key, sub in value.items():
        sub_line = line_of(value, key)
        if lists:
            ok &= _check_list(
                sub,
                Field("strlist", False, MAX_STEP),
                f"'{key}' steps",
                sub_line,
                label,
                problems,
                False,
            )
            if isinstance(sub, YList) and not 1 <= len(sub) <= MAX_STEPS:
                problems.append(
                    Problem(label, sub_line, f"'{key}' steps must have 1 to {MAX_STEPS} steps")
                )
                ok = False
        elif not isinstance(sub, str) or not sub.strip():
            problems.append(Problem(label, sub_line, f"note for '{key}' must be non-empty text"))
            ok = False
        elif len(sub) > MAX_NOTE:
            problems.append(
                Problem(
                    label,
                    sub_line,
                    f"note for '{key}' is {len(sub)} characters; the limit is {MAX_NOTE}",
                )
            )
            ok = False
    return ok


def _real_date(text: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a day that exists (no 2026-13-45)."""
    if not DATE_PATTERN.match(text):
        return False
    parts = [int(p) for p in text.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if value is None:
        return "nothing"
    return type(value).__name__


def check_list(
    value: Any, rule: Field, name: str, line: int, label: str, problems: list[Problem]
) -> bool:
    """A list of texts, each non-empty and within the rule's length (for the loader)."""
    return _check_list(value, rule, name, line, label, problems, ids=False)
