"""Import gradio without regenerating its type stubs: about two seconds off every start-up.

On every import, gradio's component metaclass (``gradio.component_meta.create_or_modify_pyi``)
reads the source file of each of its ~80 components, parses it with ``ast`` and rewrites the
matching ``.pyi`` stub inside site-packages. The stubs only serve editors; nothing at run time
reads them. That work was about half of ``import gradio`` here (4.2 s -> 2.3 s), and the write
fails on a read-only install (gradio issue #10121).

``install()`` adds an import hook that, once ``gradio.component_meta`` has been executed, swaps
that function for a no-op. It changes nothing else, and if a gradio version no longer has the
function, nothing at all. Call it before the first ``import gradio``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

MODULE = "gradio.component_meta"
FUNCTION = "create_or_modify_pyi"


def _skip_stubs(*_args, **_kwargs) -> None:
    return None


class _StubSkipper(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            if hasattr(module, FUNCTION):
                setattr(module, FUNCTION, _skip_stubs)

        # Wrapping this one loader's method is the point of the hook (the loader is new per spec).
        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Make the next ``import gradio`` skip the stub rewriting (idempotent)."""
    if MODULE not in sys.modules and not any(isinstance(f, _StubSkipper) for f in sys.meta_path):
        sys.meta_path.insert(0, _StubSkipper())
