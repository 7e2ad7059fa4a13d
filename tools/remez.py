#!/usr/bin/env python3
"""Minimax polynomial fits for kiln's math library (codegen/src/math/).

Fits P of degree n minimising max |w(x)·(g(x) - P(x))| over [a, b] by the Remez
exchange (linear system on n + 2 reference points, new references at the extrema of
the error on a dense grid refined by golden-section search), with mpmath at 60 digits.
Prints the coefficients rounded to the target width and the maximum weighted error of
the rounded polynomial.

    python3 tools/remez.py log1p 8 f32
    python3 tools/remez.py atan_unit 8 f32 --progressive

`--progressive` rounds the coefficients one at a time, refitting the rest after each
(for ranges where the argument reaches 1 and every coefficient's rounding counts).

Only mpmath is needed (pip install mpmath).
"""
import sys
import mpmath as mp

mp.mp.dps = 60


def problem(name):
    """(g, w, a, b): the function to fit and the weight that makes the error relative
    to the final result."""
    if name == "log1p":
        # log1p(f) = f + f^2 P(f), relative error of the sum.
        def g(x):
            if abs(x) < mp.mpf("1e-20"):
                return mp.mpf(-0.5) + x / 3
            return (mp.log1p(x) - x) / x**2

        def w(x):
            if abs(x) < mp.mpf("1e-20"):
                return abs(x)
            return abs(x**2 / mp.log1p(x))

        return g, w, mp.mpf(-0.25), mp.mpf(0.5)
    if name == "expm1":
        # expm1(r) = r + r^2 P(r), relative error, |r| <= ln2/2.
        def g(x):
            if abs(x) < mp.mpf("1e-20"):
                return mp.mpf(0.5) + x / 6
            return (mp.expm1(x) - x) / x**2

        def w(x):
            if abs(x) < mp.mpf("1e-20"):
                return abs(x)
            return abs(x**2 / mp.expm1(x))

        h = mp.log(2) / 2
        return g, w, -h, h
    if name == "exp":
        # exp(r) = 1 + r + r^2 P(r), error relative to exp(r), |r| <= ln2/2.
        def g(x):
            if abs(x) < mp.mpf("1e-20"):
                return mp.mpf(0.5) + x / 6
            return (mp.expm1(x) - x) / x**2

        def w(x):
            return x**2 / mp.exp(x)

        h = mp.log(2) / 2
        return g, w, -h, h
    if name in ("sin_half", "sin_quarter", "cos_quarter"):
        # In z = r^2: sin(r) = r·(1 + z Q(z)) on |r| <= π/2 or π/4 (sin and cos of f32
        # arguments in f64, codegen/src/math/trig.rs), cos(r) = 1 + z Q(z) on |r| <= π/4;
        # the error relative to sin or cos. The end is a hair past π/2 or π/4 (the
        # rounded quotient can be off by one there).
        cos = name == "cos_quarter"
        end = (mp.pi / 2 if name == "sin_half" else mp.pi / 4) + mp.mpf("1e-6")

        def f(z):
            r = mp.sqrt(z)
            return mp.cos(r) if cos else mp.sin(r) / r

        def g(z):
            if abs(z) < mp.mpf("1e-20"):
                return mp.mpf(-0.5) + z / 24 if cos else mp.mpf(-1) / 6 + z / 120
            return (f(z) - 1) / z

        def w(z):
            if abs(z) < mp.mpf("1e-20"):
                return abs(z)
            return abs(z / f(z))

        return g, w, mp.mpf(0), end**2
    if name == "atan_unit":
        # In z = v^2: atan(v) = v + v·z·Q(z) on 0 <= v <= 1 (f32 atan and atan2 without
        # the π/4 reduction, codegen/src/math/inverse_trig.rs); the error relative to
        # atan(v).
        def g(z):
            if abs(z) < mp.mpf("1e-20"):
                return mp.mpf(-1) / 3 + z / 5
            v = mp.sqrt(z)
            return (mp.atan(v) - v) / (v * z)

        def w(z):
            if abs(z) < mp.mpf("1e-20"):
                return abs(z)
            v = mp.sqrt(z)
            return abs(v * z / mp.atan(v))

        return g, w, mp.mpf(0), mp.mpf(1)
    raise SystemExit(f"unknown function {name}")


def remez(g, w, a, b, n, iters=30):
    m = n + 2
    # Chebyshev points as the first reference.
    xs = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (m - 1 - i) / (m - 1)) for i in range(m)]
    # The weight of a relative error vanishes at 0: keep references off it.
    xs = [x if abs(x) > mp.mpf("1e-20") else (b - a) * mp.mpf("1e-3") for x in xs]
    coef = None
    for _ in range(iters):
        rows, rhs = [], []
        for i, x in enumerate(xs):
            wx = w(x)
            rows.append([x**j for j in range(n + 1)] + [(-1) ** i / wx if wx != 0 else 0])
            rhs.append(g(x))
        sol = mp.lu_solve(mp.matrix(rows), mp.matrix(rhs))
        coef = [sol[j] for j in range(n + 1)]
        err = lambda x: w(x) * (g(x) - mp.polyval(coef[::-1], x))
        grid = [a + (b - a) * i / 4000 for i in range(4001)]
        grid = [x for x in grid if w(x) != 0]
        vals = [err(x) for x in grid]
        # Local extrema of the error (and the end points), alternating in sign.
        ext = [0]
        for i in range(1, len(grid) - 1):
            if (vals[i] - vals[i - 1]) * (vals[i + 1] - vals[i]) <= 0:
                ext.append(i)
        ext.append(len(grid) - 1)
        pts = [(grid[i], vals[i]) for i in ext if vals[i] != 0]
        # Keep the largest of each run of equal sign.
        alt = []
        for p in pts:
            if alt and mp.sign(alt[-1][1]) == mp.sign(p[1]):
                if abs(p[1]) > abs(alt[-1][1]):
                    alt[-1] = p
            else:
                alt.append(p)
        while len(alt) > m:
            # Drop the smaller end.
            if abs(alt[0][1]) < abs(alt[-1][1]):
                alt.pop(0)
            else:
                alt.pop()
        if len(alt) < m:
            break
        xs = [p[0] for p in alt]
    return coef


def max_err(g, w, a, b, coef):
    err = lambda x: abs(w(x) * (g(x) - mp.polyval(coef[::-1], x)))
    return max(err(a + (b - a) * i / 20000) for i in range(20001))


def progressive(g, w, a, b, n, rnd):
    """Fits and rounds one coefficient at a time, lowest first: after rounding c_k,
    the rest is refitted to g_k+1(x) = (g_k(x) - c_k)/x with weight w_k(x)·x, so the
    higher coefficients absorb the lower ones' rounding errors (on ranges where x
    reaches 1, each rounding is otherwise an error of its own)."""
    coef = []
    for k in range(n + 1):
        print(f"# fitting c_{k}", file=sys.stderr)
        c = remez(g, w, a, b, n - k)
        ck = mp.mpf(rnd(c[0]))
        coef.append(ck)
        g = (lambda g0, c0: lambda x: (g0(x) - c0) / x)(g, ck)
        w = (lambda w0: lambda x: w0(x) * x)(w)
    return coef


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    name, n, width = args[0], int(args[1]), args[2]
    g, w, a, b = problem(name)
    import struct

    def rnd(c):
        if width == "f32":
            return struct.unpack("f", struct.pack("f", float(c)))[0]
        return float(c)

    if "--progressive" in sys.argv:
        # keep the grid off 0, where the refitted g_k divide by x
        a = max(a, (b - a) * mp.mpf("1e-4"))
        rc = progressive(g, w, a, b, n, rnd)
    else:
        rc = [mp.mpf(rnd(c)) for c in remez(g, w, a, b, n)]
    e = max_err(g, w, a, b, rc)
    print(f"{name} degree {n} on [{float(a)}, {float(b)}]: max weighted error "
          f"{float(e):.3e} = 2^{float(mp.log(e, 2)):.1f} (coefficients rounded to {width})")
    for c in rc:
        print(f"    {float(c)!r},")


if __name__ == "__main__":
    main()
