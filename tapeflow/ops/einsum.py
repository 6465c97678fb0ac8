"""Tensor contractions: einsum and tensordot.

The public ``einsum`` parses TF's equation (implicit output, ``...``) into a
canonical one with explicit letters only, broadcasting ``...`` dimensions of
size 1 with ``broadcast_to`` (whose transpose sums back), so the ``Einsum``
op's rules never see ellipses or broadcasting.  Each operand's cotangent is
an einsum of ``g`` with the other operands, written to that operand's
letters: letters it sums alone are broadcast back, and a repeated letter
(a diagonal, ``ii``) is spread back onto the diagonal through an identity.
``tensordot`` is TF's construction: transpose, reshape, matmul, reshape.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.errors import NotFoundError, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, linalg
from tapeflow.ops.declare import NUMERIC, composite, defop
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.shape_ops import _as_tensor, broadcast_to, reshape, transpose

__all__ = ["einsum", "tensordot"]

_EINSUM_TYPES = ("float16", "float32", "float64", "int32", "int64", "complex64", "complex128")


def _conj(t: Tensor) -> Tensor:
    return arith.conj(t) if t._value.dtype.kind == "c" else t


def _operand_grad(g: Tensor, inputs: tuple, terms: list, out: str, i: int) -> Tensor:
    """d out / d inputs[i] applied to g: an einsum of g with the others (conjugated)."""
    s = terms[i]
    letters = "".join(dict.fromkeys(s))
    others = [t for j, t in enumerate(terms) if j != i]
    reachable = set(out).union(*others)
    kept = "".join(c for c in letters if c in reachable)
    eq = ",".join([out, *others]) + "->" + kept
    grad = _Einsum(g, *[_conj(x) for j, x in enumerate(inputs) if j != i], equation=eq)
    sizes = dict(zip(s, inputs[i]._value.shape))
    if kept != letters:  # letters only this operand sums over: the gradient is constant there
        grad = reshape(grad, [sizes[c] if c in kept else 1 for c in letters])
        grad = broadcast_to(grad, [sizes[c] for c in letters])
    if letters != s:  # repeated letters (diagonals): put the gradient back on the diagonal
        fresh = iter(c for c in string.ascii_letters if c not in "".join(terms) + out)
        target, eyes, seen = [], [], set()
        for c in s:
            if c in seen:
                f = next(fresh)
                target.append(f)
                eyes.append(c + f)
            else:
                seen.add(c)
                target.append(c)
        ids = [wrap(np.eye(sizes[e[0]], dtype=g._value.dtype)) for e in eyes]
        grad = _Einsum(grad, *ids, equation=",".join([letters, *eyes]) + "->" + "".join(target))
    return grad


def _split_equation(equation: str) -> tuple[list, str]:
    lhs, out = equation.split("->")
    return lhs.split(","), out


@defop("Einsum", dtypes=NUMERIC, variadic=True,
       samples=lambda:
           [Sample(rand((2, 3)), rand((3, 4)), params={"equation": "ij,jk->ik"}),
            Sample(rand((3, 3)), params={"equation": "ii->"}),
            Sample(rand((3, 3, 2)), params={"equation": "iij->ji"}),
            Sample(rand((2, 3)), params={"equation": "ij->i"}),
            Sample(rand((2, 3)), rand((3,)), rand((2,)), params={"equation": "ij,j,i->"}),
            Sample(rand((2, 3, 4)), rand((2, 4, 5)), params={"equation": "bij,bjk->bik"}),
            Sample(rand((3,)), rand((2,)), params={"equation": "i,j->ij"})],
       reference=lambda *xs, equation: np.einsum(equation, *xs))
class _Einsum:
    def fwd(xp, inputs, *, equation):
        return np.asarray(xp.einsum(equation, *inputs, optimize=len(inputs) > 2))

    def vjp(g, inputs, *, equation):  # d/dx_i: contract g with the other operands
        terms, out = _split_equation(equation)
        return [_operand_grad(g, inputs, terms, out, i) for i in range(len(inputs))]

    def jvp(dinputs, inputs, *, equation):  # product rule: one term per operand
        total = None
        for i, d in enumerate(dinputs):
            if d is None:
                continue
            term = _Einsum(*inputs[:i], d, *inputs[i + 1:], equation=equation)
            total = term if total is None else total + term
        return total


def _parse(equation: str, shapes: list) -> tuple[list, str, list]:
    """TF's equation -> explicit terms, output, and each operand's broadcast target shape."""
    eq = equation.replace(" ", "")
    parts = eq.split("->")
    body = eq.replace("->", "").replace(",", "").replace("...", "")
    if len(parts) > 2 or not all(c in string.ascii_letters for c in body):
        raise ValueError(f"Subscripts have incorrect format: {equation}")
    terms = parts[0].split(",")
    if len(terms) != len(shapes):
        raise ValueError(f'Got {len(shapes)} inputs for equation "{equation}", expecting '
                         f'{len(terms)}')
    spare = [c for c in string.ascii_letters if c not in eq]
    ranks = []
    for k, (t, s) in enumerate(zip(terms, shapes)):
        named = len(t.replace("...", ""))
        if "..." not in t and named != len(s) or len(s) < named:
            at_least = " at least" if "..." in t else ""
            raise invalid_argument("Einsum", f"Expected input {k} to have rank{at_least} "
                                   f"{named} but got: {len(s)}")
        ranks.append(len(s) - named if "..." in t else 0)
    dots = "".join(spare[:max(ranks, default=0)])
    terms = [t.replace("...", dots[len(dots) - r:] if r else "") for t, r in zip(terms, ranks)]
    sizes: dict[str, int] = {}
    for t, s in zip(terms, shapes):
        for axis, (c, d) in enumerate(zip(t, s)):
            if c in dots:
                sizes[c] = d if sizes.get(c, 1) == 1 else sizes[c]
                if d not in (1, sizes[c]):
                    raise invalid_argument("Einsum", f"In[0] and In[1] must have compatible "
                                           f"batch dimensions: {shape_str(shapes[0])} vs. "
                                           f"{shape_str(s)}")
            elif sizes.setdefault(c, d) != d:
                raise invalid_argument("Einsum", f"Expected dimension {sizes[c]} at axis {axis} "
                                       f"of the input shaped {shape_str(s)} but got dimension "
                                       f"{d}")
    if len(parts) == 1:
        counts = "".join(terms)
        out = dots + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                    and c not in dots))
    else:
        out = parts[1]
        for c in out.replace("...", ""):
            if c not in eq.split("->")[0]:
                raise ValueError(f"Output subscripts contain the label {c} not present in the "
                                 f"input subscripts.")
        if len(set(out.replace("...", ""))) != len(out.replace("...", "")):
            raise ValueError(f"Output subscripts contain a label appearing more than once: "
                             f"{equation}")
        if dots and "..." not in out:
            raise invalid_argument("Einsum", f"Output contains {len(dots)} broadcasting "
                                   f"dimension(s) but no ellipsis (...) was found in the output "
                                   f"subscripts.")
        out = out.replace("...", dots)
    targets = [tuple(sizes[c] for c in t) for t in terms]
    return terms, out, targets


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Supports implicit outputs, repeated letters (traces, diagonals) and
    ``...`` with broadcasting; all operands must share one dtype.

    >>> import tapeflow as tf
    >>> tf.einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy().tolist()
    [3.0, 7.0]
    """
    tensors = [_as_tensor(x) for x in inputs]
    for k, t in enumerate(tensors[1:], 1):
        if t._value.dtype != tensors[0]._value.dtype:
            raise dispatch.dtype_error(_Einsum.op, k, tensors[0]._value.dtype, t._value.dtype)
    if tensors and tensors[0]._value.dtype.name not in _EINSUM_TYPES:
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node Einsum}}}} = "
                            f"Einsum[N={len(tensors)}, T=DT_{tensors[0].dtype.name.upper()}, "
                            f'equation="{equation}"]')
    terms, out, targets = _parse(equation, [t._value.shape for t in tensors])
    tensors = [t if t._value.shape == s else broadcast_to(t, s)
               for t, s in zip(tensors, targets)]
    return _Einsum(*tensors, equation=",".join(terms) + "->" + out)


def _tensordot_axes(a: Tensor, axes: Any) -> tuple[list, list]:
    nd = a._value.ndim
    if isinstance(axes, (int, np.integer)) or (isinstance(axes, Tensor) and axes.ndim == 0):
        axes = int(axes)
        if axes < 0:
            raise ValueError(f"`axes` must be at least 0. Received: {axes}.")
        if axes > nd:
            raise ValueError(f"`axes` must not be larger than the number of dimensions of "
                             f"tensor {a.numpy()}.  Received {axes}, vs tensor dimensions {nd}.")
        return list(range(nd - axes, nd)), list(range(axes))
    if isinstance(axes, Tensor):
        axes = axes.numpy().tolist()
    if len(axes) != 2:
        raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
    a_axes, b_axes = axes
    if isinstance(a_axes, (int, np.integer)) and isinstance(b_axes, (int, np.integer)):
        a_axes, b_axes = [a_axes], [b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError(f"Different number of contraction axes `a` and `b`, {len(a_axes)} != "
                         f"{len(b_axes)}.")
    return [int(x) for x in a_axes], [int(x) for x in b_axes]


def _tensordot_reshape(x: Tensor, axes: list, flipped: bool) -> tuple[Tensor, list]:
    shp = list(x._value.shape)
    axes = [i if i >= 0 else i + len(shp) for i in axes]
    free = [i for i in range(len(shp)) if i not in axes]
    free_dims = [shp[i] for i in free]
    prod_free = int(np.prod(free_dims, dtype=np.int64))
    prod_axes = int(np.prod([shp[i] for i in axes], dtype=np.int64))
    perm = axes + free if flipped else free + axes
    if perm != list(range(len(shp))):
        x = transpose(x, perm)
    new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
    if list(x._value.shape) != new_shape:
        x = reshape(x, new_shape)
    return x, free_dims


@composite(samples=lambda:
               [Sample(composite_rand((2, 3, 4)), composite_rand((4, 3, 2)),
                       params={"axes": [[1, 2], [1, 0]]}),
                Sample(composite_rand((2, 3)), composite_rand((3, 2)), params={"axes": 1}),
                Sample(composite_rand((2,)), composite_rand((3,)), params={"axes": 0})],
           reference=lambda a, b, axes: np.tensordot(a, b, axes))
def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Contract ``a`` and ``b`` over ``axes`` (an int N: last N of a with first N of b).

    >>> import tapeflow as tf
    >>> tf.tensordot([[1.0, 2.0]], [[3.0], [4.0]], 1).numpy().tolist()
    [[11.0]]
    """
    a = _as_tensor(a)
    b = _as_tensor(b) if isinstance(b, Tensor) or hasattr(b, "_read_for_op") \
        else convert_to_tensor(b)
    a_axes, b_axes = _tensordot_axes(a, axes)
    a2, a_free = _tensordot_reshape(a, a_axes, False)
    b2, b_free = _tensordot_reshape(b, b_axes, True)
    product = linalg.matmul(a2, b2)
    if list(product._value.shape) != a_free + b_free:
        product = reshape(product, a_free + b_free)
    return product
