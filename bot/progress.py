"""Progress on stderr for the slow first start: a text bar for steps that count (embedding the
corpus) and a ticker for one long step that doesn't (exporting the model to ONNX), so a first
start is never a silent minute. Lines, not carriage returns: they read the same in a terminal
and in a service's log. This module only writes text; it does no work of its own.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def bar(done: int, total: int, width: int = 24) -> str:
    """``[#########---------------]  37%``: ``done`` of ``total`` as a bar and a percentage."""
    if total <= 0 or not 0 <= done <= total or width <= 0:
        raise ValueError(f"need 0 <= done <= total and total, width > 0, got {done}/{total}, width {width}")
    filled = round(width * done / total)
    return f"[{'#' * filled}{'-' * (width - filled)}] {round(100 * done / total):3d}%"


class Ticker:
    """``with Ticker("embed: exporting the model"):`` says when the step starts, every ``every``
    seconds that it still runs (with the time so far), and when it ends (with its time)."""

    def __init__(self, label: str, stream: TextIO | None = None, every: float = 5.0) -> None:
        if every <= 0:
            raise ValueError(f"every must be > 0 seconds, got {every}")
        self.label = label
        self.stream = stream
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    def _say(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._say(f"{self.label}: still working, {time.monotonic() - self._started:.0f} s so far")

    def __enter__(self) -> "Ticker":
        self._started = time.monotonic()
        self._say(f"{self.label}...")
        self._thread = threading.Thread(target=self._tick, name="progress ticker", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        outcome = "done" if exc_type is None else "failed"
        self._say(f"{self.label}: {outcome} in {time.monotonic() - self._started:.1f} s")
