"""De-identification benchmark: recall per kind and language, and the false-proposal rate (not a test: it prints
figures).

Runs `review.redaction.propose_redactions` as the review page does, but with no participant records and no study
list (the hardest case: only patterns and the entity finder), the platform's default keep list, and each
sentence's language as the transcript language, over the labelled sentences in `bench/data/deid_sentences.yaml`
(written independently of the recognizer; `bench/data/check_deid_sentences.py` validates it).

- recall of a kind: labelled spans of that kind that some proposal overlaps / labelled spans of that kind;
- false-proposal rate: proposals that overlap no labelled span / all proposals (a proposal on a kept product
  or country name counts as false).

    .venv/bin/python bench/deid_bench.py [--data bench/data/deid_sentences.yaml] [--model-on-english] [--show]

`--model-on-english` runs English sentences through the Spanish statistical pipeline too (to measure whether it
adds recall there); `--show` prints every miss and false proposal with its sentence id.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from review.redaction import Proposal, propose_redactions  # noqa: E402

KINDS = ("person", "place", "organisation", "facility", "date")
TARGET_KINDS = ("person", "place", "organisation", "facility")
_ARABIC_CLITICS = "وفبلك"


@dataclass(frozen=True)
class Sentence:
    id: str
    language: str
    text: str
    start: float = 0.0
    end: float = 1.0
    speaker: str = "P"


@dataclass(frozen=True)
class Label:
    sentence: str
    kind: str
    start: int
    end: int
    keep: bool = False


def _glued(text: str, at: int) -> bool:
    return 0 <= at < len(text) and text[at].isalnum()


def locate(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The n-th place `needle` stands in `text` with nothing alphanumeric glued on (an Arabic clitic may be)."""
    seen, at = 0, text.find(needle)
    while at >= 0:
        left_ok = not _glued(text, at - 1) or (text[at - 1] in _ARABIC_CLITICS and not _glued(text, at - 2))
        if left_ok and not _glued(text, at + len(needle)):
            seen += 1
            if seen == occurrence:
                return at, at + len(needle)
        at = text.find(needle, at + 1)
    raise ValueError(f"label not found: {needle!r}")


def load(path: Path) -> tuple[list[Sentence], list[Label]]:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    sentences, labels = [], []
    for item in items:
        sentence = Sentence(item["id"], item["language"], item["text"])
        sentences.append(sentence)
        for entity in item.get("entities") or []:
            start, end = locate(sentence.text, entity["text"], int(entity.get("occurrence", 1)))
            labels.append(Label(sentence.id, entity["kind"], start, end))
        for kept in item.get("keep") or []:
            start, end = locate(sentence.text, kept)
            labels.append(Label(sentence.id, "keep", start, end, keep=True))
    return sentences, labels


def propose_all(sentences: list[Sentence], model_on_english: bool) -> dict[str, list[Proposal]]:
    by_language: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_language[sentence.language].append(sentence)
    found: dict[str, list[Proposal]] = {}
    for language, group in by_language.items():
        engine = "es" if (model_on_english and language == "en") else language
        proposals = propose_redactions(group, language=engine)
        for index, sentence in enumerate(group):
            found[sentence.id] = [p for p in proposals if p.segment == index]
    return found


def overlaps(proposal: Proposal, label: Label) -> bool:
    return proposal.start < label.end and label.start < proposal.end


def score(
    sentences: list[Sentence], labels: list[Label], found: dict[str, list[Proposal]], show: bool
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], Counter[str], Counter[str]]:
    language = {s.id: s.language for s in sentences}
    text = {s.id: s.text for s in sentences}
    hits: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    for label in (lab for lab in labels if not lab.keep):
        totals[(language[label.sentence], label.kind)] += 1
        if any(overlaps(p, label) for p in found[label.sentence]):
            hits[(language[label.sentence], label.kind)] += 1
        elif show:
            print(f"  miss  {label.sentence} {label.kind}: {text[label.sentence][label.start : label.end]}")
    proposals: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for sentence_id, proposed in found.items():
        entity_labels = [lab for lab in labels if lab.sentence == sentence_id and not lab.keep]
        for proposal in proposed:
            proposals[language[sentence_id]] += 1
            if not any(overlaps(proposal, lab) for lab in entity_labels):
                false[language[sentence_id]] += 1
                if show:
                    print(f"  false {sentence_id} {proposal.kind}: {proposal.text} ({proposal.reason})")
    return hits, totals, proposals, false


def report(hits: Counter[tuple[str, str]], totals: Counter[tuple[str, str]], proposals: Counter[str],
           false: Counter[str]) -> None:  # fmt: skip
    languages = sorted({lang for lang, _ in totals} | set(proposals), key=lambda x: (x not in ("en", "es"), x))
    print(f"{'lang':<5}" + "".join(f"{kind:>16}" for kind in (*KINDS, "pers+pl+org+fac")) + f"{'false':>16}")
    for lang in [*languages, "all"]:
        cells = []
        for kind in (*KINDS, "combined"):
            kinds = TARGET_KINDS if kind == "combined" else (kind,)
            langs = languages if lang == "all" else [lang]
            hit = sum(hits[(la, k)] for la in langs for k in kinds)
            total = sum(totals[(la, k)] for la in langs for k in kinds)
            cells.append(f"{hit / total:.2f} ({hit}/{total})" if total else "-")
        wrong = sum(false.values()) if lang == "all" else false[lang]
        made = sum(proposals.values()) if lang == "all" else proposals[lang]
        cells.append(f"{wrong / made:.2f} ({wrong}/{made})" if made else "-")
        print(f"{lang:<5}" + "".join(f"{cell:>16}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "deid_sentences.yaml")
    parser.add_argument("--model-on-english", action="store_true")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    sentences, labels = load(args.data)
    started = time.perf_counter()
    found = propose_all(sentences, args.model_on_english)
    elapsed = time.perf_counter() - started
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{len(sentences)} sentences, {sum(not lab.keep for lab in labels)} labelled spans, {elapsed:.1f} s "
          "(models and lists loaded once, included)")  # fmt: skip
    report(*score(sentences, labels, found, args.show))


if __name__ == "__main__":
    main()
