"""Serve the chatbot: `python app.py [--host 127.0.0.1] [--port 7860] [--root-path /prefix]`.

Serves the FastAPI app from ``bot.web.app.create_app`` with uvicorn (the chat at /, the JSON API
at /api, docs at /docs) while the engine loads in a thread (building the index on first use):
a load over a few seconds is finished with the page already served, saying the sources are
being prepared; a failed load is one line on stderr and exit status 1.
Everything else lives in the ``bot`` package; this file only wires it together.
"""

from __future__ import annotations

import argparse
import sys

WARM_UP_QUESTION = "Who is in charge?"  # any question: it opens the model session
# Slow or idle clients: uvicorn drops a connection idle this long, and answers 503 beyond this many
# connections and requests at once. It has no timeout for receiving a request: the reverse proxy
# must set those (README, "Security").
KEEP_ALIVE_S = 5.0
# A load that takes longer than this (a first start builds the index) is finished while the page
# is already served, saying "Preparing the sources..."; a quicker one (or a failure) is waited for.
EARLY_PAGE_AFTER_S = 5.0
LIMIT_CONCURRENCY = 256


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default: 7860)")
    parser.add_argument(
        "--root-path", default="", help="public path prefix when served behind a reverse proxy, e.g. /metbot"
    )
    parser.add_argument("--keep-alive", type=float, default=KEEP_ALIVE_S,
                        help=f"seconds an idle connection is kept open (default: {KEEP_ALIVE_S:g})")
    parser.add_argument("--limit-concurrency", type=int, default=LIMIT_CONCURRENCY,
                        help=f"connections and requests at once before new ones get 503 (default: {LIMIT_CONCURRENCY})")
    args = parser.parse_args(argv)
    if args.keep_alive <= 0 or args.limit_concurrency <= 0:
        parser.error(f"--keep-alive and --limit-concurrency must be positive, got {args.keep_alive} and {args.limit_concurrency}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import threading

    import uvicorn

    try:
        from bot.settings import Settings

        settings = Settings.from_env()
    except Exception as exc:  # one clear line instead of a traceback
        print(f"error: could not start the chatbot: {exc}", file=sys.stderr)
        return 1
    from bot.web.app import PreparingEngine, create_app

    # The engine loads in a thread. When that takes more than EARLY_PAGE_AFTER_S (a first start
    # builds the index: tens of seconds) the page is served meanwhile: until the engine is
    # ready it says "Preparing the sources...", questions get a 503 and /api/health too.
    preparing = PreparingEngine()
    app = create_app(preparing, settings)
    server = uvicorn.Server(uvicorn.Config(
        app, host=args.host, port=args.port, root_path=args.root_path, proxy_headers=True,
        timeout_keep_alive=args.keep_alive, limit_concurrency=args.limit_concurrency))
    failed: list[Exception] = []

    def load() -> None:
        try:
            from bot.engine import Engine
            from bot.progress import to_stderr

            engine = Engine.load(settings, progress=to_stderr)  # the embedding bar redraws live on a terminal
            # The first question opens the model session (about a second): pay it before the
            # engine takes visitors' questions, not on the first visitor's.
            engine.ask(WARM_UP_QUESTION)
        except Exception as exc:
            failed.append(exc)
            server.should_exit = True  # a chatbot that can't answer stops, and says why
            return
        preparing.ready_with(engine)
        print("ready: the sources are loaded, answering questions", file=sys.stderr, flush=True)

    loader = threading.Thread(target=load, name="engine loader", daemon=True)
    loader.start()
    loader.join(timeout=EARLY_PAGE_AFTER_S)
    if failed:  # a bad corpus or model fails at once: one line, nothing served
        print(f"error: could not start the chatbot: {failed[0]}", file=sys.stderr)
        return 1
    still = "" if preparing.ready else " (preparing the sources)"
    print(f"serving on http://{args.host}:{args.port}{args.root_path}/{still}", file=sys.stderr, flush=True)
    server.run()
    # Stopped before the engine loaded (Ctrl-C): don't wait for it. Never started: wait.
    loader.join(timeout=0.1 if getattr(server, "started", False) else None)
    if failed:
        print(f"error: could not start the chatbot: {failed[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
