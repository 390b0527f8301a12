"""Message texts for simulated conversations: templates from ``texts.yaml`` with filled slots."""

from __future__ import annotations

import random
import re
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml

Mood = Literal["angry", "neutral", "happy"]
MOODS: tuple[Mood, ...] = ("angry", "neutral", "happy")
_SLOT = re.compile(r"\{(\w+)\}")
_GREETINGS = ("", "", "", "Hi, ", "Hello, ", "Hey, ", "Good morning. ", "Hi there! ")
_SIGN_OFFS = ("", "", "", " Thanks.", " Regards.", " Thank you.", " Cheers")
_ANGRY_SIGN_OFFS = ("", "", "", "!!", " Unacceptable.", " Sort it out.", " Very disappointed.")


@cache
def _bank() -> dict[str, list[str]]:
    text = files("supportwatch.simulator").joinpath("texts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {key: [str(item) for item in value] for key, value in data.items() if key != "slots"} | {
        f"slot:{name}": [str(item) for item in values] for name, values in data["slots"].items()
    }


def template_count() -> int:
    """How many templates the bank holds (all kinds)."""
    return sum(len(v) for k, v in _bank().items() if not k.startswith("slot:"))


def _fill(template: str, rng: random.Random) -> str:
    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "order":
            return rng.choice(("#", "", "order ", "A-")) + str(rng.randint(100000, 999999))
        return rng.choice(_bank()[f"slot:{name}"])

    return _SLOT.sub(slot, template)


def customer_text(rng: random.Random, mood: Mood, opening: bool = False) -> str:
    """A customer message expressing ``mood``; an ``opening`` message may start with a greeting."""
    body = _fill(rng.choice(_bank()[mood]), rng)
    if mood == "angry":
        text = body + rng.choice(_ANGRY_SIGN_OFFS)
        roll = rng.random()
        if roll < 0.08:
            return text.upper()
        return text.lower() if roll < 0.15 else text
    greeting = rng.choice(_GREETINGS) if opening else ""
    return greeting + body + (rng.choice(_SIGN_OFFS) if mood == "neutral" else "")


def nudge_text(rng: random.Random) -> str:
    return _fill(rng.choice(_bank()["nudge"]), rng)


def agent_text(rng: random.Random) -> str:
    return _fill(rng.choice(_bank()["agent"]), rng)


def bot_text(rng: random.Random) -> str:
    return _fill(rng.choice(_bank()["bot"]), rng)
