"""Append one example phrasing to an entry with ruamel.yaml's round-trip mode.

Moderators' files carry comments and a layout they chose; a plain load/dump would erase
both. Round-tripping keeps them, and the indentation that reproduces the file best is
picked first so the only change in a diff is the added line.
"""

from __future__ import annotations

import copy
import difflib
import io
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

# (mapping, sequence, offset): common hand-written styles, most common first.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 3, 1), (3, 5, 2))


class EditError(ValueError):
    """The file cannot be edited this way (message is for a moderator)."""


def _yaml(indent: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def _dump(yaml: YAML, doc: Any) -> str:
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def changed_lines(before: str, after: str) -> int:
    """Lines removed or altered (added lines are not counted)."""
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return sum(1 for line in diff if line.startswith("- "))


def _best_indent(text: str) -> tuple[int, int, int]:
    best, best_cost = _INDENTS[0], None
    for indent in _INDENTS:
        yaml = _yaml(indent)
        dumped = _dump(yaml, yaml.load(text))
        if dumped == text:
            return indent
        cost = changed_lines(text, dumped)
        if best_cost is None or cost < best_cost:
            best, best_cost = indent, cost
    return best


def _styled(phrasing: str, previous: Any) -> Any:
    """Quote the new phrasing the way the previous example was quoted."""
    if isinstance(previous, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(phrasing)
    if isinstance(previous, SingleQuotedScalarString):
        return SingleQuotedScalarString(phrasing)
    return phrasing


def _move_trailing_comments(examples: Any, last: int) -> None:
    """Full-line comments after the last example belong below the new one, not above it."""
    token = examples.ca.items.get(last)
    if not token or token[0] is None:
        return
    first, _, rest = token[0].value.partition("\n")
    if not rest.strip():
        return
    moved = copy.copy(token[0])
    moved.value = "\n" + rest
    if first.strip():
        token[0].value = first + "\n"
    else:
        del examples.ca.items[last]
    examples.ca.items[last + 1] = [moved, None, None, None]


def _edit(text: str, change: Callable[[Any], None]) -> str:
    """Round-trip ``text``, let ``change`` edit the loaded document, dump it back with the
    file's own BOM, line endings and indentation."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text[len(bom) :].replace("\r\n", "\n")
    try:
        yaml = _yaml(_best_indent(body))
        doc = yaml.load(body)
    except YAMLError as exc:
        raise EditError(f"cannot parse the file for editing: {exc}") from None
    change(doc)
    return bom + _dump(yaml, doc).replace("\n", newline)


def _append(texts: Any, phrasing: str) -> None:
    """Add ``phrasing`` to a list, quoted like its last item, keeping trailing comments below."""
    last = len(texts) - 1
    texts.append(_styled(phrasing, texts[last] if texts else None))
    if last >= 0:
        _move_trailing_comments(texts, last)


def append_example(text: str, entry_id: str, phrasing: str) -> str:
    """Return ``text`` with ``phrasing`` appended to entry ``entry_id``'s examples."""

    def change(doc: Any) -> None:
        entries = doc.get("entries") if hasattr(doc, "get") else None
        entry = next(
            (e for e in entries or () if hasattr(e, "get") and e.get("id") == entry_id),
            None,
        )
        if entry is None:
            raise EditError(f"entry '{entry_id}' is not defined in this file")
        examples = entry.get("examples")
        if not isinstance(examples, list) or not hasattr(examples, "ca"):
            raise EditError(f"entry '{entry_id}' has no 'examples' list to add to")
        _append(examples, phrasing)

    return _edit(text, change)


def append_phrasing(text: str, entry_id: str, phrasing: str) -> str:
    """Return a language's phrasings file (``phrasings: {entry-id: [...]}``) with ``phrasing``
    appended under ``entry_id``, adding that list when the entry has none there yet."""

    def change(doc: Any) -> None:
        phrasings = doc.get("phrasings") if hasattr(doc, "get") else None
        if not hasattr(phrasings, "get"):
            raise EditError("the file has no 'phrasings' map to add to")
        texts = phrasings.get(entry_id)
        if texts is None:
            sample = next((v[0] for v in phrasings.values() if isinstance(v, list) and v), None)
            phrasings[entry_id] = [_styled(phrasing, sample)]
        elif isinstance(texts, list) and hasattr(texts, "ca"):
            _append(texts, phrasing)
        else:
            raise EditError(f"'{entry_id}' is not a list of phrasings in this file")

    return _edit(text, change)
