#!/usr/bin/env python3
"""kiln's standard workloads in NumPy, numexpr and JAX, on the identical input data.

The workloads are those of ``examples/workloads/main.rs`` (table in shared/DESIGN.md,
"The standard workloads"): zscore, chain, sum, softmax and pmodel. The inputs are made
bit for bit as kiln makes them (SplitMix64 uniforms of ``examples/workloads/data.rs``,
Box-Muller normals of ``main.rs``, the P-model forcing of ``pmodel.rs``), so the
checksums (sum of every output element in float64) can be compared with kiln's.

    .venv/bin/python benches/python/workloads.py                  # every workload, full size
    .venv/bin/python benches/python/workloads.py --scale 0.05     # 5% of the sizes
    .venv/bin/python benches/python/workloads.py --only pmodel --reps 10
    .venv/bin/python benches/python/workloads.py --libs numpy,jax

Each (workload, library) is called once to warm up (for JAX this call runs the
compiled executable; the lowering + XLA compilation before it is timed separately as
``compile_ms``), then ``--reps`` times (default 5). One JSON object per line on stdout,
with the keys of ``cargo run --release --example workloads -- --json``:
{"workload", "mode", "n", "median_ms", "min_ms", "kernels", "compile_ms", "checksum"},
where ``mode`` is "numpy", "numexpr" or "jax". ``kernels`` is null for NumPy and
numexpr; for JAX it is the number of compute instructions (fusions, reductions, ...) in
the entry computation of the optimised HLO, the closest thing XLA has to kiln's kernel
count. ``compile_ms`` is null for NumPy and numexpr.

Threads (nothing is restricted here; this file sets no thread count):
- NumPy: ufuncs and reductions run on one thread (only BLAS calls, which these
  workloads do not make, use a thread pool).
- numexpr: splits each evaluate() into blocks over its own pool, by default one thread
  per detected core (capped at 16 unless NUMEXPR_MAX_THREADS says otherwise). Its
  reductions (``sum(...)`` in an expression) run on one thread.
- JAX (XLA:CPU): its thunk runtime runs large fused loops and independent ops on a
  thread pool with one thread per core by default.
- kiln: see its own documentation (examples/workloads/main.rs).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import warnings

import numpy as np

# ---- input data, bit for bit as kiln makes it -----------------------------------------

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TWO_POW_MINUS_53 = 2.0**-53
CHUNK = 1 << 22


def uniform(n: int, seed: int, lo: float, hi: float) -> np.ndarray:
    """``data::uniform``: n values in [lo, hi) from the SplitMix64 stream of ``seed``.

    Draw i (counting from 1) has state ``seed + i * GAMMA`` (mod 2^64); the rest is the
    mixing function and ``lo + (hi - lo) * u`` in float64, exactly as data.rs does it.
    Made in chunks so that 10^8 draws need little memory beyond the result.
    """
    out = np.empty(n, dtype=np.float64)
    span = hi - lo  # a Python float: the same f64 subtraction as Rust's `hi - lo`
    seed64 = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            z = np.arange(start + 1, stop + 1, dtype=np.uint64)
            z *= GAMMA  # uint64 array arithmetic wraps mod 2^64
            z += seed64
            z ^= z >> np.uint64(30)
            z *= MIX1
            z ^= z >> np.uint64(27)
            z *= MIX2
            z ^= z >> np.uint64(31)
            u = (z >> np.uint64(11)).astype(np.float64) * TWO_POW_MINUS_53
            out[start:stop] = lo + span * u
    return out


def _libm(f, a: np.ndarray) -> np.ndarray:
    """f (math.log or math.cos) element by element.

    Rust's f64::ln and f64::cos call the C library's log and cos, and so do Python's
    math.log and math.cos. NumPy's own SIMD log differs from glibc's in the last bit
    for a fraction of a percent of inputs (measured on this machine), which would break
    bit-for-bit inputs, so the (slower) libm route is taken. This is input making only,
    never timed.
    """
    out = np.empty_like(a)
    for start in range(0, a.size, 1 << 20):
        part = a[start : start + (1 << 20)]
        out[start : start + part.size] = np.fromiter(map(f, part.tolist()), np.float64, part.size)
    return out


def normal(n: int, seed: int) -> np.ndarray:
    """main.rs ``normal``: Box-Muller on two independent uniform streams."""
    u1 = uniform(n, seed, sys.float_info.min, 1.0)  # f64::MIN_POSITIVE
    u2 = uniform(n, seed ^ 0x51515151, 0.0, 1.0)
    r = np.sqrt(-2.0 * _libm(math.log, u1))  # sqrt is correctly rounded everywhere
    c = _libm(math.cos, math.tau * u2)
    return r * c


def f32s(v: np.ndarray) -> np.ndarray:
    return v.astype(np.float32)  # round to nearest, as Rust's `as f32`


def zscore_inputs(n):
    return [normal(n, 1)]


def chain_inputs(n):
    return [f32s(normal(n, 2)), f32s(normal(n, 3))]


def sum_inputs(n):
    return [f32s(uniform(n, 4, 0.0, 1.0))]


def softmax_inputs(n):
    side = int(math.sqrt(n))
    return [f32s(normal(side * side, 5)).reshape(side, side)]


def matmul_inputs(n):
    side = max(1, int(math.sqrt(n)))
    return [f32s(uniform(side * side, 7, -1.0, 1.0)).reshape(side, side),
            f32s(uniform(side * side, 8, -1.0, 1.0)).reshape(side, side)]


ROCKLIN_COLS = 500
LDA_FEATURES = 300


def rows(n, cols):
    return max(1, n // cols)


def rocklin_inputs(n):
    r = rows(n, ROCKLIN_COLS)
    return [uniform(r * ROCKLIN_COLS, 9, 0.1, 1.0).reshape(r, ROCKLIN_COLS)]


def lda_inputs(n):
    r = rows(n, LDA_FEATURES)
    return [uniform(r * LDA_FEATURES, 10, -1.0, 1.0).reshape(r, LDA_FEATURES),
            uniform(2 * LDA_FEATURES, 11, -1.0, 1.0).reshape(2, LDA_FEATURES),
            uniform(2, 12, -1.0, 1.0)]


# pmodel.rs INPUT_RANGES: tc, vpd, co2, patm, fapar, ppfd.
PMODEL_RANGES = [
    (0.0, 35.0),
    (200.0, 2500.0),
    (350.0, 450.0),
    (85_000.0, 102_000.0),
    (0.1, 1.0),
    (100.0, 2000.0),
]


def pmodel_inputs(n, seed=6):
    """pmodel.rs ``inputs``: variable k is ``uniform(n, seed * 8 + k, lo, hi)``."""
    return [uniform(n, (seed * 8 + k) & 0xFFFFFFFFFFFFFFFF, lo, hi) for k, (lo, hi) in enumerate(PMODEL_RANGES)]


# ---- the P-model (pmodel.rs), for NumPy and jax.numpy alike --------------------------
#
# Every formula is evaluated in the same order as pmodel.rs's kiln graph, so the
# results agree to a few ulps. Constants: pyrealm CoreConst / PModelConst defaults.

K_R = 8.3145
K_CO = 209_476.0
K_C_MOLMASS = 12.0107
K_PO = 101_325.0
K_TO = 298.15
K_CTOK = 273.15
TK_REF = 298.15
GS25_0 = 4.332
DHA_GS = 37_830.0
KC25 = 39.97
KO25 = 27_480.0
DHAC = 79_430.0
DHAO = 36_380.0
BETA_C3 = 146.0
WANG17_C = 0.41
KPHIO_C3 = [0.352, 0.022, -0.00034]
MAXIMUM_PHI0 = 1.0 / 8.0
FISHER_LAMBDA = [1788.316, 21.55053, -0.4695911, 0.003096363, -7.341182e-06]
FISHER_PO = [5918.499, 58.05267, -1.1253317, 0.0066123869, -1.4661625e-05]
FISHER_VINF = [
    0.6980547,
    -0.0007435626,
    3.704258e-05,
    -6.315724e-07,
    9.829576e-09,
    -1.197269e-10,
    1.005461e-12,
    -5.437898e-15,
    1.69946e-17,
    -2.295063e-20,
]
HUBER_TK_AST = 647.096
HUBER_RHO_AST = 322.0
HUBER_MU_AST = 1e-06
HUBER_H_I = [1.67752, 2.20462, 0.6366564, -0.241605]
HUBER_H_IJ = [
    [0.520094, 0.0850895, -1.08374, -0.289555, 0.0, 0.0],
    [0.222531, 0.999115, 1.88797, 1.26613, 0.0, 0.120573],
    [-0.281378, -0.906851, -0.772479, -0.489837, -0.25704, 0.0],
    [0.161913, 0.257399, 0.0, 0.0, 0.0, 0.0],
    [-0.0325372, 0.0, 0.0, 0.0698452, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.00872102, 0.0],
    [0.0, 0.0, 0.0, -0.00435673, 0.0, -0.000593264],
]


def horner(x, cf):
    """Σ cf[k] x^k by Horner's rule, cf lowest degree first (pmodel.rs ``horner``)."""
    y = x * cf[-1] + cf[-2]
    for c in reversed(cf[:-2]):
        y = x * y + c
    return y


def powers(x, k):
    """[x, x², ..., x^k] by repeated products."""
    out = [x]
    for _ in range(1, k):
        out.append(out[-1] * x)
    return out


def arrhenius(xp, tk, ha):
    return xp.exp(((tk - TK_REF) * ha) / (tk * (TK_REF * K_R)))


def water_density(tc, patm):
    lam = horner(tc, FISHER_LAMBDA)
    po = horner(tc, FISHER_PO)
    vinf = horner(tc, FISHER_VINF)
    spec_vol = vinf + lam / (po + patm * 1e-5)
    return 1e3 / spec_vol


def water_viscosity(xp, tc, patm):
    rho = water_density(tc, patm)
    tbar = (tc + K_CTOK) / HUBER_TK_AST
    rbar = rho / HUBER_RHO_AST
    tbar2 = tbar * tbar
    tbar3 = tbar2 * tbar
    mu0 = HUBER_H_I[1] / tbar + HUBER_H_I[0]
    mu0 = mu0 + HUBER_H_I[2] / tbar2
    mu0 = mu0 + HUBER_H_I[3] / tbar3
    mu0 = (xp.sqrt(tbar) * 1e2) / mu0
    ctbar = 1.0 / tbar - 1.0
    rpow = powers(rbar - 1.0, len(HUBER_H_IJ) - 1)
    cpow = powers(ctbar, len(HUBER_H_IJ[0]) - 1)

    def column(i):
        acc = None
        for row, p in zip(HUBER_H_IJ[1:], rpow):
            if row[i] != 0.0:
                term = p * row[i]
                acc = term + HUBER_H_IJ[0][i] if acc is None else acc + term
        return acc

    mu1 = column(0)
    for i, c in enumerate(cpow):
        mu1 = mu1 + c * column(i + 1)
    mu1 = xp.exp(rbar * mu1)
    return (mu0 * mu1) * HUBER_MU_AST


def pmodel(xp, tc, vpd, co2, patm, fapar, ppfd):
    """(GPP, LUE) of the standard P-model; ``xp`` is numpy or jax.numpy."""
    tk = tc + K_CTOK
    ca = (co2 * 1.0e-6) * patm
    gammastar = ((patm * GS25_0) / K_PO) * arrhenius(xp, tk, DHA_GS)
    kc = arrhenius(xp, tk, DHAC) * KC25
    ko = arrhenius(xp, tk, DHAO) * KO25
    po = patm * (K_CO * 1e-6)
    kmm = kc * (po / ko + 1.0)
    tc_std = xp.asarray(K_TO - K_CTOK, dtype=xp.float64)
    p_std = xp.asarray(K_PO, dtype=xp.float64)
    ns_star = water_viscosity(xp, tc, patm) / water_viscosity(xp, tc_std, p_std)

    xi = xp.sqrt(((kmm + gammastar) * BETA_C3) / (ns_star * 1.6))
    gs_ca = gammastar / ca
    chi = gs_ca + ((1.0 - gs_ca) * xi) / (xi + xp.sqrt(vpd))
    ci = chi * ca
    mj = (ci - gammastar) / (ci + gammastar * 2.0)

    ratio = xp.power(WANG17_C / mj, 2.0 / 3.0)
    f_v = xp.where(mj > WANG17_C, xp.sqrt(1.0 - ratio), xp.nan)
    kphio = xp.maximum(horner(tc, KPHIO_C3), 0.0) * MAXIMUM_PHI0
    lue = ((kphio * mj) * f_v) * K_C_MOLMASS
    gpp = lue * (fapar * ppfd)
    return gpp, lue


# ---- NumPy ---------------------------------------------------------------------------


def np_zscore(x):
    return [(x - np.mean(x)) / np.std(x)]


def np_chain(x, y):
    t = x * y + 0.5  # Python scalars are weak (NEP 50): stays float32
    return [np.exp(-(t * t)) * np.log1p(np.abs(x)) / np.sqrt(x * x + y * y + 1.0) + np.tanh(x - y)]


def np_sum(x):
    return [np.sum(x)]  # float32, pairwise summation


def np_softmax(s):
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    return [e / np.sum(e, axis=1, keepdims=True)]


def np_matmul(a, b):
    return [a @ b]


def np_rocklin(x):
    y = x.T @ (np.log(x) + 1.0)
    return [y - np.mean(y, axis=0)]


def np_lda_predict(x, w, b):
    return [np.argmax(x @ w.T + b, axis=1)]


def np_pmodel(*v):
    with np.errstate(invalid="ignore"):  # NaN where mj <= c*, as pyrealm and kiln
        return list(pmodel(np, *v))


# ---- numexpr -------------------------------------------------------------------------
#
# numexpr fuses elementwise expressions blockwise over its threads; a reduction can
# only be the outermost operation of an expression and runs on one thread, so
# reductions that feed elementwise work (mean/std, row max/sum) use NumPy.


def ne_zscore(x):
    import numexpr as ne

    m, s = np.mean(x), np.std(x)
    return [ne.evaluate("(x - m) / s")]


def ne_chain(x, y):
    import numexpr as ne

    # numexpr's literal constants are float64 and would make the whole expression
    # float64: pass them as float32 scalars so that it stays float32 as in kiln.
    half, one = np.float32(0.5), np.float32(1.0)
    expr = "exp(-((x*y + half) * (x*y + half))) * log1p(abs(x)) / sqrt(x*x + y*y + one) + tanh(x - y)"
    return [ne.evaluate(expr)]


def ne_sum(x):
    import numexpr as ne

    # numexpr's own reduction: one thread, accumulating in float32 left to right, so it
    # is neither fast nor accurate at 10^8 elements (its checksum shows it).
    return [ne.evaluate("sum(x)")]


def ne_matmul(a, b):
    return [a @ b]  # numexpr has no matrix product: NumPy's BLAS


def ne_rocklin(x):
    import numexpr as ne

    y = x.T @ ne.evaluate("log(x) + 1.0")
    m = np.mean(y, axis=0)
    return [ne.evaluate("y - m")]


def ne_lda_predict(x, w, b):
    import numexpr as ne

    s = x @ w.T
    return [np.argmax(ne.evaluate("s + b"), axis=1)]


def ne_softmax(s):
    import numexpr as ne

    mx = np.max(s, axis=1, keepdims=True)
    e = ne.evaluate("exp(s - mx)")
    tot = np.sum(e, axis=1, keepdims=True)
    return [ne.evaluate("e / tot")]


def _ne_horner(var, cf):
    y = f"({var} * {cf[-1]!r} + {cf[-2]!r})"
    for c in reversed(cf[:-2]):
        y = f"({var} * {y} + {c!r})"
    return y


def _ne_arrhenius(ha):
    return f"exp(((tk - {TK_REF!r}) * {ha!r}) / (tk * {TK_REF * K_R!r}))"


def _ne_viscosity_exprs():
    """numexpr expressions for rbar, mu0 and the exponent of mu1 (pmodel.rs order)."""
    rho = f"(1e3 / ({_ne_horner('tc', FISHER_VINF)} + {_ne_horner('tc', FISHER_LAMBDA)}"
    rho += f" / ({_ne_horner('tc', FISHER_PO)} + patm * 1e-5)))"
    rbar = f"({rho} / {HUBER_RHO_AST!r})"
    mu0 = f"((({HUBER_H_I[1]!r} / tbar + {HUBER_H_I[0]!r}) + {HUBER_H_I[2]!r} / (tbar*tbar))"
    mu0 += f" + {HUBER_H_I[3]!r} / ((tbar*tbar)*tbar))"
    mu0 = f"((sqrt(tbar) * 1e2) / {mu0})"

    def rp(j):  # (rbar - 1)^j by repeated products, as powers()
        return "*".join(["(rbar - 1.0)"] * j)

    def cp(i):
        return "*".join(["(1.0 / tbar - 1.0)"] * i)

    def column(i):
        acc = None
        for j, row in enumerate(HUBER_H_IJ[1:], start=1):
            if row[i] != 0.0:
                term = f"(({rp(j)}) * {row[i]!r})"
                acc = f"({term} + {HUBER_H_IJ[0][i]!r})" if acc is None else f"({acc} + {term})"
        return acc

    mu1 = column(0)
    for i in range(1, len(HUBER_H_IJ[0])):
        mu1 = f"({mu1} + ({cp(i)}) * {column(i)})"
    return rbar, mu0, f"(rbar * {mu1})"


def ne_pmodel(tc, vpd, co2, patm, fapar, ppfd):
    """The P-model in five numexpr stages (numexpr has no common subexpressions, so
    the shared intermediates tk, tbar, rbar, ... are materialised between stages).
    x*x*x in numexpr multiplies left to right, as pmodel.rs's powers() does."""
    import numexpr as ne

    rbar_e, mu0_e, mu1_e = _ne_viscosity_exprs()
    # The standard-condition viscosity is a scalar: NumPy (pmodel.rs builds it as 0-d).
    visc_std = water_viscosity(np, np.float64(K_TO - K_CTOK), np.float64(K_PO))
    tk = ne.evaluate(f"tc + {K_CTOK!r}")
    tbar = ne.evaluate(f"(tc + {K_CTOK!r}) / {HUBER_TK_AST!r}")
    rbar = ne.evaluate(rbar_e)
    visc = ne.evaluate(f"({mu0_e} * exp({mu1_e})) * {HUBER_MU_AST!r}")
    ca = ne.evaluate("(co2 * 1e-06) * patm")
    gammastar = ne.evaluate(f"((patm * {GS25_0!r}) / {K_PO!r}) * {_ne_arrhenius(DHA_GS)}")
    kmm = ne.evaluate(
        f"({_ne_arrhenius(DHAC)} * {KC25!r}) * ((patm * {K_CO * 1e-6!r}) / ({_ne_arrhenius(DHAO)} * {KO25!r}) + 1.0)"
    )
    nan = np.float64("nan")
    mj = ne.evaluate(
        "(chi * ca - gammastar) / (chi * ca + gammastar * 2.0)",
        local_dict={
            "chi": ne.evaluate(
                "gammastar / ca + ((1.0 - gammastar / ca) * xi) / (xi + sqrt(vpd))",
                local_dict={
                    "gammastar": gammastar,
                    "ca": ca,
                    "vpd": vpd,
                    "xi": ne.evaluate(
                        f"sqrt(((kmm + gammastar) * {BETA_C3!r}) / ((visc / visc_std) * 1.6))"
                    ),
                },
            ),
            "ca": ca,
            "gammastar": gammastar,
        },
    )
    phi = _ne_horner("tc", KPHIO_C3)
    lue = ne.evaluate(
        f"((where({phi} < 0, 0.0, {phi}) * {MAXIMUM_PHI0!r} * mj)"
        f" * where(mj > {WANG17_C!r}, sqrt(1.0 - ({WANG17_C!r} / mj) ** {2.0 / 3.0!r}), nan)) * {K_C_MOLMASS!r}"
    )
    gpp = ne.evaluate("lue * (fapar * ppfd)")
    return [gpp, lue]


# ---- JAX -----------------------------------------------------------------------------


def jax_fns():
    import jax.numpy as jnp

    def zscore(x):
        return [(x - jnp.mean(x)) / jnp.std(x)]

    def chain(x, y):
        t = x * y + 0.5  # weak Python scalar: stays float32
        return [jnp.exp(-(t * t)) * jnp.log1p(jnp.abs(x)) / jnp.sqrt(x * x + y * y + 1.0) + jnp.tanh(x - y)]

    def sum_(x):
        return [jnp.sum(x)]  # float32 result

    def softmax(s):
        e = jnp.exp(s - jnp.max(s, axis=1, keepdims=True))
        return [e / jnp.sum(e, axis=1, keepdims=True)]

    def pmodel_(*v):
        return list(pmodel(jnp, *v))

    def matmul(a, b):
        return [a @ b]

    def rocklin(x):
        y = x.T @ (jnp.log(x) + 1.0)
        return [y - jnp.mean(y, axis=0)]

    def lda_predict(x, w, b):
        return [jnp.argmax(x @ w.T + b, axis=1)]

    return {
        "zscore": zscore,
        "chain": chain,
        "sum": sum_,
        "softmax": softmax,
        "pmodel": pmodel_,
        "matmul": matmul,
        "rocklin": rocklin,
        "lda_predict": lda_predict,
    }


HLO_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[\w.\-]+\s*=\s*.*?\s([a-z][a-z0-9\-]*)\(")
HLO_NON_COMPUTE = ("parameter", "tuple", "get-tuple-element", "constant", "bitcast", "copy-start", "copy-done")


def hlo_kernels(compiled) -> int | None:
    """Compute instructions in the ENTRY computation of the optimised HLO."""
    try:
        text = compiled.as_text()
    except Exception:  # noqa: BLE001 - best effort, only for the report
        return None
    count, in_entry = 0, False
    for line in text.splitlines():
        if line.startswith("ENTRY"):
            in_entry = True
        elif in_entry and line.startswith("}"):
            break
        elif in_entry:
            # "  %name = SHAPE opcode(operands), ..." where SHAPE may be a tuple "(a, b)".
            m = HLO_INSTRUCTION.match(line)
            if m and m.group(1) not in HLO_NON_COMPUTE:
                count += 1
    return count


# ---- the harness ---------------------------------------------------------------------

WORKLOADS = {
    # name: (size at scale 1, inputs, numpy, numexpr)
    "zscore": (10_000_000, zscore_inputs, np_zscore, ne_zscore),
    "chain": (10_000_000, chain_inputs, np_chain, ne_chain),
    "sum": (100_000_000, sum_inputs, np_sum, ne_sum),
    "softmax": (4096 * 4096, softmax_inputs, np_softmax, ne_softmax),
    "pmodel": (10_000_000, pmodel_inputs, np_pmodel, ne_pmodel),
    "matmul": (2048 * 2048, matmul_inputs, np_matmul, ne_matmul),
    "rocklin": (20_000 * ROCKLIN_COLS, rocklin_inputs, np_rocklin, ne_rocklin),
    "lda_predict": (400_000 * LDA_FEATURES, lda_inputs, np_lda_predict, ne_lda_predict),
}
LIBS = ("numpy", "numexpr", "jax")


def checksum(outputs) -> float:
    """Sum of every output element in float64."""
    return float(sum(np.sum(np.asarray(o, dtype=np.float64)) for o in outputs))


def time_calls(call, reps):
    times = []
    for _ in range(max(1, reps)):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def measure(name, lib, inputs, reps):
    _, _, np_fn, ne_fn = WORKLOADS[name]
    kernels = compile_ms = None
    if lib == "jax":
        import jax

        args = [jax.device_put(a) for a in inputs]
        jax.block_until_ready(args)
        t = time.perf_counter()
        compiled = jax.jit(jax_fns()[name]).lower(*args).compile()
        compile_ms = (time.perf_counter() - t) * 1e3
        kernels = hlo_kernels(compiled)
        outputs = jax.block_until_ready(compiled(*args))  # warm-up

        def call():
            jax.block_until_ready(compiled(*args))

    else:
        fn = np_fn if lib == "numpy" else ne_fn
        outputs = fn(*inputs)  # warm-up

        def call():
            fn(*inputs)

    cs = checksum(outputs)
    median_ms, min_ms = time_calls(call, reps)
    return {
        "median_ms": round(median_ms, 3),
        "min_ms": round(min_ms, 3),
        "kernels": kernels,
        "compile_ms": None if compile_ms is None else round(compile_ms, 3),
        "checksum": cs,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=sorted(WORKLOADS), help="run one workload")
    p.add_argument("--reps", type=int, default=5, help="timed runs after the warm-up (default 5)")
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the standard sizes (default 1)")
    p.add_argument("--libs", default=",".join(LIBS), help="comma-separated subset of numpy,numexpr,jax")
    a = p.parse_args(argv)
    libs = [lib.strip() for lib in a.libs.split(",") if lib.strip()]
    for lib in libs:
        if lib not in LIBS:
            p.error(f"unknown library {lib!r}; choose from {','.join(LIBS)}")

    if "jax" in libs:
        import jax

        # Before any JAX array exists. f32 inputs stay f32 (Python scalars are weak), so
        # this only makes the f64 workloads (zscore, pmodel) really f64.
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
    if "numexpr" in libs:
        import numexpr as ne

        print(f"numexpr {ne.__version__}: {ne.nthreads} threads", file=sys.stderr)
    warnings.filterwarnings("ignore", category=RuntimeWarning)

    for name, (size, make_inputs, _, _) in WORKLOADS.items():
        if a.only and a.only != name:
            continue
        n = max(1, int(size * a.scale))  # as kiln: (size as f64 * scale) as usize
        t = time.perf_counter()
        inputs = make_inputs(n)
        print(f"{name}: inputs made in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        for lib in libs:
            r = measure(name, lib, inputs, a.reps)
            print(json.dumps({"workload": name, "mode": lib, "n": n, **r}), flush=True)
        del inputs


if __name__ == "__main__":
    main()
