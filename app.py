"""Serve the chatbot: `python app.py [--host 127.0.0.1] [--port 7860] [--root-path /prefix]`.

Loads the engine once (building the index on first use), then serves the FastAPI app from
``bot.web.create_app`` with uvicorn: the chat at /, the JSON API at /api, docs at /docs.
Everything else lives in the ``bot`` package; this file only wires it together.
"""

from __future__ import annotations

import argparse
import sys

WARM_UP_QUESTION = "Who runs the Metropolitan Police?"
# Slow or idle clients: uvicorn drops a connection idle this long, and answers 503 beyond this many
# connections and requests at once. It has no timeout for receiving a request: the reverse proxy
# must set those (README, "Security").
KEEP_ALIVE_S = 5.0
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
    import importlib
    import threading

    import uvicorn

    from bot.engine import Engine
    from bot.settings import Settings

    # Importing the web UI (gradio) takes seconds; do it while the engine loads.
    web_import = threading.Thread(target=importlib.import_module, args=("bot.web",), daemon=True)
    web_import.start()
    try:
        settings = Settings.from_env()
        engine = Engine.load(settings, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        # The first question opens the model session (about a second): pay it before serving,
        # not on a visitor's first question (under load, every request queued behind it).
        engine.ask(WARM_UP_QUESTION)
    except Exception as exc:  # one clear line instead of a traceback
        print(f"error: could not start the chatbot: {exc}", file=sys.stderr)
        return 1
    web_import.join()
    from bot.web import create_app

    app = create_app(engine, settings)
    print(f"serving on http://{args.host}:{args.port}{args.root_path}/", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, root_path=args.root_path, proxy_headers=True,
                timeout_keep_alive=args.keep_alive, limit_concurrency=args.limit_concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
