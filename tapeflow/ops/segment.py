"""Segment reductions: rows of ``data`` combined by segment id.

* ``segment_sum/mean/max/min/prod``: ids sorted, non-negative, one per row of
  ``data``; ``max(ids) + 1`` output rows, empty segments 0 (1 for prod).
* ``unsorted_segment_sum/max/min/prod`` (ops) and ``unsorted_segment_mean``,
  ``unsorted_segment_sqrt_n`` (composites, as in TF): ids of any order and of
  any shape that starts ``data``'s shape; ``num_segments`` output rows;
  negative ids are dropped; empty segments are 0 (sum, mean, sqrt_n), 1
  (prod) or the dtype's lowest/highest value (max, min).

Sums and means are linear: the transpose gathers the cotangent back at the
ids (zero for dropped ones).  Max and min send the gradient to the elements
equal to their segment's result, shared equally among ties (TF's rule).
Products use TF's rule, exact at zeros: ``out / x``, or at a segment's only
zero the product of the others, and 0 in a segment with two or more zeros.
Errors follow TF's kernels (``segment ids are not increasing`` ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, indexing, shape_ops
from tapeflow.ops.declare import NUMERIC, REAL, composite, defop, linear
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.scatter_add import add_at

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
           "unsorted_segment_prod", "unsorted_segment_mean", "unsorted_segment_sqrt_n"]

_SORTED_IDS = ("int32", "int64")
_UNSORTED_IDS = ("int16", "int32", "int64")


# -- checks, as TF's kernels make them ---------------------------------------------------------
def _check_id_dtype(op: str, ids: Any, allowed: tuple) -> None:
    if ids.dtype.name not in allowed:
        raise invalid_argument(op, f"Value for attr 'Tindices' of {word(ids.dtype)} is not in "
                               f"the list of allowed values: {', '.join(allowed)}")


def _sorted_rows(op: str, data: Any, ids: Any) -> int:
    """The number of output rows; raises TF's error for bad sorted ids."""
    _check_id_dtype(op, ids, _SORTED_IDS)
    if data.ndim < 1:
        raise invalid_argument(op, "input must be at least rank 1")
    if ids.ndim != 1:
        raise invalid_argument(op, "segment_ids should be a vector.")
    if ids.size != data.shape[0]:
        raise invalid_argument(op, "segment_ids should be the same size as dimension 0 of "
                               "input.")
    rows = int(ids[-1]) + 1 if ids.size else 0
    if ids.size and rows <= 0:
        raise invalid_argument(op, "segment ids must be >= 0")
    # The kernel walks the runs of equal ids: each must be below the next, and in range.
    runs = ids[np.r_[True, ids[1:] != ids[:-1]]] if ids.size else ids
    rising = np.r_[runs[:-1] < runs[1:], True]
    inside = (runs >= 0) & (runs < rows)
    bad = np.flatnonzero(~rising | ~inside)
    if bad.size:
        t = bad[0]
        if not rising[t]:
            raise invalid_argument(op, "segment ids are not increasing")
        raise invalid_argument(op, f"Segment id {int(runs[t])} out of range [0, {rows}), "
                               f"possibly because 'segment_ids' input is not sorted.")
    return rows


def _check_unsorted(op: str, data: Any, ids: Any, num_segments: int,
                    allowed: tuple = _UNSORTED_IDS) -> None:
    _check_id_dtype(op, ids, allowed)
    if num_segments < 0:
        raise invalid_argument(op, f"Input num_segments == {num_segments} must not be "
                               f"negative.")
    if data.shape[:ids.ndim] != ids.shape:
        raise invalid_argument(op, f"data.shape = {shape_str(data.shape)} does not start with "
                               f"segment_ids.shape = {shape_str(ids.shape)}")
    bad = np.argwhere(ids >= num_segments)
    if bad.size:
        where = tuple(bad[0])
        raise invalid_argument(op, f"segment_ids[{','.join(str(int(i)) for i in where)}] = "
                               f"{int(ids[where])} is out of range [0, {num_segments})")


# -- forward computations ----------------------------------------------------------------------
def _combine(data: Any, ids: Any, rows: int, ufunc: Any, empty: Any) -> Any:
    """``ufunc`` over the rows of ``data`` sharing an id (negative ids dropped)."""
    keep = ids >= 0
    if not keep.all():
        data, ids = data[keep], ids[keep]
    start = 0 if ufunc is np.add else 1 if ufunc is np.multiply else \
        _extreme(data.dtype, low=ufunc is np.maximum)
    out = np.full((rows,) + data.shape[ids.ndim:], start, dtype=data.dtype)
    flat_ids, flat_data = ids.reshape(-1), data.reshape((-1,) + data.shape[ids.ndim:])
    if ufunc is np.add:  # np.add.at's sums without its slow row path (ops/scatter_add.py)
        add_at(np, out, (flat_ids,), flat_data, zeroed=True)
    else:
        ufunc.at(out, flat_ids, flat_data)
    if empty is not None and ufunc not in (np.add, np.multiply):
        out[np.bincount(ids.reshape(-1), minlength=rows) == 0] = empty
    return out


def _extreme(dt: np.dtype, low: bool) -> Any:
    info = np.finfo(dt) if dt.kind == "f" else np.iinfo(dt)
    return info.min if low else info.max


def _counts(ids: Any, rows: int, ndim: int) -> np.ndarray:
    """Rows per segment (negative ids dropped), shaped to broadcast over a segment's row."""
    counts = np.bincount(ids[ids >= 0].reshape(-1), minlength=rows)
    return counts.reshape((rows,) + (1,) * (ndim - 1))


def _mean_fwd(data: Any, ids: Any, rows: int) -> Any:
    total = _combine(data, ids, rows, np.add, None)
    counts = np.maximum(_counts(ids, rows, total.ndim), 1)
    if data.dtype.kind in "iu":  # the kernel divides integers in C: toward zero
        return (np.sign(total) * (np.abs(total) // counts)).astype(data.dtype)
    return (total / counts).astype(data.dtype)


# -- transposes and the max/min rule -----------------------------------------------------------
def _gather_rows(g: Tensor, ids: Tensor, out_ndim: int) -> Tensor:
    """g[ids] along the segment axis (after any leading batch axes); 0 for negative ids."""
    axis = len(shape_ops.lead(g, out_ndim))
    raw = ids._value
    if (raw >= 0).all():
        return indexing._gather(g, ids, axis=axis, batch_dims=0)
    picked = indexing._gather(g, wrap(np.maximum(raw, 0)), axis=axis, batch_dims=0)
    rest = g._value.ndim - axis - 1
    keep = wrap((raw >= 0).reshape(raw.shape + (1,) * rest).astype(g._value.dtype))
    return picked * keep


def _hits(data: Tensor, ids: Tensor, out: Tensor) -> tuple[Tensor, Tensor]:
    """Where each data element equals its segment's max/min, and each segment's tie count.

    Both are constants (comparisons have no gradient).
    """
    raw, dv, ov = ids._value, data._value, out._value
    chosen = ov[np.maximum(raw, 0)]
    hits = (dv == chosen) & (raw >= 0).reshape(raw.shape + (1,) * (dv.ndim - raw.ndim))
    share = _combine(hits.astype(dv.dtype), raw, ov.shape[0], np.add, None)
    return wrap(hits.astype(dv.dtype)), wrap(np.maximum(share, 1).astype(dv.dtype))


def _extreme_vjp(g: Tensor, data: Tensor, ids: Tensor, out: Tensor) -> Tensor:
    # d max = 1 at the elements equal to it, shared equally among ties
    hits, share = _hits(data, ids, out)
    return _gather_rows(g / share, ids, out._value.ndim) * hits


def _extreme_jvp(ddata: Tensor, data: Tensor, ids: Tensor, out: Tensor, rows: int) -> Tensor:
    hits, share = _hits(data, ids, out)
    return _unsorted_sum(ddata * hits, ids, num_segments=rows) / share


# -- samples -----------------------------------------------------------------------------------
def _ids(*values: int, dtype: Any = np.int32) -> np.ndarray:
    return np.array(values, dtype=dtype)


def _sorted_samples(ties: bool = False) -> list[Sample]:
    out = [Sample(rand((5, 2)), _ids(0, 0, 1, 3, 3)),  # segment 2 is empty
           Sample(rand((4,)), _ids(0, 1, 1, 2, dtype=np.int64)),
           Sample(rand((3, 2, 2)), _ids(0, 0, 0)),
           Sample(rand((3, 2)), _ids(0, 2, 1), raises=InvalidArgumentError),
           Sample(rand((3, 2)), _ids(-1, 0, 1), raises=InvalidArgumentError),
           Sample(rand((3, 2)), _ids(0, 1), raises=InvalidArgumentError),
           Sample(rand((3, 2)), np.array([0.0, 1.0, 1.0]), raises=InvalidArgumentError)]
    if ties:
        out.append(Sample(np.array([[1.0, 2.0], [1.0, 4.0], [5.0, 4.0]]), _ids(0, 0, 0),
                          grad=False))
    return out


def _unsorted_samples(ties: bool = False) -> list[Sample]:
    out = [Sample(rand((5, 2)), _ids(3, 0, -1, 3, 1), params={"num_segments": 4}),
           Sample(rand((2, 3, 2)), _ids(0, 2, 1, 2, 2, -1).reshape(2, 3),
                  params={"num_segments": 3}),
           Sample(rand((4,)), _ids(1, 1, 0, 1, dtype=np.int64), params={"num_segments": 2}),
           Sample(rand((3, 2)), _ids(2, 5, 2), params={"num_segments": 3},
                  raises=InvalidArgumentError),
           Sample(rand((3, 2)), _ids(2, 0), params={"num_segments": 3},
                  raises=InvalidArgumentError)]
    if ties:
        out.append(Sample(np.array([[1.0, 2.0], [1.0, 4.0], [5.0, 4.0]]), _ids(1, 1, 1),
                          params={"num_segments": 2}, grad=False))
    return out


def _loop_reference(combine: Any, empty: Any) -> Any:
    """Output row s combines the data rows whose id is s (a plain loop)."""
    def ref(data, ids, num_segments=None):
        rows = int(ids.max()) + 1 if num_segments is None else num_segments
        tail = data.shape[ids.ndim:]
        flat, flat_ids = data.reshape((-1,) + tail), ids.reshape(-1)
        out = []
        for s in range(rows):
            members = flat[flat_ids == s]
            out.append(combine(members, axis=0) if len(members) else
                       np.full(tail, empty(data.dtype)))
        return np.array(out, dtype=data.dtype).reshape((rows,) + tail)
    return ref


def _zero(dt: np.dtype) -> Any:
    return 0


# -- sorted segments ---------------------------------------------------------------------------
def _sorted_fwd(op: str, data: Any, ids: Any, ufunc: Any) -> Any:
    return _combine(data, ids, _sorted_rows(op, data, ids), ufunc, 0)


def _segment_mean_fwd(xp: Any, data: Any, segment_ids: Any) -> Any:
    return _mean_fwd(data, segment_ids, _sorted_rows("SegmentMean", data, segment_ids))


def _mean_transpose(g: Tensor, data_shape: tuple, segment_ids: Tensor) -> Tensor:
    # d mean = (sum of the segment's dx) / count: gather g / count back
    ids = segment_ids._value
    out_ndim = 1 + len(data_shape) - ids.ndim
    rows = g._value.shape[len(shape_ops.lead(g, out_ndim))]
    counts = np.maximum(_counts(ids, rows, out_ndim), 1).astype(g._value.dtype)
    return _gather_rows(g / wrap(counts), segment_ids, out_ndim)


def _sum_transpose(g: Tensor, data_shape: tuple, segment_ids: Tensor) -> Tensor:
    # d sum = the segment's dx summed: gather g back at the ids
    return _gather_rows(g, segment_ids, 1 + len(data_shape) - segment_ids._value.ndim)


_segment_sum = linear(
    "SegmentSum", lambda xp, data, segment_ids: _sorted_fwd(
        "SegmentSum", data, segment_ids, np.add),
    (_sum_transpose, None), samples=_sorted_samples, dtypes=NUMERIC, same_dtype=False,
    batchable=True, reference=_loop_reference(np.sum, _zero))
_segment_mean = linear(
    "SegmentMean", _segment_mean_fwd, (_mean_transpose, None), samples=_sorted_samples,
    dtypes=NUMERIC, same_dtype=False, batchable=True, reference=_loop_reference(np.mean, _zero))


@defop("SegmentMax", samples=lambda: _sorted_samples(ties=True), dtypes=REAL, same_dtype=False,
       params=False, batchable=True, reference=_loop_reference(np.max, _zero))
class _SegmentMax:
    def fwd(xp, data, segment_ids):
        return _sorted_fwd("SegmentMax", data, segment_ids, np.maximum)

    def vjp_data(g, data, segment_ids, out):
        return _extreme_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out):
        return _extreme_jvp(ddata, data, segment_ids, out, out._value.shape[0])


@defop("SegmentMin", samples=lambda: _sorted_samples(ties=True), dtypes=REAL, same_dtype=False,
       params=False, batchable=True, reference=_loop_reference(np.min, _zero))
class _SegmentMin:
    def fwd(xp, data, segment_ids):
        return _sorted_fwd("SegmentMin", data, segment_ids, np.minimum)

    def vjp_data(g, data, segment_ids, out):
        return _extreme_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out):
        return _extreme_jvp(ddata, data, segment_ids, out, out._value.shape[0])


# -- unsorted segments -------------------------------------------------------------------------
def _unsorted_fwd(op: str, data: Any, ids: Any, num_segments: int, ufunc: Any,
                  allowed: tuple = _UNSORTED_IDS) -> Any:
    _check_unsorted(op, data, ids, num_segments, allowed)
    return _combine(data, ids, num_segments, ufunc, None)


_unsorted_sum = linear(
    "UnsortedSegmentSum", lambda xp, data, segment_ids, *, num_segments: _unsorted_fwd(
        "UnsortedSegmentSum", data, segment_ids, num_segments, np.add),
    (lambda g, data_shape, segment_ids, *, num_segments: _sum_transpose(
        g, data_shape, segment_ids), None),
    samples=lambda: _unsorted_samples() + [Sample(rand((3,)) + 1j * rand((3,)), _ids(1, -1, 1),
                                                  params={"num_segments": 2})],
    dtypes=NUMERIC, same_dtype=False, params=True,
    batchable=True, reference=_loop_reference(np.sum, _zero))


def _lowest(dt: np.dtype) -> Any:
    return _extreme(dt, low=True)


def _highest(dt: np.dtype) -> Any:
    return _extreme(dt, low=False)


@defop("UnsortedSegmentMax", samples=lambda: _unsorted_samples(ties=True), dtypes=REAL,
       same_dtype=False, batchable=True, reference=_loop_reference(np.max, _lowest))
class _UnsortedMax:
    def fwd(xp, data, segment_ids, *, num_segments):
        return _unsorted_fwd("UnsortedSegmentMax", data, segment_ids, num_segments, np.maximum)

    def vjp_data(g, data, segment_ids, out, *, num_segments):
        return _extreme_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out, *, num_segments):
        return _extreme_jvp(ddata, data, segment_ids, out, num_segments)


@defop("UnsortedSegmentMin", samples=lambda: _unsorted_samples(ties=True), dtypes=REAL,
       same_dtype=False, batchable=True, reference=_loop_reference(np.min, _highest))
class _UnsortedMin:
    def fwd(xp, data, segment_ids, *, num_segments):
        return _unsorted_fwd("UnsortedSegmentMin", data, segment_ids, num_segments, np.minimum)

    def vjp_data(g, data, segment_ids, out, *, num_segments):
        return _extreme_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out, *, num_segments):
        return _extreme_jvp(ddata, data, segment_ids, out, num_segments)


# -- products: TF's rule, exact at zeros ------------------------------------------------------
def _prod_partial(data: Tensor, ids: Tensor, out: Tensor) -> Tensor:
    """d out / d data, per element, as TF's _SegmentProdGrad builds it: out / x where x is
    not 0; the product of the others at a segment's only zero; 0 in a segment with two
    or more zeros (and for dropped, negative ids)."""
    dv, raw, rows = data._value, ids._value, out._value.shape[0]
    is_zero = dv == 0
    zeros = _combine(is_zero.astype(np.int64), raw, rows, np.add, None)[np.maximum(raw, 0)]
    nonzero = arith.where(wrap(is_zero), arith.ones_like(data), data)
    others = _UnsortedProd(nonzero, ids, num_segments=rows)
    out_ndim = out._value.ndim
    partial = arith.where(wrap(is_zero), _gather_rows(others, ids, out_ndim),
                          _gather_rows(out, ids, out_ndim) / nonzero)
    return partial * wrap((zeros <= 1).astype(dv.dtype))


def _prod_vjp(g: Tensor, data: Tensor, ids: Tensor, out: Tensor) -> Tensor:
    # d prod_s = sum_i (prod_s / x_i) dx_i (TF's three cases at zeros).  TF forgets to
    # conjugate the partial for complex data; the VJP needs conj(d out / d x).
    partial = _prod_partial(data, ids, out)
    if data._value.dtype.kind == "c":
        partial = arith.conj(partial)
    return _gather_rows(g, ids, out._value.ndim) * partial


def _prod_jvp(ddata: Tensor, data: Tensor, ids: Tensor, out: Tensor) -> Tensor:
    partial = _prod_partial(data, ids, out)
    return _unsorted_sum(ddata * partial, ids, num_segments=out._value.shape[0])


def _zeros_samples(unsorted: bool) -> list[Sample]:
    """Segments with one zero (TF's case 2).  Two zeros (case 3) are pinned against TF in
    tests/test_scatter_segment_more.py: there TF's rule zeroes the gradient with a
    constant mask, so its second derivative is 0, not the product of the others."""
    x = np.array([[1.5, 0.0], [0.0, -0.8], [1.2, 1.1], [-0.7, 1.3], [0.9, 0.0]])
    if unsorted:
        return [Sample(x, _ids(2, 0, 2, -1, 0), params={"num_segments": 3})]
    return [Sample(x, _ids(0, 0, 0, 1, 1))]


def _complex_samples(unsorted: bool) -> list[Sample]:
    z = rand((3, 2)) + 1j * rand((3, 2))
    params = {"num_segments": 2} if unsorted else {}
    return [Sample(z, _ids(0, 1, 1), params=params)]


@defop("SegmentProd", samples=lambda: _sorted_samples() + _zeros_samples(False)
       + _complex_samples(False), dtypes=NUMERIC, same_dtype=False, params=False,
       reference=_loop_reference(np.prod, lambda dt: 1))
class _SegmentProd:
    def fwd(xp, data, segment_ids):
        return _sorted_fwd("SegmentProd", data, segment_ids, np.multiply)

    def vjp_data(g, data, segment_ids, out):
        return _prod_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out):
        return _prod_jvp(ddata, data, segment_ids, out)


@defop("UnsortedSegmentProd", samples=lambda: _unsorted_samples() + _zeros_samples(True)
       + _complex_samples(True), dtypes=NUMERIC, same_dtype=False,
       reference=_loop_reference(np.prod, lambda dt: 1))
class _UnsortedProd:
    def fwd(xp, data, segment_ids, *, num_segments):
        return _unsorted_fwd("UnsortedSegmentProd", data, segment_ids, num_segments,
                             np.multiply, _SORTED_IDS)

    def vjp_data(g, data, segment_ids, out, *, num_segments):
        return _prod_vjp(g, data, segment_ids, out)

    def jvp(ddata, dsegment_ids, data, segment_ids, out, *, num_segments):
        return _prod_jvp(ddata, data, segment_ids, out)


# -- public functions --------------------------------------------------------------------------
def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Sum of the rows of ``data`` that share a (sorted) segment id.

    >>> import tapeflow as tf
    >>> tf.math.segment_sum([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 0, 2]).numpy().tolist()
    [[4.0, 6.0], [0.0, 0.0], [5.0, 6.0]]
    """
    return _segment_sum(data, segment_ids)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Mean of the rows of ``data`` that share a (sorted) segment id; 0 for an empty one.

    >>> import tapeflow as tf
    >>> tf.math.segment_mean([1.0, 3.0, 5.0], [0, 0, 1]).numpy()
    array([2., 5.], dtype=float32)
    """
    return _segment_mean(data, segment_ids)


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Maximum of the rows that share a (sorted) segment id; 0 for an empty one.

    >>> import tapeflow as tf
    >>> tf.math.segment_max([1.0, 3.0, 5.0], [0, 0, 1]).numpy()
    array([3., 5.], dtype=float32)
    """
    return _SegmentMax(data, segment_ids)


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Minimum of the rows that share a (sorted) segment id; 0 for an empty one.

    >>> import tapeflow as tf
    >>> tf.math.segment_min([1.0, 3.0, 5.0], [0, 0, 1]).numpy()
    array([1., 5.], dtype=float32)
    """
    return _SegmentMin(data, segment_ids)


def _num_segments(op: str, num_segments: Any) -> int:
    n = shape_ops._as_tensor(num_segments)
    if n._value.dtype.name not in ("int32", "int64"):
        raise invalid_argument(op, f"Value for attr 'Tnumsegments' of {word(n._value.dtype)} "
                               f"is not in the list of allowed values: int32, int64")
    if n._value.ndim:
        raise invalid_argument(op, f"num_segments should be a scalar, not shape "
                               f"{shape_str(n._value.shape)}")
    return int(n._value)


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    """Sum of the entries of ``data`` per segment id, in ``num_segments`` rows.

    ``segment_ids`` may be in any order and have any shape that starts
    ``data``'s shape; entries with a negative id are dropped.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_sum([1.0, 2.0, 3.0], [1, -1, 1], num_segments=2).numpy()
    array([0., 4.], dtype=float32)
    """
    n = _num_segments("UnsortedSegmentSum", num_segments)
    return _unsorted_sum(data, segment_ids, num_segments=n)


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    """Maximum per segment id; an empty segment holds the dtype's lowest value.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_max([1.0, 2.0, 3.0], [1, 1, 0], num_segments=2).numpy()
    array([3., 2.], dtype=float32)
    """
    n = _num_segments("UnsortedSegmentMax", num_segments)
    return _UnsortedMax(data, segment_ids, num_segments=n)


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    """Minimum per segment id; an empty segment holds the dtype's highest value.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_min([1.0, 2.0, 3.0], [1, 1, 0], num_segments=2).numpy()
    array([3., 1.], dtype=float32)
    """
    n = _num_segments("UnsortedSegmentMin", num_segments)
    return _UnsortedMin(data, segment_ids, num_segments=n)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Product of the rows of ``data`` that share a (sorted) segment id; 1 for an empty one.

    >>> import tapeflow as tf
    >>> tf.math.segment_prod([2.0, 3.0, 4.0], [0, 0, 2]).numpy()
    array([6., 1., 4.], dtype=float32)
    """
    return _SegmentProd(data, segment_ids)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> Tensor:
    """Product per segment id (1 for an empty segment); negative ids are dropped.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_prod([2.0, 3.0, 4.0], [1, -1, 1], num_segments=3).numpy()
    array([1., 8., 1.], dtype=float32)
    """
    n = _num_segments("UnsortedSegmentProd", num_segments)
    return _UnsortedProd(data, segment_ids, num_segments=n)


def _unsorted_mean_reference(data: Any, segment_ids: Any, num_segments: int) -> Any:
    tail = data.shape[segment_ids.ndim:]
    rows, ids = data.reshape((-1,) + tail), segment_ids.reshape(-1)
    out = np.zeros((num_segments,) + tail)
    for s in range(num_segments):
        if np.any(ids == s):
            out[s] = rows[ids == s].mean(axis=0)
    return out


@composite(samples=lambda: [Sample(composite_rand((5, 2)), _ids(3, 0, -1, 3, 3),
                                   params={"num_segments": 5}),
                            Sample(composite_rand((2, 3, 2)), _ids(0, 2, 1, 2, 2, -1).reshape(2, 3),
                                   params={"num_segments": 3})],
           reference=_unsorted_mean_reference)
def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> Tensor:
    """Mean per segment id (0 for an empty segment), as TF composes it: the sum
    divided by the count, so integer data gives a float result.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_mean([1.0, 2.0, 4.0], [0, 0, 1], num_segments=2).numpy()
    array([1.5, 4. ], dtype=float32)
    """
    x = shape_ops._as_tensor(data)
    if x._value.dtype.kind not in "fiu":
        raise invalid_argument("Maximum", f"Value for attr 'T' of {word(x._value.dtype)} is not "
                               f"in the list of allowed values: bfloat16, half, float, double, "
                               f"int8, uint8, int16, uint16, int32, uint32, int64, uint64")
    total = unsorted_segment_sum(x, segment_ids, num_segments)
    ids = convert_to_tensor(segment_ids)._value
    counts = _counts(ids, total._value.shape[0], total._value.ndim)
    return arith.truediv(total, wrap(np.maximum(counts, 1).astype(x._value.dtype)))


def _sqrt_n_reference(data: Any, segment_ids: Any, num_segments: int) -> Any:
    tail = data.shape[segment_ids.ndim:]
    rows, ids = data.reshape((-1,) + tail), segment_ids.reshape(-1)
    return np.array([rows[ids == s].sum(axis=0) / np.sqrt(max(np.sum(ids == s), 1))
                     for s in range(num_segments)]).reshape((num_segments,) + tail)


@composite(samples=lambda: [Sample(composite_rand((5, 2)), _ids(3, 0, -1, 3, 3),
                                   params={"num_segments": 5}),
                            Sample(composite_rand((2, 3, 2)), _ids(0, 2, 1, 2, 2, -1).reshape(2, 3),
                                   params={"num_segments": 3})],
           reference=_sqrt_n_reference)
def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any,
                            name: str | None = None) -> Tensor:
    """Sum per segment id divided by the square root of the segment's size (0 for an
    empty segment), as TF composes it; floating data only.

    >>> import tapeflow as tf
    >>> tf.math.unsorted_segment_sqrt_n([1.0, 3.0, 4.0], [0, 0, 1], num_segments=2).numpy()
    array([2.828427, 4.      ], dtype=float32)
    """
    x = shape_ops._as_tensor(data)
    ids = shape_ops._as_tensor(segment_ids)
    # TF's order: the counts (UnsortedSegmentSum of ones, Maximum), the sum, then Sqrt.
    ones = wrap(np.ones(ids._value.shape, x._value.dtype))
    counts = unsorted_segment_sum(ones, ids, num_segments)
    counts = shape_ops.reshape(counts, counts._value.shape + (1,) * (x._value.ndim - ones.ndim))
    counts = arith.maximum(counts, wrap(np.ones((), x._value.dtype)))
    total = unsorted_segment_sum(x, ids, num_segments)
    return total / arith.sqrt(counts)
