"""Progress of long work on stderr: a tqdm bar for steps that count (embedding the corpus,
asking a question set) and a ticker for one long step that doesn't (exporting the model to
ONNX), so a first start is never a silent minute. On a terminal the bar redraws in place; in a
service's log or a pipe it is whole lines, a few seconds apart, never carriage returns. This
module only writes text; it does no work of its own.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm


def to_stderr(message: str) -> None:
    """The default progress log: a line on stderr. Bars given this log run live on a terminal."""
    print(message, file=sys.stderr, flush=True)


_BAR = re.compile(r"\|[^|]*\|")


class _Lines(io.TextIOBase):
    """tqdm's output as whole lines for a log function: its carriage-return redraws become one
    line per refresh, and a refresh at the same count (the one closing the bar) is not repeated."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self._last = ""

    def write(self, text: str) -> int:
        for line in text.replace("\r", "\n").split("\n"):
            line = line.strip()
            # "n/total" and the percentage, without the times or the bar between the pipes, whose
            # width changes with the times' (the bar is 80 columns in all).
            count = _BAR.sub("|", line.rsplit(" [", 1)[0])
            if line and count != self._last:
                self.log(line)
                self._last = count
        return len(text)

    def flush(self) -> None:
        pass


def counting(total: int, label: str, log: Callable[[str], None] = to_stderr, unit: str = "it",
             every: float = 5.0) -> tqdm:
    """A tqdm bar for ``total`` steps: ``bar.update(n)`` as they are done, ``bar.close()`` at the end.

    With ``to_stderr`` on a terminal it redraws in place; otherwise (a service's log, a pipe, a
    log function of the caller's) it writes whole lines through ``log``: the start, a line
    every ``every`` seconds, and the end."""
    if total < 0 or every <= 0:
        raise ValueError(f"need total >= 0 and every > 0, got {total}, {every}")
    if log is to_stderr and sys.stderr.isatty():
        return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, dynamic_ncols=True)
    return tqdm(total=total, desc=label, unit=unit, file=_Lines(log), ascii=True, ncols=80, mininterval=every,
                maxinterval=float("inf"))


def question_progress(label: str) -> Callable[[int, int], None]:
    """``show(n, total)`` for a loop that says how far it is (asking a question set): a tqdm bar on
    stderr when stderr is a terminal, nothing otherwise (tqdm's ``disable=None``), so a piped
    run's output stays the results alone."""
    bar: tqdm | None = None

    def show(n: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit="q", file=sys.stderr, disable=None, dynamic_ncols=True)
        bar.update(n - bar.n)
        if n >= total:
            bar.close()

    return show


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
