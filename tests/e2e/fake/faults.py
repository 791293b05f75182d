"""Faults the fake can inject into its REST answers: errors, rate limits and delays.

Why: the bot's retry and timeout paths must be exercised without a real outage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from tests.e2e.fake.protocol import (
    Json,
    RecordedRequest,
)


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int
    remaining: int | None
    retry_after: float
    is_global: bool
    via: bool
    body: Json | None


@dataclass
class _Latency:
    method: str
    path: re.Pattern[str]
    seconds: float


class FaultsMixin:
    """Injected errors and delays: forced statuses (429s with the right headers) and latency."""

    # ------------------------------------------------------------------ fault injection

    def inject_fault(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        times: int | None = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        via: bool = True,
        body: Json | None = None,
    ) -> None:
        """Force ``status`` for matching requests (``path``: full-match regex, ``*`` any method).

        429s carry ``Retry-After``/``retry_after`` and a ``Via`` header: discord.py treats a 429
        *without* ``Via`` as a Cloudflare ban and raises instead of retrying (``via=False``).
        ``times=None`` means forever.
        """
        self._faults.append(
            _Fault(
                method.upper(), re.compile(path), status, times, retry_after, is_global, via, body
            )
        )

    def add_latency(self, seconds: float, method: str = "*", path: str = ".*") -> None:
        """Delay matching responses by ``seconds``."""
        self._latencies.append(_Latency(method.upper(), re.compile(path), seconds))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._latencies.clear()

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.path.fullmatch(path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _fault_response(self, rec: RecordedRequest, fault: _Fault) -> web.Response:
        headers: dict[str, str] = {}
        body = fault.body
        if fault.status == 429:
            headers["Retry-After"] = str(max(1, round(fault.retry_after)))
            headers["X-RateLimit-Scope"] = "global" if fault.is_global else "user"
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            if fault.via:
                headers["Via"] = "1.1 google"
            body = body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
                "code": 0,
            }
        else:
            body = body or {"message": f"{fault.status}: injected fault", "code": 0}
        rec.status, rec.response, rec.route = fault.status, body, "fault"
        return self._json_response(fault.status, body, headers)
