"""Conformance check of kiln against array_api_strict (the standard's reference
implementation, on NumPy): random calls of the elementwise functions, reductions,
cumulative sums, clip, where, astype, sort, and of matmul, vecdot, concat, stack, roll,
tile, repeat, squeeze, expand_dims, moveaxis, reshape, permute_dims, matrix_transpose,
take, searchsorted, diff, tril, triu and unique_values/counts, on every dtype, odd
shapes (0-d, empty, size-1 axes, broadcasting) and special values; each call computed
by both (kiln through `examples/conform.rs`), and the dtype, shape, values and whether
it is an error compared. Not in CI (it needs Python); a manual campaign, its results in
docs/testing.md.

    python3 -m venv .venv && .venv/bin/pip install -r tools/requirements-conform.txt
    cargo build --release --example conform
    .venv/bin/python tools/conform.py --cases 20000 [--seed 1] [--show 40] [--all]
        [--group core|more|all] [--only NAME,NAME]
    .venv/bin/python tools/conform.py --tables

`--group more` draws the second group instead: the linear algebra and FFT extensions,
basic indexing (`getitem`), boolean masks, nonzero, isin, take_along_axis,
unique_inverse/unique_all, broadcast_to/broadcast_arrays, meshgrid, unstack,
searchsorted with a sorter, zeros/ones and the `_like`s; `all` (the default) mixes the
two 3:1, `core` is the first alone (the campaigns before 2026-12-06's second session).
Linear algebra and FFT results are compared within a tolerance of the largest finite
magnitude among the call's inputs and outputs (a backward stable result is exact only
for a nearby input). `--tables` sends every dtype, pair and triple through result_type,
can_cast, isdtype, finfo and iinfo instead.

Exact functions must agree bit for bit (NaN with NaN, and the sign of a zero);
transcendental functions within `ULP_TOL` ulps of NumPy's value, sums, means and
products within a relative tolerance. A value mismatch of an elementwise function is
checked against mpmath at 60 digits: where kiln is within 2 ulp and NumPy farther, it
counts as "NumPy inaccurate", and a complex part NumPy makes NaN where kiln keeps an
infinity as "complex NaN for infinity", and an entry of the standard's special-case
tables that NumPy departs from and kiln follows (complex expm1(-inf + inf j) is -1 + 0j)
as "NumPy departs from the standard's table". A float32 or complex64 norm or product
whose value NumPy loses to an overflow or underflow of its single-precision squares or
partial products, where kiln agrees with the same call in double precision, counts as
"NumPy over/underflows in single precision"; a float64 product whose in-order partial
products overflow or underflow where the exact product (of Fractions, rounded once) is
kiln's, as "NumPy over/underflows on the way". None of these is listed without --all. Where only one
side raises: "kiln rejects" (kiln errs where array_api_strict computes) or "kiln
accepts" (kiln computes where array_api_strict refuses: negative shift counts, integer
powers with negative exponents, imag of real input, clip with min > max, diff of bool).
Calls the standard leaves unspecified, or where NumPy knowingly departs from it (see
`undefined`), are counted apart and not compared. The exit status is 1 when a call
panics or lands in "kiln rejects", "dtype", "shape" or "values"; such a call is a kiln
bug or, after a look (mpmath, the standard's text), a NumPy one.
"""

import argparse
import collections
import math
import random
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import array_api_strict as xp

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "examples" / "conform"

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
          "uint64", "float32", "float64", "complex64", "complex128"]
INTS = DTYPES[1:9]
FLOATS = ["float32", "float64"]
COMPLEX = ["complex64", "complex128"]

UNARY = ("abs acos acosh asin asinh atan atanh bitwise_invert ceil conj cos cosh exp "
         "expm1 floor imag isfinite isinf isnan log log1p log2 log10 logical_not negative "
         "positive real reciprocal round sign signbit sin sinh square sqrt tan tanh "
         "trunc").split()
BINARY_FNS = ("add atan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift "
              "bitwise_xor copysign divide equal floor_divide greater greater_equal hypot "
              "less less_equal logaddexp logical_and logical_or logical_xor maximum minimum "
              "multiply nextafter not_equal pow remainder subtract").split()
REDUCTIONS = "sum prod max min mean var std all any argmax argmin count_nonzero".split()
CUMULATIVE = "cumulative_sum cumulative_prod".split()

# Correctly rounded (or exact) under IEEE 754: compared bit for bit.
EXACT = set("""abs bitwise_invert ceil conj floor imag isfinite isinf isnan logical_not
    negative positive real round sign signbit square trunc sqrt reciprocal add
    bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor copysign
    divide equal floor_divide greater greater_equal less less_equal logical_and logical_or
    logical_xor maximum minimum multiply nextafter not_equal remainder subtract max min
    all any argmax argmin count_nonzero flip astype where clip sort argsort concat stack
    roll tile repeat squeeze expand_dims moveaxis reshape permute_dims matrix_transpose
    take searchsorted diff tril triu unique_values unique_counts eye full""".split())
ULP_TOL = 8

SHAPES = [(), (0,), (1,), (5,), (7,), (3, 1), (1, 4), (2, 3), (2, 0), (3, 4), (2, 1, 3),
          (17,), (4, 5)]


def special_floats(dtype):
    f = np.finfo(dtype)
    return [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5,
            -2.5, 2.0, 3.0, -3.0, float(f.tiny), float(f.smallest_subnormal),
            float(f.max), -float(f.max), 1e30 if dtype == "float64" else 1e20,
            float(f.eps), 0.9999, 1.0001, 100.0, -7.0, math.pi, 709.0, 89.0]


def value(rng, dtype):
    if dtype == "bool":
        return rng.random() < 0.5
    if dtype in INTS:
        info = np.iinfo(dtype)
        lo, hi = int(info.min), int(info.max)
        r = rng.random()
        if r < 0.25:
            v = rng.choice([0, 1, -1, 2, 7, lo, hi, lo + 1, hi - 1, 31, 32, 63, 64])
        elif r < 0.8:
            v = rng.randint(-20, 20)
        else:
            v = rng.randint(lo, hi)
        return (v - lo) % (hi - lo + 1) + lo  # wrapped into range (unsigned: -1 is max)
    if dtype in FLOATS:
        r = rng.random()
        if r < 0.3:
            return rng.choice(special_floats(dtype))
        if r < 0.5:
            return float(rng.randint(-10, 10)) + rng.choice([0.0, 0.5, 0.25])
        if r < 0.8:
            return rng.uniform(-4, 4)
        return rng.choice([1, -1]) * 10 ** rng.uniform(-40, 40)
    part = "float32" if dtype == "complex64" else "float64"
    return complex(value(rng, part), value(rng, part))


def np_array(rng, dtype, shape):
    n = int(np.prod(shape)) if shape else 1
    vals = [value(rng, dtype) for _ in range(n)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = np.array(vals, dtype=dtype)
        # Integers out of the dtype's range wrap (value() stays in range; this is a guard).
    return a.reshape(shape)


def fmt_float(v):
    return repr(float(v))


def fmt_value(v, dtype):
    if dtype == "bool":
        return "1" if v else "0"
    if dtype in INTS:
        return str(int(v))
    if dtype in COMPLEX:
        return f"{fmt_float(v.real)};{fmt_float(v.imag)}"
    return fmt_float(v)


def encode_array(a):
    dtype = str(a.dtype)
    shape = ",".join(str(d) for d in a.shape)
    vals = ",".join(fmt_value(v, dtype) for v in a.reshape(-1))
    return f"a|{dtype}|{shape}|{vals}"


def encode_scalar(s):
    if isinstance(s, bool):
        return f"s|bool|{int(s)}"
    if isinstance(s, int):
        return f"s|int|{s}"
    if isinstance(s, float):
        return f"s|float|{fmt_float(s)}"
    return f"s|complex|{fmt_float(s.real)};{fmt_float(s.imag)}"


def broadcastable(rng, shape):
    """A shape that broadcasts with `shape` (or, now and then, one that does not)."""
    r = rng.random()
    if r < 0.4:
        return shape
    if r < 0.6:
        return tuple(1 if rng.random() < 0.5 else d for d in shape)
    if r < 0.75:
        return shape[rng.randint(0, len(shape)):]
    if r < 0.85:
        return (1,) + tuple(shape)
    return rng.choice(SHAPES)


def pick_dtype(rng, name):
    """Mostly the dtypes the function is meant for; sometimes any."""
    if rng.random() < 0.15:
        return rng.choice(DTYPES)
    if name in ("logical_and", "logical_or", "logical_xor", "logical_not"):
        return "bool"
    if name.startswith("bitwise"):
        return rng.choice(["bool"] + INTS) if "shift" not in name else rng.choice(INTS)
    if name in ("ceil", "floor", "trunc", "round", "maximum", "minimum"):
        return rng.choice(FLOATS + INTS[:2])
    if name in ("atan2", "copysign", "hypot", "logaddexp", "nextafter", "signbit", "std",
                "var", "mean"):
        return rng.choice(FLOATS)
    return rng.choice(FLOATS * 3 + INTS + COMPLEX + ["bool"])


def case(rng):
    """(name, args (numpy arrays / Python scalars / None), options dict)."""
    kind = rng.random()
    if kind < 0.35:
        name = rng.choice(UNARY)
        return name, [np_array(rng, pick_dtype(rng, name), rng.choice(SHAPES))], {}
    if kind < 0.75:
        name = rng.choice(BINARY_FNS)
        d1 = pick_dtype(rng, name)
        s1 = rng.choice(SHAPES)
        x1 = np_array(rng, d1, s1)
        r = rng.random()
        if r < 0.2:
            # A Python scalar on one side.
            pd = pick_dtype(rng, name) if rng.random() < 0.3 else d1
            s = value(rng, pd)
            if pd in INTS:
                s = int(s)
            elif pd in FLOATS:
                s = float(s)
            args = [x1, s] if rng.random() < 0.6 else [s, x1]
            return name, args, {}
        d2 = d1 if r < 0.7 else pick_dtype(rng, name)
        x2 = np_array(rng, d2, broadcastable(rng, s1))
        return name, [x1, x2], {}
    if kind < 0.92:
        name = rng.choice(REDUCTIONS)
        d = pick_dtype(rng, name)
        shape = rng.choice(SHAPES)
        x = np_array(rng, d, shape)
        opts = {}
        r = rng.random()
        nd = len(shape)
        if nd and r < 0.5:
            opts["axis"] = str(rng.randint(-nd, nd - 1))
        elif nd > 1 and r < 0.7:
            axes = sorted(rng.sample(range(nd), rng.randint(1, nd)))
            opts["axis"] = ",".join(str(a) for a in axes)
        if name not in ("argmax", "argmin") or "axis" in opts:
            if rng.random() < 0.3:
                opts["keepdims"] = "1"
        if name in ("var", "std") and rng.random() < 0.4:
            opts["correction"] = rng.choice(["0", "1", "2", "0.5"])
        if name in ("sum", "prod") and rng.random() < 0.15:
            opts["dtype"] = rng.choice(FLOATS + ["int64", "uint64"] + COMPLEX)
        if name in ("argmax", "argmin") and "," in opts.get("axis", ""):
            opts["axis"] = opts["axis"].split(",")[0]
        return name, [x], opts
    if kind < 0.96:
        return structural(rng)
    if kind < 0.975:
        return creation(rng)
    name = rng.choice(CUMULATIVE + ["clip", "where", "astype", "sort", "argsort", "flip"])
    d = pick_dtype(rng, name)
    shape = rng.choice(SHAPES)
    x = np_array(rng, d, shape)
    nd = len(shape)
    opts = {}
    if name in CUMULATIVE:
        if nd:
            opts["axis"] = str(rng.randint(-nd, nd - 1))
        if rng.random() < 0.4:
            opts["include_initial"] = "1"
        return name, [x], opts
    if name == "clip":
        lo = np_array(rng, d, broadcastable(rng, shape)) if rng.random() < 0.5 else None
        hi = np_array(rng, d, broadcastable(rng, shape)) if rng.random() < 0.6 else None
        if rng.random() < 0.3 and d in INTS + FLOATS:
            lo = float(value(rng, d)) if d in FLOATS else int(rng.randint(-10, 10))
        return name, [x, lo, hi], {}
    if name == "where":
        c = np_array(rng, "bool", broadcastable(rng, shape))
        y = np_array(rng, rng.choice([d, d, rng.choice(DTYPES)]), broadcastable(rng, shape))
        if rng.random() < 0.3:
            # A Python scalar of the other operand's kind on one side.
            other = rng.choice([1, 2])
            kind = d if other == 2 else str(y.dtype)
            v = value(rng, kind)
            v = bool(v) if kind == "bool" else int(v) if kind in INTS else \
                float(v) if kind in FLOATS else complex(v)
            return name, ([c, v, y] if other == 1 else [c, x, v]), {}
        return name, [c, x, y], {}
    if name == "astype":
        return name, [x], {"dtype": rng.choice(DTYPES)}
    if name in ("sort", "argsort"):
        if nd:
            opts["axis"] = str(rng.randint(-nd, nd - 1))
        if rng.random() < 0.4:
            opts["descending"] = "1"
        return name, [x], opts
    if nd and rng.random() < 0.7:
        opts["axis"] = str(rng.randint(-nd, nd - 1))
    return name, [x], opts


STRUCTURAL = ("matmul vecdot concat stack roll tile repeat squeeze expand_dims moveaxis "
              "reshape permute_dims matrix_transpose take searchsorted diff tril triu "
              "unique_values unique_counts").split()


def structural(rng):
    """A call of a manipulation, linear algebra, search or set function: arrays of
    matching shapes (mostly) and the function's options."""
    name = rng.choice(STRUCTURAL)
    d = rng.choice(FLOATS * 2 + INTS + COMPLEX + ["bool"])
    arr = lambda shape, dt=d: np_array(rng, dt, shape)
    dims = lambda k: tuple(rng.choice([0, 1, 2, 3, 5]) for _ in range(k))
    if name in ("matmul", "vecdot"):
        d = rng.choice(FLOATS + INTS[:4] + COMPLEX)
        n, k, m = rng.choice([0, 1, 2, 3]), rng.choice([0, 1, 3, 4]), rng.choice([1, 2, 5])
        if name == "vecdot":
            s1 = dims(rng.randint(0, 2)) + (k,)
            return name, [arr(s1, d), arr(broadcastable(rng, s1), d)], {"axis": "-1"}
        shapes = rng.choice([((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)), ((k,), (k,)),
                             ((2, n, k), (k, m)), ((2, 1, n, k), (3, k, m)), ((n, k), (k + 1, m))])
        return name, [arr(shapes[0], d), arr(shapes[1], d)], {}
    shape = dims(rng.randint(1, 3))
    nd = len(shape)
    ax = lambda: rng.randint(-nd, nd - 1)
    if name in ("concat", "stack"):
        a = ax()
        count = rng.randint(1, 3)
        if name == "concat":
            shapes = [tuple(rng.choice([0, 1, 2, 4]) if i == a % nd else n
                            for i, n in enumerate(shape)) for _ in range(count)]
            opts = {"axis": str(a)} if rng.random() < 0.85 else {}
        else:
            shapes = [shape] * count
            opts = {"axis": str(rng.randint(-nd - 1, nd))}
        dts = [d if rng.random() < 0.8 else rng.choice(DTYPES) for _ in shapes]
        return name, [arr(sh, dt) for sh, dt in zip(shapes, dts)], opts
    x = arr(shape)
    if name == "roll":
        k = rng.randint(1, nd)
        axes = rng.sample(range(nd), k)
        opts = {"shift": ",".join(str(rng.randint(-7, 7)) for _ in axes)}
        if rng.random() < 0.8:
            opts["axis"] = ",".join(str(a) for a in axes)
        else:
            opts["shift"] = opts["shift"].split(",")[0]
        return name, [x], opts
    if name == "tile":
        return name, [x], {"reps": ",".join(str(rng.randint(0, 3)) for _ in
                                            range(rng.randint(1, nd + 1)))}
    if name == "repeat":
        opts = {"axis": str(ax())} if rng.random() < 0.7 else {}
        if rng.random() < 0.5:
            opts["repeats"] = str(rng.randint(0, 3))
            return name, [x], opts
        length = shape[int(opts["axis"]) % nd] if "axis" in opts else int(np.prod(shape))
        reps = np.array([rng.randint(0, 3) for _ in range(length)], dtype="int64")
        return name, [x, reps], opts
    if name == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1] or [0]
        picked = rng.sample(ones, rng.randint(1, len(ones)))
        return name, [x], {"axis": ",".join(str(i - nd if rng.random() < 0.3 else i)
                                            for i in picked)}
    if name == "expand_dims":
        return name, [x], {"axis": str(rng.randint(-nd - 1, nd))}
    if name == "moveaxis":
        src = rng.sample(range(nd), rng.randint(1, nd))
        dst = rng.sample(range(nd), len(src))
        return name, [x], {"source": ",".join(map(str, src)),
                           "destination": ",".join(map(str, dst))}
    if name == "reshape":
        size = int(np.prod(shape))
        new = rng.choice([(size,), (-1,), (1, size), (size, 1), (-1, 1)] +
                         ([tuple(reversed(shape))] if nd > 1 else []))
        return name, [x], {"shape": ",".join(map(str, new))}
    if name == "permute_dims":
        perm = list(range(nd))
        rng.shuffle(perm)
        return name, [x], {"axes": ",".join(map(str, perm))}
    if name == "matrix_transpose":
        return name, [arr(dims(rng.randint(2, 3)))], {}
    if name == "take":
        a = ax()
        n = shape[a % nd]
        idx = np.array([rng.randint(0, max(n - 1, 0)) for _ in range(rng.randint(0 if n else 0, 4))]
                       if n else [], dtype="int64")
        return name, [x, idx], ({"axis": str(a)} if nd > 1 or rng.random() < 0.5 else {})
    if name == "searchsorted":
        d = rng.choice(FLOATS + INTS)
        x1 = np.sort(np_array(rng, d, (rng.randint(0, 9),)))
        return name, [x1, arr(rng.choice(SHAPES), d)], {"side": rng.choice(["left", "right"])}
    if name == "diff":
        a = ax()
        edge = lambda: (arr(tuple(rng.randint(0, 2) if i == a % nd else k
                                  for i, k in enumerate(shape)),
                            d if rng.random() < 0.9 else rng.choice(DTYPES))
                        if rng.random() < 0.3 else None)
        pre, app = edge(), edge()
        args = [x, pre, app] if pre is not None or app is not None else [x]
        return name, args, {"axis": str(a), "n": str(rng.randint(0, 2))}
    if name in ("tril", "triu"):
        return name, [arr(dims(rng.randint(2, 3)))], {"k": str(rng.randint(-3, 3))}
    return name, [arr(rng.choice(SHAPES), rng.choice(FLOATS + INTS + ["bool"]))], {}


CREATION = "arange linspace eye full".split()


def creation(rng):
    """A call of a creation function: Python scalars and options."""
    name = rng.choice(CREATION)
    opts = {}
    num = lambda: rng.choice([rng.randint(-20, 20), rng.uniform(-10, 10),
                              float(rng.randint(-5, 5)) + 0.5])
    if name == "arange":
        start, step = num(), rng.choice([1, 2, -1, -3, 0.5, -0.25, 0.1, 3])
        stop = start + step * rng.uniform(-2, 40)
        if all(isinstance(v, int) for v in (start, step)) and rng.random() < 0.6:
            stop = int(round(stop))
        if rng.random() < 0.3:
            opts["dtype"] = rng.choice(FLOATS + ["int64", "int32", "int16"])
        return name, [start, stop, step], opts
    if name == "linspace":
        a, b = num(), num()
        if rng.random() < 0.15:
            a, b = complex(a, num()), complex(b, num())
        opts["num"] = str(rng.randint(0, 9))
        if rng.random() < 0.4:
            opts["endpoint"] = "0"
        if rng.random() < 0.3:
            opts["dtype"] = rng.choice(FLOATS + COMPLEX)
        return name, [a, b], opts
    if name == "eye":
        opts["n_rows"] = str(rng.randint(0, 5))
        if rng.random() < 0.6:
            opts["n_cols"] = str(rng.randint(0, 5))
        opts["k"] = str(rng.randint(-3, 3))
        if rng.random() < 0.5:
            opts["dtype"] = rng.choice(DTYPES)
        return name, [], opts
    value = rng.choice([rng.randint(-5, 300), float(num()), rng.random() < 0.5,
                        complex(num(), num())])
    opts["shape"] = ",".join(map(str, rng.choice(SHAPES)))
    if rng.random() < 0.5:
        opts["dtype"] = rng.choice(DTYPES)
    return name, [value], opts


def creation_strict(name, args, opts):
    """The array_api_strict call of a `creation` case."""
    kw = {"dtype": getattr(xp, opts["dtype"])} if "dtype" in opts else {}
    if name == "arange":
        return xp.arange(*args, **kw)
    if name == "linspace":
        return xp.linspace(*args, int(opts["num"]), endpoint=opts.get("endpoint") != "0",
                           **kw)
    if name == "eye":
        n_cols = int(opts["n_cols"]) if "n_cols" in opts else None
        return xp.eye(int(opts["n_rows"]), n_cols, k=int(opts["k"]), **kw)
    shape = tuple(int(d) for d in opts["shape"].split(",")) if opts["shape"] else ()
    return xp.full(shape, args[0], **kw)


def structural_strict(name, xa, opts):
    """The array_api_strict call of a `structural` case."""
    ints = lambda k: tuple(int(v) for v in opts[k].split(",")) if opts.get(k) else ()
    axis = (lambda: int(opts["axis"])) if "axis" in opts else (lambda: None)
    calls = {
        "matmul": lambda: xp.matmul(*xa),
        "vecdot": lambda: xp.vecdot(*xa, axis=int(opts["axis"])),
        "concat": lambda: xp.concat(xa, axis=axis()),
        "stack": lambda: xp.stack(xa, axis=int(opts["axis"])),
        "roll": lambda: xp.roll(xa[0], shift=ints("shift") if "axis" in opts
                                else int(opts["shift"]),
                                axis=ints("axis") if "axis" in opts else None),
        "tile": lambda: xp.tile(xa[0], ints("reps")),
        "repeat": lambda: xp.repeat(xa[0], int(opts["repeats"]) if "repeats" in opts
                                    else xa[1], axis=axis()),
        "squeeze": lambda: xp.squeeze(xa[0], axis=ints("axis")),
        "expand_dims": lambda: xp.expand_dims(xa[0], axis=int(opts["axis"])),
        "moveaxis": lambda: xp.moveaxis(xa[0], ints("source"), ints("destination")),
        "reshape": lambda: xp.reshape(xa[0], ints("shape")),
        "permute_dims": lambda: xp.permute_dims(xa[0], ints("axes")),
        "matrix_transpose": lambda: xp.matrix_transpose(xa[0]),
        "take": lambda: xp.take(xa[0], xa[1], axis=axis()),
        "searchsorted": lambda: xp.searchsorted(xa[0], xa[1], side=opts["side"]),
        "diff": lambda: xp.diff(xa[0], axis=int(opts["axis"]), n=int(opts["n"]),
                                prepend=xa[1] if len(xa) > 1 else None,
                                append=xa[2] if len(xa) > 2 else None),
        "tril": lambda: xp.tril(xa[0], k=int(opts["k"])),
        "triu": lambda: xp.triu(xa[0], k=int(opts["k"])),
        "unique_values": lambda: xp.unique_values(xa[0]),
        "unique_counts": lambda: xp.unique_counts(xa[0]).counts,
    }
    return calls[name]()


# The second group (`--group more`): linear algebra, FFT, indexing, sets and the
# functions with several outputs (one `part` per call).
LINALG = ("cholesky det eigvalsh eigh inv matrix_norm vector_norm matrix_power "
          "matrix_rank outer pinv qr slogdet solve svd svdvals trace diagonal cross "
          "tensordot svd_recon qr_recon eigh_recon").split()
# Backward stable iterative results, exact only for an input within eps·|input|.
ITERATIVE = set("eigvalsh eigh pinv svd svdvals svd_recon qr_recon eigh_recon".split())
FFT = ("fft ifft rfft irfft hfft ihfft fftn ifftn rfftn irfftn fftfreq rfftfreq fftshift "
       "ifftshift").split()
MORE_CORE = ("nonzero isin take_along_axis unique_inverse unique_all broadcast_to "
             "broadcast_arrays meshgrid unstack searchsorted_sorter zeros ones zeros_like "
             "ones_like full_like getitem mask_select").split()
MORE = LINALG + FFT + MORE_CORE
EXACT |= set("""nonzero isin take_along_axis unique_inverse unique_all broadcast_to
    broadcast_arrays meshgrid unstack searchsorted_sorter zeros ones zeros_like ones_like
    full_like getitem mask_select diagonal fftshift ifftshift matrix_rank""".split())
# Compared within a tolerance relative to the largest magnitude of the result.
SCALED = set(LINALG + FFT) - EXACT - {"fftfreq", "rfftfreq", "vector_norm"}


def uniform(rng, dtype, shape):
    """Finite values in [-1, 1] (complex: both parts), rounded to dtype."""
    n = int(np.prod(shape)) if shape else 1
    if dtype in COMPLEX:
        vals = [complex(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]
    elif dtype in INTS:
        vals = [rng.randint(0, 5) for _ in range(n)]
    else:
        vals = [rng.uniform(-1, 1) for _ in range(n)]
    return np.array(vals, dtype=dtype).reshape(shape)


def linalg_case(rng, name):
    d = rng.choice(FLOATS * 3 + COMPLEX) if rng.random() < 0.93 else rng.choice(INTS + ["bool"])
    batch = rng.choice([(), (), (2,), (1,), (0,), (2, 1)])
    n = rng.choice([0, 1, 2, 3, 4])
    m = rng.choice([1, 2, 3, 5])
    mat = lambda shape: uniform(rng, d, shape)
    herm = lambda a: a + np.conj(np.swapaxes(a, -1, -2))
    eye = np.eye(n, dtype=d) if d != "bool" else np.eye(n, dtype=d)
    square = lambda: mat(batch + (n, n))
    opts = {}
    if name == "cholesky":
        b = square()
        a = (b @ np.conj(np.swapaxes(b, -1, -2)) + n * eye).astype(d) if d != "bool" else b
        if rng.random() < 0.4:
            opts["upper"] = "1"
        return name, [a], opts
    if name in ("det", "slogdet", "inv", "matrix_power"):
        a = square()
        if d != "bool" and rng.random() < 0.8:
            a = (a + 2 * eye).astype(d)  # well conditioned
        if name == "slogdet":
            opts["part"] = str(rng.randint(0, 1))
        if name == "matrix_power":
            opts["n"] = str(rng.randint(-2, 3))
        return name, [a], opts
    if name in ("eigvalsh", "eigh", "eigh_recon"):
        a = herm(square()).astype(d) if d != "bool" else square()
        if name == "eigh":
            opts["part"] = str(rng.randint(0, 1))
            opts["abs"] = "1"
        return name, [a], opts
    if name == "solve":
        a = square()
        if d != "bool":
            a = (a + 2 * eye).astype(d)
        b = mat(rng.choice([batch + (n, m), (n, m), (n,)]))
        return name, [a, b], opts
    if name in ("matrix_norm", "matrix_rank", "pinv", "qr", "svd", "svdvals", "svd_recon",
                "qr_recon"):
        shape = batch + (rng.choice([0, 1, 2, 3, 4]), rng.choice([1, 2, 3, 4]))
        a = mat(shape)
        if name == "matrix_norm":
            opts["ord"] = rng.choice(["fro", "nuc", "1", "-1", "2", "-2", "inf", "-inf"])
            if rng.random() < 0.3:
                opts["keepdims"] = "1"
            if rng.random() < 0.2:
                a = np_array(rng, d, shape)
        if name == "matrix_rank" and shape[-1] > 1 and rng.random() < 0.5:
            a[..., -1] = a[..., 0]  # rank deficient
        if name in ("matrix_rank", "pinv") and rng.random() < 0.3:
            opts["rtol"] = rng.choice(["0.001", "0.5"])
        if name == "qr":
            opts["part"] = str(rng.randint(0, 1))
            opts["abs"] = "1"
            if rng.random() < 0.3 and opts["part"] == "1":
                opts["mode"] = "complete"  # complete Q's extra columns are not unique
        if name == "svd":
            opts["part"] = str(rng.randint(0, 2))
            opts["abs"] = "1"
            if rng.random() < 0.3 and opts["part"] == "1":
                opts["full_matrices"] = "1"  # the extra singular vectors are not unique
        return name, [a], opts
    if name == "vector_norm":
        shape = rng.choice(SHAPES)
        a = np_array(rng, d, shape) if rng.random() < 0.4 else mat(shape)
        nd = len(shape)
        if nd and rng.random() < 0.6:
            axes = sorted(rng.sample(range(nd), rng.randint(1, nd)))
            opts["axis"] = ",".join(str(x) for x in axes)
        if rng.random() < 0.3:
            opts["keepdims"] = "1"
        opts["ord"] = rng.choice(["2", "1", "inf", "-inf", "0", "3", "-1", "0.5"])
        return name, [a], opts
    if name in ("trace", "diagonal"):
        dt = rng.choice(DTYPES)
        a = np_array(rng, dt, batch + (rng.choice([0, 1, 2, 3]), rng.choice([1, 2, 4])))
        opts["offset"] = str(rng.randint(-2, 2))
        if name == "trace" and rng.random() < 0.3:
            opts["dtype"] = rng.choice(FLOATS + COMPLEX + ["int64", "uint64"])
        return name, [a], opts
    if name == "outer":
        return name, [np_array(rng, rng.choice(DTYPES), (rng.randint(0, 4),)),
                      np_array(rng, rng.choice(DTYPES), (rng.randint(0, 4),))], opts
    if name == "cross":
        shape = batch + (3,) if rng.random() < 0.9 else batch + (2,)
        s2 = broadcastable(rng, shape) if rng.random() < 0.3 else shape
        if rng.random() < 0.2 and len(shape) > 1:
            shape, s2 = tuple(reversed(shape)), tuple(reversed(s2))
            opts["axis"] = "0" if len(shape) == len(s2) else str(-len(shape))
        return name, [mat(shape), mat(s2)], opts
    # tensordot
    a_shape = tuple(rng.choice([1, 2, 3]) for _ in range(rng.randint(0, 3)))
    k = rng.randint(0, min(2, len(a_shape)))
    b_shape = a_shape[len(a_shape) - k:] + tuple(rng.choice([1, 2]) for _ in
                                                 range(rng.randint(0, 2)))
    if rng.random() < 0.5:
        opts["axes"] = str(k)
    elif a_shape:
        i = rng.randrange(len(a_shape))
        b_shape = (a_shape[i],) + tuple(rng.choice([1, 2]) for _ in range(rng.randint(0, 2)))
        opts["axes"] = f"{i};0"
    dt = d if rng.random() < 0.8 else rng.choice(DTYPES)
    return name, [mat(a_shape), uniform(rng, dt, b_shape)], opts


def fft_case(rng, name):
    opts = {}
    if name in ("fftfreq", "rfftfreq"):
        opts["n"] = str(rng.randint(1, 9))
        if rng.random() < 0.5:
            opts["d"] = repr(rng.choice([0.5, 0.1, 2.0, 3.0]))
        if rng.random() < 0.4:
            opts["dtype"] = rng.choice(FLOATS)
        return name, [], opts
    shape = rng.choice([(1,), (4,), (5,), (8,), (2, 3), (3, 4), (2, 2, 3), (6,), (7,)])
    if name in ("fftshift", "ifftshift"):
        x = np_array(rng, rng.choice(DTYPES), shape)
        if rng.random() < 0.6:
            axes = sorted(rng.sample(range(len(shape)), rng.randint(1, len(shape))))
            opts["axis"] = ",".join(map(str, axes))
        return name, [x], opts
    real_in = name in ("rfft", "ihfft", "rfftn")
    d = rng.choice(FLOATS if real_in else COMPLEX)
    if rng.random() < 0.08:
        d = rng.choice(DTYPES)
    x = uniform(rng, d, shape)
    if rng.random() < 0.3:
        opts["norm"] = rng.choice(["ortho", "forward", "backward"])
    if name.endswith("n"):
        nd = len(shape)
        if rng.random() < 0.5:
            axes = sorted(rng.sample(range(nd), rng.randint(1, nd)))
            opts["axes"] = ",".join(map(str, axes))
            if rng.random() < 0.4:
                opts["s"] = ",".join(str(rng.randint(1, 6)) for _ in axes)
        return name, [x], opts
    if rng.random() < 0.5:
        opts["axis"] = str(rng.randint(-len(shape), len(shape) - 1))
    if rng.random() < 0.4:
        opts["n"] = str(rng.randint(1, 9))
    return name, [x], opts


def index_token(rng, n):
    r = rng.random()
    if r < 0.35:
        return str(rng.randint(-n, n - 1)) if n else "0"
    if r < 0.9:
        part = lambda: "" if rng.random() < 0.3 else str(rng.randint(-n - 2, n + 2))
        step = rng.choice(["", "", "1", "2", "-1", "-2", "3"])
        return f"{part()}:{part()}" + (f":{step}" if step else "")
    return "N"


def core_more_case(rng, name):
    d = rng.choice(FLOATS + INTS + COMPLEX + ["bool"])
    shape = rng.choice(SHAPES[1:] if name in ("nonzero", "unstack") else SHAPES)
    nd = len(shape)
    x = np_array(rng, d, shape)
    opts = {}
    if name == "nonzero":
        opts["part"] = str(rng.randrange(nd))
        return name, [x], opts
    if name == "isin":
        d = rng.choice(INTS)
        x2 = np_array(rng, rng.choice([d, d, rng.choice(INTS)]), rng.choice(SHAPES))
        if rng.random() < 0.3:
            opts["invert"] = "1"
        return name, [np_array(rng, d, shape), x2], opts
    if name == "take_along_axis":
        a = rng.randrange(nd) if nd else 0
        ishape = tuple(rng.randint(0, 3) if i == a else k for i, k in enumerate(shape))
        n = shape[a] if nd else 0
        idx = np.array([rng.randint(-n, n - 1) if n else 0 for _ in range(int(np.prod(ishape)))],
                       dtype="int64").reshape(ishape)
        opts["axis"] = str(a - nd if rng.random() < 0.5 else a)
        return name, [x, idx], opts
    if name in ("unique_inverse", "unique_all"):
        if d not in COMPLEX and rng.random() < 0.6:
            x = np.array([rng.choice([0.0, -0.0, 1.0, 2.0, math.nan]) if d in FLOATS else
                          rng.randint(0, 3) for _ in range(x.size)]).astype(d).reshape(shape)
        opts["part"] = str(rng.randint(0, 1 if name == "unique_inverse" else 3))
        return name, [x], opts
    if name == "broadcast_to":
        target = rng.choice([(2,) + shape, shape, tuple(max(k, 1) * 2 if k == 1 else k
                                                         for k in shape), (3,)])
        opts["shape"] = ",".join(map(str, target))
        return name, [x], opts
    if name == "broadcast_arrays":
        xs = [x] + [np_array(rng, rng.choice(DTYPES), broadcastable(rng, shape))
                    for _ in range(rng.randint(0, 2))]
        opts["part"] = str(rng.randrange(len(xs)))
        return name, xs, opts
    if name == "meshgrid":
        xs = [np_array(rng, d, (rng.randint(0, 3),)) for _ in range(rng.randint(1, 3))]
        opts["part"] = str(rng.randrange(len(xs)))
        if rng.random() < 0.5:
            opts["indexing"] = "ij"
        return name, xs, opts
    if name == "unstack":
        a = rng.randint(-nd, nd - 1)
        if shape[a] == 0:
            shape = tuple(2 if i == a % nd else k for i, k in enumerate(shape))
            x = np_array(rng, d, shape)
        opts["axis"] = str(a)
        opts["part"] = str(rng.randrange(shape[a]))
        return name, [x], opts
    if name == "searchsorted_sorter":
        d = rng.choice(FLOATS + INTS)
        x1 = np_array(rng, d, (rng.randint(0, 9),))
        sorter = np.argsort(x1, kind="stable").astype("int64")
        opts["side"] = rng.choice(["left", "right"])
        return name, [x1, np_array(rng, d, rng.choice(SHAPES)), sorter], opts
    if name in ("zeros", "ones"):
        opts["shape"] = ",".join(map(str, shape))
        if rng.random() < 0.6:
            opts["dtype"] = rng.choice(DTYPES)
        return name, [], opts
    if name in ("zeros_like", "ones_like", "full_like"):
        if rng.random() < 0.5:
            opts["dtype"] = rng.choice(DTYPES)
        if name == "full_like":
            v = rng.choice([rng.randint(-3, 200), rng.uniform(-3, 3), rng.random() < 0.5,
                            complex(1.5, -2)])
            return name, [x, v], opts
        return name, [x], opts
    if name == "getitem":
        toks = [index_token(rng, k) for k in shape]
        if toks and rng.random() < 0.3:
            del toks[rng.randrange(len(toks)):]
            toks.insert(rng.randint(0, len(toks)), "E")
        if rng.random() < 0.2:
            toks.insert(rng.randint(0, len(toks)), "N")
        opts["index"] = ",".join(toks)
        return name, [x], opts
    # mask_select
    k = rng.randint(0, nd)
    mask = np.array([rng.random() < 0.5 for _ in range(int(np.prod(shape[:k])))],
                    dtype=bool).reshape(shape[:k])
    return name, [x, mask], opts


def more_case(rng):
    name = rng.choice(MORE)
    if name in LINALG:
        return linalg_case(rng, name)
    if name in FFT:
        return fft_case(rng, name)
    return core_more_case(rng, name)


def index_of(spec):
    def entry(t):
        if t == "N":
            return None
        if t == "E":
            return Ellipsis
        if ":" in t:
            p = [int(v) if v else None for v in t.split(":")]
            return slice(*p)
        return int(t)
    return tuple(entry(t) for t in spec.split(",")) if spec else ()


def more_strict(name, xa, opts):
    """The array_api_strict call of a `more_case`."""
    ints = lambda k: tuple(int(v) for v in opts[k].split(",")) if opts.get(k) else ()
    kw = {}
    if "dtype" in opts:
        kw["dtype"] = getattr(xp, opts["dtype"])
    part = int(opts.get("part", "0"))
    la, ff = xp.linalg, xp.fft
    fnorm = {"norm": opts.get("norm", "backward")}
    rtol = {"rtol": float(opts["rtol"])} if "rtol" in opts else {}
    ord_ = opts.get("ord")
    calls = {
        "nonzero": lambda: xp.nonzero(xa[0])[part],
        # array_api_strict 2.6's isin drops `invert` (it calls np.isin without it)
        "isin": lambda: (xp.logical_not if opts.get("invert") == "1" else xp.asarray)(
            xp.isin(xa[0], xa[1])),
        "take_along_axis": lambda: xp.take_along_axis(xa[0], xa[1], axis=int(opts["axis"])),
        "unique_inverse": lambda: xp.unique_inverse(xa[0])[part],
        "unique_all": lambda: xp.unique_all(xa[0])[part],
        "broadcast_to": lambda: xp.broadcast_to(xa[0], ints("shape")),
        "broadcast_arrays": lambda: xp.broadcast_arrays(*xa)[part],
        "meshgrid": lambda: xp.meshgrid(*xa, indexing=opts.get("indexing", "xy"))[part],
        "unstack": lambda: xp.unstack(xa[0], axis=int(opts["axis"]))[part],
        "searchsorted_sorter": lambda: xp.searchsorted(xa[0], xa[1], side=opts["side"],
                                                       sorter=xa[2]),
        "zeros": lambda: xp.zeros(ints("shape"), **kw),
        "ones": lambda: xp.ones(ints("shape"), **kw),
        "zeros_like": lambda: xp.zeros_like(xa[0], **kw),
        "ones_like": lambda: xp.ones_like(xa[0], **kw),
        "full_like": lambda: xp.full_like(xa[0], xa[1], **kw),
        "getitem": lambda: xa[0][index_of(opts["index"])],
        "mask_select": lambda: xa[0][xa[1]],
        "cholesky": lambda: la.cholesky(xa[0], upper=opts.get("upper") == "1"),
        "det": lambda: la.det(xa[0]),
        "eigvalsh": lambda: la.eigvalsh(xa[0]),
        "eigh": lambda: la.eigh(xa[0])[part],
        "inv": lambda: la.inv(xa[0]),
        "matrix_norm": lambda: la.matrix_norm(
            xa[0], keepdims=opts.get("keepdims") == "1",
            ord=ord_ if ord_ in ("fro", "nuc") else float(ord_)),
        "vector_norm": lambda: la.vector_norm(
            xa[0], axis=ints("axis") if "axis" in opts else None,
            keepdims=opts.get("keepdims") == "1", ord=float(ord_)),
        "matrix_power": lambda: la.matrix_power(xa[0], int(opts["n"])),
        "matrix_rank": lambda: la.matrix_rank(xa[0], **rtol),
        "outer": lambda: la.outer(xa[0], xa[1]),
        "pinv": lambda: la.pinv(xa[0], **rtol),
        "qr": lambda: la.qr(xa[0], mode=opts.get("mode", "reduced"))[part],
        "slogdet": lambda: la.slogdet(xa[0])[part],
        "solve": lambda: la.solve(xa[0], xa[1]),
        "svd": lambda: la.svd(xa[0], full_matrices=opts.get("full_matrices") == "1")[part],
        "svdvals": lambda: la.svdvals(xa[0]),
        # A itself: the factors multiplied back must give it
        "svd_recon": lambda: xa[0],
        "qr_recon": lambda: xa[0],
        "eigh_recon": lambda: xa[0],
        "trace": lambda: la.trace(xa[0], offset=int(opts["offset"]), **kw),
        "diagonal": lambda: la.diagonal(xa[0], offset=int(opts["offset"])),
        "cross": lambda: la.cross(xa[0], xa[1], axis=int(opts.get("axis", "-1"))),
        "tensordot": lambda: xp.tensordot(
            xa[0], xa[1], axes=tuple(tuple(int(v) for v in p.split(",") if v)
                                     for p in opts["axes"].split(";"))
            if ";" in opts.get("axes", "") else int(opts.get("axes", "2"))),
        "fftfreq": lambda: ff.fftfreq(int(opts["n"]), d=float(opts.get("d", "1")), **kw),
        "rfftfreq": lambda: ff.rfftfreq(int(opts["n"]), d=float(opts.get("d", "1")), **kw),
        "fftshift": lambda: ff.fftshift(xa[0], axes=ints("axis") if "axis" in opts else None),
        "ifftshift": lambda: ff.ifftshift(xa[0], axes=ints("axis") if "axis" in opts else None),
    }
    for f in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        calls[f] = (lambda f: lambda: getattr(ff, f)(
            xa[0], n=int(opts["n"]) if "n" in opts else None,
            axis=int(opts.get("axis", "-1")), **fnorm))(f)
    for f in ("fftn", "ifftn", "rfftn", "irfftn"):
        calls[f] = (lambda f: lambda: getattr(ff, f)(
            xa[0], s=ints("s") if "s" in opts else None,
            axes=ints("axes") if "axes" in opts else None, **fnorm))(f)
    r = calls[name]()
    return xp.abs(r) if opts.get("abs") == "1" else r


INPUT_SCALE = [0.0]  # the largest finite magnitude among the call's inputs (set by main)


def close_scaled(got, want, dtype):
    """Within a tolerance of the largest magnitude in the result (linear algebra and
    FFT: orders of summation and algorithms differ)."""
    g, w = got.reshape(-1), want.reshape(-1)
    if g.size == 0:
        return True
    nan_g, nan_w = np.isnan(g), np.isnan(w)
    if np.any(nan_g != nan_w):
        return False
    fin = ~nan_w
    g, w = g[fin], w[fin]
    inf_w = np.isinf(w)
    if np.any(g[inf_w] != w[inf_w]):
        return False
    g, w = g[~inf_w], w[~inf_w]
    if g.size == 0:
        return True
    tol = 2e-4 if dtype in ("float32", "complex64") else 1e-9
    # A backward stable result is exact for an input within eps·|input|: the smallest
    # singular value of [[1, 0], [0, 1e20]] in f32 may be anything below 1e13.
    scale = max(float(np.max(np.abs(w))), INPUT_SCALE[0], 1e-300)
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(g.astype(np.complex128) - w) <= tol * scale))


def encode(i, name, args, opts):
    parts = [str(i), name]
    for a in args:
        if a is None:
            parts.append("n")
        elif isinstance(a, np.ndarray):
            parts.append(encode_array(a))
        else:
            parts.append(encode_scalar(a))
    parts += [f"{k}={v}" for k, v in opts.items()]
    return "\t".join(parts)


def strict_call(name, args, opts):
    xargs = [xp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    if name in STRUCTURAL:
        return structural_strict(name, xargs, opts)
    if name in CREATION:
        return creation_strict(name, args, opts)
    if name in MORE:
        return more_strict(name, xargs, opts)
    kw = {}
    if "axis" in opts:
        axes = tuple(int(a) for a in opts["axis"].split(","))
        takes_tuple = name in ("sum", "prod", "max", "min", "mean", "var", "std", "all",
                               "any", "count_nonzero")
        kw["axis"] = axes if takes_tuple or len(axes) > 1 else axes[0]
    if opts.get("keepdims") == "1":
        kw["keepdims"] = True
    if "correction" in opts:
        kw["correction"] = float(opts["correction"])
    if "include_initial" in opts:
        kw["include_initial"] = True
    if opts.get("descending") == "1":
        kw["descending"] = True
    if "dtype" in opts and name != "astype":
        kw["dtype"] = getattr(xp, opts["dtype"])
    f = getattr(xp, name)
    if name == "astype":
        return f(xargs[0], getattr(xp, opts["dtype"]))
    if name == "clip":
        return f(xargs[0], min=xargs[1], max=xargs[2])
    return f(*xargs, **kw)


def parse_kiln(line):
    parts = line.split("\t")
    if parts[1] != "ok":
        return parts[1], " ".join(parts[2:])
    dtype, shape, vals = parts[2], parts[3], parts[4] if len(parts) > 4 else ""
    shape = tuple(int(d) for d in shape.split(",")) if shape else ()
    items = vals.split(",") if vals else []
    if dtype == "bool":
        data = [v == "1" for v in items]
    elif dtype in INTS:
        data = [int(v) for v in items]
    elif dtype in COMPLEX:
        data = [complex(float(v.split(";")[0]), float(v.split(";")[1])) for v in items]
    else:
        data = [float(v) for v in items]
    return "ok", (dtype, shape, np.array(data, dtype=dtype).reshape(shape))


def ulps(a, b, dtype):
    """Distance in ulps between float arrays a and b, exactly (Python integers): inf
    where they disagree on NaN; the two zeros are one ulp apart."""
    a = np.asarray(a, dtype=dtype).reshape(-1)
    b = np.asarray(b, dtype=dtype).reshape(-1)
    bits = np.int32 if dtype == "float32" else np.int64

    def line(x):  # the floats in order on the integers, -0.0 just below +0.0
        return [int(i) if i >= 0 else -1 - (int(i) & ((1 << (8 * x.itemsize - 1)) - 1))
                for i in x.view(bits)]

    d = [abs(p - q) for p, q in zip(line(a), line(b))]
    return np.array([0 if (np.isnan(x) and np.isnan(y)) else
                     math.inf if (np.isnan(x) or np.isnan(y)) else e
                     for x, y, e in zip(a, b, d)], dtype=float)


def same_bits(got, want):
    if got.dtype.kind in "fc":
        if got.dtype.kind == "c":
            return same_bits(got.real, want.real) and same_bits(got.imag, want.imag)
        g, w = got.reshape(-1), want.reshape(-1)
        nan = np.isnan(g) & np.isnan(w)
        eq = (g == w) & (np.signbit(g) == np.signbit(w))
        return bool(np.all(nan | eq))
    return bool(np.array_equal(got, want))


def close(name, got, want, dtype):
    if name in SCALED and dtype in FLOATS + COMPLEX:
        return close_scaled(got, want, dtype)
    if dtype in COMPLEX and name == "pow":
        # exp(x2 log x1): the error grows with |x2 log x1|, in NumPy's as in kiln's.
        g, w = got.reshape(-1), want.reshape(-1)
        nan_g, nan_w = np.isnan(g), np.isnan(w)
        tol = 1e-4 if dtype == "complex64" else 1e-12
        with np.errstate(all="ignore"):
            ok = (g == w) | (np.abs(g - w) <= tol * np.abs(w)) | (nan_g & nan_w)
        return bool(np.all(ok & (nan_g == nan_w)))
    if dtype in COMPLEX and name in ("sign", "multiply", "divide", "reciprocal", "sqrt",
                                     "square"):
        name = "complex " + name  # not correctly rounded: compared within ULP_TOL
    if dtype in COMPLEX:
        part = "float32" if dtype == "complex64" else "float64"
        # A complex number with a NaN part is a NaN (the standard's convention); the
        # other part is then not compared.
        nan_g = np.isnan(got.real) | np.isnan(got.imag)
        nan_w = np.isnan(want.real) | np.isnan(want.imag)
        if np.any(nan_g != nan_w):
            return False
        got, want = got[~nan_g], want[~nan_w]
        return (close(name, got.real, want.real, part) and close(name, got.imag, want.imag, part))
    if dtype not in FLOATS:
        return bool(np.array_equal(got, want))
    if name in ("sort", "unique_values", "min", "max", "unique_inverse", "unique_all"):
        # -0.0 and 0.0 are equal keys; a stable sort keeps them in input order, which
        # NumPy's descending sort (a flip) does not; which zero min/max return is open
        g, w = got.reshape(-1), want.reshape(-1)
        return bool(np.all((g == w) | (np.isnan(g) & np.isnan(w))))
    if name in EXACT:
        return same_bits(got, want)
    if name.startswith("complex "):
        name = name[len("complex "):]
    if name == "arange":
        # start + i·step rounded once (kiln) or NumPy's running delta: equal to within
        # a few ulp of the larger of start and i·step, not of a value near 0
        g, w = got.reshape(-1).astype(np.float64), want.reshape(-1).astype(np.float64)
        scale = np.maximum(np.abs(w), np.max(np.abs(w), initial=0.0))
        tol = 1e-6 if dtype == "float32" else 1e-14
        return bool(np.all(np.abs(g - w) <= tol * scale))
    if name in REDUCTIONS + CUMULATIVE + ["matmul", "vecdot", "linspace", "vector_norm"]:
        g, w = got.reshape(-1).astype(np.float64), want.reshape(-1).astype(np.float64)
        nan = np.isnan(g) & np.isnan(w)
        tol = 1e-5 if dtype == "float32" else 1e-12
        with np.errstate(all="ignore"):
            ok = (g == w) | (np.abs(g - w) <= tol * np.maximum(np.abs(w), 1e-30)) | nan
        return bool(np.all(ok))
    return bool(np.all(ulps(got, want, dtype) <= ULP_TOL))


def compare_as(name, args):
    """The name `close` compares by: complex abs is a hypot, within ULP_TOL."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if name == "abs" and arrays and arrays[0].dtype.kind == "c":
        return "complex abs"
    return name


def mismatches(name, got, want, dtype):
    """The first few flat positions where got and want differ, with both values."""
    g, w = got.reshape(-1), want.reshape(-1)
    out = []
    for i in range(g.size):
        if not close(name, g[i:i + 1], w[i:i + 1], dtype):
            out.append(f"[{i}] kiln {g[i]!r} strict {w[i]!r}")
        if len(out) == 3:
            break
    return "; ".join(out)


def true_value(name, inputs, dtype):
    """The function at the inputs (Python numbers) to 60 digits by mpmath, rounded to
    `dtype`'s precision (None where mpmath has no such function or raises)."""
    import mpmath as mp
    mp.mp.dps = 60
    one = {"exp": mp.exp, "expm1": mp.expm1, "log": mp.log, "log1p": mp.log1p,
           "log2": lambda z: mp.log(z) / mp.log(2), "log10": lambda z: mp.log(z) / mp.log(10),
           "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sinh": mp.sinh, "cosh": mp.cosh,
           "tanh": mp.tanh, "asin": mp.asin, "acos": mp.acos, "atan": mp.atan,
           "asinh": mp.asinh, "acosh": mp.acosh, "atanh": mp.atanh, "sqrt": mp.sqrt,
           "square": lambda z: z * z, "sign": lambda z: z / abs(z),
           "reciprocal": lambda z: 1 / z}
    two = {"logaddexp": lambda a, b: mp.log(mp.exp(a) + mp.exp(b)),
           "atan2": mp.atan2, "hypot": mp.hypot, "pow": mp.power,
           "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b,
           "floor_divide": lambda a, b: mp.floor(a / b)}
    try:
        vals = [mp.mpc(v.real, v.imag) if isinstance(v, complex) else mp.mpf(v)
                for v in inputs]
        if any(not mp.isfinite(v) for v in vals):
            return None
        if len(vals) == 1 and name in one:
            r = one[name](vals[0])
        elif len(vals) == 2 and name in two:
            r = two[name](*vals)
        else:
            return None
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    part = {"complex64": np.float32, "complex128": np.float64, "float32": np.float32,
            "float64": np.float64}[dtype]
    with np.errstate(all="ignore"):
        if dtype in COMPLEX:
            c = mp.mpc(r)
            return complex(part(float(c.real)), part(float(c.imag)))
        if isinstance(r, mp.mpc):
            return None
        return float(part(float(r)))


def numpy_inaccurate(name, args, got, want, dtype):
    """Whether each mismatch is NumPy's error: every part of kiln's element within 2
    ulp of mpmath's value, and a part of NumPy's farther than kiln's (elementwise
    functions only)."""
    if dtype not in FLOATS + COMPLEX or any(a is None for a in args):
        return False
    part = "float32" if dtype in ("float32", "complex64") else "float64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ins = [np.asarray(a) for a in args]
        try:
            ins = np.broadcast_arrays(*ins)
        except ValueError:
            return False
    g, w = got.reshape(-1), want.reshape(-1)
    flat = [i.reshape(-1) for i in ins]
    if any(f.size != g.size for f in flat):
        return False
    for k in range(g.size):
        if close(name, g[k:k + 1], w[k:k + 1], dtype):
            continue
        # Python scalars were cast to the arrays' precision, as kiln casts them
        cast = (lambda v: complex(np.complex64(v)) if isinstance(v, complex) else
                float(np.float32(v))) if part == "float32" else (lambda v: v)
        inputs = [cast(f[k].item()) for f in flat]
        t = true_value(name, inputs, dtype)
        if t is None:
            return False
        parts = [(g[k].real, w[k].real, t.real), (g[k].imag, w[k].imag, t.imag)] \
            if dtype in COMPLEX else [(g[k], w[k], t)]
        # kiln within 2 ulp in every part and NumPy farther in one (in another part,
        # where both are close, NumPy may be the closer)
        worse = False
        for gv, wv, tv in parts:
            eg = ulps(np.array([gv]), np.array([tv]), part)[0]
            ew = ulps(np.array([wv]), np.array([tv]), part)[0]
            if eg > 2:
                return False
            worse |= ew > eg
        if not worse:
            return False
    return True


WIDENS = ("vector_norm", "matrix_norm", "prod", "cumulative_prod")


def single_precision_range(name, args, opts, got, want, dtype):
    """Whether NumPy's float32 (complex64) result of a norm or product overflowed or
    underflowed where the value itself does not, and kiln has the value: the same call
    on the inputs in double precision, rounded to the dtype, agrees with kiln and not
    with NumPy. kiln squares (powers) single-precision magnitudes for its norms in
    double precision and multiplies single-precision products in double precision
    (the norm of [3.4e38, 1] is 3.4e38; NumPy gives inf)."""
    if name not in WIDENS or dtype not in ("float32", "complex64"):
        return False
    wide = {"float32": np.float64, "complex64": np.complex128}
    wargs = [a.astype(wide[str(a.dtype)]) if isinstance(a, np.ndarray) and
             str(a.dtype) in wide else a for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # (Without a dtype option, which would make it single precision again.)
            w64 = strict_call(name, wargs, {k: v for k, v in opts.items() if k != "dtype"})
    except Exception:
        return False
    w64 = np.asarray(w64._array if hasattr(w64, "_array") else w64).astype(dtype)
    return close(name, got, w64, dtype) and not close(name, want, w64, dtype)


def exact_product_range(name, args, opts, got, want, dtype):
    """Whether NumPy's float64 product overflowed or underflowed on the way where the
    exact product, rounded once, does not, and kiln has that value: kiln keeps a
    product's exponent apart (codegen/src/math/product.rs), so a product whose exact
    value is finite is finite in any order; NumPy multiplies in order ([1e300, 1e300,
    1e-300] is inf in NumPy, 1e300 in kiln; [1e300, 1e300, 0] is NaN in NumPy, the exact
    0 in kiln). The reference multiplies Fractions; a group holding NaN is NaN, one
    holding an infinity is NaN with a zero and a signed infinity without."""
    if name != "prod" or dtype != "float64" or not args:
        return False
    x = args[0]
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        return False
    axes = tuple(range(x.ndim))
    if "axis" in opts:
        axes = tuple(int(a) % max(x.ndim, 1) for a in opts["axis"].split(","))
    kept = [d for d in range(x.ndim) if d not in axes]
    groups = np.transpose(x, kept + list(axes)).reshape(
        [x.shape[d] for d in kept] + [-1])

    def exact(values):
        if any(math.isnan(v) for v in values):
            return math.nan
        negative = sum(1 for v in values if math.copysign(1.0, v) < 0) % 2 == 1
        if any(math.isinf(v) for v in values):
            return math.nan if any(v == 0 for v in values) else \
                (-math.inf if negative else math.inf)
        f = Fraction(1)
        for v in values:
            f *= Fraction(v)
        try:
            r = float(f)
        except OverflowError:
            r = math.inf if f > 0 else -math.inf
        return -0.0 if r == 0 and negative else r

    flat = groups.reshape(-1, groups.shape[-1]) if groups.ndim > 1 else groups.reshape(1, -1)
    ex = np.array([exact([float(v) for v in row]) for row in flat], dtype=np.float64)
    ex = ex.reshape([x.shape[d] for d in kept])
    if opts.get("keepdims") == "1":
        ex = np.expand_dims(ex, axes)
    return close(name, got, ex, dtype) and not close(name, want, ex, dtype)


def standard_table(name, args, got, want, dtype):
    """Whether every mismatch is an entry of the standard's special-case tables that
    NumPy departs from and kiln follows: complex expm1(-inf + bj) with b infinite or
    NaN is -1 + 0j (the imaginary zero's sign unspecified), where NumPy gives NaN + NaN j
    for b infinite."""
    if name != "expm1" or dtype not in COMPLEX or len(args) != 1 or args[0] is None:
        return False
    z = np.asarray(args[0]).reshape(-1)
    g, w = got.reshape(-1), want.reshape(-1)
    if z.size != g.size:
        return False
    for k in range(g.size):
        if close(name, g[k:k + 1], w[k:k + 1], dtype):
            continue
        entry = np.isneginf(z[k].real) and not np.isfinite(z[k].imag)
        if not (entry and g[k].real == -1 and g[k].imag == 0):
            return False
    return True


def nan_for_infinity(name, got, want, dtype):
    """Whether every mismatch is NumPy giving NaN in a complex part where kiln keeps a
    value: products and quotients through an infinite part (C99 Annex G keeps such a
    result infinite; NumPy's textbook formulas make inf·0 or inf - inf NaN)."""
    if dtype not in COMPLEX:
        return False
    g, w = got.reshape(-1), want.reshape(-1)
    for i in range(g.size):
        if close(name, g[i:i + 1], w[i:i + 1], dtype):
            continue
        gi, wi = g[i], w[i]
        if not (np.isnan(wi.real) or np.isnan(wi.imag)):
            return False
        if np.isnan(gi.real) and np.isnan(gi.imag):
            return False
        if not (np.isinf(gi.real) or np.isinf(gi.imag) or np.isinf(wi.real) or
                np.isinf(wi.imag)):
            return False
    return True


def undefined(name, args, opts):
    """Calls whose result the standard leaves unspecified (not compared)."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if name == "astype" and arrays and arrays[0].dtype.kind == "f" and \
            opts["dtype"] in INTS:
        info = np.iinfo(opts["dtype"])
        x = arrays[0]
        return bool(np.any(~np.isfinite(x) | (x < info.min) | (x > info.max)))
    if name in ("less", "less_equal", "greater", "greater_equal", "maximum", "minimum") and \
            any(isinstance(a, complex) or (isinstance(a, np.ndarray) and a.dtype.kind == "c")
                for a in args):
        return True  # real-valued only: kiln refuses, array_api_strict lets NumPy order
    kind = lambda v: ("b" if isinstance(v, bool) else "i" if isinstance(v, int) else
                      "f" if isinstance(v, float) else "c")
    order = "bifc"
    if name in ("arange", "full") and "dtype" in opts and any(
            order.index(kind(v)) > order.index(np.dtype(opts["dtype"]).kind.replace("u", "i"))
            or (kind(v) == "b") != (opts["dtype"] == "bool") for v in args):
        return True  # a Python scalar of another kind than dtype (the standard's rules)
    if name == "full_like":
        target = opts.get("dtype", str(arrays[0].dtype))
        if (order.index(kind(args[1])) > order.index(np.dtype(target).kind.replace("u", "i"))
                or (kind(args[1]) == "b") != (target == "bool")):
            return True  # as `full`
    floating = set(LINALG + FFT) - {"trace", "diagonal", "outer", "cross", "tensordot",
                                    "fftfreq", "rfftfreq"}
    if name in floating and arrays[0].dtype.kind not in "fc":
        return True  # the standard's "should have a floating-point data type"
    if name == "diff" and len(args) > 1:
        if any(a is not None and a.dtype != arrays[0].dtype for a in args[1:]):
            return True  # prepend/append of another dtype: unspecified
        if opts["n"] == "0":
            return True  # the standard's size M + N1 + N2 - n; NumPy returns x at n = 0
    if name == "cross":
        try:
            np.broadcast_shapes(arrays[0].shape, arrays[1].shape)
        except ValueError:
            return True  # the standard broadcasts x1 with x2; NumPy moves the axis first
    if name in ("outer", "tensordot", "cross") and len(arrays) == 2:
        try:
            xp.result_type(*(getattr(xp, str(a.dtype)) for a in arrays))
        except TypeError:
            return True  # no promotion defined (array_api_strict lets NumPy promote)
    if name in ("unique_inverse", "unique_all") and opts.get("part", "0") != "0" and \
            arrays[0].dtype.kind in "fc" and np.any(np.isnan(arrays[0])):
        return True  # every NaN is its own value; their order among the values is open
    if name == "linspace" and "dtype" in opts and opts["dtype"] in FLOATS and any(
            isinstance(v, complex) for v in args):
        return True  # complex bounds need a complex dtype
    if name == "vecdot" and any(a.ndim == 0 for a in arrays):
        return True  # no axis to contract in a 0-d operand: kiln refuses
    if name in ("argsort", "sort", "cumulative_sum", "cumulative_prod") and \
            arrays[0].ndim == 0:
        return True  # no axis: kiln refuses, NumPy makes a 1-d array
    if name == "clip" and any(isinstance(a, (int, float)) for a in args) and \
            arrays[0].dtype.kind in "iu":
        return True  # a Python scalar outside x's dtype is unspecified
    if name in ("sum", "prod", "trace") and opts.get("dtype") in INTS and \
            arrays[0].dtype.kind in "fc":
        return True  # float to integer casts of out-of-range values are unspecified
    if name in ("var", "std") and arrays[0].ndim and "correction" in opts:
        axes = [int(a) for a in opts["axis"].split(",")] if "axis" in opts else \
            list(range(arrays[0].ndim))
        n = int(np.prod([arrays[0].shape[a] for a in axes]))
        if n - float(opts["correction"]) <= 0:
            return True  # the standard says NaN, NumPy gives inf
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    if name in ("floor_divide", "remainder") and any(
            np.any(np.isinf(np.asarray(a, dtype=floats[0] if isinstance(a, float) and floats
                                       else None)))
            for a in args
            if isinstance(a, (float, np.ndarray)) and np.asarray(a).dtype.kind == "f"):
        # NumPy pairs // with % where an operand is infinite (a Python float past the
        # array's largest value becomes one); the standard's table says floor(x1 / x2)
        # (array-api-compat lists these as NumPy's known deviations).
        return True
    if name in ("maximum", "minimum") and len(args) == 2 and all(
            isinstance(a, (int, float, np.ndarray)) and not isinstance(a, bool)
            for a in args):
        try:
            x1, x2 = np.broadcast_arrays(*(np.asarray(a) for a in args))
        except ValueError:
            return False
        floating = x1.dtype.kind == "f" or x2.dtype.kind == "f"
        if floating and np.any((x1 == 0) & (x2 == 0) & (np.signbit(x1) != np.signbit(x2))):
            return True  # the order of -0 and +0 is left to the implementation
    return False


def tables(binary):
    """Every dtype (pair, triple) through result_type, can_cast, isdtype, finfo and
    iinfo, against array_api_strict; returns the number of disagreements."""
    kinds = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
             "complex floating", "numeric"]
    calls = [("result_type", [a, b]) for a in DTYPES for b in DTYPES]
    calls += [("result_type", [a, b, c]) for a in DTYPES for b in DTYPES for c in DTYPES]
    calls += [("can_cast", [a, b]) for a in DTYPES for b in DTYPES]
    calls += [("isdtype", [d, k]) for d in DTYPES for k in kinds]
    calls += [("finfo", [d]) for d in DTYPES] + [("iinfo", [d]) for d in DTYPES]
    lines = ["\t".join([str(i), name] + args) for i, (name, args) in enumerate(calls)]
    out = subprocess.run([binary], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    bad = 0
    for (name, args), reply in zip(calls, out):
        got = reply.split("\t")
        got = None if got[1] == "err" else got[2]
        dt = lambda d: getattr(xp, d)
        try:
            if name == "result_type":
                want = str(xp.result_type(*map(dt, args))).split(".")[-1]
            elif name == "can_cast":
                want = str(int(xp.can_cast(dt(args[0]), dt(args[1]))))
            elif name == "isdtype":
                want = str(int(xp.isdtype(dt(args[0]), args[1])))
            elif name == "finfo":
                f = xp.finfo(dt(args[0]))
                want = " ".join([str(f.bits)] + [repr(float(v)) for v in
                                 (f.eps, f.max, f.min, f.smallest_normal)] +
                                [str(f.dtype).split(".")[-1]])
                if got is not None:  # kiln prints f32 limits as f64 values
                    got = " ".join([got.split()[0]] + [repr(float(v)) for v in
                                    got.split()[1:5]] + [got.split()[5]])
            else:
                i = xp.iinfo(dt(args[0]))
                want = f"{i.bits} {i.max} {i.min} {str(i.dtype).split('.')[-1]}"
        except (TypeError, ValueError):
            want = None
        if got != want:
            bad += 1
            if bad <= 20:
                print(f"  {name}{tuple(args)}: kiln {got!r}, strict {want!r}")
    print(f"{len(calls)} data type function calls, {bad} disagree")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=30)
    ap.add_argument("--all", action="store_true",
                    help="also list the calls where NumPy has NaN for kiln's infinity")
    ap.add_argument("--binary", default=str(BINARY))
    ap.add_argument("--group", choices=["core", "more", "all"], default="all",
                    help="core: elementwise, reductions, manipulation, creation (the "
                         "campaigns before 2026-12-06's second session); more: linear "
                         "algebra, FFT, indexing, sets, several outputs; all: both, 3:1")
    ap.add_argument("--only", help="comma-separated names: draw until the call is one")
    ap.add_argument("--tables", action="store_true",
                    help="instead: every dtype through the data type functions")
    args = ap.parse_args()
    if args.tables:
        return 1 if tables(args.binary) else 0
    rng = random.Random(args.seed)
    draw = {"core": case, "more": more_case,
            "all": lambda r: case(r) if r.random() < 0.75 else more_case(r)}[args.group]
    only = set(args.only.split(",")) if args.only else None
    cases = []
    while len(cases) < args.cases:
        c = draw(rng)
        if only is None or c[0] in only:
            cases.append(c)
    lines = [encode(i, *c) for i, c in enumerate(cases)]
    out = subprocess.run([args.binary], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(out) == len(cases), (len(out), len(cases))
    tally = collections.Counter()
    problems = collections.defaultdict(list)
    for (name, cargs, opts), line, reply in zip(cases, lines, out):
        status, got = parse_kiln(reply)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                want = strict_call(name, cargs, opts)
            werr = None
        except Exception as e:  # the reference refuses the call
            want, werr = None, f"{type(e).__name__}: {e}"
        key = None
        finite = [np.abs(a[np.isfinite(a)]) for a in cargs
                  if isinstance(a, np.ndarray) and a.dtype.kind in "fc"]
        iterative = name in ITERATIVE or (name == "matrix_norm" and
                                          opts.get("ord") in ("2", "-2", "nuc"))
        INPUT_SCALE[0] = max((float(np.max(f)) for f in finite if f.size),
                             default=0.0) if iterative else 0.0
        if undefined(name, cargs, opts):
            tally["undefined"] += 1
            continue
        if status == "panic":
            key = "panic"
        elif status == "err" and werr is None:
            key = "kiln rejects"
        elif status == "ok" and werr is not None:
            key = "kiln accepts"
        elif status == "ok":
            dtype, shape, data = got
            wd = str(want.dtype).split(".")[-1]
            wn = np.asarray(want._array) if hasattr(want, "_array") else np.asarray(want)
            if dtype != wd:
                key = "dtype"
            elif shape != tuple(want.shape):
                key = "shape"
            elif not close(compare_as(name, cargs), data, wn, dtype):
                key = "values"
                if nan_for_infinity(compare_as(name, cargs), data, wn, dtype):
                    key = "complex NaN for infinity (NumPy)"
                elif standard_table(name, cargs, data, wn, dtype):
                    key = "NumPy departs from the standard's table (kiln follows it)"
                elif numpy_inaccurate(name, cargs, data, wn, dtype):
                    key = "NumPy inaccurate (kiln within 2 ulp of mpmath)"
                elif single_precision_range(name, cargs, opts, data, wn, dtype):
                    key = "NumPy over/underflows in single precision (kiln: double)"
                elif exact_product_range(name, cargs, opts, data, wn, dtype):
                    key = "NumPy over/underflows on the way (kiln: the exact product)"
                bad = mismatches(compare_as(name, cargs), data, wn, dtype)
                reply = reply[:120] + " ... differs at " + bad
        tally[key or "agree"] += 1
        if key:
            problems[(key, name)].append((line, reply, werr, None if want is None else want))
    print(f"{args.cases} calls (seed {args.seed}):", dict(tally))
    shown = 0
    for (key, name), items in sorted(problems.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if key.startswith(("complex NaN", "NumPy inaccurate", "NumPy departs",
                           "NumPy over/underflows")) and \
                not args.all:
            continue
        print(f"\n## {key}: {name} ({len(items)} calls)")
        for line, reply, werr, want in items[:2]:
            if shown >= args.show:
                break
            shown += 1
            print("  call: ", line[:400])
            print("  kiln: ", reply[:600])
            print("  strict:", (werr or repr(want))[:300])
    return 0 if not any(k in ("panic", "kiln rejects", "dtype", "shape", "values")
                        for k, _ in problems) else 1


if __name__ == "__main__":
    sys.exit(main())
