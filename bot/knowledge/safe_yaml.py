"""Read one moderator-edited YAML file safely, keeping line numbers for every value.

Only PyYAML's safe loader is used. Hostile files fail with one clear problem instead of
a crash or a hang: oversized files, non-UTF-8 bytes, deep nesting, anchors/aliases
(the root of "billion laughs" bombs) and language-specific tags like ``!!python/...``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.problems import Problem

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 12
MAX_NODES = 200_000
# libyaml's C parser when present (same safe composition, about 10x faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PYTHON_TAG = "tag:yaml.org,2002:python/"
_MAP_TAG = "tag:yaml.org,2002:map"
_STR_TAG = "tag:yaml.org,2002:str"
_NO_ALIASES = "anchors and aliases (& and *) are not supported; write the value out"


class YMap(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class YList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


class _Abort(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class UnsafeFile(OSError):
    """The path is not something the bot may read (a FIFO, a device, a link leading away)."""


#: What fstat can say a path is, for moderators (anything else is "not a regular file").
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC
)


def read_regular(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file, never following a link or blocking.

    A FIFO would make a plain read wait forever and ``/dev/zero`` would fill memory, so the
    file is opened without following a link and without blocking, must be regular once open
    (fstat, so it cannot be swapped after a check), and is read only one byte past the limit.
    Raises ``UnsafeFile`` (with a reason for moderators) or ``OSError``.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, "is a symbolic link; it was not followed") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise UnsafeFile(errno.EINVAL, f"is {kind}, not a regular file; skipped")
        chunks, wanted = [], max_bytes + 1
        while wanted > 0:
            chunk = os.read(fd, min(wanted, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def resolve_within(path: Path, root: Path | None) -> Path:
    """The real file behind ``path``; ``UnsafeFile`` when a link leads outside ``root``."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if root is not None and not target.is_relative_to(os.path.realpath(root)):
        raise UnsafeFile(
            errno.EXDEV,
            f"is a link to {target}, outside the knowledge folder; skipped (copy the file in)",
        )
    return target


def read_text(
    path: Path, label: str, max_bytes: int = MAX_FILE_BYTES, *, root: Path | None = None
) -> tuple[str | None, list[Problem]]:
    """Return the file's text, or a problem explaining why it cannot be used.

    ``root``: the knowledge folder; a symbolic link may only lead to a file inside it.
    """
    try:
        data = read_regular(resolve_within(path, root), max_bytes)
    except UnsafeFile as exc:
        return None, [Problem(label, 0, exc.strerror)]
    except OSError as exc:
        return None, [Problem(label, 0, f"cannot read file: {exc.strerror or exc}")]
    if len(data) > max_bytes:
        return None, [
            Problem(label, 0, f"file is too large; the limit is {max_bytes:,} bytes per file")
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            Problem(
                label,
                line,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            )
        ]


def parse_yaml(text: str, label: str) -> tuple[Any, list[Problem]]:
    """Parse text into plain Python values (YMap / YList / scalars) with line numbers."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "syntax error"
        line, hint = _hint(exc, line, text.splitlines())
        return None, [Problem(label, line, f"YAML syntax error: {what}{hint}")]
    except yaml.YAMLError as exc:
        return None, [Problem(label, 0, f"YAML error: {exc}")]
    except RecursionError:
        return None, [Problem(label, 0, "nesting is far too deep to be a knowledge file")]
    if not nodes:
        return None, [Problem(label, 1, "file is empty")]
    if len(nodes) > 1:
        line = nodes[1].start_mark.line + 1
        return None, [
            Problem(label, line, "only one YAML document per file (remove the extra '---')")
        ]
    builder = _Builder()
    try:
        return builder.build(nodes[0], 0), []
    except _Abort as abort:
        return None, [Problem(label, abort.line, abort.message)]


def _hint(exc: yaml.MarkedYAMLError, line: int, lines: list[str]) -> tuple[int, str]:
    """(line to report, a hint) for the mistakes people make most: a tab, a colon inside
    an unquoted text, a list item without its dash."""
    problem = exc.problem or ""
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "tab" in problem or "\t" in here[: len(here) - len(here.lstrip())]:
        return line, " (a tab: YAML indents with spaces only; replace the tab with spaces)"
    if problem.startswith("mapping values are not allowed"):
        return line, (
            " (a colon followed by a space inside a text: put the whole text in quotes, "
            'e.g. title: "Opt out: on the web")'
        )
    if problem == "could not find expected ':'" and exc.context_mark is not None:
        return exc.context_mark.line + 1, (
            " (a list item without its dash? Start it with '- ' like the items above)"
        )
    if problem == "did not find expected '-' indicator":
        return line, " (a list item without its dash, or indented differently from the others)"
    return line, ""


def _colon_in_item(item: yaml.Node) -> str | None:
    """`- how do I opt out: on the web` is valid YAML (a one-key mapping), but in a list of
    phrasings it is a mistake: knowledge files have no keys with spaces. (A plain scalar's
    style is None in PyYAML, "" in libyaml.)"""
    if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
        return None
    key, value = item.value[0]
    if not isinstance(key, yaml.ScalarNode) or key.style or " " not in key.value:
        return None
    if not isinstance(value, yaml.ScalarNode) or value.start_mark.line != key.start_mark.line:
        return None
    return (
        f"'{key.value}: {value.value}' has a colon followed by a space, so YAML reads it as "
        f'a key and a value; put it in quotes: - "{key.value}: {value.value}"'
    )


class _Builder:
    """Turns composed nodes into values, refusing aliases, unsafe tags and runaway size."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._count = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def _visit(self, node: yaml.Node, line: int) -> None:
        """Each node once (a second visit is an alias) and no more than MAX_NODES of them."""
        if id(node) in self._seen:
            raise _Abort(line, _NO_ALIASES)
        self._seen.add(id(node))
        self._count += 1
        if self._count > MAX_NODES:
            raise _Abort(line, f"file has more than {MAX_NODES:,} values")

    def build(self, node: yaml.Node, depth: int) -> Any:
        line = node.start_mark.line + 1
        self._visit(node, line)
        if depth > MAX_DEPTH:
            raise _Abort(line, f"nested more than {MAX_DEPTH} levels deep")
        if node.tag.startswith(_PYTHON_TAG) or node.tag.startswith("!"):
            raise _Abort(line, f"tag '{node.tag}' is not allowed; remove it")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth, line)
        if isinstance(node, yaml.SequenceNode):
            result = YList()
            result.line = line
            result.item_lines = []
            for item in node.value:
                item_line = item.start_mark.line + 1
                if type(item) is yaml.ScalarNode and item.tag == _STR_TAG and depth < MAX_DEPTH:
                    # A text item (most of the knowledge: phrasings): only the checks that
                    # can fail for it, without a call of build() per phrasing.
                    self._visit(item, item_line)
                    result.append(item.value)
                elif (colon := _colon_in_item(item)) is not None:
                    raise _Abort(item_line, colon)
                else:
                    result.append(self.build(item, depth + 1))
                result.item_lines.append(item_line)
            return result
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # most values are text: skip the constructor's bookkeeping
        try:
            return self._scalars.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise _Abort(line, f"cannot read this value: {getattr(exc, 'problem', exc)}") from None

    def _mapping(self, node: yaml.MappingNode, depth: int, line: int) -> YMap:
        if node.tag != _MAP_TAG:
            raise _Abort(line, f"tag '{node.tag}' is not allowed; remove it")
        result = YMap()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Abort(key_line, "merge keys (<<) are not supported; write the values out")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                key = self.build(key_node, depth + 1)
                raise _Abort(key_line, f"key {key!r} must be text; put it in quotes")
            key = key_node.value
            if key in result:
                raise _Abort(key_line, f"key '{key}' appears twice in this mapping")
            result[key] = self.build(value_node, depth + 1)
            result.key_lines[key] = key_line
        return result
