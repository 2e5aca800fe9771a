"""Locust users for the app's load tests; ``benchmarks/load.py`` runs them headless, bounded, on loopback.

- ``AskUser``: the steady load. Each user sends the dev-set questions (``--questions``, JSON
  Lines of {question, history}) to ``POST /api/ask`` one after another, starting at its own
  place in the list, and waits for each answer before the next (closed loop, no think time).
- ``WorstUser`` + ``ProbeUser``: pressure. Every ``WorstUser`` keeps one worst request the API
  accepts in flight (``pressure.worst_request``: 64 KB of history made of unknown words), so N of
  them keep N in flight; the one ``ProbeUser`` times ``GET /api/health`` and an ordinary dev-set
  question (no history), one after another, while they are (``--probe-rounds`` times, or until the
  end).

A response counts as a failure unless it is a 200 with the /api/ask JSON (``answered`` present).
With ``--summary-out FILE``, when the run stops (requests in flight finished, see ``--stop-timeout``)
locust's own final figures are written there as JSON: per request name, count, failures,
requests/s, percentiles, mean and max (ms); its error report; the answered / abstained counts.
(Its ``--csv`` files are rewritten once a second and may miss the last second's requests.)
Nothing here chooses the host: ``load.py`` passes ``--host`` and refuses anything but loopback.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # pressure.py, next to this file
sys.path.insert(0, str(HERE.parent))  # bot/, which pressure.py imports
from pressure import ordinary_questions, worst_request  # noqa: E402

DEV_SET = HERE.parent / "tests" / "data" / "eval.jsonl"
OUTCOMES = {"answered": 0, "abstained": 0}


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--questions", default=str(DEV_SET), help="JSON Lines of {question, history} (AskUser)")
    parser.add_argument("--worst-seed", type=int, default=1, help="seed of the worst requests (WorstUser)")
    parser.add_argument("--probe-rounds", type=int, default=0, help="ProbeUser stops after this many rounds (0: never)")
    parser.add_argument("--summary-out", default="", help="write the final figures here as JSON when the run stops")


def summary(stats) -> dict:
    """Locust's final figures (a ``RequestStats``) by request name, its errors, and the outcomes."""
    requests = {}
    for entry in stats.entries.values():
        requests[entry.name] = {
            "requests": entry.num_requests, "failures": entry.num_failures,
            "requests_per_s": round(entry.total_rps, 2), "mean": round(entry.avg_response_time, 1),
            "max": round(entry.max_response_time or 0.0, 1),
            **{f"p{q}": entry.get_response_time_percentile(q / 100) if entry.num_requests else 0 for q in (50, 95, 99)},
        }
    errors = [f"{e.occurrences} x {e.name}: {e.error}"[:300] for e in stats.errors.values()]
    return {"requests": requests, "errors": errors, "outcomes": dict(OUTCOMES)}


@events.test_stop.add_listener
def _write_summary(environment, **_) -> None:
    path = environment.parsed_options.summary_out if environment.parsed_options else ""
    if path:
        Path(path).write_text(json.dumps(summary(environment.stats)) + "\n", encoding="utf-8")


def read_bodies(path: Path) -> list[dict]:
    """The request bodies: each row's question and history."""
    bodies = [{"question": row["question"], "history": row.get("history") or []}
              for row in (json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())]
    if not bodies:
        raise SystemExit(f"no questions in {path}")
    return bodies


def _check(res) -> None:
    """Fail anything but a 200 carrying the /api/ask JSON; count answered / abstained."""
    if res.status_code != 200:
        res.failure(f"HTTP {res.status_code}: {(res.text or '')[:200]}")
        return
    try:
        answered = res.json()["answered"]
    except (ValueError, KeyError, TypeError):
        res.failure(f"not the /api/ask JSON: {(res.text or '')[:200]}")
        return
    OUTCOMES["answered" if answered else "abstained"] += 1
    res.success()


class AskUser(FastHttpUser):
    wait_time = constant(0)
    network_timeout = connection_timeout = 30.0
    _starts = itertools.count()

    def on_start(self) -> None:
        self.bodies = read_bodies(Path(self.environment.parsed_options.questions))
        # Users start a prime stride apart in the list, so they don't all ask the same question.
        self.next = next(self._starts) * 37 % len(self.bodies)

    @task
    def ask(self) -> None:
        body = self.bodies[self.next % len(self.bodies)]
        self.next += 1
        with self.client.post("/api/ask", json=body, name="POST /api/ask", catch_response=True) as res:
            _check(res)


class WorstUser(FastHttpUser):
    wait_time = constant(0)
    network_timeout = connection_timeout = 300.0
    _seeds = itertools.count()

    def on_start(self) -> None:
        seed = self.environment.parsed_options.worst_seed * 1000 + next(self._seeds)
        self.body = worst_request(random.Random(seed))

    @task
    def flood(self) -> None:
        with self.client.post("/api/ask", json=self.body, name="POST /api/ask worst", catch_response=True) as res:
            _check(res)


class ProbeUser(FastHttpUser):
    fixed_count = 1  # one prober; every other user of the run is a WorstUser
    wait_time = constant(0.2)
    network_timeout = connection_timeout = 60.0

    def on_start(self) -> None:
        self.questions = itertools.cycle(ordinary_questions(Path(self.environment.parsed_options.questions)))
        self.rounds = 0
        gevent.sleep(1.0)  # the worst requests are sent and being answered first

    @task
    def probe(self) -> None:
        if 0 < self.environment.parsed_options.probe_rounds <= self.rounds:
            raise StopUser()
        self.rounds += 1
        with self.client.get("/api/health", name="GET /api/health", catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"HTTP {res.status_code}")
        with self.client.post("/api/ask", json={"question": next(self.questions)}, name="POST /api/ask ordinary",
                              catch_response=True) as res:
            _check(res)
