"""The special cases of the standard's elementwise functions, read from the standard's
own text and checked against kiln: every "If <condition>, the result is <value>." line
of a function's **Special cases** (real operands, and complex operands where the
condition is on a = real(x_i) and b = imag(x_i)) is parsed into a predicate on the
inputs and a check of the result; the inputs are every value of a pool of special and
ordinary numbers (pairs for binary functions) that satisfy the condition; kiln computes
them in float32 and float64 (complex64 and complex128) through `examples/conform.rs`.

    cargo build --release --example conform
    python3 tools/special_cases.py [--spec PATH] [--show N]

The spec is the standard's stubs file of elementwise functions
(src/array_api_stubs/_2024_12/elementwise_functions.py of github.com/data-apis/array-api);
`tools/special_cases_2024_12.txt` holds its special-case lines (the standard's sentences,
one per line after the function's name and the operand kind), so no network is needed.
Lines whose wording the parser does not know are counted as skipped and listed with
--show-skipped. An "approximation to" result is compared within 1e-6 (relative); an
exact one bit for bit (the sign of a zero included). The exit status is 1 when a case
fails.
"""

import argparse
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "examples" / "conform"
TABLE = ROOT / "tools" / "special_cases_2024_12.txt"

POOL = [math.nan, 0.0, -0.0, math.inf, -math.inf, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0,
        -3.0, 1.5, -1.5, 0.25, -0.25, 5.0, -5.0, 0.9, -0.9, 1.1, -1.1, math.pi, -math.pi,
        100.0, -7.0, 4.0, 1e-30, -1e-30, 1e30, -1e30]


def extract(spec_text):
    """(function, kind, sentence) of every special case in the stubs file; kind is
    "real" or "complex"."""
    out = []
    for block in re.split(r"\ndef ", spec_text)[1:]:
        name = block.split("(", 1)[0]
        if re.search(r"must equal ``conj\(", block):
            out.append((name, "note", "conj-symmetric"))
        kind = "real"
        for line in block.splitlines():
            s = line.strip()
            if s.startswith("For complex floating-point operands"):
                kind = "complex"
            elif s.startswith("For real-valued floating-point operands") or \
                    s.startswith("For floating-point operands"):
                kind = "real"
            elif s.startswith("- If "):
                out.append((name, kind, s[2:]))
    return out


def constant(text):
    """A number the standard names: NaN, ±0, ±infinity, π fractions, integers."""
    t = text.strip().replace("+", "")
    if t == "NaN":
        return math.nan
    if t in ("True", "False"):  # kiln prints booleans as 1 and 0
        return float(t == "True")
    if t in ("infinity",):
        return math.inf
    if t == "-infinity":
        return -math.inf
    if t == "-0":
        return -0.0
    if text.strip() == "0":
        return AnyZero(0.0)
    m = re.fullmatch(r"(-?)(\d*)π(?:/(\d+))?", t)
    if m:
        v = (int(m.group(2)) if m.group(2) else 1) * math.pi / (int(m.group(3) or 1))
        return -v if m.group(1) else v
    return float(t)


class AnyZero(float):
    """The standard's unsigned ``0``: a zero of either sign."""


def value_is(v, c):
    """v is the value c (NaN is NaN; +0 and -0 differ; "0" alone is either zero)."""
    if math.isnan(c):
        return math.isnan(v)
    if isinstance(c, AnyZero):
        return v == 0
    if c == 0:
        return v == 0 and (math.copysign(1, v) == math.copysign(1, c))
    return v == c


def operand_condition(text):
    """A predicate for one operand's clause (the text after "is")."""
    t = text.strip()
    t = re.sub(r"\s*\(i\.e\., [^)]*\)", "", t)
    t = re.sub(r"\s*\(including ``NaN``\)", "", t)
    t = t.rstrip(",")
    lits = re.findall(r"``([^`]*)``", t)
    finite = lambda v: math.isfinite(v)
    odd = lambda v: math.isfinite(v) and v == math.floor(v) and abs(v) % 2 == 1
    table = {
        "a finite number": finite,
        "a positive finite number": lambda v: finite(v) and v > 0,
        "a negative finite number": lambda v: finite(v) and v < 0,
        "a nonzero finite number": lambda v: finite(v) and v != 0,
        "any value": lambda v: True,
        "an odd integer value": odd,
        "not an odd integer value": lambda v: not odd(v),
        "an integer value": lambda v: finite(v) and v == math.floor(v),
        "not an integer value": lambda v: not (finite(v) and v == math.floor(v)),
        "already integer-valued": lambda v: finite(v) and v == math.floor(v),
    }
    if t in table:
        return table[t]
    if re.fullmatch(r"``[^`]*``", t):
        c = constant(lits[0])
        return lambda v: value_is(v, c)
    if t == "a nonzero number":
        return lambda v: not math.isnan(v) and v != 0
    if re.fullmatch(r"(?:either )?``[^`]*`` or ``[^`]*``", t):
        cs = [constant(x) for x in lits]
        return lambda v: any(value_is(v, c) for c in cs)
    if re.fullmatch(r"(?:either )?a finite number or ``[^`]*``", t):
        c = constant(lits[0])
        return lambda v: math.isfinite(v) or value_is(v, c)
    if re.fullmatch(r"greater than ``[^`]*``", t):
        c = constant(lits[0])
        return lambda v: v > c
    if re.fullmatch(r"less than ``[^`]*``", t):
        c = constant(lits[0])
        return lambda v: v < c
    if re.fullmatch(r"not equal to ``[^`]*``", t) or re.fullmatch(r"not ``[^`]*``", t):
        c = constant(lits[0])
        return lambda v: not (math.isnan(v) if math.isnan(c) else v == c)
    return None


def sign(v):
    return math.copysign(1.0, v)


def condition(text, names):
    """A predicate on the tuple of operands for the text between "If" and the result."""
    t = text.strip().replace(", including ``NaN``", "")
    m = re.fullmatch(r"``(\w+)`` and ``(\w+)`` have (the same|different) mathematical "
                     r"signs?( and are both nonzero finite numbers)?", t)
    if m:
        i, j = names.index(m.group(1)), names.index(m.group(2))
        want_same = m.group(3) == "the same"
        nonzero = (lambda v: math.isfinite(v) and v != 0) if m.group(4) else \
            (lambda v: not math.isnan(v))
        return lambda xs: nonzero(xs[i]) and nonzero(xs[j]) and \
            ((sign(xs[i]) == sign(xs[j])) == want_same)
    m = re.fullmatch(r"(?:either )?``(\w+)`` or ``(\w+)`` is (.*)", t)
    if m:
        p = operand_condition(m.group(3))
        i, j = names.index(m.group(1)), names.index(m.group(2))
        return p and (lambda xs: p(xs[i]) or p(xs[j]))
    m = re.fullmatch(r"``(\w+)`` is (.*?) or ``(\w+)`` is (.*)", t)
    if m and " and " not in t:
        p, q = operand_condition(m.group(2)), operand_condition(m.group(4))
        i, j = names.index(m.group(1)), names.index(m.group(3))
        return p and q and (lambda xs: p(xs[i]) or q(xs[j]))
    clauses = re.split(r",? and (?=``)|, (?=``)", t)
    preds = []
    for c in clauses:
        c = c.strip()
        m = re.fullmatch(r"``(\w+)`` (does not equal|equals) ``(\w+)``", c)
        if m and m.group(1) in names and m.group(3) in names:
            i, j, eq = names.index(m.group(1)), names.index(m.group(3)), m.group(2) == "equals"
            preds.append((None, lambda xs, i=i, j=j, eq=eq: (xs[i] == xs[j]) == eq))
            continue
        m = re.fullmatch(r"``(\w+)`` is ``-(\w+)``", c)
        if m and m.group(1) in names and m.group(2) in names:
            i, j = names.index(m.group(1)), names.index(m.group(2))
            preds.append((None, lambda xs, i=i, j=j: xs[i] == -xs[j]))
            continue
        m = re.fullmatch(r"``(abs\()?(\w+)\)?`` (?:is )?(.*)", c)
        if not m or m.group(2) not in names:
            return None
        p = operand_condition(m.group(3))
        if p is None:
            return None
        if m.group(1):
            p = (lambda q: lambda v: q(abs(v)))(p)
        preds.append((names.index(m.group(2)), p))
    return lambda xs: all(p(xs) if i is None else p(xs[i]) for i, p in preds)


def real_result(text, names):
    """(check(got, inputs), approximate?) for a real result's text."""
    t = text.strip()
    if t == "a signed infinity with the mathematical sign determined by the rule " \
            "already stated above":
        return lambda got, xs: math.isinf(got) and sign(got) == sign(xs[0]) * sign(xs[1])
    # NaN only where the operands make one (a NaN, or 0 with an infinity): the rule
    # says "unless the result is NaN", not that any result may be NaN.
    nan_ok = lambda xs: any(math.isnan(x) for x in xs) or (
        any(x == 0 for x in xs) and any(math.isinf(x) for x in xs))
    if t.startswith("has a positive mathematical sign"):
        return lambda got, xs: (math.isnan(got) and nan_ok(xs)) or sign(got) > 0
    if t.startswith("has a negative mathematical sign"):
        return lambda got, xs: (math.isnan(got) and nan_ok(xs)) or sign(got) < 0
    m = re.fullmatch(r"``(-?)\|(\w+)\|``", t)
    if m and m.group(2) in names:
        i, neg = names.index(m.group(2)), m.group(1) == "-"
        return lambda got, xs: same(got, -abs(xs[i]) if neg else abs(xs[i]))
    approx = t.startswith("an implementation-dependent approximation to ")
    t = t.replace("an implementation-dependent approximation to ", "")
    m = re.fullmatch(r"``([^`]*)``", t) or re.fullmatch(r"equal to ``([^`]*)``", t) \
        or re.fullmatch(r"equivalent to ``([^`]*)``", t)
    if not m:
        return None
    r = m.group(1)
    if r in names:
        i = names.index(r)
        return lambda got, xs: same(got, xs[i])
    if r.startswith("-") and r[1:] in names:
        i = names.index(r[1:])
        return lambda got, xs: same(got, -xs[i])
    m2 = re.fullmatch(r"abs\((\w+)\)", r)
    if m2 and m2.group(1) in names:
        i = names.index(m2.group(1))
        return lambda got, xs: same(got, abs(xs[i]))
    try:
        c = constant(r)
    except ValueError:
        return None
    if approx or (math.isfinite(c) and c != math.floor(c)):
        return lambda got, xs: close(got, c)
    return lambda got, xs: same(got, c)


def same(got, want):
    if math.isnan(want):
        return math.isnan(got)
    if isinstance(want, AnyZero):
        return got == 0
    return got == want and math.copysign(1, got) == math.copysign(1, want)


def close(got, want):
    return abs(got - want) <= 1e-6 * abs(want) or same(got, want)


def complex_result(text):
    """A check of a complex result `A + B j` (or `A ± B j`, `A + πj/2` ...)."""
    t = text.strip()
    both = re.search(r"signs of real and imaginary components are unspecified", t)
    free_re = both or re.search(r"sign of the real component is unspecified", t)
    free_im = both or re.search(r"sign of (?:the )?imaginary component is unspecified", t)
    t = re.sub(r"\s*\(signs? of [^)]*\)", "", t).rstrip(".")
    m = re.fullmatch(r"``(.*)``", t)
    if not m:
        return None
    r = m.group(1).replace(" ", "")
    m = re.fullmatch(r"([+\-]?(?:0|infinity))\*cis\(b\)(-1\.0)?", r)
    if m:
        # V·(cos b + i sin b): zeros and infinities with the signs of cos b and sin b
        v = constant(m.group(1))
        minus_one = m.group(2) is not None

        def cis(got, xs):
            c, s_ = math.cos(xs[1]), math.sin(xs[1])
            want_re = -1.0 if minus_one and v == 0 else math.copysign(v, c)
            return same(got.real, want_re) and same(got.imag, math.copysign(v, s_))
        return cis
    r = re.sub(r"(\d*)πj(/\d+)?", lambda k: f"{k.group(1)}π{k.group(2) or ''}j", r)
    m = re.fullmatch(r"(.+?)([+\-±])(.*)j", r)
    if not m:
        return None
    re_text, sign_, im_text = m.groups()
    im_text = im_text or "1"
    im_text = im_text.replace("j", "")
    either_re = re_text.startswith("±")
    re_text = re_text.lstrip("±")
    try:
        rc = constant(re_text)
        ic = constant(im_text)
    except ValueError:
        return None
    if sign_ == "-":
        ic = -ic
    def part(got, c, either):
        if either:
            return part(got, c, False) or part(got, -c, False)
        if math.isfinite(c) and c != 0 and c != math.floor(c):
            return close(got, c)
        return same(got, c)
    return lambda got, xs: (part(got.real, rc, either_re or free_re) and
                            part(got.imag, ic, sign_ == "±" or free_im))


def parse(func, kind, sentence):
    """(names, predicate, check) or None when the wording is not known."""
    sentence = re.sub(r"\s*\(\*\*note\*\*:[^)]*\)\s*$", "", sentence)
    sentence = re.sub(r", even if ``\w+`` is ``NaN``\.$", ".", sentence)
    m = re.fullmatch(r"If (.*), the result (?:is )?(.*?)\.?", sentence)
    if not m:
        return None
    cond, res = m.groups()
    unary_names = ["a", "b"] if kind == "complex" else ["x_i"]
    names = ["x1_i", "x2_i"] if "x1_i" in sentence or "x2_i" in sentence else unary_names
    pred = condition(cond, names)
    if pred is None:
        return None
    if kind == "complex":
        if names != ["a", "b"]:
            return None
        if re.fullmatch(r"``(NaN|\+?infinity|\+?0|True|False)``", res.strip()):
            # a real result of a complex function (abs): a real check
            chk = real_result(res, names)
            return names, pred, ("real", chk)
        chk = complex_result(res)
        if chk is None:
            chk2 = real_result(res, names)
            return None if chk2 is None else (names, pred, ("real", chk2))
        return names, pred, ("complex", chk)
    chk = real_result(res, names)
    return None if chk is None else (names, pred, ("real", chk))


def cases_of(table_path):
    rows = []
    for line in Path(table_path).read_text().splitlines():
        if line.strip():
            func, kind, sentence = line.split("\t")
            rows.append((func, kind, sentence))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", help="the stubs file to read the cases from (and to "
                                   "rewrite the table with)")
    ap.add_argument("--binary", default=str(BINARY))
    ap.add_argument("--show", type=int, default=30)
    ap.add_argument("--show-skipped", action="store_true")
    args = ap.parse_args()
    if args.spec:
        rows = extract(Path(args.spec).read_text())
        TABLE.write_text("".join(f"{f}\t{k}\t{s}\n" for f, k, s in rows))
    rows = cases_of(TABLE)
    conj_symmetric = {f for f, k, _ in rows if k == "note"}
    rows = [r for r in rows if r[1] != "note"]
    lines, meta, skipped = [], [], []
    earlier = {}  # (function, kind): the predicates of the cases listed before
    for func, kind, sentence in rows:
        try:
            parsed = parse(func, kind, sentence)
        except (ValueError, IndexError):
            parsed = None  # a value or operand the parser does not know
        if parsed is None:
            skipped.append((func, kind, sentence))
            continue
        names, pred, (rkind, chk) = parsed
        before = earlier.setdefault((func, kind), [])
        # A case listed earlier takes precedence where two overlap (sqrt: "b is
        # +infinity" before "a is NaN and b is any value"); with f(conj(x)) =
        # conj(f(x)) the tables speak of the upper half plane (b's sign bit clear).
        upper = lambda xs: kind != "complex" or func not in conj_symmetric or \
            math.isnan(xs[1]) or math.copysign(1, xs[1]) > 0
        candidates = [(x, y) for x in POOL for y in POOL] if len(names) == 2 else \
            [(x,) for x in POOL]
        meeting = [xs for xs in candidates if pred(xs) and upper(xs)]
        # every input an earlier case's too (+0 is integer-valued): the case's own
        inputs = [xs for xs in meeting if not any(p(xs) for p in before)] or meeting
        before.append(pred)
        if not inputs:
            skipped.append((func, kind, sentence + "  [no input in the pool]"))
            continue
        dtypes = ["float32", "float64"] if kind == "real" else ["complex64", "complex128"]
        for d in dtypes:
            if kind == "complex":
                vals = ",".join(f"{a!r};{b!r}" for a, b in inputs)
                args_ = [f"a|{d}|{len(inputs)}|{vals}"]
            else:
                args_ = [f"a|{d}|{len(inputs)}|" + ",".join(repr(xs[k]) for xs in inputs)
                         for k in range(len(names))]
            lines.append("\t".join([str(len(lines)), func] + args_))
            meta.append((func, kind, sentence, d, inputs, rkind, chk))
    out = subprocess.run([args.binary], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    failed = 0
    checked = 0
    assert len(out) == len(lines), f"{len(lines)} calls, {len(out)} answers"
    for (func, kind, sentence, d, inputs, rkind, chk), reply in zip(meta, out):
        parts = reply.split("\t")
        if parts[1] != "ok" or parts[3] != str(len(inputs)):
            # an error, or a result of another shape than the inputs'
            failed += 1
            print(f"FAIL {func} ({d}) {sentence}\n     kiln: {' '.join(parts[1:])[:200]}")
            continue
        vals = parts[4].split(",") if len(parts) > 4 and parts[4] else []
        if ";" in (vals[0] if vals else ""):
            got = [complex(float(v.split(";")[0]), float(v.split(";")[1])) for v in vals]
        else:
            got = [float(v) for v in vals]
        assert len(got) == len(inputs), (func, d, len(got), len(inputs))
        bad = []
        for xs, g in zip(inputs, got):
            if d.startswith("float") or rkind == "real":
                if isinstance(g, complex):
                    ok = False
                else:
                    f32 = d in ("float32", "complex64")
                    xs_ = tuple(float(np.float32(x)) for x in xs) if f32 else xs
                    ok = chk(float(np.float32(g)) if f32 else g, xs_)
            else:
                f32 = d == "complex64"
                xs_ = tuple(float(np.float32(x)) for x in xs) if f32 else xs
                ok = chk(complex(np.float32(g.real), np.float32(g.imag)) if f32 else g, xs_)
            checked += 1
            if not ok:
                bad.append((xs, g))
        if bad:
            failed += 1
            if failed <= args.show:
                print(f"FAIL {func} ({d}) {sentence}")
                for xs, g in bad[:4]:
                    print(f"     input {xs}: kiln {g!r}")
    print(f"{len(rows)} special-case lines: {len(rows) - len(skipped)} parsed, "
          f"{len(skipped)} skipped; {len(meta)} (case, dtype) calls, {checked} values "
          f"checked, {failed} calls failing")
    if args.show_skipped:
        for func, kind, sentence in skipped:
            print(f"  skipped {func} [{kind}]: {sentence}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
