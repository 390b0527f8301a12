"""Training tools: the corpora, fine-tuning, distillation, ONNX export and publishing of the weights.

Run as ``python -m supportwatch.models.training.<tool>``; they need the ``train`` extra. Nothing at run
time imports this package: the worker loads the published weights through :mod:`supportwatch.models.loader`.
"""
