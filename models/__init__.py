"""Sentiment classification of customer messages.

Importing this package is cheap: numpy, torch, transformers and onnxruntime load only inside
:func:`load_classifier`.
"""

from supportwatch.models.exceptions import EvaluationDataError, ModelError, ModelLoadError
from supportwatch.models.loader import load_classifier
from supportwatch.models.protocol import LABELS, Classifier, Label, Sentiment
from supportwatch.models.settings import Backend, ModelSettings

__all__ = [
    "LABELS", "Backend", "Classifier", "EvaluationDataError", "Label", "ModelError", "ModelLoadError",
    "ModelSettings", "Sentiment", "load_classifier",
]
