"""``tf.Module``: a named container whose Variables and submodules are found by reflection,
and ``tf.name_scope``, the eager name-scope stack a Module opens.

A Module owns nothing but its attributes: ``variables`` walks them in sorted
attribute order, flattening lists, tuples and dicts (dicts by sorted key) as
``tf.nest`` does, yields each Variable once, then walks each submodule the
same way -- exactly TF's ``_flatten_module``, so the order matches TF's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, MappingView
from typing import Any

from tapeflow.core.scope import _scope, get_current_name_scope, name_scope  # noqa: F401
from tapeflow.core.variable import Variable

__all__ = ["Module", "name_scope", "get_current_name_scope"]


_CAMEL_TO_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
_VALID_IDENTIFIER = re.compile(r"^[a-zA-Z_]([a-zA-Z0-9_])*$")


def camel_to_snake(value: str) -> str:
    """``"HTTPServer"`` -> ``"http_server"``: a Module's default name, as TF derives it."""
    return _CAMEL_TO_SNAKE.sub(r"_\1", value).lower()


class Module:
    """Base class for models and layers written as plain classes, as ``tf.Module``.

    Variables and Modules assigned to attributes (directly or inside lists,
    tuples and dicts) are collected by ``variables``, ``trainable_variables``
    and ``submodules``: this module's own first, in attribute-name order,
    then each submodule's.

    >>> import tapeflow as tf
    >>> class Dense(tf.Module):
    ...     def __init__(self, n_in, n_out, name=None):
    ...         super().__init__(name=name)
    ...         self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
    ...         self.b = tf.Variable(tf.zeros([n_out]), name="b")
    ...     def __call__(self, x):
    ...         return tf.matmul(x, self.w) + self.b
    >>> class MLP(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = [Dense(3, 2), Dense(2, 1)]
    >>> m = MLP()
    >>> m.name, [v.name for v in m.trainable_variables]
    ('mlp', ['b:0', 'w:0', 'b:0', 'w:0'])
    >>> len(m.submodules)
    2
    """

    _TF_MODULE_IGNORED_PROPERTIES = frozenset((
        "_self_unconditional_checkpoint_dependencies",
        "_self_unconditional_dependency_names",
    ))

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not _VALID_IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name
        with name_scope(name) as scope_name:
            self._name_scope = name_scope(scope_name)

    @property
    def name(self) -> str:
        """The name passed to (or derived by) the constructor; not the full scope."""
        return self._name

    @property
    def name_scope(self) -> name_scope:
        """This module's ``tf.name_scope`` (``.name`` is the full scope, e.g. ``"mlp/"``)."""
        return self._name_scope

    @property
    def variables(self) -> tuple:
        """Variables of this module (sorted by attribute name), then of its submodules."""
        return tuple(self._flatten(predicate=_is_variable, expand_composites=True))

    @property
    def trainable_variables(self) -> tuple:
        """The trainable ones among ``variables``, in the same order."""
        return tuple(self._flatten(predicate=_is_trainable_variable, expand_composites=True))

    @property
    def non_trainable_variables(self) -> tuple:
        """The non-trainable ones among ``variables``, in the same order."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable,
                                   expand_composites=True))

    @property
    def submodules(self) -> tuple:
        """Every Module reachable through attributes (this one excluded), TF's order.

        >>> import tapeflow as tf
        >>> a, b, c = tf.Module(), tf.Module(), tf.Module()
        >>> a.b = b; b.c = c
        >>> list(a.submodules) == [b, c], list(c.submodules)
        (True, [])
        """
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive: bool = True, predicate: Callable | None = None,
                 attribute_traversal_key: Callable | None = None, with_path: bool = False,
                 expand_composites: bool = False) -> Iterator:
        """Attribute leaves in sorted attribute order, then submodules' (TF's ``_flatten``);
        ``with_path=True`` yields ``(path, leaf)`` pairs and does not de-duplicate."""
        return _flatten_module(self, recursive=recursive,
                               predicate=predicate or (lambda _: True),
                               attributes_to_ignore=self._TF_MODULE_IGNORED_PROPERTIES,
                               attribute_traversal_key=attribute_traversal_key,
                               with_path=with_path)

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorator: run ``method`` inside the module's name scope.

        >>> import tapeflow as tf
        >>> class Scale(tf.Module):
        ...     @tf.Module.with_name_scope
        ...     def __call__(self, x):
        ...         return tf.get_current_name_scope()
        >>> Scale()(1.0)
        'scale'
        """
        @functools.wraps(method)
        def method_with_name_scope(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)
        return method_with_name_scope


def _is_variable(obj: Any) -> bool:
    return isinstance(obj, Variable)


def _is_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and obj.trainable


def _is_non_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and not obj.trainable


def _is_module(obj: Any) -> bool:
    return isinstance(obj, Module)


def _leaves_with_paths(structure: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """``(path, leaf)`` pairs in ``tf.nest`` order: sequences by index, mappings and
    namedtuples by (sorted) key; strings, sets and everything else are leaves."""
    if isinstance(structure, Mapping):
        for key in sorted(structure):
            yield from _leaves_with_paths(structure[key], path + (key,))
    elif isinstance(structure, tuple) and hasattr(structure, "_fields"):
        for key in structure._fields:
            yield from _leaves_with_paths(getattr(structure, key), path + (key,))
    elif isinstance(structure, (list, tuple, MappingView)):
        for i, item in enumerate(structure):
            yield from _leaves_with_paths(item, path + (i,))
    else:
        yield path, structure


def _flatten_module(module: Module, recursive: bool, predicate: Callable,
                    attributes_to_ignore: frozenset, attribute_traversal_key: Any,
                    with_path: bool, module_path: tuple = (), seen: set | None = None,
                    recursion_stack: list | None = None) -> Iterator:
    """TF's ``_flatten_module``: own leaves first, then each submodule's, sharing ``seen``."""
    module_id = id(module)
    if seen is None:
        seen = {module_id}
    if recursion_stack is None:
        recursion_stack = []
    if module_id in recursion_stack:
        recursive = False  # a cycle: list this module's leaves, do not descend again
    module_dict = vars(module)
    submodules = []
    for key in sorted(module_dict, key=attribute_traversal_key):
        if key in attributes_to_ignore:
            continue
        prop = module_dict[key]
        try:
            leaves = list(_leaves_with_paths(prop))
        except Exception as cause:
            raise ValueError(f"Error processing property {key!r} of {prop!r}") from cause
        for leaf_path, leaf in leaves:
            leaf_path = (key,) + leaf_path
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (module_path + leaf_path, leaf) if with_path else leaf
            if recursive and _is_module(leaf):
                submodules.append((module_path + leaf_path, leaf))
    recursion_stack.append(module_id)
    for submodule_path, submodule in submodules:
        yield from _flatten_module(
            submodule, recursive=recursive, predicate=predicate,
            attributes_to_ignore=submodule._TF_MODULE_IGNORED_PROPERTIES,
            attribute_traversal_key=attribute_traversal_key, with_path=with_path,
            module_path=submodule_path, seen=seen, recursion_stack=recursion_stack)
    recursion_stack.pop()
