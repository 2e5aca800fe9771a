"""One helper for the concurrency tests: run a function in several threads at once and wait."""

from __future__ import annotations

import threading
from typing import Callable


def run_in_threads(work: Callable[[int], None], n: int) -> None:
    """Call ``work(i)`` for i in range(n), each in its own thread, and wait for all of them."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
