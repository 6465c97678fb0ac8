"""Automatic differentiation: the tape (``tf.GradientTape``)."""

from tapeflow.autodiff.tape import GradientTape, UnconnectedGradients

__all__ = ["GradientTape", "UnconnectedGradients"]
