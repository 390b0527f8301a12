from __future__ import annotations

import pytest

from supportwatch.mood import MoodRules, MoodTracker


@pytest.fixture
def tracker() -> MoodTracker:
    return MoodTracker(MoodRules())
