"""Our sentence splitter (``bot.text.sentences.split_sentences``) against maintained ones (pysbd, syntok).

    python benchmarks/splitters.py                       # every corpus + the labelled sample
    python benchmarks/splitters.py --samples 10          # more disagreements shown per corpus
    python benchmarks/splitters.py --candidates out.jsonl  # paragraphs where they disagree, to label

Corpora: the shipped pages (``corpus/``), ``tests/data/tiny_corpus`` and the SQuAD articles'
contexts (``../shared/data/squad/train-8-articles.json``, skipped if absent). A paragraph is
what the engine hands the splitter: a one-line block of a page (``chunk.split_blocks``), or a
SQuAD context. Every splitter's sentences are turned into (start, end) offsets into the
paragraph and checked: ``text[start:end]`` must be the sentence, whitespace trimmed.

Per corpus it reports sentences per splitter, boundary agreement with ours (a boundary is where
a sentence other than the first starts; agreement = shared / all boundaries of the two) and a
sample of disagreements. Then each splitter is scored on ``tests/data/splits_gold.jsonl``:
paragraphs whose correct boundaries were checked by hand (``boundaries``: the offsets where
sentences 2..n start; see docs/sentences.md for how they were labelled). Needs pysbd and syntok (requirements-dev.txt). Loopback/offline: reads
local files only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bot/ is importable
from bot.corpus.chunk import split_blocks  # noqa: E402
from bot.text.sentences import split_sentences  # noqa: E402
from bot.corpus.documents import load_corpus  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "train-8-articles.json"
GOLD = ROOT / "tests" / "data" / "splits_gold.jsonl"
Spans = list[tuple[int, int]]


def _locate(text: str, pieces: Iterable[str]) -> Spans:
    """(start, end) of each piece, found in order in ``text``; raises if one is not verbatim."""
    spans, pos = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:
            raise ValueError(f"sentence not found verbatim after offset {pos}: {piece[:60]!r}")
        spans.append((start, start + len(piece)))
        pos = start + len(piece)
    return spans


def split_current(text: str) -> Spans:
    return split_sentences(text)


def split_pysbd(text: str) -> Spans:
    import pysbd

    global _PYSBD
    if _PYSBD is None:
        _PYSBD = pysbd.Segmenter(language="en", clean=False)
    return _locate(text, _PYSBD.segment(text))


_PYSBD = None


def split_syntok(text: str) -> Spans:
    from syntok import segmenter

    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            last = sentence[-1]
            spans.append((sentence[0].offset, last.offset + len(last.value)))
    # A token's value may differ from the text (syntok rewrites some); check, as for the others.
    for start, end in spans:
        if text[start:end].strip() != text[start:end] or end > len(text):
            raise ValueError(f"syntok offsets {start}:{end} are not a trimmed sentence")
    return spans


SPLITTERS: dict[str, Callable[[str], Spans]] = {"current": split_current, "pysbd": split_pysbd, "syntok": split_syntok}


def boundaries(spans: Spans) -> set[int]:
    """Where sentences 2..n start."""
    return {start for start, _ in spans[1:]}


def corpus_paragraphs(corpus_dir: Path) -> list[tuple[str, str]]:
    """(source, text) of every one-line block of every document: the text the engine splits."""
    docs, _ = load_corpus(corpus_dir)
    return [(f"{d.doc_id}@{b.start}", b.text) for d in docs for b in split_blocks(d.body) if not b.is_multiline]


def squad_paragraphs(path: Path) -> list[tuple[str, str]]:
    from bot.tools.squad import read_squad

    return [(f"{a.title}#{i}", p) for a in read_squad(path) for i, p in enumerate(a.paragraphs)]


def corpora(squad: Path) -> dict[str, list[tuple[str, str]]]:
    found = {"corpus/": corpus_paragraphs(ROOT / "corpus"),
             "tests/data/tiny_corpus": corpus_paragraphs(ROOT / "tests" / "data" / "tiny_corpus")}
    if squad.exists():
        found[f"SQuAD ({squad.name})"] = squad_paragraphs(squad)
    return found


def _show(text: str, at: int, width: int = 40) -> str:
    return (text[max(0, at - width):at] + " ‖ " + text[at:at + width]).replace("\n", " ")


def compare(paragraphs: list[tuple[str, str]], samples: int) -> dict:
    """Sentences per splitter, boundary agreement with ours, offset failures, sample disagreements."""
    result: dict = {"paragraphs": len(paragraphs), "sentences": {}, "agreement": {}, "same_paragraphs": {},
                    "offset_failures": {}, "disagreements": {}, "ms_per_paragraph": {}}
    split: dict[str, list[Spans | None]] = {name: [] for name in SPLITTERS}  # None: not verbatim
    for name, fn in SPLITTERS.items():
        failures = 0
        fn(paragraphs[0][1]) if paragraphs else None  # set-up (pysbd compiles its rules) not timed
        started = time.perf_counter()
        for _, text in paragraphs:
            try:
                split[name].append(fn(text))
            except ValueError:
                failures += 1
                split[name].append(None)
        result["ms_per_paragraph"][name] = 1e3 * (time.perf_counter() - started) / max(1, len(paragraphs))
        result["offset_failures"][name] = failures
        result["sentences"][name] = sum(len(s) for s in split[name] if s is not None)
    for name in SPLITTERS:
        if name == "current":
            continue
        shared = union = same = 0
        shown: list[str] = []
        for (source, text), ours, theirs in zip(paragraphs, split["current"], split[name]):
            if theirs is None or ours is None:
                continue
            a, b = boundaries(ours), boundaries(theirs)
            shared += len(a & b)
            union += len(a | b)
            same += a == b
            for at in sorted(a ^ b):
                if len(shown) < samples:
                    who = "only ours" if at in a else f"only {name}"
                    shown.append(f"{who:>13}: {source}: …{_show(text, at)}…")
        result["agreement"][name] = shared / union if union else 1.0
        result["same_paragraphs"][name] = same
        result["disagreements"][name] = shown
    return result


def read_gold(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, row in enumerate(rows, 1):
        text, cuts = row["text"], row["boundaries"]
        if cuts != sorted(set(cuts)) or any(not 0 < c < len(text) or text[c].isspace() for c in cuts):
            raise ValueError(f"{path}:{i}: boundaries must be sorted offsets inside the text where a sentence "
                             f"starts (not on whitespace), got {cuts}")
    return rows


def score(rows: list[dict], splitters: dict[str, Callable[[str], Spans]] | None = None) -> dict[str, dict]:
    """Boundary precision / recall / F1 and paragraphs split exactly right, per splitter."""
    scores = {}
    for name, fn in (splitters or SPLITTERS).items():
        tp = fp = fn_ = exact = 0
        for row in rows:
            gold = set(row["boundaries"])
            try:
                got = boundaries(fn(row["text"]))
            except ValueError:
                got = set()
            tp += len(got & gold)
            fp += len(got - gold)
            fn_ += len(gold - got)
            exact += got == gold
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn_) if tp + fn_ else 1.0
        scores[name] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                        "exact": exact, "paragraphs": len(rows), "false_splits": fp, "missed": fn_}
    return scores


def candidates(paragraphs: list[tuple[str, str]]) -> Iterable[dict]:
    """Paragraphs where the splitters disagree, with each one's boundaries (to label by hand)."""
    for source, text in paragraphs:
        got: dict[str, list[int] | None] = {}  # None: the splitter lost the text
        for name, fn in SPLITTERS.items():
            try:
                got[name] = sorted(boundaries(fn(text)))
            except ValueError:
                got[name] = None
        if len({json.dumps(v) for v in got.values()}) > 1:
            yield {"source": source, "text": text, **got}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD 2.0 JSON (skipped if absent)")
    parser.add_argument("--gold", type=Path, default=GOLD, help="hand-checked boundaries (JSON Lines)")
    parser.add_argument("--samples", type=int, default=4, help="disagreements shown per corpus and splitter")
    parser.add_argument("--candidates", type=Path, help="write the paragraphs where they disagree here and exit")
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    found = corpora(args.squad)
    if args.candidates:
        with args.candidates.open("w", encoding="utf-8") as out:
            for name, paragraphs in found.items():
                for row in candidates(paragraphs):
                    out.write(json.dumps({"corpus": name, **row}, ensure_ascii=False) + "\n")
        return 0
    report: dict = {"corpora": {}, "gold": {}}
    for name, paragraphs in found.items():
        res = compare(paragraphs, args.samples)
        report["corpora"][name] = res
        print(f"\n{name}: {res['paragraphs']} paragraphs")
        for splitter in SPLITTERS:
            line = f"  {splitter:<8} {res['sentences'][splitter]:>5} sentences, {res['ms_per_paragraph'][splitter]:.2f} ms a paragraph"
            if splitter != "current":
                line += (f", boundary agreement with ours {res['agreement'][splitter]:.3f}, "
                         f"paragraphs split the same {res['same_paragraphs'][splitter]}/{res['paragraphs']}")
            if res["offset_failures"][splitter]:
                line += f", offsets not recoverable in {res['offset_failures'][splitter]} paragraphs"
            print(line)
        for splitter, shown in res["disagreements"].items():
            for s in shown:
                print(f"    {s}")
    if args.gold.exists():
        rows = read_gold(args.gold)
        report["gold"] = score(rows)
        print(f"\nhand-labelled sample ({args.gold.relative_to(ROOT) if args.gold.is_relative_to(ROOT) else args.gold}): "
              f"{len(rows)} paragraphs, {sum(len(r['boundaries']) for r in rows)} boundaries")
        for splitter, s in report["gold"].items():
            print(f"  {splitter:<8} precision {s['precision']:.3f}, recall {s['recall']:.3f}, F1 {s['f1']:.3f}; "
                  f"{s['false_splits']} false splits, {s['missed']} missed; exact {s['exact']}/{s['paragraphs']}")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
