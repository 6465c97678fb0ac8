"""Core objects: dtypes, errors, Tensor, Variable, the op record and dispatch."""
