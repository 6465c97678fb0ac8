"""Automatic differentiation: the tape, forward mode and custom gradients.

``tf.autodiff`` in TF holds ``ForwardAccumulator``; the rest is re-exported
at the top level (``tf.GradientTape``, ``tf.custom_gradient`` ...).
"""

from tapeflow.autodiff.custom import custom_gradient, recompute_grad, stop_gradient
from tapeflow.autodiff.explain import explain, explain_gradients
from tapeflow.autodiff.forward import ForwardAccumulator
from tapeflow.autodiff.functional import hessian, hvp, jvp, value_and_gradient, vjp
from tapeflow.autodiff.tape import GradientTape, UnconnectedGradients

__all__ = ["ForwardAccumulator", "GradientTape", "UnconnectedGradients", "custom_gradient",
           "explain", "explain_gradients", "hessian", "hvp", "jvp", "recompute_grad",
           "stop_gradient", "value_and_gradient", "vjp"]
