"""The cases of benchmarks/suite.py for the libraries with APIs of their own: JAX, PyTorch
and HIPS autograd (what cases share, NumPy's and TF's API's: suite_cases.py).  Each library
is imported inside its function, never here at the top.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from mlp_floor import LR
from suite_cases import Checked, Skip, chain_cases, mlp_cases, training_step
from suite_references import flat, mlp_start
from suite_workloads import CHAIN_COLS, COMPILE_LIMIT_S, JAC_SIZES, MLP, OPS


def jax_cases(workload: str, d: dict) -> tuple[str, list]:
    import jax

    if workload == "chain":
        jax.config.update("jax_enable_x64", True)  # float64; off by default in JAX
    import jax.numpy as jnp

    def synced(fn: Callable) -> Callable:
        return lambda: jax.block_until_ready(fn())

    def ce(z, labels):
        """Mean sparse softmax cross-entropy."""
        logp = jax.nn.log_softmax(z)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    eager, jit = "JAX (eager)", "JAX (jit)"
    if workload in MLP:
        x, labels = jnp.asarray(d["x"]), jnp.asarray(d["labels"])

        def loss(params, x, labels):
            h = x
            for w, b in params[:-1]:
                h = jax.nn.relu(h @ w + b)
            w, b = params[-1]
            return ce(h @ w + b, labels)

        def sgd_step(params, x, labels):
            value, grads = jax.value_and_grad(loss)(params, x, labels)
            return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

        def model(update: Callable) -> Checked:
            weights = [jnp.asarray(a) for a in mlp_start(d)]
            state = {"params": list(zip(weights[::2], weights[1::2]))}

            def step():
                value, state["params"] = jax.block_until_ready(update(state["params"], x, labels))
                return value
            return training_step(step, lambda: flat(state["params"]), d)

        return jax.__version__, mlp_cases(workload, (eager, partial(model, sgd_step)),
                                          (jit, partial(model, jax.jit(sgd_step))))

    if workload == "overhead":
        x, w = jnp.asarray(d["x"]), jnp.asarray(d["w"])

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd(x):
            y, pullback = jax.vjp(chain, x)
            return pullback(jnp.ones_like(y))[0]

        def no_recording():
            raise Skip("compiled code has no per-op recording to time")

        return jax.__version__, [
            (eager, "no tape", lambda: synced(lambda: chain(x))),
            # JAX has no tape: the forward pass under jax.vjp is what records
            (eager, "recorded", lambda: synced(lambda: jax.vjp(chain, x)[0])),
            (eager, "fwd+bwd", lambda: synced(lambda: fwd_bwd(x))),
            (jit, "no tape", lambda: synced(partial(jax.jit(chain), x))),
            (jit, "recorded", no_recording),
            (jit, "fwd+bwd", lambda: synced(partial(jax.jit(fwd_bwd), x))),
        ]

    if workload == "heavy":
        def vjp(f: Callable, args: tuple, cotangent: Any) -> Callable:
            def fn():
                out, pullback = jax.vjp(f, *args)
                grads = pullback(cotangent)
                return grads[0] if len(grads) == 1 else grads
            return synced(fn)

        def conv(x, k):
            return jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))

        a = {k: jnp.asarray(v) for k, v in d.items()}
        return jax.__version__, [
            (eager, "matmul", lambda: vjp(jnp.matmul, (a["A"], a["B"]), a["C_bar"])),
            (eager, "conv2d", lambda: vjp(conv, (a["x"], a["k"]), a["y_bar"])),
            (eager, "softmax CE",
             lambda: synced(lambda: jax.value_and_grad(ce)(a["logits"], a["labels"]))),
            (eager, "gather",
             lambda: vjp(lambda t: jnp.take(t, a["idx"], axis=0), (a["table"],), a["rows_bar"])),
        ]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = jnp.asarray(d[n]["W"]), jnp.asarray(d[n]["x"])

            def f(x, W=W):
                return jnp.tanh(W @ x)

            def g(x, W=W):
                return jnp.sum(jnp.tanh(W @ x))

            for row, wrap in ((eager, lambda h: h), (jit, jax.jit)):
                jac, grad = wrap(jax.jacrev(f)), wrap(jax.grad(g))
                cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: synced(lambda: jac(x))),
                          (row, f"n={n} gradient", lambda grad=grad, x=x: synced(lambda: grad(x)))]
        return jax.__version__, cases

    if workload == "chain":
        x, c, s = (jnp.asarray(d[k]) for k in ("x", "c", "s"))

        def chain(y, steps):
            for _ in range(steps):
                y = y * c + s
            return y

        def fwd_bwd(steps):
            return jax.block_until_ready(jax.grad(chain)(x, steps))

        def no_jit(steps):
            raise Skip(f"jit of a {2 * steps:,}-op unrolled chain not timed (compile time)")

        return jax.__version__, chain_cases(eager, fwd_bwd) + [
            (jit, col, partial(no_jit, steps)) for steps, col in CHAIN_COLS.items()]

    if workload == "tutorial":
        x, v = jnp.asarray(d["x"]), jnp.asarray(d["v"])

        def square_of_sum(x):
            y = jnp.sum(x)
            return y * y

        def cube(x):
            return x * x * x

        # the grad of the grad, returning the inner gradient too, as the nested tapes do
        first, second = jax.grad(square_of_sum), jax.value_and_grad(jax.grad(cube))
        cases = []
        for row, wrap in ((eager, lambda h: h), (jit, jax.jit)):
            f1, f2 = wrap(first), wrap(second)
            cases += [(row, "first order", lambda f1=f1: synced(partial(f1, x))),
                      (row, "nested second order", lambda f2=f2: synced(partial(f2, v)))]
        return jax.__version__, cases

    x, v = jnp.asarray(d["x"]), jnp.asarray(d["v"])

    def hvp(x, v):
        return jax.jvp(jax.grad(lambda x: jnp.sum(jnp.tanh(x) ** 2 * x)), (x,), (v,))[1]

    return jax.__version__, [(eager, "hvp", lambda: synced(lambda: hvp(x, v))),
                             (jit, "hvp", lambda: synced(partial(jax.jit(hvp), x, v)))]


def torch_cases(workload: str, d: dict) -> tuple[str, list]:
    import torch
    import torch.nn.functional as F

    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    row = "PyTorch"

    def leaf(a: np.ndarray) -> Any:
        return torch.from_numpy(np.array(a, order="C")).requires_grad_()

    if workload in MLP:
        x, labels = torch.from_numpy(d["x"]), torch.from_numpy(d["labels"].astype(np.int64))

        def compile_now(step: Callable, weights: list) -> Callable:
            """``step`` under torch.compile, compiled here by one call (so that a failure
            or a compile too slow is a Skip), the weights then put back."""
            start = [w.detach().clone() for w in weights]
            compiled = torch.compile(step)
            began = time.perf_counter()
            try:
                compiled()
            except Exception as e:  # noqa: BLE001 - the reason is the Skip's note
                raise Skip(f"torch.compile failed: {type(e).__name__}: {e}"[:300]) from e
            took = time.perf_counter() - began
            if took > COMPILE_LIMIT_S:
                raise Skip(f"compiling took {took:.0f} s, over {COMPILE_LIMIT_S} s")
            with torch.no_grad():  # SGD without momentum keeps no other state
                for w, s in zip(weights, start):
                    w.copy_(s)
            return compiled

        def model(compiled: bool) -> Checked:
            weights = [leaf(a) for a in flat(d["params"])]
            layers = list(zip(weights[::2], weights[1::2]))
            optimizer = torch.optim.SGD(weights, lr=LR)

            def step():
                optimizer.zero_grad()
                h = x
                for w, b in layers[:-1]:
                    h = torch.relu(h @ w + b)
                w, b = layers[-1]
                loss = F.cross_entropy(h @ w + b, labels)
                loss.backward()
                optimizer.step()
                return loss

            return training_step(compile_now(step, weights) if compiled else step,
                                 lambda: weights, d)

        return torch.__version__, mlp_cases(workload, (row, partial(model, False)),
                                            (f"{row} (torch.compile)", partial(model, True)))

    if workload == "overhead":
        x, w = torch.from_numpy(d["x"]), torch.from_numpy(d["w"])
        xl = leaf(d["x"])

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd():
            y = chain(xl)
            return torch.autograd.grad(y, xl, torch.ones_like(y))[0]

        return torch.__version__, [(row, "no tape", lambda: lambda: chain(x)),
                                   (row, "recorded", lambda: lambda: chain(xl)),
                                   (row, "fwd+bwd", lambda: fwd_bwd)]

    if workload == "heavy":
        def matmul():
            A, B, C_bar = leaf(d["A"]), leaf(d["B"]), torch.from_numpy(d["C_bar"])
            return lambda: torch.autograd.grad(A @ B, (A, B), C_bar)

        def conv():
            # torch's native layout: NCHW input, OIHW filter; gradients back to NHWC to check
            x = leaf(d["x"].transpose(0, 3, 1, 2))
            k = leaf(d["k"].transpose(3, 2, 0, 1))
            y_bar = torch.from_numpy(np.ascontiguousarray(d["y_bar"].transpose(0, 3, 1, 2)))

            def fn():
                return torch.autograd.grad(F.conv2d(x, k, padding=1), (x, k), y_bar)

            def checked():
                dx, dk = fn()
                return dx.permute(0, 2, 3, 1), dk.permute(2, 3, 1, 0)
            return Checked(fn, checked)

        def softmax_ce():
            z, labels = leaf(d["logits"]), torch.from_numpy(d["labels"].astype(np.int64))

            def fn():
                loss = F.cross_entropy(z, labels)
                return loss, torch.autograd.grad(loss, z)[0]
            return fn

        def gather():
            table, rows_bar = leaf(d["table"]), torch.from_numpy(d["rows_bar"])
            idx = torch.from_numpy(d["idx"].astype(np.int64))
            return lambda: torch.autograd.grad(table[idx], table, rows_bar)[0]

        return torch.__version__, [(row, "matmul", matmul), (row, "conv2d", conv),
                                   (row, "softmax CE", softmax_ce), (row, "gather", gather)]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x, xl = torch.from_numpy(d[n]["W"]), torch.from_numpy(d[n]["x"]), leaf(d[n]["x"])
            jac = torch.func.jacrev(lambda x, W=W: torch.tanh(W @ x))

            def grad(W=W, xl=xl):
                return torch.autograd.grad(torch.tanh(W @ xl).sum(), xl)[0]

            cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: lambda: jac(x)),
                      (row, f"n={n} gradient", lambda grad=grad: grad)]
        return torch.__version__, cases

    if workload == "chain":
        x, c, s = leaf(d["x"]), torch.from_numpy(d["c"]), torch.from_numpy(d["s"])

        def fwd_bwd(steps):
            y = x
            for _ in range(steps):
                y = y * c + s
            return torch.autograd.grad(y, x)[0]

        return torch.__version__, chain_cases(row, fwd_bwd)

    if workload == "tutorial":
        x, v = leaf(d["x"]), leaf(d["v"])

        def first_order():
            y = x.sum()
            z = y * y
            return torch.autograd.grad(z, x)[0]

        def second_order():
            y = v * v * v
            dy_dx = torch.autograd.grad(y, v, create_graph=True)[0]
            return dy_dx, torch.autograd.grad(dy_dx, v)[0]

        return torch.__version__, [(row, "first order", lambda: first_order),
                                   (row, "nested second order", lambda: second_order)]

    x, v = torch.from_numpy(d["x"]), torch.from_numpy(d["v"])
    grad = torch.func.grad(lambda x: (torch.tanh(x) ** 2 * x).sum())
    return torch.__version__, [
        (row, "hvp", lambda: lambda: torch.func.jvp(grad, (x,), (v,))[1])]


def autograd_cases(workload: str, d: dict) -> tuple[str, list]:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    try:
        from importlib.metadata import version
        ver = version("autograd")
    except Exception:  # noqa: BLE001
        ver = "?"
    row = "autograd"

    def ce(z, labels):
        """Mean sparse softmax cross-entropy."""
        return anp.mean(logsumexp(z, axis=1) - z[np.arange(len(labels)), labels])

    if workload in MLP:
        def loss(params):
            h = d["x"]
            for w, b in params[:-1]:
                h = anp.maximum(h @ w + b, 0)
            w, b = params[-1]
            return ce(h @ w + b, d["labels"])

        loss_and_grads = autograd.value_and_grad(loss)

        def model() -> Checked:
            weights = mlp_start(d)  # updated in place
            params = list(zip(weights[::2], weights[1::2]))

            def step():
                value, grads = loss_and_grads(params)
                for (w, b), (dw, db) in zip(params, grads):
                    w -= LR * dw
                    b -= LR * db
                return value
            return training_step(step, lambda: weights, d)

        return ver, mlp_cases(workload, (row, model))

    if workload == "overhead":
        x, w = d["x"], d["w"]

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd():
            pullback, y = autograd.make_vjp(chain)(x)
            return pullback(np.ones_like(y))

        # outside a trace, autograd code is NumPy code: "no tape" is the bare NumPy loop
        return ver, [(row, "no tape", lambda: lambda: chain(x)),
                     (row, "recorded", lambda: lambda: autograd.make_vjp(chain)(x)[1]),
                     (row, "fwd+bwd", lambda: fwd_bwd)]

    if workload == "heavy":
        def vjp(f: Callable, arg: Any, cotangent: Any) -> Callable:
            return lambda: autograd.make_vjp(f)(arg)[0](cotangent)

        def no_conv():
            raise Skip("no conv2d primitive (autograd.scipy.signal.convolve is another op)")

        return ver, [
            (row, "matmul", lambda: vjp(lambda ab: anp.dot(ab[0], ab[1]), (d["A"], d["B"]),
                                        d["C_bar"])),
            (row, "conv2d", no_conv),
            (row, "softmax CE",
             lambda: lambda: autograd.value_and_grad(ce)(d["logits"], d["labels"])),
            (row, "gather", lambda: vjp(lambda t: t[d["idx"]], d["table"], d["rows_bar"])),
        ]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = d[n]["W"], d[n]["x"]
            jac = autograd.jacobian(lambda x, W=W: anp.tanh(anp.dot(W, x)))
            grad = autograd.grad(lambda x, W=W: anp.sum(anp.tanh(anp.dot(W, x))))
            cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: lambda: jac(x)),
                      (row, f"n={n} gradient", lambda grad=grad, x=x: lambda: grad(x))]
        return ver, cases

    if workload == "chain":
        c, s = d["c"], d["s"]

        def chain(y, steps):
            for _ in range(steps):
                y = y * c + s
            return y

        return ver, chain_cases(row, lambda steps: autograd.grad(chain)(d["x"], steps))

    if workload == "tutorial":
        first = autograd.grad(lambda x: anp.sum(x) * anp.sum(x))
        # the grad of the grad, returning the inner gradient too, as the nested tapes do
        second = autograd.value_and_grad(autograd.grad(lambda x: x * x * x))
        return ver, [(row, "first order", lambda: lambda: first(d["x"])),
                     (row, "nested second order", lambda: lambda: second(d["v"]))]

    # autograd's helper is reverse-over-reverse (it has no forward-over-reverse HVP)
    hvp = autograd.hessian_vector_product(lambda x: anp.sum(anp.tanh(x) ** 2 * x))
    return ver, [(row, "hvp", lambda: lambda: hvp(d["x"], d["v"]))]
