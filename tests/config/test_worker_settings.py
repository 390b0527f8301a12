"""A worker runs its model on one thread unless ``SUPPORTWATCH_MODEL__THREADS`` says otherwise."""

from __future__ import annotations

import pytest

from supportwatch.settings import Settings
from supportwatch.worker import WORKER_MODEL_THREADS, worker_settings


def test_the_worker_uses_its_own_model_threads_by_default() -> None:
    settings = Settings()
    assert settings.model.threads != WORKER_MODEL_THREADS
    changed = worker_settings(settings)
    assert changed.model.threads == WORKER_MODEL_THREADS
    assert changed.model.backend == settings.model.backend and changed.topics == settings.topics


def test_threads_set_in_the_environment_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTWATCH_MODEL__THREADS", "2")
    assert worker_settings(Settings()).model.threads == 2
