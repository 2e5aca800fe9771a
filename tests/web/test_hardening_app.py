"""Slow clients (issue 17, item 7): `python app.py` runs uvicorn with a keep-alive timeout and a
limit on connections at once, both flags."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from web_fixtures import FakeEngine


def _serve(monkeypatch, tmp_path, argv):
    import app
    from web_fixtures import fake_uvicorn

    engine_module = SimpleNamespace(Engine=SimpleNamespace(load=lambda settings, progress=None: FakeEngine()))
    monkeypatch.setitem(sys.modules, "bot.engine", engine_module)
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "var"))
    served = fake_uvicorn(monkeypatch)
    assert app.main(argv) == 0
    return served


def test_uvicorn_gets_a_keep_alive_timeout_and_a_concurrency_limit(monkeypatch, tmp_path):
    served = _serve(monkeypatch, tmp_path, [])
    assert served["timeout_keep_alive"] == 5 and served["limit_concurrency"] == 256
    served = _serve(monkeypatch, tmp_path, ["--keep-alive", "2", "--limit-concurrency", "64"])
    assert served["timeout_keep_alive"] == 2 and served["limit_concurrency"] == 64


def test_bad_limits_are_refused_by_name(capsys):
    import app

    with pytest.raises(SystemExit):
        app.parse_args(["--limit-concurrency", "0"])
    assert "--limit-concurrency" in capsys.readouterr().err
