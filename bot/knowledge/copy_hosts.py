"""Known copy and mirror sites, so a source links the original publisher, never a copy.

Moderators keep the list in the knowledge folder (`copy_hosts:`, e.g. copy-hosts.yaml); the
loader warns about any source whose url is on one of these hosts or a subdomain of one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YList

_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
HOST_PATTERN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")


def collect(value: Any, label: str, line: int, problems: list[Problem]) -> list[str]:
    """The valid host names of one `copy_hosts:` list; a problem for each bad item."""
    if not isinstance(value, YList):
        problems.append(Problem(label, line, "'copy_hosts' must be a list of host names"))
        return []
    hosts = []
    for item, item_line in zip(value, value.item_lines, strict=True):
        host = item.strip().lower() if isinstance(item, str) else ""
        if not HOST_PATTERN.match(host):
            problems.append(
                Problem(
                    label,
                    item_line,
                    f"{item!r} in copy_hosts is not a host name like 'example.com' "
                    "(no https://, no path)",
                )
            )
            continue
        hosts.append(host)
    return hosts


def matching(url: str, hosts: list[str]) -> str | None:
    """The listed host that `url` is on (itself or a subdomain of it), or None."""
    host = (urlsplit(url).hostname or "").lower()
    for listed in hosts:
        if host == listed or host.endswith("." + listed):
            return listed
    return None
