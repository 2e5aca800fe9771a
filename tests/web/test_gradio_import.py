"""gradio is imported without rewriting its type stubs (bot/web/gradio_import.py)."""

import subprocess
import sys

from bot.settings import PROJECT_ROOT

CHECK = """
import bot.web.app, gradio, gradio.component_meta as meta, gradio.blocks_events as events
from bot.web import gradio_import
assert meta.create_or_modify_pyi is gradio_import._skip_stubs
assert events.create_or_modify_pyi is gradio_import._skip_stubs
with gradio.Blocks() as demo:  # components still work
    gradio.Textbox(label="q")
print("ok")
"""


def test_web_imports_gradio_without_its_stub_rewriting():
    # A fresh interpreter: the hook only acts on the first import of gradio.
    proc = subprocess.run([sys.executable, "-c", CHECK], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_install_is_idempotent():
    from bot.web import gradio_import

    before = list(sys.meta_path)
    gradio_import.install()
    gradio_import.install()
    added = [f for f in sys.meta_path if f not in before]
    assert len(added) <= 1
    for finder in added:
        sys.meta_path.remove(finder)
