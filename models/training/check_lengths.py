"""Quality of a model on a labelled ``{"text", "label", "style"}`` file, split by style and length.

    python -m supportwatch.models.training.check_lengths models/checks/support-mixed.jsonl [MODEL_DIR ...]

Emails are split by their token count (special tokens included) against the training length (64)
and the inference budget (``model.max_tokens``, 128: longer texts keep their head and tail only).
Without a model directory the shipped default is scored.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from supportwatch.models import ModelSettings, load_classifier
from supportwatch.models.protocol import LABELS
from supportwatch.models.scoring import score
from supportwatch.models.text import clean


def group_of(style: str, tokens: int, budget: int) -> str:
    if style != "email":
        return "chat + social + messaging"
    if tokens <= 64:
        return "email <= 64 tokens"
    return f"email 65-{budget} tokens" if tokens <= budget else f"email > {budget} tokens (head + tail cut)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("models", nargs="*", default=["minilm-sentiment"])
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for model in args.models:
        settings = ModelSettings(path=model)
        classifier = load_classifier(settings)
        tokenizer = classifier._encoder._tokenizer  # noqa: SLF001 - the model's own tokenizer counts
        groups: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            tokens = len(tokenizer(clean(row["text"]))["input_ids"])
            groups.setdefault(group_of(row.get("style", ""), tokens, settings.max_tokens), []).append(row)
        for name, members in sorted(groups.items()):
            predicted = [s.label for s in classifier.classify([r["text"] for r in members])]
            quality = score(LABELS, [r["label"] for r in members], predicted)
            recalls = " / ".join(f"{quality.recall(i):.2f}" for i in range(len(LABELS)))
            print(f"{model} | {name} | {len(members)} | {quality.accuracy:.3f} | {quality.macro_f1:.3f} | {recalls}")


if __name__ == "__main__":
    main()
