//! Complex numbers in the compiled modes: the complex-lowering pass turns each complex
//! value into (re, im) real parts, and these tests hold its results to the reference
//! interpreter's (num_complex) on finite values, for complex64 and complex128, through
//! views, reductions, scans, casts, matmul and odd shapes (0-d, empty, lengths that are
//! not a multiple of the vector width).

use kiln::{Array, Complex32, Complex64, DType, Mode, ReduceOpts};

fn values(n: usize, seed: u64, scale: f64) -> Vec<Complex64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ((x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
    };
    (0..n).map(|_| Complex64::new(next(), next())).collect()
}

fn array(v: &[Complex64], shape: &[usize], dtype: DType) -> Array {
    match dtype {
        DType::C128 => kiln::from_vec(v.to_vec(), shape).unwrap(),
        _ => kiln::from_vec(
            v.iter()
                .map(|z| Complex32::new(z.re as f32, z.im as f32))
                .collect::<Vec<_>>(),
            shape,
        )
        .unwrap(),
    }
}

/// Every element as complex128 (reals get a zero imaginary part).
fn read(a: &Array, mode: Mode) -> Vec<Complex64> {
    let wide = match a.dtype() {
        DType::C64 | DType::C128 => kiln::astype(a, DType::C128).unwrap(),
        DType::Bool => kiln::astype(&kiln::astype(a, DType::F64).unwrap(), DType::C128).unwrap(),
        _ => kiln::astype(&kiln::astype(a, DType::F64).unwrap(), DType::C128).unwrap(),
    };
    wide.compute_with(mode).unwrap().to_vec().unwrap()
}

/// Compiled modes agree with the interpreter to `tol` relative to |want| (+ tol). The
/// array is built afresh for every mode: a computed array keeps its value, so reading
/// one array in several modes would only compute it in the first. It is computed
/// before `read` widens it, so that a complex64 result is stored as complex64 (the
/// widening cast fused into its kernel would store complex128).
fn agree(build: &dyn Fn() -> Array, tol: f64, ctx: &str) {
    let computed = |mode| build().compute_with(mode).unwrap();
    let want = read(&computed(Mode::Interpreter), Mode::Interpreter);
    for mode in [Mode::Eager, Mode::Fused] {
        let got = read(&computed(mode), mode);
        assert_eq!(got.len(), want.len(), "{ctx}: length");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let err = (g - w).norm();
            let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
            assert!(
                err <= tol * (1.0 + w.norm()) || (same(g.re, w.re) && same(g.im, w.im)),
                "{ctx} in {mode:?}, element {i}: {g} vs {w}"
            );
        }
    }
}

fn tol(dtype: DType) -> f64 {
    if dtype == DType::C64 {
        1e-5
    } else {
        1e-13
    }
}

type F = fn(&Array) -> kiln::Result<Array>;

/// The unary functions that take complex input, by name.
const UNARY: &[(&str, F)] = &[
    ("abs", kiln::abs),
    ("real", kiln::real),
    ("imag", kiln::imag),
    ("conj", kiln::conj),
    ("negative", kiln::negative),
    ("positive", kiln::positive),
    ("square", kiln::square),
    ("exp", kiln::exp),
    ("expm1", kiln::expm1),
    ("log", kiln::log),
    ("log2", kiln::log2),
    ("log10", kiln::log10),
    ("reciprocal", kiln::reciprocal),
    ("sign", kiln::sign),
    ("sqrt", kiln::sqrt),
    ("sin", kiln::sin),
    ("cos", kiln::cos),
    ("sinh", kiln::sinh),
    ("cosh", kiln::cosh),
    ("tanh", kiln::tanh),
    ("tan", kiln::tan),
    ("round", kiln::round),
    ("log1p", kiln::log1p),
    ("asin", kiln::asin),
    ("acos", kiln::acos),
    ("atan", kiln::atan),
    ("asinh", kiln::asinh),
    ("acosh", kiln::acosh),
    ("atanh", kiln::atanh),
    ("isnan", kiln::isnan),
    ("isinf", kiln::isinf),
    ("isfinite", kiln::isfinite),
];

#[test]
fn elementwise_functions_agree_with_the_interpreter() {
    let unary = UNARY;
    for dtype in [DType::C64, DType::C128] {
        for &n in &[0usize, 1, 3, 7, 33] {
            let mut v = values(n, n as u64 + 1, 3.0);
            if n > 3 {
                v[1] = Complex64::new(0.0, 0.0);
                v[2] = Complex64::new(-2.0, 0.0);
                v[3] = Complex64::new(0.0, -1.5);
            }
            let x = array(&v, &[n], dtype);
            for (name, f) in unary {
                agree(
                    &|| f(&x).unwrap(),
                    tol(dtype) * 4.0,
                    &format!("{name} {dtype} n={n}"),
                );
            }
            let w = array(&values(n, 99, 2.0), &[n], dtype);
            agree(&|| (&x + &w).unwrap(), tol(dtype), "add");
            agree(&|| (&x - &w).unwrap(), tol(dtype), "subtract");
            agree(&|| (&x * &w).unwrap(), tol(dtype), "multiply");
            agree(&|| (&x / &w).unwrap(), tol(dtype), "divide");
            agree(&|| kiln::equal(&x, &x).unwrap(), 0.0, "equal");
            agree(&|| kiln::not_equal(&x, &w).unwrap(), 0.0, "not_equal");
            let base = array(&values(n, 7, 2.0), &[n], dtype);
            agree(&|| kiln::pow(&base, &w).unwrap(), tol(dtype) * 8.0, "pow");
            // complex64 pow computes in complex128: f32 parts scattered from an f64
            // vector plan, through a reversed step-2 view and an [n, 1] x [1, n]
            // broadcast
            let step = |a: &Array| a.slice(kiln::s![..;-2]).unwrap();
            agree(
                &|| kiln::pow(step(&base), step(&w)).unwrap(),
                tol(dtype) * 8.0,
                &format!("pow of views {dtype} n={n}"),
            );
            let col = kiln::reshape(&base, [-1, 1]).unwrap();
            let row = kiln::reshape(&w, [1, -1]).unwrap();
            agree(
                &|| kiln::pow(&col, &row).unwrap(),
                tol(dtype) * 8.0,
                &format!("pow broadcast {dtype} n={n}"),
            );
        }
    }
}

#[test]
fn views_scalars_reductions_and_scans_agree() {
    for dtype in [DType::C64, DType::C128] {
        let v = values(15, 5, 1.0);
        let x = array(&v, &[3, 5], dtype);
        let t = kiln::matrix_transpose(&x).unwrap();
        agree(
            &|| (kiln::exp(&t).unwrap() * 2.0).unwrap(),
            tol(dtype),
            "exp of a transposed view times a real scalar",
        );
        let row = array(&values(5, 6, 1.0), &[1, 5], dtype);
        agree(&|| (&x * &row).unwrap(), tol(dtype), "broadcast [1,5] head");
        let col = array(&values(3, 8, 1.0), &[3, 1], dtype);
        agree(&|| (&x + &col).unwrap(), tol(dtype), "broadcast [3,1] head");
        agree(&|| kiln::flip(&x, ()).unwrap(), 0.0, "flip");
        let rows = ReduceOpts::new().axis(1);
        agree(
            &|| kiln::sum(&x, rows.clone()).unwrap(),
            tol(dtype),
            "sum over rows",
        );
        agree(&|| kiln::mean(&x, ()).unwrap(), tol(dtype), "mean of all");
        agree(&|| kiln::any(&x, rows.clone()).unwrap(), 0.0, "any");
        agree(&|| kiln::all(&x, ()).unwrap(), 0.0, "all");
        agree(
            &|| kiln::cumulative_sum(&x, 1).unwrap(),
            tol(dtype),
            "cumulative_sum",
        );
        let zero_d = array(&values(1, 9, 1.0), &[], dtype);
        agree(&|| kiln::sqrt(&zero_d).unwrap(), tol(dtype), "0-d sqrt");
        let c = kiln::greater(kiln::real(&x).unwrap(), 0.0).unwrap();
        agree(
            &|| kiln::where_(&c, &x, kiln::flip(&x, ()).unwrap()).unwrap(),
            0.0,
            "where",
        );
        agree(
            &|| kiln::stack(&[&x, &x], 0).unwrap(),
            0.0,
            "stack (concat)",
        );
    }
}

#[test]
fn casts_between_real_and_complex_agree() {
    let v = values(9, 3, 2.0);
    let x = array(&v, &[9], DType::C128);
    agree(
        &|| kiln::astype(&x, DType::C64).unwrap(),
        1e-6,
        "complex128 → complex64",
    );
    let r = kiln::from_vec((0..9).map(|i| i as f32 - 4.0).collect(), [9]).unwrap();
    let z = kiln::astype(&r, DType::C64).unwrap();
    agree(
        &|| (&z * &kiln::astype(&x, DType::C64).unwrap()).unwrap(),
        1e-5,
        "float32 → complex64",
    );
}

/// A complex `linspace` is an index along an axis (iota) of a complex dtype: the
/// lowering makes it a real iota with a zero imaginary part. Before, the compiled modes
/// rejected it (found by tests/api_fuzz.rs). Values typed from the definition
/// start + i·(stop - start)/(num - 1), exact here.
#[test]
fn complex_linspace_computes_in_every_mode() {
    for dtype in [DType::C64, DType::C128] {
        for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
            let z = kiln::linspace(
                Complex64::new(0.0, 8.0),
                Complex64::new(4.0, 0.0),
                5,
                true,
                dtype,
            )
            .unwrap();
            let want: Vec<Complex64> = (0..5)
                .map(|i| Complex64::new(i as f64, 8.0 - 2.0 * i as f64))
                .collect();
            assert_eq!(read(&z, mode), want, "{dtype} {mode:?}");
            // Real bounds, a complex dtype, no endpoint: 0, 0.5, .., 2.5 with im 0.
            let z = kiln::linspace(0.0, 3.0, 6, false, dtype).unwrap();
            let want: Vec<Complex64> = (0..6)
                .map(|i| Complex64::new(i as f64 * 0.5, 0.0))
                .collect();
            assert_eq!(read(&z, mode), want, "{dtype} {mode:?}, real bounds");
            let z = kiln::linspace(Complex64::new(1.0, 1.0), 2.0, 0, true, dtype).unwrap();
            assert_eq!(read(&z, mode), vec![], "{dtype} {mode:?}, empty");
        }
        // Fused into a consumer.
        agree(
            &|| {
                let z = kiln::linspace(
                    Complex64::new(-1.0, 2.0),
                    Complex64::new(3.0, -1.5),
                    37,
                    true,
                    dtype,
                )
                .unwrap();
                kiln::exp(&z).unwrap()
            },
            tol(dtype),
            &format!("exp(linspace) {dtype}"),
        );
    }
}

/// (z, [asin, acos, asinh, acosh]) from Python's `cmath` (Kahan's algorithms).
/// An argument's parts and the four functions' values as (re, im) pairs.
type Case<T> = (T, T, [(T, T); 4]);

// cmath's output as it printed it: some values are π/2 or π to the last digit.
#[allow(clippy::approx_constant)]
const WIDE: [Case<f64>; 12] = [
    (
        -1e+30,
        2.0,
        [
            (-1.5707963267948966, 69.77069997038132),
            (3.141592653589793, -69.77069997038132),
            (-69.77069997038132, 1.9999999999999998e-30),
            (69.77069997038132, 3.141592653589793),
        ],
    ),
    (
        1e+30,
        -2.0,
        [
            (1.5707963267948966, -69.77069997038132),
            (2e-30, 69.77069997038132),
            (69.77069997038132, -1.9999999999999998e-30),
            (69.77069997038132, -2e-30),
        ],
    ),
    (
        2.0,
        1e+30,
        [
            (1.9999999999999998e-30, 69.77069997038132),
            (1.5707963267948968, -69.77069997038132),
            (69.77069997038132, 1.5707963267948966),
            (69.77069997038132, 1.5707963267948968),
        ],
    ),
    (
        -3000000000.0,
        4000000000.0,
        [
            (-0.6435011087932844, 23.025850929940454),
            (2.214297435588181, -23.025850929940454),
            (-23.025850929940454, 0.9272952180016122),
            (23.025850929940454, 2.214297435588181),
        ],
    ),
    (
        1e+20,
        -1e+20,
        [
            (0.7853981633974483, -47.091422630720835),
            (0.7853981633974483, 47.091422630720835),
            (47.091422630720835, -0.7853981633974483),
            (47.091422630720835, -0.7853981633974483),
        ],
    ),
    (
        0.5,
        10000000000.0,
        [
            (5e-11, 23.7189981105004),
            (1.5707963267448966, -23.7189981105004),
            (23.7189981105004, 1.5707963267448966),
            (23.7189981105004, 1.5707963267448966),
        ],
    ),
    (
        -7e+200,
        1.0,
        [
            (-1.5707963267948966, 463.1560759284244),
            (3.141592653589793, -463.1560759284244),
            (-463.1560759284244, 1.4285714285714286e-201),
            (463.1560759284244, 3.141592653589793),
        ],
    ),
    (
        -20000.0,
        30000.0,
        [
            (-0.5880026033700527, 11.185962231340861),
            (2.1587989301649495, -11.185962231340861),
            (-11.185962231192931, 0.9827937230698143),
            (11.185962231340861, 2.1587989301649495),
        ],
    ),
    (
        0.3,
        -0.4,
        [
            (0.28062956229180586, -0.4051123371780309),
            (1.2901667645030908, 0.4051123371780309),
            (0.3189624333048183, -0.3903162045220237),
            (0.4051123371780309, -1.2901667645030908),
        ],
    ),
    (
        -50000000.0,
        1.0,
        [
            (-1.5707963067948967, 18.420680743952367),
            (3.1415926335897932, -18.420680743952367),
            (-18.420680743952367, 1.9999999999999994e-08),
            (18.420680743952367, 3.1415926335897932),
        ],
    ),
    (
        1.5,
        0.0,
        [
            (1.5707963267948966, 0.9624236501192069),
            (0.0, -0.9624236501192069),
            (1.1947632172871094, 0.0),
            (0.9624236501192069, 0.0),
        ],
    ),
    (
        -100000000.0,
        -0.001,
        [
            (-1.5707963267848966, -19.11382792451231),
            (3.141592653579793, 19.11382792451231),
            (-19.11382792451231, -1.0000000000000001e-11),
            (19.11382792451231, -3.141592653579793),
        ],
    ),
];
/// complex64 arguments, the same functions in f64 by `cmath`, rounded to f32.
/// (The values are f32s, written as the f64s they widen to.)
#[allow(clippy::approx_constant)]
const NARROW: [Case<f64>; 8] = [
    (
        -1.0000000150474662e+30,
        2.0,
        [
            (-1.5707963705062866, 69.77069854736328),
            (3.1415927410125732, -69.77069854736328),
            (-69.77069854736328, 2.0000000063421537e-30),
            (69.77069854736328, 3.1415927410125732),
        ],
    ),
    (
        1.0000000200408773e+20,
        -1.0000000200408773e+20,
        [
            (0.7853981852531433, -47.09142303466797),
            (0.7853981852531433, 47.09142303466797),
            (47.09142303466797, -0.7853981852531433),
            (47.09142303466797, -0.7853981852531433),
        ],
    ),
    (
        3.000000104103097e+19,
        1.0,
        [
            (1.5707963705062866, 45.54087448120117),
            (3.333333335257551e-20, -45.54087448120117),
            (45.54087448120117, 3.333333335257551e-20),
            (45.54087448120117, 3.333333335257551e-20),
        ],
    ),
    (
        -5000000136282112.0,
        1999999973982208.0,
        [
            (-1.1902899742126465, 36.91557312011719),
            (2.7610862255096436, -36.91557312011719),
            (-36.91557312011719, 0.38050636649131775),
            (36.91557312011719, 2.7610862255096436),
        ],
    ),
    (
        -20000.0,
        30000.0,
        [
            (-0.588002622127533, 11.185962677001953),
            (2.158798933029175, -11.185962677001953),
            (-11.185962677001953, 0.9827937483787537),
            (11.185962677001953, 2.158798933029175),
        ],
    ),
    (
        0.30000001192092896,
        -0.4000000059604645,
        [
            (0.28062957525253296, -0.4051123559474945),
            (1.2901667356491089, 0.4051123559474945),
            (0.3189624547958374, -0.3903162181377411),
            (0.4051123559474945, -1.2901667356491089),
        ],
    ),
    (
        100.0,
        -9000.0,
        [
            (0.011110654100775719, -9.798189163208008),
            (1.5596857070922852, 9.798189163208008),
            (9.798189163208008, -1.5596857070922852),
            (9.798189163208008, -1.5596857070922852),
        ],
    ),
    (
        -9000.0,
        0.5,
        [
            (-1.570740818977356, 9.798127174377441),
            (3.1415371894836426, -9.798127174377441),
            (-9.798127174377441, 5.555555617320351e-05),
            (9.798127174377441, 3.1415371894836426),
        ],
    ),
];

/// asin, acos, asinh and acosh of large and mixed-sign finite arguments, in every mode,
/// against Python's `cmath`. The formulas' sums cancelled in three quadrants:
/// asin(-1e30 + 2j) gave -0 + 31.7j in the interpreter and -0 + inf·j compiled (found
/// by tests/api_fuzz.rs with a looser check); both now take the formula on a folded
/// argument and ln(2z) past 2^27 (2^13 for complex64), where z² would also overflow.
#[test]
fn inverse_functions_of_large_arguments_match_cmath() {
    let fs: [F; 4] = [kiln::asin, kiln::acos, kiln::asinh, kiln::acosh];
    let close = |got: f64, want: f64, tol: f64| (got - want).abs() <= tol * want.abs() + 1e-300;
    let sets: [(&[Case<f64>], DType, f64); 2] =
        [(&WIDE, DType::C128, 1e-13), (&NARROW, DType::C64, 4e-6)];
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        for (cases, dtype, tol) in sets {
            for &(re, im, wants) in cases {
                // `array` rounds to complex64 exactly: NARROW's parts are f32 values.
                let z = array(&[Complex64::new(re, im)], &[1], dtype);
                for (k, (f, want)) in fs.iter().zip(wants).enumerate() {
                    let got = read(&f(&z).unwrap(), mode)[0];
                    assert!(
                        close(got.re, want.0, tol) && close(got.im, want.1, tol),
                        "{mode:?}: {dtype} f#{k} of {re} + {im}j: {got} against {want:?}"
                    );
                }
            }
        }
    }
}

/// Arguments where the textbook formulas lose the digits of a result's part, against
/// values from mpmath at 400 digits (`(function, re, im, want re, want im)`, complex64
/// rows on the f32 grid and rounded to it; π/2 and π/4 among them, digit for digit):
/// atanh and atan near 0 and far out (the real part of (ln(1 + z) - ln(1 - z))/2
/// cancelled to 0), asinh and asin near 0, acos and acosh near 1 and on the real axis
/// beyond it, log near the unit circle, log1p near |1 + z| = 1, reciprocals whose |z|²
/// overflows or underflows, tan and tanh near a pole, sqrt near the negative real
/// axis, exp of a large real, sign and log of a subnormal |z|. Each part within 16 ulp
/// of its own magnitude, in every mode.
#[allow(clippy::approx_constant, clippy::excessive_precision)]
const HARD_C128: &[(&str, f64, f64, f64, f64)] = &[
    ("atanh", 1e-20, 1e-20, 1e-20, 1e-20),
    ("atanh", 1e-09, 2e-09, 1e-09, 2e-09),
    ("atanh", 10000000000.0, 1.0, 1e-10, 1.5707963267948966),
    (
        "atanh",
        -300000.0,
        200000.0,
        -2.3076923076909422e-06,
        1.5707947883333582,
    ),
    ("atanh", 1.0, 1e-10, 11.8594990552502, 0.7853981634224483),
    ("atanh", 1.0, 1e-200, 230.60508288968455, 0.7853981633974483),
    ("atanh", 1e+200, 1e+200, 5e-201, 1.5707963267948966),
    ("atan", 1.0, 1e-10, 0.7853981633974483, 5e-11),
    ("atan", 0.5, 1e-12, 0.4636476090008061, 8e-13),
    ("atan", 1e-20, 1e-20, 1e-20, 1e-20),
    ("asinh", 1e-300, 2e-300, 1e-300, 2e-300),
    ("asinh", 3e-09, -1e-09, 3e-09, -1e-09),
    (
        "asin",
        0.001,
        2.6e-11,
        0.0010000001666667416,
        2.600001300000975e-11,
    ),
    ("asin", -2e-30, 1e-30, -2e-30, 1e-30),
    (
        "acos",
        100000.0,
        0.001,
        1.00000000005e-08,
        -12.206072645505174,
    ),
    (
        "acos",
        1.0,
        1e-12,
        9.999999999999167e-07,
        -1.0000000000000834e-06,
    ),
    (
        "acosh",
        1.0,
        1e-12,
        1.0000000000000834e-06,
        9.999999999999167e-07,
    ),
    (
        "acosh",
        -0.9,
        3e-09,
        6.882472016116853e-09,
        2.6905658417935308,
    ),
    (
        "acosh",
        0.5,
        1e-20,
        1.1547005383792515e-20,
        1.0471975511965979,
    ),
    ("log", 1.0, 1e-10, 5.0000000000000005e-21, 1e-10),
    (
        "log",
        1.000000001,
        1e-09,
        1.000000082740371e-09,
        9.99999999e-10,
    ),
    (
        "log",
        1e-10,
        -1.0,
        5.0000000000000005e-21,
        -1.5707963266948965,
    ),
    (
        "log",
        0.8,
        -0.6000001,
        6.000000145723618e-08,
        -0.6435011887932796,
    ),
    (
        "reciprocal",
        1e+200,
        1e+199,
        9.9009900990099e-201,
        -9.900990099009903e-202,
    ),
    (
        "reciprocal",
        1e-300,
        -2e-301,
        9.615384615384615e+299,
        1.9230769230769232e+299,
    ),
    ("reciprocal", 3e-20, 1e-20, 3e+19, -9.999999999999998e+18),
    (
        "tan",
        1.5,
        -1.5e-07,
        14.10141994710831,
        -2.9977506678839518e-05,
    ),
    ("tanh", 4e-08, 1.5, 7.99400178105715e-06, 14.10141994716721),
    (
        "tanh",
        -2e-09,
        1.57079632,
        -39863967.199286066,
        135435769.71678227,
    ),
    ("sqrt", -1.0, 1e-20, 5e-21, 1.0),
    ("sqrt", -4.0, -3e-15, 7.5e-16, -2.0),
    ("exp", 100000.0, 0.0, f64::INFINITY, 0.0),
    (
        "exp",
        -3.0,
        1e-300,
        0.049787068367863944,
        4.978706836786394e-302,
    ),
    (
        "log1p",
        -0.3745321528924282,
        0.8183676841431136,
        0.02957562456913762,
        0.9182140156583706,
    ),
    (
        "log1p",
        -0.2,
        0.6,
        -2.2204460492503132e-17,
        0.6435011087932844,
    ),
    (
        "log1p",
        1e-10,
        -2e-05,
        2.9999999991500006e-10,
        -1.9999999995333335e-05,
    ),
    // Found by tools/conform.py (2026-12-06): e^a overflowing where e^a·cos b does
    // not, |z| past the largest float (ln|z| and z/|z| are finite), log1p's 1 + z
    // losing b = -0 (the other side of the branch cut), tan and tanh where 2b
    // overflows.
    (
        "exp",
        709.9,
        0.5,
        1.7739471950198739e+308,
        9.691117694907653e+307,
    ),
    (
        "expm1",
        709.9,
        0.5,
        1.7739471950198739e+308,
        9.691117694907653e+307,
    ),
    (
        "log",
        -1.7976931348623157e+308,
        -1.7976931348623157e+308,
        710.1292864836639,
        -2.356194490192345,
    ),
    (
        "log2",
        -1.7976931348623157e+308,
        -1.7976931348623157e+308,
        1024.5,
        -3.399270106370395,
    ),
    (
        "log1p",
        -1.2816833099578187,
        -0.0,
        -1.2669718534310956,
        -3.141592653589793,
    ),
    ("tan", 1.7976931348623157e+308, 457260450.8583786, -0.0, 1.0),
    ("tanh", 30.0, 1e+300, 1.0, 1.648318207568626e-26),
    (
        "sign",
        1.7976931348623157e+308,
        1.7976931348623157e+308,
        0.7071067811865476,
        0.7071067811865476,
    ),
    // sqrt of subnormal and of huge parts (|z|/2 rounded to 0, |a| + |z| overflowed),
    // sinh, cosh, sin and cos where sinh a or cosh a overflows before its product
    (
        "sqrt",
        -0.0,
        5e-324,
        1.5717277847026288e-162,
        1.5717277847026288e-162,
    ),
    (
        "sqrt",
        1.7976931348623157e+308,
        1.7976931348623157e+308,
        1.4730945569055652e+154,
        6.1017574412827024e+153,
    ),
    (
        "sqrt",
        -1e-310,
        3e-320,
        1.4999833007740267e-165,
        9.999999999999986e-156,
    ),
    (
        "sinh",
        710.6,
        0.8,
        1.4180085113617112e+308,
        1.4600362375236074e+308,
    ),
    (
        "cosh",
        -710.6,
        0.8,
        1.4180085113617112e+308,
        -1.4600362375236074e+308,
    ),
    (
        "cos",
        0.8,
        -710.6,
        1.4180085113617112e+308,
        1.4600362375236074e+308,
    ),
    (
        "sin",
        0.8,
        710.6,
        1.4600362375236074e+308,
        1.4180085113617112e+308,
    ),
    // a reciprocal whose 1/den overflows: 0·inf gave a NaN part
    ("reciprocal", 5e-324, 0.0, f64::INFINITY, 0.0),
    // square's a² - b² where |a| ≈ |b| (now (a - b)(a + b))
    (
        "square",
        -3.518331397998245,
        3.5673355509187727,
        -0.34722710670865947,
        -25.10213735198577,
    ),
    // |a| = |b| with a + b (or a - b) overflowing: a² - b² is exactly 0, not 0·inf
    (
        "square",
        1.7976931348623157e+308,
        1.7976931348623157e+308,
        0.0,
        f64::INFINITY,
    ),
    (
        "square",
        -1.7976931348623157e+308,
        1.7976931348623157e+308,
        0.0,
        f64::NEG_INFINITY,
    ),
    // parts so small that |z| is subnormal (z/|z| of 5e-324 + 5e-324j gave 1 + 1j, and
    // ln|z| lost its digits) or so large that |z|² overflows
    (
        "sign",
        5e-324,
        5e-324,
        0.7071067811865476,
        0.7071067811865476,
    ),
    (
        "sign",
        1e-310,
        3e-310,
        0.31622776601683794,
        0.9486832980505138,
    ),
    (
        "sign",
        -2e-320,
        7e-321,
        -0.9438438152202668,
        0.3303919679266596,
    ),
    (
        "log",
        5e-324,
        5e-324,
        -744.0934983311013,
        0.7853981633974483,
    ),
    (
        "log",
        -2e-320,
        7e-321,
        -736.0762991339104,
        2.804873819634272,
    ),
    (
        "log",
        1e-310,
        -3e-310,
        -712.6500862816572,
        -1.2490457723982544,
    ),
    ("log2", 5e-324, 5e-324, -1073.5, 1.1330900354567985),
    (
        "log10",
        -2e-320,
        7e-321,
        -319.67387497362466,
        1.2181412223020613,
    ),
    // the far side of asinh and acosh past the largest |z| (the interpreter's ln|z| was
    // inf there)
    (
        "asinh",
        1.7e308,
        1.7e308,
        710.7665576640682,
        0.7853981633974483,
    ),
    ("acosh", -1.7e308, 1.0, 710.4199840737882, 3.141592653589793),
    ("reciprocal", 1e+308, 1e+308, 5e-309, -5e-309),
    (
        "reciprocal",
        -1.5e+308,
        1e+308,
        -4.615384615384614e-309,
        -3.076923076923076e-309,
    ),
];
#[allow(clippy::approx_constant, clippy::excessive_precision)]
const HARD_C64: &[(&str, f64, f64, f64, f64)] = &[
    // As the last rows of HARD_C128.
    (
        "exp",
        89.0,
        2.299999952316284,
        -2.9913211624283532e+38,
        3.347927907848429e+38,
    ),
    (
        "log",
        3.0000000054977558e+38,
        3.0000000054977558e+38,
        88.94342041015625,
        0.7853981852531433,
    ),
    (
        "sign",
        3.0000000054977558e+38,
        -3.0000000054977558e+38,
        0.7071067690849304,
        -0.7071067690849304,
    ),
    (
        "log1p",
        -1.281683325767517,
        -0.0,
        -1.2669718265533447,
        -3.1415927410125732,
    ),
    (
        "tanh",
        30.0,
        3.0000000054977558e+38,
        1.0,
        -1.4840949602743736e-26,
    ),
    (
        "sqrt",
        -0.0,
        1.401298464324817e-45,
        2.6469779601696886e-23,
        2.6469779601696886e-23,
    ),
    (
        "sqrt",
        3.0000000054977558e+38,
        -3.0000000054977558e+38,
        1.9029766711407542e+19,
        -7.882387864409866e+18,
    ),
    (
        "sinh",
        100.0,
        9.889999705157566e-26,
        f64::INFINITY,
        1.3292738238532813e+18,
    ),
    (
        "sinh",
        89.5999984741211,
        0.800000011920929,
        2.8497377739491024e+38,
        2.934200015085685e+38,
    ),
    (
        "cosh",
        -89.5999984741211,
        0.800000011920929,
        2.8497377739491024e+38,
        -2.934200015085685e+38,
    ),
    (
        "cos",
        0.800000011920929,
        -89.5999984741211,
        2.8497377739491024e+38,
        2.934200015085685e+38,
    ),
    ("reciprocal", 1.401298464324817e-45, 0.0, f64::INFINITY, 0.0),
    // a² - b² overflowed to inf - inf (NaN); the difference 8.7e40 overflows to +inf
    (
        "square",
        -3.1155036686595706e+20,
        1.0000000200408773e+20,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ),
    (
        "square",
        3.4028234663852886e+38,
        -3.4028234663852886e+38,
        0.0,
        f64::NEG_INFINITY,
    ),
    (
        "atanh",
        9.999999682655225e-21,
        9.999999682655225e-21,
        9.999999682655225e-21,
        9.999999682655225e-21,
    ),
    (
        "atanh",
        9.999999717180685e-10,
        1.999999943436137e-09,
        9.999999717180685e-10,
        1.999999943436137e-09,
    ),
    (
        "atanh",
        10000000000.0,
        1.0,
        1.000000013351432e-10,
        1.5707963705062866,
    ),
    (
        "atanh",
        -300000.0,
        200000.0,
        -2.307692284375662e-06,
        1.5707948207855225,
    ),
    (
        "atanh",
        1.0,
        1.000000013351432e-10,
        11.859498977661133,
        0.7853981852531433,
    ),
    (
        "atan",
        1.0,
        1.000000013351432e-10,
        0.7853981852531433,
        5.00000006675716e-11,
    ),
    (
        "atan",
        0.5,
        9.999999960041972e-13,
        0.46364760398864746,
        7.99999985961336e-13,
    ),
    (
        "atan",
        9.999999682655225e-21,
        9.999999682655225e-21,
        9.999999682655225e-21,
        9.999999682655225e-21,
    ),
    (
        "asinh",
        3.000000026176508e-09,
        -9.999999717180685e-10,
        3.000000026176508e-09,
        -9.999999717180685e-10,
    ),
    (
        "asin",
        0.0010000000474974513,
        2.6000000763470865e-11,
        0.0010000001639127731,
        2.6000012906535197e-11,
    ),
    (
        "asin",
        -2.0000000063421537e-30,
        1.0000000031710769e-30,
        -2.0000000063421537e-30,
        1.0000000031710769e-30,
    ),
    (
        "acos",
        100000.0,
        0.0010000000474974513,
        1.000000082740371e-08,
        -12.206072807312012,
    ),
    (
        "acos",
        1.0,
        9.999999960041972e-13,
        9.999999974752427e-07,
        -9.999999974752427e-07,
    ),
    (
        "acosh",
        1.0,
        9.999999960041972e-13,
        9.999999974752427e-07,
        9.999999974752427e-07,
    ),
    (
        "acosh",
        -0.8999999761581421,
        3.000000026176508e-09,
        6.882471481617358e-09,
        2.690565824508667,
    ),
    (
        "acosh",
        0.5,
        9.999999682655225e-21,
        1.1547005142714115e-20,
        1.0471975803375244,
    ),
    (
        "log",
        1.0,
        1.000000013351432e-10,
        5.000000245224396e-21,
        1.000000013351432e-10,
    ),
    (
        "log",
        1.0,
        9.999999717180685e-10,
        4.999999712080642e-19,
        9.999999717180685e-10,
    ),
    (
        "log",
        1.000000013351432e-10,
        -1.0,
        5.000000245224396e-21,
        -1.5707963705062866,
    ),
    (
        "log",
        0.800000011920929,
        -0.6000000834465027,
        5.960464477539063e-08,
        -0.6435011625289917,
    ),
    (
        "reciprocal",
        2.9999999047965676e-20,
        9.999999682655225e-21,
        3.000000104103097e+19,
        -9.999999980506448e+18,
    ),
    (
        "tan",
        1.5,
        -1.500000053056283e-07,
        14.101420402526855,
        -2.997750743816141e-05,
    ),
    (
        "tanh",
        3.999999975690116e-08,
        1.5,
        7.99400186224375e-06,
        14.101420402526855,
    ),
    (
        "tanh",
        -1.999999943436137e-09,
        1.5707963705062866,
        -1044557.875,
        -22829540.0,
    ),
    (
        "sqrt",
        -1.0,
        9.999999682655225e-21,
        4.999999841327613e-21,
        1.0,
    ),
    (
        "sqrt",
        -4.0,
        -2.9999999050033628e-15,
        7.499999762508407e-16,
        -2.0,
    ),
    ("exp", 100000.0, 0.0, f64::INFINITY, 0.0),
    (
        "log1p",
        -0.37453216314315796,
        0.8183676600456238,
        0.02957559935748577,
        0.9182140231132507,
    ),
    (
        "log1p",
        -0.20000000298023224,
        0.6000000238418579,
        1.1920929132713809e-08,
        0.6435011029243469,
    ),
    (
        "log1p",
        1.000000013351432e-10,
        -1.9999999494757503e-05,
        2.999999970665357e-10,
        -1.9999999494757503e-05,
    ),
    // as in HARD_C128: subnormal |z| and an overflowing |z|²
    (
        "sign",
        1.401298464324817e-45,
        1.401298464324817e-45,
        0.7071067690849304,
        0.7071067690849304,
    ),
    (
        "sign",
        9.99994610111476e-41,
        2.999997843319071e-40,
        0.31622642278671265,
        0.9486837387084961,
    ),
    (
        "sign",
        -1.999652908591514e-42,
        7.006492321624085e-43,
        -0.9437448978424072,
        0.3306744396686554,
    ),
    (
        "log",
        1.401298464324817e-45,
        1.401298464324817e-45,
        -102.93235778808594,
        0.7853981852531433,
    ),
    (
        "log",
        -1.999652908591514e-42,
        7.006492321624085e-43,
        -95.95770263671875,
        2.804574489593506,
    ),
    (
        "log2",
        1.401298464324817e-45,
        1.401298464324817e-45,
        -148.5,
        1.1330900192260742,
    ),
    (
        "log10",
        9.99994610111476e-41,
        2.999997843319071e-40,
        -39.5,
        0.5424543023109436,
    ),
    (
        "reciprocal",
        3.0000000054977558e+38,
        3.0000000054977558e+38,
        1.6666665584094007e-39,
        -1.6666665584094007e-39,
    ),
];

#[test]
fn hard_arguments_keep_every_part_accurate() {
    let mut wrong = vec![];
    for (rows, dtype, eps) in [
        (HARD_C128, DType::C128, f64::EPSILON),
        (HARD_C64, DType::C64, f32::EPSILON as f64),
    ] {
        for &(name, re, im, want_re, want_im) in rows {
            let f = UNARY.iter().find(|(n, _)| *n == name).unwrap().1;
            let z = array(&[Complex64::new(re, im)], &[1], dtype);
            for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
                let got = read(&f(&z).unwrap(), mode)[0];
                let near = |g: f64, w: f64| g == w || (g - w).abs() <= 16.0 * eps * w.abs();
                if !(near(got.re, want_re) && near(got.im, want_im)) {
                    wrong.push(format!(
                        "{mode:?}: {dtype} {name}({re:e} + {im:e}j) = {got}, want {want_re:e} + {want_im:e}j"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// complex64 powers whose angle, Im(w·log z), is large, against mpmath at 4000 bits
/// rounded to f32 (`(z, w, want)`, every part exactly an f32). Computed in f32, the
/// angle's own rounding (an ulp of 81 is 8e-6) became each part's relative error:
/// kiln and NumPy had (1000 + 1000j)^(3 + 10j) = 964250 - 525197j, 29 ulp off the
/// real part. kiln computes complex64 pow in complex128 and rounds the parts back:
/// each part within 2 eps relative, in every mode (a part of the last row overflows:
/// inf). The rows are repeated to 20 elements, so that the compiled modes run their
/// vector loop, and each power is computed and stored as complex64 before `read`
/// widens it.
#[allow(clippy::type_complexity)]
const HARD_POWERS_C64: &[((f64, f64), (f64, f64), (f64, f64))] = &[
    ((1000.0, 1000.0), (3.0, 10.0), (964251.8125, -525197.3125)),
    (
        (-250.5, 3.25),
        (1.5, -12.0),
        (2.5817109164273435e19, 7.57356363546991e19),
    ),
    (
        (0.0010000000474974513, 40.0),
        (-2.25, 30.0),
        (8.085493449973244e-25, 2.661493434699253e-25),
    ),
    (
        (7.0, -0.5),
        (0.5, 90.0),
        (1335.739501953125, -921.5376586914062),
    ),
    (
        (2.179158926010132, 1.0000000200408773e20),
        (2.0, 1.6951825618743896),
        (f64::INFINITY, -3.1824944339162443e38),
    ),
];

#[test]
fn complex64_powers_with_large_angles_stay_accurate() {
    let mut wrong = vec![];
    let rows: Vec<_> = HARD_POWERS_C64.iter().cycle().take(20).collect();
    type Row = ((f64, f64), (f64, f64), (f64, f64));
    let parts = |pick: fn(&Row) -> (f64, f64)| {
        let v: Vec<Complex64> = rows
            .iter()
            .map(|&r| pick(r))
            .map(|(re, im)| Complex64::new(re, im))
            .collect();
        array(&v, &[v.len()], DType::C64)
    };
    let (z, w) = (parts(|r| r.0), parts(|r| r.1));
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        let computed = kiln::pow(&z, &w).unwrap().compute_with(mode).unwrap();
        assert_eq!(computed.dtype(), DType::C64);
        for (got, &&((a, b), (c, d), (want_re, want_im))) in read(&computed, mode).iter().zip(&rows)
        {
            let near =
                |g: f64, w: f64| g == w || (g - w).abs() <= 2.0 * f32::EPSILON as f64 * w.abs();
            if !(near(got.re, want_re) && near(got.im, want_im)) {
                wrong.push(format!(
                    "{mode:?}: ({a:e} + {b:e}j)^({c} + {d}j) = {got}, want {want_re:e} + {want_im:e}j"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Quotients whose divisor is huge (p + q·r overflowed, 1/(1e308 + 1e308j) gave 0, and
/// (1e308 + 1e308j)/(1e308 + 1e308j) inf + 0j: the numerator's sum overflowed) or
/// subnormal (1/(p + q·r) overflowed, 1e-310/(1e-310 + 1e-310j) gave inf - inf·j), and
/// a divisor NaN + 0j (taken for zero: (1 + 1j)/(NaN + 0j) gave inf + inf·j),
/// against mpmath at 4000 bits, rounded to the dtype (`((x re, x im), (y re, y im),
/// (want re, want im))`): each part within 16 ulp of its own magnitude, in every mode.
#[allow(clippy::type_complexity)]
const HARD_DIVISIONS: &[(DType, (f64, f64), (f64, f64), (f64, f64))] = &[
    (DType::C128, (1e-310, 0.0), (1e-310, 1e-310), (0.5, -0.5)),
    (
        DType::C128,
        (1e300, 0.0),
        (8e307, 8e307),
        (6.2500000000000005e-09, -6.2500000000000005e-09),
    ),
    (DType::C128, (1.0, 0.0), (1e308, 1e308), (5e-309, -5e-309)),
    (DType::C128, (1e308, 1e308), (1e308, 1e308), (1.0, 0.0)),
    (
        DType::C128,
        (1.0, 1.0),
        (f64::NAN, 0.0),
        (f64::NAN, f64::NAN),
    ),
    (
        DType::C64,
        (1.0, 1.0),
        (f64::NAN, 0.0),
        (f64::NAN, f64::NAN),
    ),
    (DType::C64, (3e38, 3e38), (3e38, 3e38), (1.0, 0.0)),
    (
        DType::C128,
        (3.0, 4.0),
        (5e-324, 5e-324),
        (f64::INFINITY, f64::INFINITY),
    ),
    (DType::C128, (2e-320, 3e-320), (1e-320, 1e-320), (2.5, 0.5)),
    (
        DType::C128,
        (1e300, 1e300),
        (1e-310, -1e-310),
        (0.0, f64::INFINITY),
    ),
    (
        DType::C128,
        (-7.0, 2.0),
        (1.7e308, -3e307),
        (-4.194630872483222e-308, 4.36241610738255e-309),
    ),
    (
        DType::C128,
        (1e-300, -2e-300),
        (3e-310, 7e-311),
        (1685985247.6290536, -7060063224.446808),
    ),
    (
        DType::C64,
        (9.99994610111476e-41, 0.0),
        (9.99994610111476e-41, 9.99994610111476e-41),
        (0.5, -0.5),
    ),
    (
        DType::C64,
        (1.0, 0.0),
        (3.0000000054977558e38, 3.0000000054977558e38),
        (1.6666665584094007e-39, -1.6666665584094007e-39),
    ),
    (
        DType::C64,
        (1.0000000150474662e30, 0.0),
        (9.999999680285692e37, 9.999999680285692e37),
        (5.000000413701855e-09, -5.000000413701855e-09),
    ),
    (
        DType::C64,
        (1.961817850054744e-44, 2.942726775082116e-44),
        (9.80908925027372e-45, 9.80908925027372e-45),
        (2.5, 0.5),
    ),
    (
        DType::C64,
        (-7.0, 2.0),
        (3.299999965482712e38, -6.000000213819608e37),
        (-2.159999988618042e-38, 2.1333325781927085e-39),
    ),
    (
        DType::C64,
        (1.0000000031710769e-30, -2.0000000063421537e-30),
        (2.999997843319071e-40, 7.000046348688191e-41),
        (1685974400.0, -7060068352.0),
    ),
];

#[test]
fn quotients_by_huge_and_subnormal_divisors_stay_accurate() {
    let mut wrong = vec![];
    for &(dtype, (a, b), (c, d), (want_re, want_im)) in HARD_DIVISIONS {
        let eps = if dtype == DType::C64 {
            f32::EPSILON as f64
        } else {
            f64::EPSILON
        };
        let x = array(&[Complex64::new(a, b)], &[1], dtype);
        let y = array(&[Complex64::new(c, d)], &[1], dtype);
        for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
            let got = read(&kiln::divide(&x, &y).unwrap(), mode)[0];
            let near = |g: f64, w: f64| {
                g == w || (g - w).abs() <= 16.0 * eps * w.abs() || (g.is_nan() && w.is_nan())
            };
            if !(near(got.re, want_re) && near(got.im, want_im)) {
                wrong.push(format!(
                    "{mode:?}: {dtype} ({a:e} + {b:e}j) / ({c:e} + {d:e}j) = {got}, want {want_re:e} + {want_im:e}j"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn complex_matmul_agrees() {
    for dtype in [DType::C64, DType::C128] {
        let a = array(&values(12, 1, 1.0), &[3, 4], dtype);
        let b = array(&values(8, 2, 1.0), &[4, 2], dtype);
        agree(
            &|| kiln::matmul(&a, &b).unwrap(),
            tol(dtype) * 4.0,
            "matmul",
        );
        agree(
            &|| {
                let c = kiln::matmul(&kiln::exp(&a).unwrap(), &b).unwrap();
                (c + 1.0).unwrap()
            },
            tol(dtype) * 8.0,
            "matmul of exp, plus 1",
        );
    }
}

/// prod has no formula over real pairs: the compiled modes take a complex running
/// product (a scan step) over the reduced axes and keep its last element. Against the
/// interpreter on every axis choice, keepdims, a transposed view, an empty axis (the
/// empty product 1) and 0-d input, and against a product worked out by hand.
#[test]
fn complex_prod_and_cumulative_prod_agree_in_every_mode() {
    for dtype in [DType::C128, DType::C64] {
        let x = array(&values(24, 7, 1.2), &[2, 3, 4], dtype);
        let xt = kiln::permute_dims(&x, [2, 0, 1]).unwrap();
        let t = tol(dtype) * 8.0;
        agree(&|| kiln::prod(&x, ()).unwrap(), t, "prod of all");
        for axes in [
            vec![0],
            vec![1],
            vec![2],
            vec![0, 2],
            vec![1, 2],
            vec![0, 1, 2],
        ] {
            for keepdims in [false, true] {
                let o = ReduceOpts::new().axes(axes.clone()).keepdims(keepdims);
                let ctx = format!("prod axes {axes:?} keepdims {keepdims}");
                agree(&|| kiln::prod(&x, o.clone()).unwrap(), t, &ctx);
                agree(
                    &|| kiln::prod(&xt, o.clone()).unwrap(),
                    t,
                    &format!("{ctx}, transposed"),
                );
            }
        }
        let empty = array(&[], &[3, 0], dtype);
        for mode in [Mode::Eager, Mode::Fused] {
            let p = kiln::prod(&empty, ReduceOpts::new().axis(1)).unwrap();
            assert_eq!(
                read(&p, mode),
                vec![Complex64::new(1.0, 0.0); 3],
                "{mode:?}"
            );
        }
        let scalar = array(&[Complex64::new(0.5, -2.0)], &[], dtype);
        agree(&|| kiln::prod(&scalar, ()).unwrap(), t, "prod of 0-d");
        for axis in [0, 1, 2] {
            for initial in [false, true] {
                let o = kiln::CumulativeOpts::new()
                    .axis(axis)
                    .include_initial(initial);
                let ctx = format!("cumulative_prod axis {axis} initial {initial}");
                agree(&|| kiln::cumulative_prod(&x, o.clone()).unwrap(), t, &ctx);
            }
        }
    }
    // (1 + 2j)(3 - 1j)(-2 + 0.5j) = (5 + 5j)(-2 + 0.5j) = -12.5 - 7.5j, exactly.
    let v = [
        Complex64::new(1.0, 2.0),
        Complex64::new(3.0, -1.0),
        Complex64::new(-2.0, 0.5),
    ];
    // The running products: 1 + 2j, 5 + 5j, -12.5 - 7.5j.
    let running = [(1.0, 2.0), (5.0, 5.0), (-12.5, -7.5)].map(|(a, b)| Complex64::new(a, b));
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        let p = kiln::prod(&array(&v, &[3], DType::C128), ()).unwrap();
        let c = kiln::cumulative_prod(&array(&v, &[3], DType::C64), ()).unwrap();
        assert_eq!(read(&c, mode), running.to_vec(), "{mode:?}");
        assert_eq!(
            read(&p, mode),
            vec![Complex64::new(-12.5, -7.5)],
            "{mode:?}"
        );
    }
}

/// One row of the standard's special-case table of a complex function: the input, the
/// expected result, and whether the signs of the result's parts are specified (a NaN's
/// sign never is; "±" cases leave a zero's or an infinity's sign free).
struct Special {
    z: (f64, f64),
    want: (f64, f64),
    signs: (bool, bool),
}

fn sp(z: (f64, f64), want: (f64, f64)) -> Special {
    Special {
        z,
        want,
        signs: (true, true),
    }
}

/// `sp` with the sign of the imaginary part (re, im) left free.
fn sp_free(z: (f64, f64), want: (f64, f64), signs: (bool, bool)) -> Special {
    Special { z, want, signs }
}

/// The rows of `table` that some mode or dtype gets wrong, one line each.
fn check_specials(
    name: &str,
    f: fn(&Array) -> kiln::Result<Array>,
    table: &[Special],
) -> Vec<String> {
    let same = |g: f64, w: f64, signed: bool| {
        if w.is_nan() {
            g.is_nan()
        } else if signed {
            g.to_bits() == w.to_bits()
        } else {
            g.abs() == w.abs()
        }
    };
    let mut wrong = Vec::new();
    for dtype in [DType::C128, DType::C64] {
        let zs: Vec<Complex64> = table.iter().map(|s| Complex64::new(s.z.0, s.z.1)).collect();
        let x = array(&zs, &[zs.len()], dtype);
        for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
            let got = read(&f(&x).unwrap(), mode);
            // The expected values rounded to the dtype (π, cos 1, ... in complex64).
            let round = |w: f64| {
                if dtype == DType::C64 {
                    w as f32 as f64
                } else {
                    w
                }
            };
            for (s, g) in table.iter().zip(&got) {
                let (wr, wi) = (round(s.want.0), round(s.want.1));
                if !(same(g.re, wr, s.signs.0) && same(g.im, wi, s.signs.1)) {
                    wrong.push(format!(
                        "{name}({} + {}j) in {mode:?} {dtype}: got {g}, the standard says {wr} + {wi}j",
                        s.z.0, s.z.1
                    ));
                }
            }
        }
    }
    wrong
}

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

/// The special cases the standard lists for complex exp, log, sqrt and tanh (C99 Annex
/// G), in every mode and both complex dtypes; values typed from the specification.
#[test]
fn complex_special_cases_follow_the_standard_tables() {
    let free_im = (true, false);
    let free_both = (false, false);
    let mut wrong = Vec::new();
    wrong.extend(check_specials(
        "exp",
        kiln::exp,
        &[
            sp((0.0, 0.0), (1.0, 0.0)),
            sp((-0.0, 0.0), (1.0, 0.0)),
            sp((1.0, INF), (NAN, NAN)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 0.0), (INF, 0.0)),
            sp((-INF, 1.0), (0.0 * 1f64.cos(), 0.0 * 1f64.sin())),
            sp((INF, 1.0), (INF * 1f64.cos(), INF * 1f64.sin())),
            sp_free((-INF, INF), (0.0, 0.0), free_both),
            sp_free((INF, INF), (INF, NAN), free_both),
            sp_free((-INF, NAN), (0.0, 0.0), free_both),
            sp_free((INF, NAN), (INF, NAN), free_both),
            sp((NAN, 0.0), (NAN, 0.0)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "log",
        kiln::log,
        &[
            sp((-0.0, 0.0), (-INF, std::f64::consts::PI)),
            sp((0.0, 0.0), (-INF, 0.0)),
            sp((1.0, INF), (INF, std::f64::consts::FRAC_PI_2)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((-INF, 1.0), (INF, std::f64::consts::PI)),
            sp((INF, 1.0), (INF, 0.0)),
            sp((-INF, INF), (INF, 3.0 * std::f64::consts::FRAC_PI_4)),
            sp((INF, INF), (INF, std::f64::consts::FRAC_PI_4)),
            sp((INF, NAN), (INF, NAN)),
            sp((-INF, NAN), (INF, NAN)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, INF), (INF, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "sqrt",
        kiln::sqrt,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp((-0.0, 0.0), (0.0, 0.0)),
            sp((1.0, INF), (INF, INF)),
            sp((NAN, INF), (INF, INF)),
            sp((1.0, -INF), (INF, -INF)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((-INF, 1.0), (0.0, INF)),
            sp((INF, 1.0), (INF, 0.0)),
            sp_free((-INF, NAN), (NAN, INF), free_both),
            sp((INF, NAN), (INF, NAN)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, 0.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "tanh",
        kiln::tanh,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp((1.0, INF), (NAN, NAN)),
            sp((0.0, INF), (0.0, NAN)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((0.0, NAN), (0.0, NAN)),
            // "a nonzero finite a" includes the large ones past tanh's |a| > 20
            // shortcut (found by tools/conform.py: they gave ±1 + 0j).
            sp((30.0, INF), (NAN, NAN)),
            sp((-1e30, NAN), (NAN, NAN)),
            sp((1e30, -INF), (NAN, NAN)),
            sp_free((INF, 1.0), (1.0, 0.0), free_im),
            sp_free((INF, INF), (1.0, 0.0), free_im),
            sp_free((INF, NAN), (1.0, 0.0), free_im),
            sp((NAN, 0.0), (NAN, 0.0)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
            // tanh is odd: tanh(-z) = -tanh(z).
            sp((-0.0, INF), (-0.0, NAN)),
            sp((NAN, -0.0), (NAN, -0.0)),
        ],
    ));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The same for expm1, log1p, sinh and cosh.
#[test]
fn complex_special_cases_of_expm1_log1p_sinh_cosh_follow_the_standard_tables() {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    let free_im = (true, false);
    let free_re = (false, true);
    let free_both = (false, false);
    let mut wrong = Vec::new();
    wrong.extend(check_specials(
        "expm1",
        kiln::expm1,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp((1.0, INF), (NAN, NAN)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 0.0), (INF, 0.0)),
            sp_free((-INF, 1.0), (-1.0, 0.0), free_im),
            // +0·cis(b) - 1 is -1 exactly (expm1(a)·cos b - 2·sin²(b/2) rounded it)
            sp_free((-INF, 1.5), (-1.0, 0.0), free_im),
            sp_free((-INF, 2.0), (-1.0, 0.0), free_im),
            sp_free((-INF, 5.0), (-1.0, 0.0), free_im),
            sp_free((-INF, 1e30), (-1.0, 0.0), free_im),
            sp((INF, 1.0), (INF * 1f64.cos(), INF * 1f64.sin())),
            sp_free((-INF, INF), (-1.0, 0.0), free_im),
            sp_free((INF, INF), (INF, NAN), free_both),
            sp_free((-INF, NAN), (-1.0, 0.0), free_im),
            sp_free((INF, NAN), (INF, NAN), free_both),
            sp((NAN, 0.0), (NAN, 0.0)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "log1p",
        kiln::log1p,
        &[
            sp((-1.0, 0.0), (-INF, 0.0)),
            sp((1.0, INF), (INF, FRAC_PI_2)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((-INF, 1.0), (INF, PI)),
            sp((INF, 1.0), (INF, 0.0)),
            sp((-INF, INF), (INF, 3.0 * FRAC_PI_4)),
            sp((INF, INF), (INF, FRAC_PI_4)),
            sp((-INF, NAN), (INF, NAN)),
            sp((INF, NAN), (INF, NAN)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, INF), (INF, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "sinh",
        kiln::sinh,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp_free((0.0, INF), (0.0, NAN), free_re),
            sp_free((0.0, NAN), (0.0, NAN), free_re),
            sp((1.0, INF), (NAN, NAN)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 0.0), (INF, 0.0)),
            sp((INF, 1.0), (INF * 1f64.cos(), INF * 1f64.sin())),
            sp_free((INF, INF), (INF, NAN), free_re),
            sp_free((INF, NAN), (INF, NAN), free_re),
            sp((NAN, 0.0), (NAN, 0.0)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "cosh",
        kiln::cosh,
        &[
            sp((0.0, 0.0), (1.0, 0.0)),
            sp_free((0.0, INF), (NAN, 0.0), free_im),
            sp_free((0.0, NAN), (NAN, 0.0), free_im),
            sp((1.0, INF), (NAN, NAN)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 0.0), (INF, 0.0)),
            sp((INF, 1.0), (INF * 1f64.cos(), INF * 1f64.sin())),
            sp_free((INF, INF), (INF, NAN), free_re),
            sp((INF, NAN), (INF, NAN)),
            sp_free((NAN, 0.0), (NAN, 0.0), free_im),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The same for the inverse functions: acosh, asinh, atanh and acos, and a few cases of
/// asin and atan (-i·asinh(iz) and -i·atanh(iz) in the standard, so their tables follow
/// from these).
#[test]
fn complex_special_cases_of_the_inverse_functions_follow_the_standard_tables() {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    let free_im = (true, false);
    let free_re = (false, true);
    let mut wrong = Vec::new();
    wrong.extend(check_specials(
        "acosh",
        kiln::acosh,
        &[
            sp((0.0, 0.0), (0.0, FRAC_PI_2)),
            sp((-0.0, 0.0), (0.0, FRAC_PI_2)),
            sp((1.0, INF), (INF, FRAC_PI_2)),
            sp((1.0, NAN), (NAN, NAN)),
            sp_free((0.0, NAN), (NAN, FRAC_PI_2), free_im),
            sp((-INF, 1.0), (INF, PI)),
            sp((INF, 1.0), (INF, 0.0)),
            sp((-INF, INF), (INF, 3.0 * FRAC_PI_4)),
            sp((INF, INF), (INF, FRAC_PI_4)),
            sp((INF, NAN), (INF, NAN)),
            sp((-INF, NAN), (INF, NAN)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, INF), (INF, NAN)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "asinh",
        kiln::asinh,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp((1.0, INF), (INF, FRAC_PI_2)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 1.0), (INF, 0.0)),
            sp((INF, INF), (INF, FRAC_PI_4)),
            sp((INF, NAN), (INF, NAN)),
            sp((NAN, 0.0), (NAN, 0.0)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp_free((NAN, INF), (INF, NAN), free_re),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "atanh",
        kiln::atanh,
        &[
            sp((0.0, 0.0), (0.0, 0.0)),
            sp((0.0, NAN), (0.0, NAN)),
            sp((1.0, 0.0), (INF, 0.0)),
            sp((1.0, INF), (0.0, FRAC_PI_2)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((INF, 1.0), (0.0, FRAC_PI_2)),
            sp((INF, INF), (0.0, FRAC_PI_2)),
            sp((INF, NAN), (0.0, NAN)),
            sp((NAN, 1.0), (NAN, NAN)),
            sp_free((NAN, INF), (0.0, FRAC_PI_2), free_re),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    wrong.extend(check_specials(
        "acos",
        kiln::acos,
        &[
            sp((0.0, 0.0), (FRAC_PI_2, -0.0)),
            sp((-0.0, 0.0), (FRAC_PI_2, -0.0)),
            sp((0.0, NAN), (FRAC_PI_2, NAN)),
            sp((1.0, INF), (FRAC_PI_2, -INF)),
            sp((1.0, NAN), (NAN, NAN)),
            sp((-INF, 1.0), (PI, -INF)),
            sp((INF, 1.0), (0.0, -INF)),
            sp((-INF, INF), (3.0 * FRAC_PI_4, -INF)),
            sp((INF, INF), (FRAC_PI_4, -INF)),
            sp_free((INF, NAN), (NAN, INF), free_im),
            sp_free((-INF, NAN), (NAN, INF), free_im),
            sp((NAN, 1.0), (NAN, NAN)),
            sp((NAN, INF), (NAN, -INF)),
            sp((NAN, NAN), (NAN, NAN)),
        ],
    ));
    // asin(z) = -i·asinh(iz) and atan(z) = -i·atanh(iz), worked through by hand:
    // asinh(-1 + inf j) = -inf + πj/2 gives asin(inf + 1j) = π/2 + inf j; atanh(-inf + 1j)
    // = -0 + πj/2 gives atan(1 + inf j) = π/2 + 0j; atanh(-0 + 0j) = -0 + 0j gives
    // atan(0 + 0j) = 0 + 0j.
    wrong.extend(check_specials(
        "asin",
        kiln::asin,
        &[sp((INF, 1.0), (FRAC_PI_2, INF)), sp((0.0, 0.0), (0.0, 0.0))],
    ));
    wrong.extend(check_specials(
        "atan",
        kiln::atan,
        &[sp((1.0, INF), (FRAC_PI_2, 0.0)), sp((0.0, 0.0), (0.0, 0.0))],
    ));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An integer exponent is NumPy's case for complex pow: products by squaring (and
/// 1/that for a negative one), so powers of small Gaussian integers come out exact as
/// NumPy's do (these values are NumPy 2.4's, all exact in complex64 too); exp(n·log z)
/// gave (1 + 1j)**3 a rounding error in each part. A constant exponent in every mode.
#[test]
fn integer_powers_multiply_in_every_mode() {
    let cases = [
        ((1.0, 1.0), 3.0, (-2.0, 2.0)),
        ((1.0, 1.0), 4.0, (-4.0, 0.0)),
        ((2.0, -1.0), 5.0, (-38.0, -41.0)),
        ((1.0, 1.0), -2.0, (0.0, -0.5)),
        ((0.5, 0.25), 7.0, (-0.0169677734375, -0.00177001953125)),
    ];
    for dtype in [DType::C128, DType::C64] {
        for ((a, b), n, want) in cases {
            let z = array(&[Complex64::new(a, b)], &[1], dtype);
            for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
                let got = read(&kiln::pow(&z, n).unwrap(), mode)[0];
                assert_eq!(
                    (got.re, got.im),
                    want,
                    "{mode:?}: ({a} + {b}j) ** {n} in {dtype}"
                );
            }
        }
    }
}

/// A product term whose real part overflows while its imaginary part stays finite:
/// (−2.5 − 4.4e28 i)(−2.5 − 3.6e17 i) in complex64 is (−inf, 1.1e29). The matmul's
/// element through it keeps the finite imaginary part in every mode (gemm's final
/// scaling by 1 + 0i alone would give inf·0 = NaN there), and every other element
/// agrees with the interpreter. complex128 likewise with 1e200 · 1e200.
#[test]
fn complex_matmul_through_an_overflowing_part_keeps_the_finite_part() {
    for (dtype, big, other) in [(DType::C64, 4.4e28, 3.6e17), (DType::C128, 1e200, 3e200)] {
        let (m, k, n) = (3, 70, 4);
        let mut av = values(m * k, 5, 1.0);
        let mut bv = values(k * n, 6, 1.0);
        av[k + 9] = Complex64::new(-2.5, -big);
        bv[9 * n + 2] = Complex64::new(-2.5, -other);
        let a = array(&av, &[m, k], dtype);
        let b = array(&bv, &[k, n], dtype);
        // The imaginary part of element (1, 2), summed in f64 from the values as stored.
        let stored = |z: Complex64| match dtype {
            DType::C64 => Complex64::new(z.re as f32 as f64, z.im as f32 as f64),
            _ => z,
        };
        let im: f64 = (0..k)
            .map(|p| {
                let (x, y) = (stored(av[k + p]), stored(bv[p * n + 2]));
                x.re * y.im + x.im * y.re
            })
            .sum();
        // a again as the transpose of its transpose, and as the second matrix of a
        // batch of two (element (1, 1, 2) of the product).
        let at: Vec<Complex64> = (0..k * m).map(|e| av[(e % m) * k + e / m]).collect();
        let a_view = kiln::matrix_transpose(&array(&at, &[k, m], dtype)).unwrap();
        let batch: Vec<Complex64> = values(m * k, 7, 1.0)
            .into_iter()
            .chain(av.clone())
            .collect();
        let a_batch = array(&batch, &[2, m, k], dtype);
        for (x, at) in [(&a, n + 2), (&a_view, n + 2), (&a_batch, m * n + n + 2)] {
            for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
                let got = read(&kiln::matmul(x, &b).unwrap(), mode);
                let z = got[at];
                assert!(
                    z.re == f64::NEG_INFINITY && (z.im - im).abs() <= 1e-6 * im.abs(),
                    "{dtype:?} in {mode:?}: {z} where (-inf, {im:e}) was due"
                );
            }
            agree(
                &|| kiln::matmul(x, &b).unwrap(),
                tol(dtype) * 4.0,
                "overflowing matmul",
            );
        }
    }
}

/// p·q - r·s for f64 parts, worked out by this test on its own: each product as an exact
/// pair (high part and the fma's remainder), the high parts subtracted (exact where
/// they cancel), then the remainders added: well within an ulp of the true value.
fn exact_diff(p: f64, q: f64, r: f64, s: f64) -> f64 {
    let (h1, h2) = (p * q, r * s);
    let (l1, l2) = (p.mul_add(q, -h1), r.mul_add(s, -h2));
    (h1 - h2) + (l1 - l2)
}

fn ulps_off(got: f64, want: f64, dtype: DType) -> f64 {
    let ulp = |x: f64| match dtype {
        DType::C64 => {
            let x = (x as f32).abs();
            (f32::from_bits(x.to_bits() + 1) - x) as f64
        }
        _ => {
            let x = x.abs();
            f64::from_bits(x.to_bits() + 1) - x
        }
    };
    (got - want).abs() / ulp(want)
}

#[test]
fn complex_products_whose_parts_cancel_stay_accurate() {
    // (a + bi)(c + di) with d chosen so that ac ≈ bd (the real part cancels) or
    // ad ≈ -bc (the imaginary part does): the textbook (ac - bd) + (ad + bc)i keeps
    // only the rounding errors of the products there.
    for dtype in [DType::C64, DType::C128] {
        let n = 2000;
        let v = values(2 * n, 21, 4.0);
        let round = |x: f64| match dtype {
            DType::C64 => x as f32 as f64,
            _ => x,
        };
        let (mut xs, mut ys) = (vec![], vec![]);
        for i in 0..n {
            let (a, b, c) = (
                round(v[2 * i].re),
                round(v[2 * i].im),
                round(v[2 * i + 1].re),
            );
            let d = if i % 2 == 0 {
                round(a * c / b)
            } else {
                round(-b * c / a)
            };
            xs.push(Complex64::new(a, b));
            ys.push(Complex64::new(c, d));
        }
        let want: Vec<(f64, f64)> = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| {
                let re = exact_diff(x.re, y.re, x.im, y.im);
                let im = exact_diff(x.re, y.im, -x.im, y.re);
                (round(re), round(im))
            })
            .collect();
        for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
            let x = array(&xs, &[n], dtype);
            let y = array(&ys, &[n], dtype);
            let got = read(&kiln::multiply(&x, &y).unwrap(), mode);
            let mut worst = (0.0, 0);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                let off = ulps_off(g.re, w.0, dtype).max(ulps_off(g.im, w.1, dtype));
                if off > worst.0 {
                    worst = (off, i);
                }
            }
            let i = worst.1;
            assert!(
                worst.0 <= 2.0,
                "{dtype} {mode:?}: ({}) * ({}) = {}, want {:e} + {:e}j ({} ulps off)",
                xs[i],
                ys[i],
                got[i],
                want[i].0,
                want[i].1,
                worst.0
            );
        }
    }
}

#[test]
fn complex_products_agree_bitwise_through_odd_shapes_and_views() {
    // The parts' fused multiply-adds are exact operations: the compiled modes must give
    // the interpreter's bits, in the vector loop, its scalar tail and the strided and
    // broadcast loops alike.
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for dtype in [DType::C64, DType::C128] {
        type Build = Box<dyn Fn() -> Array>;
        let cases: Vec<(&str, Build)> = vec![
            (
                "0-d",
                Box::new(move || {
                    let x = array(&values(1, 1, 3.0), &[], dtype);
                    let y = array(&values(1, 2, 3.0), &[], dtype);
                    kiln::multiply(&x, &y).unwrap()
                }),
            ),
            (
                "empty",
                Box::new(move || {
                    let x = array(&[], &[0, 3], dtype);
                    let y = array(&values(3, 2, 3.0), &[3], dtype);
                    kiln::multiply(&x, &y).unwrap()
                }),
            ),
            (
                "1031",
                Box::new(move || {
                    let x = array(&values(1031, 3, 3.0), &[1031], dtype);
                    let y = array(&values(1031, 4, 3.0), &[1031], dtype);
                    kiln::multiply(&x, &y).unwrap()
                }),
            ),
            (
                "[37, 1] x [1, 29]",
                Box::new(move || {
                    let x = array(&values(37, 5, 3.0), &[37, 1], dtype);
                    let y = array(&values(29, 6, 3.0), &[1, 29], dtype);
                    kiln::multiply(&x, &y).unwrap()
                }),
            ),
            (
                "transposed [29, 37]",
                Box::new(move || {
                    let x = array(&values(37 * 29, 7, 3.0), &[37, 29], dtype);
                    let y = array(&values(37 * 29, 8, 3.0), &[29, 37], dtype);
                    let xt = kiln::permute_dims(&x, [1, 0]).unwrap();
                    kiln::multiply(&xt, &y).unwrap()
                }),
            ),
            (
                "x * x * y + x",
                Box::new(move || {
                    let x = array(&values(203, 9, 3.0), &[203], dtype);
                    let y = array(&values(203, 10, 3.0), &[203], dtype);
                    let xx = kiln::multiply(&x, &x).unwrap();
                    let p = kiln::multiply(&xx, &y).unwrap();
                    kiln::add(&p, &x).unwrap()
                }),
            ),
        ];
        for (name, build) in &cases {
            let want = read(&build(), Mode::Interpreter);
            for mode in [Mode::Eager, Mode::Fused] {
                let got = read(&build(), mode);
                assert_eq!(got.len(), want.len(), "{dtype} {name}");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        same(g.re, w.re) && same(g.im, w.im),
                        "{dtype} {name} {mode:?}, element {i}: {g} vs {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn complex_products_of_special_parts_agree_bitwise_in_every_mode() {
    // Every pair of parts from zeros of both signs, overflowing magnitudes, infinities
    // and NaN: the signs of zeros, the infinities kept and the NaNs made must be the
    // interpreter's in the compiled modes.
    let parts = [
        0.0,
        -0.0,
        1.5,
        -2.0,
        1.0e300,
        -1.7e308,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let zs: Vec<Complex64> = parts
        .iter()
        .flat_map(|&a| parts.iter().map(move |&b| Complex64::new(a, b)))
        .collect();
    let n = zs.len();
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for dtype in [DType::C64, DType::C128] {
        let scale = if dtype == DType::C64 { 1e-270 } else { 1.0 };
        let zs: Vec<Complex64> = zs.iter().map(|z| z * scale).collect();
        let build = || {
            let x = array(&zs, &[n, 1], dtype);
            let y = array(&zs, &[1, n], dtype);
            kiln::multiply(&x, &y).unwrap()
        };
        let want = read(&build(), Mode::Interpreter);
        for mode in [Mode::Eager, Mode::Fused] {
            let got = read(&build(), mode);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    same(g.re, w.re) && same(g.im, w.im),
                    "{dtype} {mode:?}: ({}) * ({}) = {g}, interpreter {w}",
                    zs[i / n],
                    zs[i % n]
                );
            }
        }
    }
}

/// Parts at and beside the thresholds of `abs_scale` and `division_scale` (and of the
/// inverse functions' far side), subnormals, the largest float, infinities and NaN.
fn extreme_parts(dtype: DType) -> Vec<f64> {
    let (lo, mid, hi, big, sub, max) = if dtype == DType::C64 {
        (-100, -80, 60, 100, 1.401298464324817e-45, f32::MAX as f64)
    } else {
        (-1000, -600, 500, 1000, 5e-324, f64::MAX)
    };
    let near = |k: i32| {
        let x = 2f64.powi(k);
        let step = if dtype == DType::C64 {
            x * f32::EPSILON as f64
        } else {
            x * f64::EPSILON
        };
        [x - step / 2.0, x, x + step]
    };
    let mut parts = vec![0.0, -0.0, sub, -3.0 * sub, 1.0, -3.5, max, -max];
    for k in [lo, mid, hi, big] {
        parts.extend(near(k));
    }
    parts.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
    parts
}

#[test]
fn complex_division_sign_and_logs_of_extreme_parts_agree_with_the_interpreter() {
    // The scalings' selects, the zero-divisor test and the far side of asinh, acosh and
    // acos must give the interpreter's values in the compiled modes: division and
    // reciprocal (exact operations only) bit for bit, signs of zeros and NaNs included;
    // the others through hypot, log and atan2, which agree within an ulp, within 8 ulp
    // of the larger part, with the same zeros, infinities and NaNs.
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    type Build = Box<dyn Fn(&Array) -> Array>;
    for dtype in [DType::C64, DType::C128] {
        let parts = extreme_parts(dtype);
        let zs: Vec<Complex64> = (parts.iter())
            .flat_map(|&a| parts.iter().map(move |&b| Complex64::new(a, b)))
            .collect();
        let n = zs.len();
        let unary: Vec<(&str, Build)> = vec![
            ("reciprocal", Box::new(|z| kiln::reciprocal(z).unwrap())),
            ("sign", Box::new(|z| kiln::sign(z).unwrap())),
            ("log", Box::new(|z| kiln::log(z).unwrap())),
            ("log10", Box::new(|z| kiln::log10(z).unwrap())),
            ("asinh", Box::new(|z| kiln::asinh(z).unwrap())),
            ("acosh", Box::new(|z| kiln::acosh(z).unwrap())),
            ("acos", Box::new(|z| kiln::acos(z).unwrap())),
            (
                "divide",
                Box::new(|z| {
                    let (x, y) = (
                        kiln::reshape(z, [-1, 1]).unwrap(),
                        kiln::reshape(z, [1, -1]).unwrap(),
                    );
                    kiln::divide(&x, &y).unwrap()
                }),
            ),
        ];
        let eps = if dtype == DType::C64 {
            f32::EPSILON as f64
        } else {
            f64::EPSILON
        };
        for (name, f) in &unary {
            let exact = matches!(*name, "divide" | "reciprocal");
            let close = |g: Complex64, w: Complex64| {
                let scale = w.re.abs().max(w.im.abs());
                let part = |g: f64, w: f64| {
                    same(g, w)
                        || (!exact
                            && g.is_finite()
                            && w.is_finite()
                            && g != 0.0
                            && w != 0.0
                            && (g - w).abs() <= 8.0 * eps * scale)
                };
                part(g.re, w.re) && part(g.im, w.im)
            };
            let build = || f(&array(&zs, &[n], dtype));
            let want = read(&build(), Mode::Interpreter);
            for mode in [Mode::Eager, Mode::Fused] {
                let got = read(&build(), mode);
                assert_eq!(got.len(), want.len());
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    let at = if *name == "divide" {
                        format!("({}) / ({})", zs[i / n], zs[i % n])
                    } else {
                        format!("({})", zs[i])
                    };
                    assert!(
                        close(*g, *w),
                        "{dtype} {mode:?}: {name}{at} = {g}, interpreter {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn complex_prod_takes_its_first_element_as_it_is_in_every_mode() {
    // 1·x is not always x: 1·(-0 - 1j) is +0 - 1j and 1·(inf + 0j) is inf + NaN j. A
    // product starts from the first element, as the compiled scan and NumPy do.
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for dtype in [DType::C64, DType::C128] {
        for (z, want) in [
            (Complex64::new(-0.0, -1.0), Complex64::new(-0.0, -1.0)),
            (
                Complex64::new(f64::INFINITY, 0.0),
                Complex64::new(f64::INFINITY, 0.0),
            ),
        ] {
            for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
                let x = array(&[z], &[1], dtype);
                let got = read(&kiln::prod(&x, ()).unwrap(), mode)[0];
                assert!(
                    same(got.re, want.re) && same(got.im, want.im),
                    "{dtype} {mode:?}: prod([{z}]) = {got}, want {want}"
                );
                let got = read(&kiln::cumulative_prod(&x, ()).unwrap(), mode)[0];
                assert!(
                    same(got.re, want.re) && same(got.im, want.im),
                    "{dtype} {mode:?}: cumulative_prod([{z}]) = {got}, want {want}"
                );
            }
        }
    }
}

#[test]
fn complex_products_inside_reductions_and_mixed_widths_agree() {
    // The fused multiply-adds in row and column reduction kernels, in vecdot, in an f64
    // plan that holds complex64 parts (a product widened to complex128) and beside f64
    // steps in an f32 plan.
    for dtype in [DType::C64, DType::C128] {
        let x = array(&values(37 * 29, 31, 2.0), &[37, 29], dtype);
        let y = array(&values(37 * 29, 32, 2.0), &[37, 29], dtype);
        let t = tol(dtype) * 8.0;
        for axis in [0, 1] {
            let o = ReduceOpts::new().axis(axis);
            agree(
                &|| kiln::sum(&kiln::multiply(&x, &y).unwrap(), o.clone()).unwrap(),
                t,
                &format!("{dtype} sum(x * y, axis={axis})"),
            );
        }
        agree(
            &|| kiln::vecdot(&x, &y, -1).unwrap(),
            t,
            &format!("{dtype} vecdot"),
        );
    }
    let x = array(&values(1031, 33, 2.0), &[1031], DType::C64);
    let y = array(&values(1031, 34, 2.0), &[1031], DType::C64);
    agree(
        &|| kiln::astype(&kiln::multiply(&x, &y).unwrap(), DType::C128).unwrap(),
        1e-6,
        "astype(x * y, complex128)",
    );
    let r: Vec<f64> = (0..1031).map(|i| i as f64 / 7.0).collect();
    let r = kiln::from_vec(r, [1031]).unwrap();
    agree(
        &|| {
            let w = kiln::astype(&r, DType::C64).unwrap();
            kiln::add(kiln::multiply(&x, &y).unwrap(), &w).unwrap()
        },
        1e-6,
        "x * y + astype(f64, complex64)",
    );
}
