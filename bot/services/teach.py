"""``/kb-admin teach``: add a real question as a new example phrasing of an entry, safely.

The edit is validated against a copy of the whole folder before anything is written, the
previous file is backed up under ``.backups/`` (a dot-folder the loader skips), and the new
file replaces the old with one ``os.replace``, so neither the bot nor a moderator's editor
can ever see a half-written file. Only the phrasing goes into the YAML: never who asked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from bot.answering import Engine
from bot.answering.languages import phrasing_language
from bot.answering.normalise import clean, has_markup_or_link
from bot.knowledge.fields import MAX_EXAMPLE, did_you_mean
from bot.knowledge.loader import DEFAULT_STALE_DAYS, LoadResult, example_key
from bot.knowledge.location import TEACH_REFUSED, inside_installed_package
from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import MAX_FILE_BYTES, YList, YMap, parse_yaml, read_regular
from bot.knowledge.schema import KnowledgeBase
from bot.services.validate import load_validated
from bot.services.yaml_edit import EditError, append_example, append_phrasing, changed_lines

BACKUP_DIR = ".backups"
KEEP_BACKUPS = 20  # per file; older backups are pruned
LOCK_FILE = ".teach.lock"
LOCK_WAIT_SECONDS = 30.0  # a teach takes about a second; longer means something is stuck
LOCK_POLL_SECONDS = 0.05
MAX_PHRASING = MAX_EXAMPLE


class TeachError(Exception):
    """The phrasing was not added; ``str()`` is a message for the moderator."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TeachResult:
    entry_id: str
    entry_title: str
    phrasing: str
    file: str  # label, e.g. "knowledge/entries/topics.yaml"
    line: int  # line of the new example
    backup: Path
    who: str  # display name for the maintainers' log only; never written to disk
    at: datetime
    reformatted_lines: int  # lines the round trip changed besides the addition (normally 0)


def tidy_phrasing(text: str) -> str:
    """One tidy line, or TeachError saying what is wrong with it."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    text = " ".join(text.split())
    if not example_key(text) or not any(c.isalpha() for c in text):
        raise TeachError("The question is empty; type the words people actually ask.")
    if len(text) > MAX_PHRASING:
        raise TeachError(
            f"The question is {len(text)} characters; example phrasings are at most "
            f"{MAX_PHRASING}. Shorten it to the part that matters."
        )
    if has_markup_or_link(text):
        raise TeachError("Remove mentions, channel links and URLs; keep only the question.")
    return text


def find_duplicate(result: LoadResult, phrasing: str) -> str | None:
    """Id of the entry that already has this phrasing (after lower-casing), if any."""
    key = example_key(phrasing)
    for entry in result.kb.entries.values() if result.kb else ():
        if any(example_key(e) == key for e in entry.examples):
            return entry.id
    return None


def moved_phrasings(
    before: KnowledgeBase, after: KnowledgeBase, taught: str
) -> tuple[Problem, ...]:
    """Phrasings of the other entries that the edited knowledge would answer differently.

    The duplicate check only catches the same words; a near copy can still outscore the
    original, so every other entry's phrasings are answered again with the edit. A change
    towards the phrasing's own entry is an improvement and allowed; any other is reported.
    """
    new = Engine(after)
    old: Engine | None = None  # built only if some phrasing leaves its own entry
    found = []
    for entry in before.entries.values():
        if entry.id == taught:
            continue
        for example in entry.examples:
            now = new.answer(example).entry_id
            if now == entry.id:
                continue
            old = old or Engine(before)
            was = old.answer(example).entry_id
            if now != was:
                goes = f"'{now}'" if now else "no topic (the bot would ask which or decline)"
                message = (
                    f"example “{example}” of entry '{entry.id}' would be answered by {goes} "
                    f"instead of '{was}'"
                )
                found.append(Problem(entry.file, entry.line, message))
    return tuple(found)


def entry_path(root: Path, label: str) -> Path:
    """Turn a loader label ("knowledge/entries/x.yaml") back into a path under ``root``."""
    parts = Path(label).parts
    return root.joinpath(*parts[1:]) if parts and parts[0] == root.name else root / label


def add_example(
    knowledge_dir: str | os.PathLike[str],
    entry_id: str,
    phrasing: str,
    *,
    who: str,
    now: datetime | None = None,
    stale_days: int = DEFAULT_STALE_DAYS,
) -> TeachResult:
    """Validate, back up and atomically write; raises TeachError with a clear message.

    Read, validate and write happen under the folder's teach lock, so a teach from another
    process (another shard's bot) waits instead of overwriting this one's phrasing.
    """
    root = Path(knowledge_dir)
    if inside_installed_package(root):
        raise TeachError(TEACH_REFUSED)
    now = now or datetime.now(UTC)
    phrasing = tidy_phrasing(phrasing)
    with teach_lock(root):
        return _add_locked(root, entry_id, phrasing, who, now, stale_days)


@contextlib.contextmanager
def teach_lock(root: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """One teach at a time per knowledge folder, across processes (``fcntl.flock``).

    The lock is per folder, not per file: a teach validates the whole folder, so two
    teaches into different files could each pass the duplicate check and together fail it.
    The lock file is a dot-file, which the loader and the watcher skip.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(root / LOCK_FILE, flags, 0o644)
    except OSError as exc:
        raise TeachError(
            f"Cannot lock {root.name} for teaching: {exc.strerror or exc}. Nothing was changed; "
            "the bot needs a writable knowledge folder (KNOWLEDGE_DIR) to learn phrasings."
        ) from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TeachError("Another teach is still being saved; try again.") from None
                time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _add_locked(
    root: Path, entry_id: str, phrasing: str, who: str, now: datetime, stale_days: int
) -> TeachResult:
    current = load_validated(root, stale_days=stale_days, today=now.date())
    if not current.ok:
        raise TeachError(
            "The knowledge folder has problems right now; fix them (see /kb-admin check) first.",
            tuple(current.errors),
        )
    entry = current.kb.entries.get(entry_id)
    if entry is None:
        hint = did_you_mean(entry_id, list(current.kb.entries))
        raise TeachError(f"There is no entry '{entry_id}'{hint}.")
    owner = find_duplicate(current, phrasing)
    if owner is not None:
        where = "this entry" if owner == entry_id else f"entry '{owner}'"
        raise TeachError(f"“{phrasing}” is already an example of {where}; nothing to add.")
    label, path = _target(root, entry.file, phrasing)
    original = _read(path)
    try:
        new_text = None
        if label != entry.file:
            try:
                new_text = append_phrasing(original, entry_id, phrasing)
            except EditError:  # a language file we cannot add to: the entry's own list
                label, path = entry.file, entry_path(root, entry.file)
                original = _read(path)
        if new_text is None:
            new_text = append_example(original, entry_id, phrasing)
    except EditError as exc:
        raise TeachError(f"{label}: {exc}") from None
    check = _validate_edit(root, label, new_text, stale_days, now.date())
    if not check.ok:
        raise TeachError(
            "The change would not validate, so nothing was saved.", tuple(check.errors)
        )
    moved = moved_phrasings(current.kb, check.kb, entry_id)
    if moved:
        raise TeachError(
            f"“{phrasing}” would take existing questions away from other topics, so nothing "
            "was saved. Pick another topic or a more specific wording.",
            moved,
        )
    if _read(path) != original:
        raise TeachError(f"{label} changed while teaching; try again.")
    try:
        backup = backup_file(root, path, original, now)
        atomic_write(path, new_text)
    except OSError as exc:
        raise TeachError(
            f"Cannot write {label}: {exc.strerror or exc}. Nothing was changed; the bot "
            "needs a writable knowledge folder (KNOWLEDGE_DIR) to learn phrasings."
        ) from exc
    return TeachResult(
        entry_id=entry_id,
        entry_title=entry.title,
        phrasing=phrasing,
        file=label,
        line=_example_line(new_text, entry_id),
        backup=backup,
        who=who,
        at=now,
        reformatted_lines=changed_lines(original, new_text),
    )


def _read(path: Path) -> str:
    """The entry's file, read like the loader reads it (never a FIFO, a device or a link)."""
    if path.is_symlink():
        raise TeachError(f"{path.name} is a symbolic link; teach edits only regular files.")
    try:
        data = read_regular(path)
    except OSError as exc:
        raise TeachError(f"Cannot read {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise TeachError(f"{path.name} is over {MAX_FILE_BYTES:,} bytes; nothing was added.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TeachError(f"Cannot read {path.name}: {exc}") from None


def _validate_edit(root: Path, label: str, text: str, stale_days: int, today: date) -> LoadResult:
    """Load the whole folder as it would be after the edit, without writing anything.

    The edited file's new text stands in for the one on disk; every other file is read
    like any load (no copy of the folder, so no link or special file is ever followed).
    """
    return load_validated(root, stale_days=stale_days, today=today, replacing={label: text})


def _target(root: Path, entry_file: str, phrasing: str) -> tuple[str, Path]:
    """Where a taught phrasing goes: a question plainly written in French, German, Dutch,
    Spanish, Italian or Portuguese joins that language's phrasings file (matched and stemmed
    as that language); anything else joins the entry's own examples."""
    lang = phrasing_language(phrasing, clean(phrasing).split())  # the rule answers use
    own = root / "phrasings" / f"{lang}.yaml"
    if lang != "en" and own.is_file():
        return f"{root.name}/phrasings/{lang}.yaml", own
    return entry_file, entry_path(root, entry_file)


def _example_line(text: str, entry_id: str) -> int:
    data, _ = parse_yaml(text, "")
    phrasings = data.get("phrasings") if isinstance(data, YMap) else None
    if isinstance(phrasings, YMap):
        texts = phrasings.get(entry_id)
        return texts.item_lines[-1] if isinstance(texts, YList) and texts.item_lines else 0
    entries = data.get("entries") if isinstance(data, YMap) else None
    for item in entries if isinstance(entries, YList) else ():
        if isinstance(item, YMap) and item.get("id") == entry_id:
            examples = item.get("examples")
            if isinstance(examples, YList) and examples.item_lines:
                return examples.item_lines[-1]
    return 0


def backup_file(root: Path, path: Path, text: str, now: datetime) -> Path:
    """Copy the previous version to .backups/<rel__path>.<UTC time>.yaml; keep the newest few."""
    folder = root / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stem = "__".join(path.relative_to(root).with_suffix("").parts)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = folder / f"{stem}.{stamp}{path.suffix}"
    atomic_write(backup, text)
    # only this file's backups: "opt-out" must not prune "opt-out.v2"'s (a glob did)
    mine = re.compile(re.escape(stem) + r"\.\d{8}T\d{12}Z" + re.escape(path.suffix))
    old = sorted(p for p in folder.iterdir() if mine.fullmatch(p.name))
    for stale in old[:-KEEP_BACKUPS]:
        stale.unlink(missing_ok=True)
    return backup


def atomic_write(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, then os.replace: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
