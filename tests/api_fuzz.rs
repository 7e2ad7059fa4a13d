//! Robustness: random calls of the public API, with valid and invalid arguments mixed
//! (axes out of range, negative counts, mismatched shapes, every dtype, complex
//! included), never panic. Each call either fails where it is made, with an `Err`, or
//! builds arrays that every mode (fused, eager, the interpreter) then computes (and
//! the interpreter's results print) without a panic; every error names the file and
//! line of the call that caused it; the three modes must agree on
//! whether the computation succeeds, on the shapes, and on the bits of the results of
//! exact functions (views and manipulation, indexing, sorting, sets, searching,
//! comparisons, max/min, integer arithmetic, creation). The values of floating-point
//! functions whose order of operations or math library differs between the modes
//! (sums, transcendentals, linear algebra, FFT) are not compared here:
//! `differential.rs` and the suites of each family compare those within tolerances.
//!
//! Inputs: ranks 0 to 3, axes of 0 to 4 elements (now and then one of 17 to 1031),
//! values with ±0, ±inf, NaN, huge and small numbers (saturated on the way to
//! integers), and views (transposed, flipped, strided) as well as plain arrays.
//!
//! Some calls take the result of an earlier random call as their input (two deep; a
//! quarter of them computed first, in a mode drawn at random), so that families meet in
//! one graph: a take of a sort of a clip, an FFT of a cumulative sum; a fifth of the
//! cases also request the earlier results, which the plan must then keep as outputs
//! while they feed later kernels and library calls. Calls that build more than 2^20
//! elements (`arange(-3e9, 3e9, 10)` is valid) are counted, not computed.
//!
//! CI runs `KILN_FUZZ_CASES` calls (default 20,000, a few seconds); a longer run:
//! `KILN_FUZZ_CASES=1000000 cargo test --release --test api_fuzz -- --nocapture`.
//! `KILN_FUZZ_FIRST` sets the first seed, `KILN_FUZZ_TRACE=1` prints each seed before
//! its call (to find one that never returns).

use kiln::fft::{FftNorm, FftOpts, FftnOpts};
use kiln::linalg::{MatrixNorm, QrMode};
use kiln::{
    Array, CumulativeOpts, DType, Indexing, IsinOpts, Mode, Operand, ReduceOpts, Scalar,
    SearchOpts, Side, SliceArg, SortOpts,
};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod common;

use common::Rng;

/// The draws of this fuzz beyond the shared generator's.
trait Draws {
    /// An axis argument: mostly in range (either sign), sometimes one past it.
    fn axis(&mut self, ndim: usize) -> i64;
    /// A small count that is sometimes zero or beyond the data.
    fn count(&mut self) -> usize;
    fn int(&mut self) -> i64;
}

impl Draws for Rng {
    fn axis(&mut self, ndim: usize) -> i64 {
        let n = ndim as i64;
        self.below(2 * ndim + 3) as i64 - n - 1
    }
    fn count(&mut self) -> usize {
        self.pick(&[0, 1, 1, 2, 2, 3, 4, 5, 7])
    }
    fn int(&mut self) -> i64 {
        self.below(11) as i64 - 5
    }
}

fn value(rng: &mut Rng) -> f64 {
    match rng.below(12) {
        0 => rng.pick(&[0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]),
        1 => rng.pick(&[1e30, -1e30, 3e9, -3e9, 1e-30, 255.0, 256.0, -129.0]),
        2..=5 => rng.int() as f64,
        _ => (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0,
    }
}

fn shape(rng: &mut Rng, rank: usize) -> Vec<usize> {
    let mut s: Vec<usize> = (0..rank)
        .map(|_| rng.pick(&[0, 1, 1, 2, 3, 3, 4]))
        .collect();
    // Now and then one long axis: vector loops with several unrolled vectors and a
    // tail, rows split between threads.
    if rank > 0 && rng.chance(0.08) {
        let i = rng.below(rank);
        s[i] = rng.pick(&[17, 67, 130, 1031]);
    }
    s
}

/// A random array of `dtype` and `shape`: computed data, sometimes seen through a view
/// (transposed, flipped or strided) of a larger or permuted array.
fn array_of(rng: &mut Rng, dtype: DType, shape: &[usize]) -> Array {
    let view = !shape.is_empty() && rng.chance(0.3);
    let base_shape: Vec<usize> = match (view, rng.below(3)) {
        (false, _) => shape.to_vec(),
        (true, 0) => shape.iter().rev().copied().collect(),
        (true, 1) => shape.to_vec(),
        (true, _) => shape.iter().map(|&d| 2 * d).collect(),
    };
    let n: usize = base_shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| value(rng)).collect();
    let x = kiln::from_vec(values, &base_shape).expect("f64 input");
    let x = if dtype.is_complex() {
        let im: Vec<f64> = (0..n).map(|_| value(rng)).collect();
        let im = kiln::from_vec(im, &base_shape).expect("f64 input");
        let j = kiln::asarray(kiln::Complex64::new(0.0, 1.0), ()).expect("0-d complex");
        let z = kiln::add(&x, kiln::multiply(&im, &j).expect("i·im")).expect("re + i·im");
        kiln::astype(&z, dtype).expect("complex cast")
    } else {
        kiln::astype(&x, dtype).expect("cast")
    };
    let x = x.compute_with(Mode::Interpreter).expect("input");
    if !view {
        return x;
    }
    let ndim = shape.len() as i64;
    match base_shape == shape {
        true if rng.chance(0.5) => kiln::flip(&x, ()).expect("flip"),
        true => {
            // A permutation of equal axes, or the identity.
            let axes: Vec<i64> = (0..ndim).collect();
            kiln::permute_dims(&x, &axes).expect("permute")
        }
        false if base_shape.iter().rev().copied().eq(shape.iter().copied()) => {
            let axes: Vec<i64> = (0..ndim).rev().collect();
            kiln::permute_dims(&x, &axes).expect("permute")
        }
        false => {
            let index: Vec<SliceArg> = shape
                .iter()
                .map(|_| SliceArg::Range {
                    start: None,
                    stop: None,
                    step: 2,
                })
                .collect();
            x.slice(index).expect("strided slice")
        }
    }
}

fn array(rng: &mut Rng) -> Array {
    let dtype = rng.pick(&DType::ALL);
    let rank = rng.pick(&[0, 1, 1, 2, 2, 3]);
    let s = shape(rng, rank);
    array_of(rng, dtype, &s)
}

/// An array like `x` in shape (broadcast-compatible most of the time), of a random dtype.
fn partner(rng: &mut Rng, x: &Array) -> Array {
    let dtype = if rng.chance(0.6) {
        x.dtype()
    } else {
        rng.pick(&DType::ALL)
    };
    let mut s = x.shape().to_vec();
    if rng.chance(0.3) && !s.is_empty() {
        let i = rng.below(s.len());
        s[i] = 1;
    }
    if rng.chance(0.15) {
        let rank = rng.below(4);
        s = shape(rng, rank);
    }
    array_of(rng, dtype, &s)
}

fn int_array(rng: &mut Rng, len_hint: usize) -> Array {
    let n = rng.pick(&[0, 1, 2, 3, 5]);
    let hi = len_hint as i64 + 2;
    let v: Vec<i64> = (0..n)
        .map(|_| rng.below(2 * hi as usize + 1) as i64 - hi)
        .collect();
    let a = kiln::from_vec(v, [n]).expect("indices");
    if rng.chance(0.2) {
        kiln::astype(
            &a,
            rng.pick(&[DType::I32, DType::U8, DType::F64, DType::Bool]),
        )
        .expect("cast")
    } else {
        a
    }
}

type Built = kiln::Result<Vec<Array>>;

/// Which results of a function the three modes must give bit for bit.
#[derive(Clone, Copy, PartialEq)]
enum Exact {
    /// None (a math library, or sums in different orders).
    No,
    /// Those of real inputs: on complex values the function divides or multiplies
    /// (abs, sign, reciprocal, square, ..).
    Real,
    /// Every one: the parts, conjugation, negation, the classifications.
    Always,
}

type Unary = fn(&Array) -> kiln::Result<Array>;

const UNARY: [(&str, Unary, Exact); 39] = [
    ("abs", kiln::abs, Exact::Real),
    ("acos", kiln::acos, Exact::No),
    ("acosh", kiln::acosh, Exact::No),
    ("asin", kiln::asin, Exact::No),
    ("asinh", kiln::asinh, Exact::No),
    ("atan", kiln::atan, Exact::No),
    ("atanh", kiln::atanh, Exact::No),
    ("bitwise_invert", kiln::bitwise_invert, Exact::Real),
    ("ceil", kiln::ceil, Exact::Real),
    ("conj", kiln::conj, Exact::Always),
    ("cos", kiln::cos, Exact::No),
    ("cosh", kiln::cosh, Exact::No),
    ("exp", kiln::exp, Exact::No),
    ("expm1", kiln::expm1, Exact::No),
    ("floor", kiln::floor, Exact::Real),
    ("imag", kiln::imag, Exact::Always),
    ("isfinite", kiln::isfinite, Exact::Always),
    ("isinf", kiln::isinf, Exact::Always),
    ("isnan", kiln::isnan, Exact::Always),
    ("log", kiln::log, Exact::No),
    ("log1p", kiln::log1p, Exact::No),
    ("log2", kiln::log2, Exact::No),
    ("log10", kiln::log10, Exact::No),
    ("logical_not", kiln::logical_not, Exact::Real),
    ("negative", kiln::negative, Exact::Always),
    ("positive", kiln::positive, Exact::Always),
    ("real", kiln::real, Exact::Always),
    ("reciprocal", kiln::reciprocal, Exact::Real),
    ("round", kiln::round, Exact::Real),
    ("sign", kiln::sign, Exact::Real),
    ("signbit", kiln::signbit, Exact::Real),
    ("sin", kiln::sin, Exact::No),
    ("sinh", kiln::sinh, Exact::No),
    ("square", kiln::square, Exact::Real),
    ("sqrt", kiln::sqrt, Exact::No),
    ("tan", kiln::tan, Exact::No),
    ("tanh", kiln::tanh, Exact::No),
    ("trunc", kiln::trunc, Exact::Real),
    ("matrix_transpose", kiln::matrix_transpose, Exact::Real),
];

type Reduction = fn(&Array, ReduceOpts) -> kiln::Result<Array>;

/// The reductions, and whether they are exact on real dtypes whatever the order.
const REDUCTIONS: [(&str, Reduction, bool); 11] = [
    ("sum", |x, o| kiln::sum(x, o), false),
    ("prod", |x, o| kiln::prod(x, o), false),
    ("max", |x, o| kiln::max(x, o), true),
    ("min", |x, o| kiln::min(x, o), true),
    ("mean", |x, o| kiln::mean(x, o), false),
    ("any", |x, o| kiln::any(x, o), true),
    ("all", |x, o| kiln::all(x, o), true),
    ("var", |x, o| kiln::var(x, o), false),
    ("std", |x, o| kiln::std(x, o), false),
    ("argmax", |x, o| kiln::argmax(x, o), true),
    ("count_nonzero", |x, o| kiln::count_nonzero(x, o), true),
];

type Bin = fn(Operand, Operand) -> kiln::Result<Array>;

const BINARY: [(Bin, bool); 28] = [
    (|a, b| kiln::add(a, b), false),
    (|a, b| kiln::atan2(a, b), false),
    (|a, b| kiln::bitwise_and(a, b), true),
    (|a, b| kiln::bitwise_left_shift(a, b), true),
    (|a, b| kiln::bitwise_or(a, b), true),
    (|a, b| kiln::bitwise_right_shift(a, b), true),
    (|a, b| kiln::bitwise_xor(a, b), true),
    (|a, b| kiln::copysign(a, b), true),
    (|a, b| kiln::divide(a, b), false),
    (|a, b| kiln::equal(a, b), true),
    (|a, b| kiln::floor_divide(a, b), false),
    (|a, b| kiln::greater(a, b), true),
    (|a, b| kiln::greater_equal(a, b), true),
    (|a, b| kiln::hypot(a, b), false),
    (|a, b| kiln::less(a, b), true),
    (|a, b| kiln::less_equal(a, b), true),
    (|a, b| kiln::logaddexp(a, b), false),
    (|a, b| kiln::logical_and(a, b), true),
    (|a, b| kiln::logical_or(a, b), true),
    (|a, b| kiln::logical_xor(a, b), true),
    (|a, b| kiln::maximum(a, b), true),
    (|a, b| kiln::minimum(a, b), true),
    (|a, b| kiln::multiply(a, b), false),
    (|a, b| kiln::nextafter(a, b), true),
    (|a, b| kiln::not_equal(a, b), true),
    (|a, b| kiln::pow(a, b), false),
    (|a, b| kiln::remainder(a, b), false),
    (|a, b| kiln::subtract(a, b), false),
];

/// Integer and bool inputs make add, multiply, subtract, remainder, floor_divide exact.
fn exact_for(dtype: DType) -> bool {
    !dtype.is_floating()
}

fn opt_axis(rng: &mut Rng, ndim: usize) -> Option<i64> {
    rng.chance(0.8).then(|| rng.axis(ndim))
}

fn reduce_opts(rng: &mut Rng, ndim: usize) -> ReduceOpts {
    let mut o = ReduceOpts::new().keepdims(rng.chance(0.3));
    match rng.below(4) {
        0 => {}
        1 | 2 => o = o.axis(rng.axis(ndim)),
        _ => o = o.axes((0..rng.below(3)).map(|_| rng.axis(ndim))),
    }
    if rng.chance(0.15) {
        o = o.dtype(rng.pick(&DType::ALL));
    }
    if rng.chance(0.15) {
        o = o.correction(rng.pick(&[0.0, 1.0, 2.5, -1.0, 10.0]));
    }
    o
}

fn fft_opts(rng: &mut Rng, ndim: usize) -> FftOpts {
    let mut o = FftOpts::new().axis(rng.axis(ndim));
    if rng.chance(0.4) {
        o = o.n(rng.count());
    }
    o.norm(rng.pick(&[FftNorm::Backward, FftNorm::Ortho, FftNorm::Forward]))
}

fn fftn_opts(rng: &mut Rng, ndim: usize) -> FftnOpts {
    let mut o = FftnOpts::new();
    if rng.chance(0.5) {
        o = o.axes((0..rng.below(3)).map(|_| rng.axis(ndim)));
    }
    if rng.chance(0.4) {
        let k = o.axes.as_ref().map_or(ndim, |a| a.len());
        let k = if rng.chance(0.2) { k + 1 } else { k };
        o = o.s((0..k).map(|_| rng.count() as i64 - i64::from(rng.chance(0.1))));
    }
    o
}

/// One random call: its description, whether its results are exact, and what it built.
fn call(rng: &mut Rng, depth: u32) -> (String, bool, Built) {
    call_on(rng, depth, None)
}

/// One random call or, a fifth of the time, two: the second on the first one's first
/// result, and every result of both requested together, so that a value the plan
/// must keep as an output also feeds later kernels and library calls.
fn calls(rng: &mut Rng) -> (String, bool, Built) {
    if !rng.chance(0.2) {
        return call(rng, 2);
    }
    let (name, exact, first) = call(rng, 1);
    let mut outputs = match first {
        Ok(a) if !a.is_empty() && a[0].size() <= 4096 => a,
        other => return (name, exact, other),
    };
    let given = (outputs[0].clone(), name.clone(), exact);
    let (name2, exact2, second) = call_on(rng, 1, Some(given));
    let name = format!("{name2}, requested with its input");
    match second {
        Ok(more) => {
            outputs.extend(more);
            (name, exact2, Ok(outputs))
        }
        Err(e) => (name, exact2, Err(e)),
    }
}

/// A random call on `given` (an earlier call's result, its name and exactness) or on a
/// fresh input.
fn call_on(
    rng: &mut Rng,
    depth: u32,
    given: Option<(Array, String, bool)>,
) -> (String, bool, Built) {
    // Sometimes x is the (lazy) result of an earlier call, so that calls of different
    // families meet in one graph and fuse.
    let (x, d, exact_x) = match given {
        Some((x, name, exact)) => {
            let d = format!("x: {:?} {:?} = {name}", x.dtype(), x.shape());
            (x, d, exact)
        }
        None => match depth > 0 && rng.chance(0.4) {
            true => match call(rng, depth - 1) {
                (name, exact, Ok(mut arrays)) if !arrays.is_empty() && arrays[0].size() <= 4096 => {
                    let x = arrays.swap_remove(0);
                    // Sometimes computed first, in a mode of its own: later graphs then read
                    // its buffer (a result of any mode) as data.
                    let mode = rng.pick(&[Mode::Interpreter, Mode::Fused, Mode::Eager]);
                    let early = rng.chance(0.25) && x.compute_with(mode).is_ok();
                    let d = format!("x: {:?} {:?} = {name}", x.dtype(), x.shape());
                    let d = if early {
                        format!("{d}, computed {mode:?}")
                    } else {
                        d
                    };
                    (x, d, exact)
                }
                _ => {
                    let x = array(rng);
                    let d = format!("x: {:?} {:?}", x.dtype(), x.shape());
                    (x, d, true)
                }
            },
            false => {
                let x = array(rng);
                let d = format!("x: {:?} {:?}", x.dtype(), x.shape());
                (x, d, true)
            }
        },
    };
    let nd = x.ndim();
    let which = rng.below(63);
    macro_rules! go {
        ($exact:expr, $name:expr, $e:expr) => {{
            let r: Built = $e;
            (format!("{} ({d})", $name), $exact && exact_x, r)
        }};
    }
    let one = |r: kiln::Result<Array>| r.map(|a| vec![a]);
    match which {
        0..=7 => {
            let (name, f, exact) = UNARY[rng.below(UNARY.len())];
            let exact = match exact {
                Exact::No => false,
                Exact::Real => !x.dtype().is_complex(),
                Exact::Always => true,
            };
            go!(exact, name, one(f(&x)))
        }
        8..=15 => {
            let y = partner(rng, &x);
            let i = rng.below(BINARY.len());
            let (f, exact) = BINARY[i];
            let exact = exact || (exact_for(x.dtype()) && exact_for(y.dtype()));
            // Sometimes one side is a Rust scalar (it takes the array's dtype, or fails
            // to: a float scalar with integers, an integer beyond the dtype's range).
            let scalar = match rng.below(4) {
                0 => Scalar::Float(value(rng)),
                1 => Scalar::Int(rng.pick(&[0, 1, -1, 7, 255, 256, -129, i64::MAX as i128])),
                2 => Scalar::Bool(rng.chance(0.5)),
                _ => Scalar::Complex(value(rng), value(rng)),
            };
            let (a, b, name): (Operand, Operand, String) = match rng.below(8) {
                0 => (
                    (&x).into(),
                    scalar.into(),
                    format!("binary #{i} with {scalar:?}"),
                ),
                1 => (
                    scalar.into(),
                    (&x).into(),
                    format!("binary #{i}, {scalar:?} first"),
                ),
                _ => {
                    let name = format!("binary #{i} with y: {:?} {:?}", y.dtype(), y.shape());
                    ((&x).into(), (&y).into(), name)
                }
            };
            go!(exact, name, one(f(a, b)))
        }
        16 => {
            let y = partner(rng, &x);
            let c = partner(rng, &x);
            let c = kiln::greater(&c, 0).unwrap_or(c);
            go!(true, "where", one(kiln::where_(&c, &x, &y)))
        }
        17 => {
            let lo = rng.chance(0.7).then(|| partner(rng, &x));
            let hi = rng.chance(0.7).then(|| partner(rng, &x));
            go!(true, "clip", one(kiln::clip(&x, lo.as_ref(), hi.as_ref())))
        }
        18..=21 => {
            let o = reduce_opts(rng, nd);
            let k = rng.below(REDUCTIONS.len());
            let float_acc = o.dtype.is_some_and(|t| t.is_floating());
            let (fname, f, exact_on_reals) = REDUCTIONS[k];
            let name = format!("{fname} {o:?}");
            let r = f(&x, o);
            // max, min, any, all, argmax, count_nonzero are exact on any real dtype;
            // sums and products on integers, unless they accumulate in a float dtype.
            let exact = (!x.dtype().is_floating() && !float_acc)
                || (!x.dtype().is_complex() && exact_on_reals);
            go!(exact, name, one(r))
        }
        22 => {
            let mut o = CumulativeOpts::new().include_initial(rng.chance(0.3));
            if let Some(a) = opt_axis(rng, nd) {
                o = o.axis(a);
            }
            let r = if rng.chance(0.5) {
                kiln::cumulative_sum(&x, o)
            } else {
                kiln::cumulative_prod(&x, o)
            };
            go!(exact_for(x.dtype()), "cumulative", one(r))
        }
        23 => {
            let s: Vec<i64> = (0..rng.below(4))
                .map(|_| rng.pick(&[-1, 0, 1, 2, 3, 4, 6, 12]))
                .collect();
            go!(true, format!("reshape {s:?}"), one(kiln::reshape(&x, &s)))
        }
        24 => {
            let a: Vec<i64> = (0..nd + rng.below(2)).map(|_| rng.axis(nd)).collect();
            go!(
                true,
                format!("permute_dims {a:?}"),
                one(kiln::permute_dims(&x, &a))
            )
        }
        25 => {
            let (s, t) = (rng.axis(nd), rng.axis(nd));
            go!(
                true,
                format!("moveaxis {s} {t}"),
                one(kiln::moveaxis(&x, [s], [t]))
            )
        }
        26 => {
            let rank = rng.below(4);
            let s = shape(rng, rank);
            go!(
                true,
                format!("broadcast_to {s:?}"),
                one(kiln::broadcast_to(&x, &s))
            )
        }
        27 => {
            let y = partner(rng, &x);
            go!(true, "broadcast_arrays", kiln::broadcast_arrays(&[&x, &y]))
        }
        28 => {
            let a: Vec<i64> = (0..1 + rng.below(2)).map(|_| rng.axis(nd + 1)).collect();
            let name = format!("expand_dims {a:?}");
            go!(true, name, one(kiln::expand_dims(&x, a)))
        }
        29 => {
            let a = opt_axis(rng, nd);
            go!(true, format!("squeeze {a:?}"), one(kiln::squeeze(&x, a)))
        }
        30 => {
            let a = opt_axis(rng, nd);
            go!(true, format!("flip {a:?}"), one(kiln::flip(&x, a)))
        }
        31 => {
            let shift = rng.int() * 3;
            let a = opt_axis(rng, nd);
            go!(
                true,
                format!("roll {shift} {a:?}"),
                one(kiln::roll(&x, [shift], a))
            )
        }
        32 => {
            let y = partner(rng, &x);
            let z = partner(rng, &x);
            let parts: Vec<&Array> = [&x, &y, &z][..1 + rng.below(3)].to_vec();
            let a = opt_axis(rng, nd);
            let r = if rng.chance(0.5) {
                kiln::concat(&parts, a)
            } else {
                kiln::stack(&parts, a.unwrap_or(0))
            };
            go!(true, format!("concat/stack {a:?}"), one(r))
        }
        33 => {
            let t = rng.pick(&DType::ALL);
            go!(true, format!("astype {t:?}"), one(kiln::astype(&x, t)))
        }
        34 => {
            let a = rng.axis(nd);
            go!(true, format!("unstack {a}"), kiln::unstack(&x, a))
        }
        35 => {
            let reps: Vec<usize> = (0..rng.below(4)).map(|_| rng.count()).collect();
            go!(true, format!("tile {reps:?}"), one(kiln::tile(&x, &reps)))
        }
        36 => {
            let a = opt_axis(rng, nd);
            let r = if rng.chance(0.5) {
                kiln::repeat(&x, rng.count(), a)
            } else {
                let n = x
                    .shape()
                    .get(a.unwrap_or(0).rem_euclid(nd.max(1) as i64) as usize);
                let len = if a.is_none() {
                    x.size()
                } else {
                    n.copied().unwrap_or(1)
                };
                let len = if rng.chance(0.2) { len + 1 } else { len };
                let v: Vec<i64> = (0..len).map(|_| rng.int().abs() - 1).collect();
                let counts = kiln::from_vec(v, [len]).expect("counts");
                kiln::repeat(&x, kiln::Repeats::Each(counts), a)
            };
            go!(true, format!("repeat {a:?}"), one(r))
        }
        37 => {
            let a = rng.axis(nd);
            let n = rng.count();
            let pre = rng.chance(0.3).then(|| partner(rng, &x));
            let post = rng.chance(0.3).then(|| partner(rng, &x));
            let r = kiln::diff(&x, a, n, pre.as_ref(), post.as_ref());
            go!(exact_for(x.dtype()), format!("diff {a} {n}"), one(r))
        }
        38 => {
            let len = x.shape().first().copied().unwrap_or(1);
            let idx = int_array(rng, len);
            let a = opt_axis(rng, nd);
            go!(true, format!("take {a:?}"), one(kiln::take(&x, &idx, a)))
        }
        39 => {
            let len = x.shape().last().copied().unwrap_or(1);
            let idx = int_array(rng, len);
            let idx = if nd > 1 && rng.chance(0.7) {
                let mut s = x.shape().to_vec();
                *s.last_mut().expect("rank") = idx.size();
                kiln::broadcast_to(&kiln::reshape(&idx, [-1]).expect("1-d"), &s).unwrap_or(idx)
            } else {
                idx
            };
            let a = rng.axis(nd);
            go!(
                true,
                format!("take_along_axis {a}"),
                one(kiln::take_along_axis(&x, &idx, a))
            )
        }
        40 => go!(true, "nonzero", kiln::nonzero(&x)),
        41 => {
            let m = partner(rng, &x);
            let m = kiln::greater(&m, 0).unwrap_or(m);
            go!(true, "mask_select", one(kiln::mask_select(&x, &m)))
        }
        42 => {
            let r = match rng.below(4) {
                0 => kiln::unique_values(&x).map(|u| vec![u]),
                1 => kiln::unique_counts(&x).map(|u| vec![u.values, u.counts]),
                2 => kiln::unique_inverse(&x).map(|u| vec![u.values, u.inverse_indices]),
                _ => kiln::unique_all(&x).map(|u| vec![u.values, u.indices, u.inverse_indices]),
            };
            go!(true, "unique", r)
        }
        43 => {
            let y = partner(rng, &x);
            let r = kiln::isin(&x, &y, IsinOpts::new().invert(rng.chance(0.5)));
            go!(true, "isin", one(r))
        }
        44 => {
            let o = SortOpts::new()
                .axis(rng.axis(nd))
                .descending(rng.chance(0.5))
                .stable(rng.chance(0.5));
            let r = if rng.chance(0.5) {
                kiln::sort(&x, o)
            } else {
                kiln::argsort(&x, o)
            };
            // An unstable argsort may order equal keys differently in each mode.
            go!(o.stable, format!("sort {o:?}"), one(r))
        }
        45 => {
            let y = partner(rng, &x);
            let mut o = SearchOpts::new().side(rng.pick(&[Side::Left, Side::Right]));
            if rng.chance(0.2) {
                o = o.sorter(&int_array(rng, x.size()));
            }
            go!(true, "searchsorted", one(kiln::searchsorted(&x, &y, o)))
        }
        46 => {
            let y = partner(rng, &x);
            let r = match rng.below(4) {
                0 => kiln::matmul(&x, &y),
                1 => kiln::vecdot(&x, &y, rng.axis(nd)),
                2 if rng.chance(0.5) => kiln::tensordot(&x, &y, rng.below(3)),
                2 => {
                    let k = rng.below(3);
                    let (a, b) = (0..k).map(|_| (rng.axis(nd), rng.axis(y.ndim()))).unzip();
                    kiln::tensordot(&x, &y, kiln::TensordotAxes::Pairs(a, b))
                }
                _ => kiln::linalg::outer(&x, &y),
            };
            go!(false, "products", one(r))
        }
        47 => {
            let y = partner(rng, &x);
            let r = kiln::linalg::cross(&x, &y, rng.axis(nd));
            go!(exact_for(x.dtype()), "cross", one(r))
        }
        48..=49 => {
            use kiln::linalg as la;
            let r = match rng.below(16) {
                0 => la::cholesky(&x, rng.chance(0.5)).map(|a| vec![a]),
                1 => la::det(&x).map(|a| vec![a]),
                2 => la::eigh(&x).map(|e| vec![e.eigenvalues, e.eigenvectors]),
                3 => la::eigvalsh(&x).map(|a| vec![a]),
                4 => la::inv(&x).map(|a| vec![a]),
                5 => {
                    let ord = rng.pick(&[
                        MatrixNorm::Fro,
                        MatrixNorm::Nuc,
                        MatrixNorm::One,
                        MatrixNorm::NegOne,
                        MatrixNorm::Two,
                        MatrixNorm::NegTwo,
                        MatrixNorm::Inf,
                        MatrixNorm::NegInf,
                    ]);
                    la::matrix_norm(&x, rng.chance(0.5), ord).map(|a| vec![a])
                }
                6 => {
                    let ord = rng.pick(&[2.0, 1.0, 0.0, -1.0, f64::INFINITY, 3.5]);
                    la::vector_norm(&x, opt_axis(rng, nd), rng.chance(0.5), ord).map(|a| vec![a])
                }
                7 => la::matrix_power(&x, rng.int()).map(|a| vec![a]),
                8 => la::matrix_rank(&x, None).map(|a| vec![a]),
                9 => la::pinv(&x, None).map(|a| vec![a]),
                10 => {
                    let m = rng.pick(&[QrMode::Reduced, QrMode::Complete]);
                    la::qr(&x, m).map(|q| vec![q.q, q.r])
                }
                11 => la::slogdet(&x).map(|s| vec![s.sign, s.logabsdet]),
                12 => {
                    let y = partner(rng, &x);
                    la::solve(&x, &y).map(|a| vec![a])
                }
                13 => la::svd(&x, rng.chance(0.5)).map(|s| vec![s.u, s.s, s.vh]),
                14 => la::svdvals(&x).map(|a| vec![a]),
                _ => la::trace(&x, rng.int(), None).map(|a| vec![a]),
            };
            go!(false, "linalg", r)
        }
        50 => {
            let k = rng.int();
            let r = match rng.below(3) {
                0 => kiln::linalg::diagonal(&x, k),
                1 => kiln::tril(&x, k),
                _ => kiln::triu(&x, k),
            };
            go!(true, format!("diagonal/tril/triu {k}"), one(r))
        }
        51..=52 => {
            use kiln::fft as f;
            let o = fft_opts(rng, nd);
            let on = fftn_opts(rng, nd);
            let name = format!("fft {o:?} {on:?}");
            let r = match rng.below(10) {
                0 => f::fft(&x, o),
                1 => f::ifft(&x, o),
                2 => f::rfft(&x, o),
                3 => f::irfft(&x, o),
                4 => f::hfft(&x, o),
                5 => f::ihfft(&x, o),
                6 => f::fftn(&x, on),
                7 => f::ifftn(&x, on),
                8 => f::rfftn(&x, on),
                _ => f::irfftn(&x, on),
            };
            go!(false, name, one(r))
        }
        53 => {
            let a = opt_axis(rng, nd);
            let r = if rng.chance(0.5) {
                kiln::fft::fftshift(&x, a)
            } else {
                kiln::fft::ifftshift(&x, a)
            };
            go!(true, "fftshift", one(r))
        }
        54 => {
            let index: Vec<SliceArg> = (0..rng.below(nd + 2))
                .map(|_| match rng.below(6) {
                    0 => SliceArg::Index(rng.int()),
                    1 => SliceArg::NewAxis,
                    2 if rng.chance(0.3) => SliceArg::Ellipsis,
                    _ => SliceArg::Range {
                        start: rng.chance(0.5).then(|| rng.int()),
                        stop: rng.chance(0.5).then(|| rng.int()),
                        step: rng.pick(&[1, 1, 2, -1, -2, 3, 0]),
                    },
                })
                .collect();
            let name = format!("slice {index:?}");
            go!(true, name, one(x.slice(index)))
        }
        55 => {
            let t = rng.pick(&DType::ALL);
            let rank = rng.below(3);
            let s = shape(rng, rank);
            let r = match rng.below(8) {
                0 => kiln::zeros(&s, t),
                1 => kiln::ones(&s, t),
                2 => kiln::full(&s, value(rng), t),
                3 => kiln::zeros_like(&x, t),
                4 => kiln::full_like(&x, rng.int(), ()),
                5 => kiln::arange(value(rng), value(rng), value(rng), ()),
                6 => kiln::linspace(value(rng), value(rng), rng.count(), rng.chance(0.5), t),
                _ => kiln::eye(
                    rng.count(),
                    rng.chance(0.5).then(|| rng.count()),
                    rng.int(),
                    t,
                ),
            };
            go!(true, format!("creation {t:?} {s:?}"), one(r))
        }
        56 => {
            let y = partner(rng, &x);
            let z = partner(rng, &x);
            let parts: Vec<&Array> = [&x, &y, &z][..rng.below(4)].to_vec();
            let ix = rng.pick(&[Indexing::Xy, Indexing::Ij]);
            go!(true, "meshgrid", kiln::meshgrid(&parts, ix))
        }
        57 => {
            let n = rng.count();
            let dd = rng.pick(&[1.0, 0.5, 0.0, -2.0]);
            let r = if rng.chance(0.5) {
                kiln::fft::fftfreq(n, dd, ())
            } else {
                kiln::fft::rfftfreq(n, dd, ())
            };
            go!(true, format!("fftfreq {n} {dd}"), one(r))
        }
        58 => {
            let o = reduce_opts(rng, nd);
            let name = format!("argmin {o:?}");
            go!(true, name, one(kiln::argmin(&x, o)))
        }
        59 => {
            // Composites of the above in one graph.
            let y = partner(rng, &x);
            let r = kiln::add(&x, &y).and_then(|s| {
                let a = rng.axis(s.ndim());
                kiln::sort(&s, SortOpts::new().axis(a)).and_then(|t| kiln::cumulative_sum(&t, a))
            });
            go!(
                exact_for(x.dtype()) && exact_for(y.dtype()),
                "add-sort-cumsum",
                one(r)
            )
        }
        60 => go!(true, "matrix_transpose", one(kiln::matrix_transpose(&x))),
        61 => {
            // The dtype utilities: answers or errors, never panics (no arrays built).
            let (a, b) = (rng.pick(&DType::ALL), rng.pick(&DType::ALL));
            let some: Vec<DType> = (0..rng.below(4)).map(|_| rng.pick(&DType::ALL)).collect();
            let kind = rng.pick(&[
                "bool",
                "signed integer",
                "unsigned integer",
                "integral",
                "real floating",
                "complex floating",
                "numeric",
                "bogus",
                "",
            ]);
            let _ = kiln::result_type(&some);
            let _ = kiln::can_cast(a, b);
            let _ = kiln::finfo(a);
            let _ = kiln::iinfo(a);
            let _ = kiln::isdtype(a, kind);
            let shapes: Vec<Vec<usize>> = (0..rng.below(4)).map(|_| shape(rng, 2)).collect();
            let refs: Vec<&[usize]> = shapes.iter().map(|s| s.as_slice()).collect();
            let _ = kiln::broadcast_shapes(&refs);
            go!(true, "dtype utilities", Ok(vec![]))
        }
        _ => {
            let y = partner(rng, &x);
            let r = kiln::equal(&x, &y).and_then(|m| kiln::mask_select(&x, &m));
            go!(true, "mask_select of equal", one(r))
        }
    }
}

type Outcome = Result<Vec<(Vec<usize>, Vec<i128>)>, String>;

/// What one mode made of the built arrays: their shapes and bits, or the error.
fn outcome(arrays: &[Array], mode: Mode, tally: &mut Tally) -> Outcome {
    let refs: Vec<&Array> = arrays.iter().collect();
    let stats = kiln::eval_with(&refs, mode).map_err(|e| e.to_string())?;
    if mode == Mode::Interpreter {
        // Printing a result (NumPy's repr, abbreviated past 1000 elements) must not
        // panic either; it is text, not compared.
        for a in arrays {
            assert!(!format!("{a}").is_empty());
        }
    }
    if mode == Mode::Fused {
        tally.fused_kernels += stats.kernels as u64;
        tally.library_calls += stats.library_calls as u64;
    }
    arrays
        .iter()
        .map(|a| {
            Ok((
                a.shape().to_vec(),
                common::bits(a, true).map_err(|e| e.to_string())?,
            ))
        })
        .collect()
}

/// An error must say where the call that caused it was written (a file and line), even
/// when it comes from computing (an index out of bounds, a singular matrix).
fn located(msg: &str) -> Result<(), String> {
    match msg.contains(".rs:") {
        true => Ok(()),
        false => Err(format!("the error does not say where: {msg}")),
    }
}

/// How a call went: failed where it was made, or computed (and compared bit for bit).
#[derive(Default, Debug)]
struct Tally {
    rejected: u64,
    too_large: u64,
    computed: u64,
    failed_in_every_mode: u64,
    compared: u64,
    fused_kernels: u64,
    library_calls: u64,
}

fn check(seed: u64, tally: &mut Tally) -> Result<(), String> {
    // The call is built afresh for each mode (the same seed, the same call): a computed
    // array keeps its data, so a second mode would otherwise only read the first's.
    let build = || catch_unwind(AssertUnwindSafe(|| calls(&mut Rng(seed))));
    let (name, exact, built) = build().map_err(|_| format!("seed {seed}: building panicked"))?;
    match &built {
        Err(e) => {
            tally.rejected += 1; // an error where the call was made: what bad arguments give
            return located(&e.to_string()).map_err(|e| format!("seed {seed}: {name}: {e}"));
        }
        // A valid call can ask for more memory than this machine has (`arange(-3e9,
        // 3e9, 10)`: 6e8 elements): built, not computed.
        Ok(arrays) if arrays.iter().any(|a| a.size() > 1 << 20) => {
            tally.too_large += 1;
            return Ok(());
        }
        Ok(_) => tally.computed += 1,
    }
    let mut outcomes = Vec::new();
    for mode in [Mode::Interpreter, Mode::Fused, Mode::Eager] {
        let (_, _, built) = build().map_err(|_| format!("seed {seed}: building panicked"))?;
        let arrays =
            built.map_err(|e| format!("seed {seed}: {name}: failed to build again: {e}"))?;
        let o = catch_unwind(AssertUnwindSafe(|| outcome(&arrays, mode, tally)))
            .map_err(|_| format!("seed {seed}: {name}: computing in {mode:?} panicked"))?;
        outcomes.push((mode, o));
    }
    let (_, want) = &outcomes[0];
    for (mode, got) in &outcomes[1..] {
        match (want, got) {
            (Ok(w), Ok(g)) => {
                for ((ws, wb), (gs, gb)) in w.iter().zip(g) {
                    if ws != gs {
                        return Err(format!(
                            "seed {seed}: {name}: {mode:?} shape {gs:?}, interpreter {ws:?}"
                        ));
                    }
                    tally.compared += u64::from(exact);
                    if exact && wb != gb {
                        return Err(format!(
                            "seed {seed}: {name}: {mode:?} values differ from the interpreter's"
                        ));
                    }
                }
            }
            (Err(e), Err(_)) => {
                tally.failed_in_every_mode += u64::from(*mode == Mode::Eager);
                located(e).map_err(|e| format!("seed {seed}: {name}: {e}"))?;
            }
            (Ok(_), Err(e)) => {
                return Err(format!(
                    "seed {seed}: {name}: {mode:?} failed ({e}) where the interpreter succeeded"
                ))
            }
            (Err(e), Ok(_)) => {
                return Err(format!(
                    "seed {seed}: {name}: the interpreter failed ({e}) where {mode:?} succeeded"
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn random_api_calls_never_panic_and_the_modes_agree() {
    let cases: u64 = std::env::var("KILN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let first: u64 = std::env::var("KILN_FUZZ_FIRST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_110_000_000);
    let trace = std::env::var_os("KILN_FUZZ_TRACE").is_some();
    // Panics are caught and reported with their seed; keep the default hook's message
    // (which names the file and line) for the report.
    let mut failures = Vec::new();
    let mut tally = Tally::default();
    for seed in first..first + cases {
        if trace {
            eprintln!("seed {seed}");
        }
        if let Err(e) = check(seed, &mut tally) {
            eprintln!("{e}");
            failures.push(e);
            if failures.len() >= 20 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first: {}",
        failures.len(),
        failures[0]
    );
    println!(
        "{cases} random API calls, no panic, modes agree (seeds {first}..{}): {tally:?}",
        first + cases
    );
}

/// Calls computed from several threads at once (a user's own threads, or their rayon
/// pool, sharing kiln's kernel cache, buffer pool and thread pool) give the same shapes,
/// bits and errors as the same calls computed one after another, in each compiled mode:
/// every value, transcendental, linear algebra and FFT included, since the graph and
/// the mode are the same. `KILN_FUZZ_THREADED` calls (default 3,000), four threads.
#[test]
fn calls_from_several_threads_at_once_match_the_same_calls_one_by_one() {
    let cases: u64 = std::env::var("KILN_FUZZ_THREADED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let first = 4_200_000_000u64;
    type Runs = Vec<(Mode, Outcome)>;
    let run = |seed: u64| -> Runs {
        let (_, _, built) = calls(&mut Rng(seed));
        match built {
            Ok(a) if a.iter().all(|a| a.size() <= 1 << 20) => {}
            _ => return Vec::new(),
        }
        [Mode::Fused, Mode::Eager]
            .into_iter()
            .map(|mode| {
                let (_, _, built) = calls(&mut Rng(seed));
                let arrays = built.expect("built once already");
                (mode, outcome(&arrays, mode, &mut Tally::default()))
            })
            .collect()
    };
    let serial: Vec<Runs> = (first..first + cases).map(run).collect();
    let threads = 4;
    let concurrent: Vec<Vec<(u64, Runs)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (first + t..first + cases)
                        .step_by(threads as usize)
                        .map(|seed| (seed, run(seed)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread panicked"))
            .collect()
    });
    let mut checked = 0;
    for (seed, got) in concurrent.into_iter().flatten() {
        let want = &serial[(seed - first) as usize];
        for ((mode, w), (_, g)) in want.iter().zip(&got) {
            assert_eq!(
                w, g,
                "seed {seed}, {mode:?}: concurrent and serial runs differ"
            );
            checked += 1;
        }
    }
    println!("{checked} computations from {threads} threads at once matched the serial ones");
}
