"""Sentiment classification of customer messages.

Importing this package is cheap: torch, transformers and onnxruntime load only inside
:func:`load_classifier`.
"""

from models.exceptions import EvaluationDataError, ModelError, ModelLoadError
from models.loader import load_classifier
from models.protocol import LABELS, Classifier, Label, Sentiment
from models.settings import Backend, ModelSettings

__all__ = [
    "LABELS", "Backend", "Classifier", "EvaluationDataError", "Label", "ModelError", "ModelLoadError",
    "ModelSettings", "Sentiment", "load_classifier",
]
