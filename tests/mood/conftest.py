from __future__ import annotations

import pytest

from mood import MoodRules, MoodTracker


@pytest.fixture
def tracker() -> MoodTracker:
    return MoodTracker(MoodRules())
