"""Keep database passwords out of every message and log line.

A ``DATABASE_URL`` can carry its password in many places: the userinfo
(``postgresql://user:pw@host/db``), a libpq query parameter (``?password=…``, ``passfile``,
``sslpassword``), or in a userinfo whose ``/``, ``#`` or ``?`` was not percent-encoded, which
parsers then split somewhere in the middle of the password. Drivers echo such fragments in
their own error texts ("invalid literal for int(): 'pa'"). So the bot never shows a URL as
written: ``describe_url`` keeps only scheme, host, port and database, and ``scrub`` removes
every secret it can recognise from any text before it is logged or raised.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

UNPARSEABLE = "<database URL>"
SECRET_PARAMS = ("password", "passfile", "sslpassword")
MASK = "***"
#: Fragments shorter than this are not hunted for in free text (they would mangle words);
#: the driver texts that echo short fragments (URL parse errors) are never shown at all.
MIN_FRAGMENT = 3

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", re.DOTALL)
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.%\w-]+\]|[^\s:@\[\]/?#,]*)(?::\d{1,5})?")
_USERINFO_IN_TEXT = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)\S*@")
_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(" + "|".join(SECRET_PARAMS) + r")(\s*[=:]\s*)"
    r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,)'\"]+)"
)


def describe_url(url: str) -> str:
    """``scheme://host:port/database`` and nothing else; ``<database URL>`` when unparseable.

    Everything up to the last ``@`` counts as userinfo, so a password with an unescaped
    ``/``, ``#``, ``?`` or ``@`` is dropped whole instead of being mistaken for a path.
    """
    match = _SCHEME.fullmatch(url.strip()) if isinstance(url, str) else None
    if match is None:
        return UNPARSEABLE
    scheme, rest = match.group(1).lower(), match.group(2)
    rest = rest.rsplit("@", 1)[-1]
    hosts, _, tail = _split_first(rest, "/?#")
    database = ""
    if tail.startswith("/"):
        database, _, _ = _split_first(tail[1:], "?#")
    if any(not _HOST.fullmatch(host) for host in hosts.split(",")):
        return UNPARSEABLE
    if any(ch.isspace() or ch in "@:" for ch in database):
        return UNPARSEABLE
    return f"{scheme}://{hosts}/{database}"


def scrub(text: str, url: str | None = None) -> str:
    """``text`` without userinfo of any URL, without ``password``/``passfile``/``sslpassword``
    values, and without any part of ``url``'s secrets (when given) that a driver echoed."""
    text = _USERINFO_IN_TEXT.sub(rf"\1{MASK}@", text)
    text = _SECRET_IN_TEXT.sub(rf"\1\2{MASK}", text)
    for secret in sorted(secrets_of(url or ""), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def secrets_of(url: str) -> set[str]:
    """The password (whole, decoded, and the pieces a parser might split it into) and the
    values of secret query parameters, as they could appear in a driver's message."""
    match = _SCHEME.fullmatch(url.strip())
    if match is None:
        return set()
    rest = match.group(2)
    found: set[str] = set()
    if "@" in rest:
        userinfo = rest.rsplit("@", 1)[0]
        _, colon, password = userinfo.partition(":")
        secret = password if colon else userinfo
        found |= {secret, unquote(secret), userinfo}
        found |= set(re.split(r"[/?#@:&=]", secret))
    _, _, query = rest.partition("?")
    for key, value in parse_qsl(query.split("#")[0], keep_blank_values=True):
        if key.lower() in SECRET_PARAMS:
            found |= {value, unquote(value)}
    return {s for s in found if len(s) >= MIN_FRAGMENT}


def _split_first(text: str, stops: str) -> tuple[str, str, str]:
    """Split ``text`` at the first of ``stops``: (before, the stop, the stop and after)."""
    cut = min((i for i in (text.find(c) for c in stops) if i >= 0), default=len(text))
    return text[:cut], text[cut : cut + 1], text[cut:]
