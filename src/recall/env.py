"""The environment a command runs in: streams, clock, time zone, settings, terminal.

Injected everywhere (as HTTPie does), so tests run the real CLI and UI in-process with a
fixed time and a fake terminal. ``Env.from_os()`` is the real thing.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Mapping, TextIO

from recall.errors import RecallError

REPO = Path(__file__).resolve().parents[2]  # the checkout recall runs from (pip install -e)
SHIPPED_DECKS = REPO / "decks"
SHIPPED_EXERCISES = REPO / "exercises"


@dataclass
class Env:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    monotonic: Callable[[], float] = field(default=time.monotonic)
    tz: tzinfo | None = None  # None: the learner's local zone
    # prompt_toolkit input/output; None means the real terminal.
    terminal_input: Any = None
    terminal_output: Any = None
    shipped_decks: Path = SHIPPED_DECKS
    shipped_exercises: Path = SHIPPED_EXERCISES

    @classmethod
    def from_os(cls) -> "Env":
        return cls()

    def local_tz(self) -> tzinfo:
        """RECALL_TZ must name a zone; TZ is taken when it names one, else the system's zone."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if self.tz is not None:
            return self.tz
        name = self.environ.get("RECALL_TZ")
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise RecallError(f"unknown time zone {name!r} in RECALL_TZ; use a name like Europe/Berlin") from None
        tz = self.environ.get("TZ", "").lstrip(":")
        if "zoneinfo/" in tz:  # TZ=:/usr/share/zoneinfo/Europe/Berlin
            tz = tz.split("zoneinfo/", 1)[1]
        if tz and not tz.startswith("/"):
            try:
                return ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                pass  # a POSIX rule such as CET-1CEST: the system's zone knows the same
        return _system_tz()

    def print(self, *parts: object) -> None:
        print(*parts, file=self.stdout)


def _system_tz() -> tzinfo:
    """The system zone with its daylight-saving rules when we can name it, else today's offset."""
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            from zoneinfo import ZoneInfo

            return ZoneInfo(target.split("zoneinfo/", 1)[1])
    except (OSError, ValueError, KeyError):
        pass
    return datetime.now().astimezone().tzinfo or timezone.utc
