//! The standard's type promotion ("Type Promotion Rules", 2025.12), pinned against a
//! table written out by hand below, never against kiln's own `promote`:
//!
//! * every ordered pair of the 13 dtypes, through `add` (`bitwise_or` for bool), `equal`,
//!   `where`, `concat`, the `+` operator and 0-d arrays;
//! * weak Rust scalars of each kind (bool, integer, float, complex) with every dtype, as
//!   "Mixing arrays with Python scalars" says, and integer scalars out of range;
//! * `result_type` over pairs and triples, and `can_cast`.

use kiln::{Array, Complex32, Complex64, DType, Error, IrError, Scalar};

use DType::{Bool, C128, C64, F32, F64, I16, I32, I64, I8, U16, U32, U64, U8};

/// Row and column order of the tables below.
const ORDER: [DType; 13] = [
    Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, C64, C128,
];

const N: Option<DType> = None;
const B: Option<DType> = Some(Bool);
const I1: Option<DType> = Some(I8);
const I2: Option<DType> = Some(I16);
const I4: Option<DType> = Some(I32);
const I8_: Option<DType> = Some(I64);
const U1: Option<DType> = Some(U8);
const U2: Option<DType> = Some(U16);
const U4: Option<DType> = Some(U32);
const U8_: Option<DType> = Some(U64);
const F4: Option<DType> = Some(F32);
const F8: Option<DType> = Some(F64);
const C8: Option<DType> = Some(C64);
const C16: Option<DType> = Some(C128);

/// The promotion of two array dtypes, row `ORDER[i]` with column `ORDER[j]`, copied from
/// the standard's four tables; `N` where it defines none (bool with numbers, integers
/// with floats, uint64 with a signed integer).
#[rustfmt::skip]
const TABLE: [[Option<DType>; 13]; 13] = [
    //        bool  i1   i2   i4   i8    u1   u2   u4   u8    f4   f8   c8   c16
    /* bool */ [B,  N,   N,   N,   N,    N,   N,   N,   N,    N,   N,   N,   N  ],
    /* i1   */ [N,  I1,  I2,  I4,  I8_,  I2,  I4,  I8_, N,    N,   N,   N,   N  ],
    /* i2   */ [N,  I2,  I2,  I4,  I8_,  I2,  I4,  I8_, N,    N,   N,   N,   N  ],
    /* i4   */ [N,  I4,  I4,  I4,  I8_,  I4,  I4,  I8_, N,    N,   N,   N,   N  ],
    /* i8   */ [N,  I8_, I8_, I8_, I8_,  I8_, I8_, I8_, N,    N,   N,   N,   N  ],
    /* u1   */ [N,  I2,  I2,  I4,  I8_,  U1,  U2,  U4,  U8_,  N,   N,   N,   N  ],
    /* u2   */ [N,  I4,  I4,  I4,  I8_,  U2,  U2,  U4,  U8_,  N,   N,   N,   N  ],
    /* u4   */ [N,  I8_, I8_, I8_, I8_,  U4,  U4,  U4,  U8_,  N,   N,   N,   N  ],
    /* u8   */ [N,  N,   N,   N,   N,    U8_, U8_, U8_, U8_,  N,   N,   N,   N  ],
    /* f4   */ [N,  N,   N,   N,   N,    N,   N,   N,   N,    F4,  F8,  C8,  C16],
    /* f8   */ [N,  N,   N,   N,   N,    N,   N,   N,   N,    F8,  F8,  C16, C16],
    /* c8   */ [N,  N,   N,   N,   N,    N,   N,   N,   N,    C8,  C16, C8,  C16],
    /* c16  */ [N,  N,   N,   N,   N,    N,   N,   N,   N,    C16, C16, C16, C16],
];

/// Weak scalars: row = scalar kind (bool, integer, float, complex), column = the array's
/// dtype in `ORDER`; the dtype of `array <op> scalar`, or `N` for an error. Integer and
/// complex scalars with integer arrays, and float scalars with integer arrays, are
/// implementation-defined in the standard; kiln refuses them.
#[rustfmt::skip]
const SCALAR_TABLE: [[Option<DType>; 13]; 4] = [
    //          bool i1  i2  i4  i8   u1  u2  u4  u8   f4  f8  c8  c16
    /* bool    */ [B, N,  N,  N,  N,   N,  N,  N,  N,   N,  N,  N,  N  ],
    /* int     */ [N, I1, I2, I4, I8_, U1, U2, U4, U8_, F4, F8, C8, C16],
    /* float   */ [N, N,  N,  N,  N,   N,  N,  N,  N,   F4, F8, C8, C16],
    /* complex */ [N, N,  N,  N,  N,   N,  N,  N,  N,   C8, C16, C8, C16],
];

fn idx(d: DType) -> usize {
    ORDER.iter().position(|&o| o == d).expect("dtype in ORDER")
}

fn table(a: DType, b: DType) -> Option<DType> {
    TABLE[idx(a)][idx(b)]
}

/// Names written out by hand, so the messages are checked against the standard's names.
fn std_name(d: DType) -> &'static str {
    match d {
        Bool => "bool",
        I8 => "int8",
        I16 => "int16",
        I32 => "int32",
        I64 => "int64",
        U8 => "uint8",
        U16 => "uint16",
        U32 => "uint32",
        U64 => "uint64",
        F32 => "float32",
        F64 => "float64",
        C64 => "complex64",
        C128 => "complex128",
    }
}

/// A value as the test compares it: integers exactly, floats as (re, im).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    Int(i128),
    Cplx(f64, f64),
}

impl Val {
    fn add(self, other: Val) -> Val {
        match (self, other) {
            (Val::Int(a), Val::Int(b)) => Val::Int(a + b),
            (a, b) => {
                let (ar, ai) = a.cplx();
                let (br, bi) = b.cplx();
                Val::Cplx(ar + br, ai + bi)
            }
        }
    }
    fn or(self, other: Val) -> Val {
        match (self, other) {
            (Val::Int(a), Val::Int(b)) => Val::Int(a | b),
            _ => panic!("bitwise_or of non-integers"),
        }
    }
    fn cplx(self) -> (f64, f64) {
        match self {
            Val::Int(i) => (i as f64, 0.0),
            Val::Cplx(re, im) => (re, im),
        }
    }
}

/// Two elements of each dtype, chosen so that every sum of two different dtypes' samples
/// fits the promoted dtype exactly, and so that a cast through a too-narrow type would
/// change it (uint8 200 is not an int8, uint32 4e9 is not an int32, ...).
fn sample_vals(d: DType) -> [Val; 2] {
    match d {
        Bool => [Val::Int(1), Val::Int(0)],
        I8 => [Val::Int(-60), Val::Int(3)],
        I16 => [Val::Int(-30000), Val::Int(5)],
        I32 => [Val::Int(-100_000), Val::Int(7)],
        I64 => [Val::Int(-(1 << 40)), Val::Int(9)],
        U8 => [Val::Int(200), Val::Int(11)],
        U16 => [Val::Int(60000), Val::Int(13)],
        U32 => [Val::Int(4_000_000_000), Val::Int(15)],
        U64 => [Val::Int(1 << 63), Val::Int(17)],
        F32 => [Val::Cplx(0.5, 0.0), Val::Cplx(-3.25, 0.0)],
        F64 => [Val::Cplx(1e10, 0.0), Val::Cplx(0.125, 0.0)],
        C64 => [Val::Cplx(1.5, -2.0), Val::Cplx(0.0, 4.0)],
        C128 => [Val::Cplx(-2.5, 0.75), Val::Cplx(8.0, -1.0)],
    }
}

/// The same samples as a kiln array of shape [2].
fn sample(d: DType) -> Array {
    let a = match d {
        Bool => kiln::asarray([true, false], ()),
        I8 => kiln::asarray([-60i8, 3], ()),
        I16 => kiln::asarray([-30000i16, 5], ()),
        I32 => kiln::asarray([-100_000i32, 7], ()),
        I64 => kiln::asarray([-(1i64 << 40), 9], ()),
        U8 => kiln::asarray([200u8, 11], ()),
        U16 => kiln::asarray([60000u16, 13], ()),
        U32 => kiln::asarray([4_000_000_000u32, 15], ()),
        U64 => kiln::asarray([1u64 << 63, 17], ()),
        F32 => kiln::asarray([0.5f32, -3.25], ()),
        F64 => kiln::asarray([1e10f64, 0.125], ()),
        C64 => kiln::asarray([Complex32::new(1.5, -2.0), Complex32::new(0.0, 4.0)], ()),
        C128 => kiln::asarray([Complex64::new(-2.5, 0.75), Complex64::new(8.0, -1.0)], ()),
    }
    .expect("sample array");
    assert_eq!(a.dtype(), d, "asarray keeps the element type's dtype");
    a
}

/// The computed values of `a`, read with the element type of its dtype.
fn values(a: &Array) -> Vec<Val> {
    fn ints<T: kiln::Element + Into<i128>>(a: &Array) -> Vec<Val> {
        let v: Vec<T> = a.to_vec().expect("to_vec");
        v.into_iter().map(|x| Val::Int(x.into())).collect()
    }
    match a.dtype() {
        Bool => {
            let v: Vec<bool> = a.to_vec().expect("to_vec");
            v.into_iter().map(|b| Val::Int(b as i128)).collect()
        }
        I8 => ints::<i8>(a),
        I16 => ints::<i16>(a),
        I32 => ints::<i32>(a),
        I64 => ints::<i64>(a),
        U8 => ints::<u8>(a),
        U16 => ints::<u16>(a),
        U32 => ints::<u32>(a),
        U64 => ints::<u64>(a),
        F32 => {
            let v: Vec<f32> = a.to_vec().expect("to_vec");
            v.into_iter().map(|x| Val::Cplx(x as f64, 0.0)).collect()
        }
        F64 => {
            let v: Vec<f64> = a.to_vec().expect("to_vec");
            v.into_iter().map(|x| Val::Cplx(x, 0.0)).collect()
        }
        C64 => {
            let v: Vec<Complex32> = a.to_vec().expect("to_vec");
            v.into_iter()
                .map(|z| Val::Cplx(z.re as f64, z.im as f64))
                .collect()
        }
        C128 => {
            let v: Vec<Complex64> = a.to_vec().expect("to_vec");
            v.into_iter().map(|z| Val::Cplx(z.re, z.im)).collect()
        }
    }
}

/// `z` ready to read. Complex kernels are not compiled yet, so a graph holding a complex
/// value (an operand's dtype or the result's) computes in the interpreter, pinning the
/// oracle's complex semantics; every other graph is left to the default, compiled mode.
fn interp_if_complex(z: &Array, operands: &[DType]) -> Array {
    if z.dtype().is_complex() || operands.iter().any(|d| d.is_complex()) {
        z.compute_with(kiln::Mode::Interpreter)
            .expect("interpreter evaluates complex values")
    } else {
        z.clone()
    }
}

/// The elementwise `add` (or, for bool, `bitwise_or`) of the two dtypes' samples.
fn expected_sum(a: DType, b: DType, result: DType) -> Vec<Val> {
    let (x, y) = (sample_vals(a), sample_vals(b));
    (0..2)
        .map(|i| {
            if result == Bool {
                x[i].or(y[i])
            } else {
                x[i].add(y[i])
            }
        })
        .collect()
}

/// `add` for numbers, `bitwise_or` for bool (add does not take bool).
fn combine(a: &Array, b: &Array) -> kiln::Result<Array> {
    if a.dtype() == Bool && b.dtype() == Bool {
        kiln::bitwise_or(a, b)
    } else {
        kiln::add(a, b)
    }
}

/// A promotion error from `func` of `a` with `b`, naming both by the standard's names.
#[track_caller]
fn assert_promotion_error(r: kiln::Result<Array>, func: &str, a: DType, b: DType) {
    let e = match r {
        Ok(x) => panic!("{func}({a}, {b}) gave {} instead of an error", x.dtype()),
        Err(e) => e,
    };
    match e.ir() {
        Some(IrError::Promotion {
            func: f,
            a: ea,
            b: eb,
            ..
        }) => {
            assert_eq!(*f, func);
            let mut got = [*ea, *eb];
            let mut want = [a, b];
            got.sort();
            want.sort();
            assert_eq!(got, want, "the error names the operands' dtypes");
        }
        other => panic!("{func}({a}, {b}): expected a promotion error, got {other:?} ({e})"),
    }
    let msg = e.to_string();
    for needle in [func, std_name(a), std_name(b)] {
        assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
    }
}

#[test]
fn every_dtype_pair_adds_to_the_standards_table_in_both_orders_with_exact_values() {
    for a in ORDER {
        for b in ORDER {
            let (x, y) = (sample(a), sample(b));
            let r = combine(&x, &y);
            match table(a, b) {
                Some(want) => {
                    let z = r.unwrap_or_else(|e| panic!("{a} with {b}: {e}"));
                    assert_eq!(z.dtype(), want, "{a} with {b}");
                    assert_eq!(z.shape(), &[2]);
                    if a != b {
                        let z = interp_if_complex(&z, &[a, b]);
                        assert_eq!(values(&z), expected_sum(a, b, want), "{a} + {b}");
                    }
                }
                None => assert_promotion_error(r, "add", a, b),
            }
        }
    }
}

#[test]
fn equal_accepts_exactly_the_pairs_with_a_defined_promotion() {
    for a in ORDER {
        for b in ORDER {
            let r = kiln::equal(sample(a), sample(b));
            match table(a, b) {
                Some(_) => {
                    let z = r.unwrap_or_else(|e| panic!("equal({a}, {b}): {e}"));
                    assert_eq!(z.dtype(), Bool);
                    // Only the same dtype compares equal to itself element by element.
                    let want: Vec<bool> = if a == b {
                        vec![true, true]
                    } else {
                        vec![false, false]
                    };
                    let z = interp_if_complex(&z, &[a, b]);
                    assert_eq!(z.to_vec::<bool>().unwrap(), want, "equal({a}, {b})");
                }
                None => assert_promotion_error(r, "equal", a, b),
            }
        }
    }
}

#[test]
fn operator_plus_and_bitor_follow_the_table() {
    for a in ORDER {
        for b in ORDER {
            let (x, y) = (sample(a), sample(b));
            let r = if a == Bool && b == Bool {
                &x | &y
            } else {
                &x + &y
            };
            match table(a, b) {
                Some(want) => assert_eq!(r.unwrap().dtype(), want, "{a} + {b}"),
                None => assert_promotion_error(r, "add", a, b),
            }
        }
    }
}

#[test]
fn where_promotes_its_two_branches_by_the_table() {
    let cond = kiln::asarray([true, false], ()).unwrap();
    for a in ORDER {
        for b in ORDER {
            let r = kiln::where_(&cond, sample(a), sample(b));
            match table(a, b) {
                Some(want) => {
                    let z = r.unwrap_or_else(|e| panic!("where({a}, {b}): {e}"));
                    assert_eq!(z.dtype(), want, "where({a}, {b})");
                    // Integers stay integers and floats floats: the samples compare as they are.
                    let want_vals = vec![sample_vals(a)[0], sample_vals(b)[1]];
                    let z = interp_if_complex(&z, &[a, b]);
                    assert_eq!(values(&z), want_vals, "where({a}, {b})");
                }
                None => assert_promotion_error(r, "where", a, b),
            }
        }
    }
}

#[test]
fn concat_promotes_by_the_table_and_names_dtypes_it_cannot_join() {
    for a in ORDER {
        for b in ORDER {
            let r = kiln::concat(&[&sample(a), &sample(b)], 0);
            match table(a, b) {
                Some(want) => {
                    let z = r.unwrap_or_else(|e| panic!("concat({a}, {b}): {e}"));
                    assert_eq!(z.dtype(), want);
                    assert_eq!(z.shape(), &[4]);
                }
                None => {
                    let msg = r.expect_err("no common dtype").to_string();
                    for needle in ["concat", std_name(a), std_name(b)] {
                        assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn zero_dimensional_arrays_promote_like_any_other_array() {
    for a in ORDER {
        for b in ORDER {
            let x0 = sample(a).slice(kiln::s![0]).unwrap();
            assert_eq!(x0.shape(), &[] as &[usize]);
            for (l, r) in [(&x0, &sample(b)), (&sample(b), &x0)] {
                let res = combine(l, r);
                match table(a, b) {
                    Some(want) => {
                        let z = res.unwrap();
                        assert_eq!(z.dtype(), want, "0-d {a} with {b}");
                        assert_eq!(z.shape(), &[2]);
                    }
                    None => assert!(res.is_err(), "0-d {a} with {b} has no promotion"),
                }
            }
        }
    }
}

/// One scalar of each kind, with its value as the test computes it.
fn scalars() -> [(&'static str, Scalar, Val); 4] {
    [
        ("bool", Scalar::from(true), Val::Int(1)),
        ("integer", Scalar::from(2i64), Val::Int(2)),
        ("float", Scalar::from(0.5f64), Val::Cplx(0.5, 0.0)),
        (
            "complex",
            Scalar::from(Complex64::new(0.5, 1.0)),
            Val::Cplx(0.5, 1.0),
        ),
    ]
}

#[test]
fn weak_scalars_of_each_kind_take_the_dtype_of_the_standards_scalar_rules() {
    for (row, (kind, s, sv)) in scalars().into_iter().enumerate() {
        for d in ORDER {
            let x = sample(d);
            let want = SCALAR_TABLE[row][idx(d)];
            let both = if d == Bool {
                [kiln::bitwise_or(&x, s), kiln::bitwise_or(s, &x)]
            } else {
                [kiln::add(&x, s), kiln::add(s, &x)]
            };
            let func = if d == Bool { "bitwise_or" } else { "add" };
            for r in both {
                match want {
                    Some(want) => {
                        let z = r.unwrap_or_else(|e| panic!("{kind} scalar with {d}: {e}"));
                        assert_eq!(z.dtype(), want, "{kind} scalar with {d}");
                        let xv = sample_vals(d);
                        let expect: Vec<Val> = xv
                            .iter()
                            .map(|&v| if want == Bool { v.or(sv) } else { v.add(sv) })
                            .collect();
                        let z = interp_if_complex(&z, &[d]);
                        assert_eq!(values(&z), expect, "{kind} scalar with {d}");
                    }
                    None => {
                        let e = r.expect_err("scalar kind error");
                        match e.ir() {
                            Some(IrError::ScalarKind {
                                func: f,
                                scalar,
                                dtype,
                            }) => {
                                assert_eq!((*f, *scalar, *dtype), (func, kind, d));
                            }
                            other => panic!("{kind} with {d}: got {other:?}"),
                        }
                        let msg = e.to_string();
                        for needle in [func, kind, std_name(d)] {
                            assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn equal_with_weak_scalars_is_defined_exactly_where_the_scalar_table_is() {
    for (row, (kind, s, _)) in scalars().into_iter().enumerate() {
        for d in ORDER {
            let r = kiln::equal(sample(d), s);
            assert_eq!(
                r.is_ok(),
                SCALAR_TABLE[row][idx(d)].is_some(),
                "equal({d} array, {kind} scalar)"
            );
            if let Ok(z) = r {
                assert_eq!(z.dtype(), Bool);
            }
        }
    }
}

#[test]
fn operators_with_rust_scalars_follow_the_scalar_table() {
    for d in ORDER {
        let x = sample(d);
        let got = [
            (&x | true).map(|a| a.dtype()).ok(),
            (&x + 2i64).map(|a| a.dtype()).ok(),
            (&x + 0.5f64).map(|a| a.dtype()).ok(),
            (&x + Complex64::new(0.0, 1.0)).map(|a| a.dtype()).ok(),
        ];
        let got_left = [
            (true | &x).map(|a| a.dtype()).ok(),
            (2i64 + &x).map(|a| a.dtype()).ok(),
            (0.5f64 + &x).map(|a| a.dtype()).ok(),
            (Complex64::new(0.0, 1.0) + &x).map(|a| a.dtype()).ok(),
        ];
        for row in 0..4 {
            // `|` takes integers and bool; `+` takes numbers: compare where the op applies.
            let want = SCALAR_TABLE[row][idx(d)];
            let op_takes = |dt: DType| {
                if row == 0 {
                    !dt.is_floating()
                } else {
                    dt != Bool
                }
            };
            let want = want.filter(|&w| op_takes(w));
            assert_eq!(got[row], want, "array {d} op scalar row {row}");
            assert_eq!(got_left[row], want, "scalar row {row} op array {d}");
        }
    }
}

#[test]
fn complex_scalar_lifts_float32_to_complex64_and_float64_to_complex128() {
    let x = kiln::asarray([1.0f32, -2.0], ()).unwrap();
    let z = kiln::multiply(&x, Complex64::new(0.0, 1.0)).unwrap();
    assert_eq!(z.dtype(), C64);
    assert_eq!(
        interp_if_complex(&z, &[F32]).to_vec::<Complex32>().unwrap(),
        vec![Complex32::new(0.0, 1.0), Complex32::new(0.0, -2.0)]
    );
    let y = kiln::asarray([3.0f64], ()).unwrap();
    let w = kiln::subtract(Complex64::new(1.0, 1.0), &y).unwrap();
    assert_eq!(w.dtype(), C128);
    assert_eq!(
        interp_if_complex(&w, &[F64]).to_vec::<Complex64>().unwrap(),
        vec![Complex64::new(-2.0, 1.0)]
    );
}

#[test]
fn float_scalars_do_not_widen_float32_arrays() {
    let x = kiln::asarray([1.0f32], ()).unwrap();
    // 0.1 is not a float32; a weak scalar still gives float32 (rounded once to f32).
    let z = kiln::add(&x, 0.1f64).unwrap();
    assert_eq!(z.dtype(), F32);
    assert_eq!(z.to_vec::<f32>().unwrap(), vec![1.0f32 + 0.1f32]);
    let big = kiln::multiply(&x, 1e300f64).unwrap();
    assert_eq!(big.dtype(), F32);
}

/// (dtype, lowest, highest), written out by hand.
const INT_RANGES: [(DType, i128, i128); 8] = [
    (I8, -128, 127),
    (I16, -32768, 32767),
    (I32, -2147483648, 2147483647),
    (I64, -9223372036854775808, 9223372036854775807),
    (U8, 0, 255),
    (U16, 0, 65535),
    (U32, 0, 4294967295),
    (U64, 0, 18446744073709551615),
];

#[test]
fn integer_scalars_at_the_dtype_bounds_are_accepted_and_one_beyond_is_an_error() {
    for (d, lo, hi) in INT_RANGES {
        let x = sample(d);
        for v in [lo, hi, 0] {
            let z = kiln::equal(&x, Scalar::Int(v))
                .unwrap_or_else(|e| panic!("{v} should fit {d}: {e}"));
            assert_eq!(z.dtype(), Bool);
            assert_eq!(kiln::add(Scalar::Int(v), &x).unwrap().dtype(), d);
        }
        for v in [lo - 1, hi + 1] {
            for r in [kiln::add(&x, Scalar::Int(v)), kiln::add(Scalar::Int(v), &x)] {
                let e = r.expect_err("out of range");
                match e.ir() {
                    Some(IrError::ScalarRange { func, value, dtype }) => {
                        assert_eq!((*func, value.as_str(), *dtype), ("add", &*v.to_string(), d));
                    }
                    other => panic!("{v} with {d}: expected ScalarRange, got {other:?}"),
                }
                let msg = e.to_string();
                for needle in ["add", &v.to_string(), std_name(d)] {
                    assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
                }
            }
        }
    }
}

#[test]
fn integer_scalar_in_range_computes_in_the_array_dtype() {
    let x = kiln::asarray([250u8, 0], ()).unwrap();
    let z = kiln::add(&x, 5i64).unwrap();
    assert_eq!(z.dtype(), U8);
    assert_eq!(z.to_vec::<u8>().unwrap(), vec![255, 5]);
    let m = kiln::equal(kiln::asarray([u64::MAX], ()).unwrap(), u64::MAX).unwrap();
    assert_eq!(m.to_vec::<bool>().unwrap(), vec![true]);
}

#[test]
fn rust_integer_types_are_range_checked_against_the_array_dtype() {
    let u = kiln::asarray([1u8], ()).unwrap();
    assert!(kiln::add(&u, -1i64).is_err());
    assert!(kiln::add(&u, 256u32).is_err());
    assert!(kiln::add(&u, 255usize).is_ok());
    let i = kiln::asarray([1i64], ()).unwrap();
    let e = kiln::add(&i, u64::MAX).expect_err("u64::MAX is no int64");
    let msg = e.to_string();
    assert!(
        msg.contains("18446744073709551615") && msg.contains("int64"),
        "{msg}"
    );
    let w = kiln::asarray([1u64], ()).unwrap();
    assert_eq!(kiln::add(&w, u64::MAX).unwrap().dtype(), U64);
    assert!(kiln::add(&w, i64::MIN).is_err());
}

#[test]
fn operands_that_are_all_scalars_are_an_error() {
    let e = kiln::add(1i64, 2i64).expect_err("no array operand");
    let msg = e.to_string();
    assert!(msg.contains("add") && msg.contains("array"), "{msg}");
}

#[test]
fn result_type_of_every_pair_matches_the_table() {
    for a in ORDER {
        for b in ORDER {
            let r = kiln::result_type(&[a, b]);
            match table(a, b) {
                Some(want) => assert_eq!(r.unwrap(), want, "result_type({a}, {b})"),
                None => {
                    let msg = r.expect_err("no promotion").to_string();
                    // The error points at this call, not into kiln.
                    for needle in [
                        "result_type",
                        std_name(a),
                        std_name(b),
                        "tests/promotion.rs",
                    ] {
                        assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn result_type_of_every_triple_is_the_table_fold_in_any_order() {
    for a in ORDER {
        for b in ORDER {
            for c in ORDER {
                let want = table(a, b).and_then(|ab| table(ab, c));
                for perm in [
                    [a, b, c],
                    [a, c, b],
                    [b, a, c],
                    [b, c, a],
                    [c, a, b],
                    [c, b, a],
                ] {
                    assert_eq!(kiln::result_type(&perm).ok(), want, "result_type({perm:?})");
                }
            }
        }
    }
}

#[test]
fn result_type_of_one_dtype_is_itself_and_of_none_is_an_error() {
    for d in ORDER {
        assert_eq!(kiln::result_type(&[d]).unwrap(), d);
    }
    assert!(kiln::result_type(&[]).is_err());
    assert_eq!(kiln::result_type(&[I8, U8, I16, U16]).unwrap(), I32);
    assert_eq!(kiln::result_type(&[F32, C64, F64]).unwrap(), C128);
}

#[test]
fn can_cast_holds_exactly_where_promotion_to_the_target_is_the_target() {
    for a in ORDER {
        for b in ORDER {
            assert_eq!(
                kiln::can_cast(a, b),
                table(a, b) == Some(b),
                "can_cast({a}, {b})"
            );
        }
    }
    // Spot checks in words.
    assert!(kiln::can_cast(U8, I16));
    assert!(!kiln::can_cast(U8, I8));
    assert!(!kiln::can_cast(I8, U64));
    assert!(!kiln::can_cast(F64, F32));
    assert!(kiln::can_cast(F32, C64));
    assert!(!kiln::can_cast(C64, F64));
    assert!(!kiln::can_cast(Bool, I8));
    assert!(!kiln::can_cast(I64, F64));
    assert!(kiln::can_cast(U32, I64));
}

#[test]
fn promotion_errors_are_build_errors_not_run_time_errors() {
    let e = kiln::add(sample(I64), sample(U64)).expect_err("no promotion");
    assert!(matches!(e, Error::Build { .. }), "{e:?}");
}
