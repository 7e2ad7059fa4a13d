//! Creation functions against values written out by hand or computed by naive loops
//! here: asarray, from_vec, zeros/ones/full/empty and their `_like` forms, arange,
//! linspace, eye, tril/triu, meshgrid; and `Display` against NumPy's repr format,
//! written by hand (kiln always names the dtype, where NumPy omits float64, int64 and
//! bool).

use kiln::{Array, Complex32, Complex64, DType, Error, Indexing, IrError, Mode};

type Res = kiln::Result<Array>;

fn build_error(r: Res) -> IrError {
    match r {
        Err(Error::Build { source, .. }) => source,
        Err(other) => panic!("expected a building error, got {other:?}"),
        Ok(a) => panic!("expected a building error, got shape {:?}", a.shape()),
    }
}

/// Complex kernels are not compiled yet, so the complex tests compute in the interpreter
/// and pin the oracle's complex semantics.
fn interp(a: &Array) -> Array {
    a.compute_with(kiln::Mode::Interpreter)
        .expect("interpreter evaluates complex values")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64, ctx: &str) {
    assert_eq!(got.len(), want.len(), "{ctx}: lengths {got:?} vs {want:?}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(close(g, w, tol), "{ctx}: element {i}: got {g}, want {w}");
    }
}

// ---------------------------------------------------------------------------------
// asarray, from_vec
// ---------------------------------------------------------------------------------

#[test]
fn asarray_of_a_rust_scalar_is_0d_in_its_own_dtype() {
    let cases: [(Array, DType); 6] = [
        (kiln::asarray(3.5f64, ()).unwrap(), DType::F64),
        (kiln::asarray(3.5f32, ()).unwrap(), DType::F32),
        (kiln::asarray(-7i32, ()).unwrap(), DType::I32),
        (kiln::asarray(200u8, ()).unwrap(), DType::U8),
        (kiln::asarray(true, ()).unwrap(), DType::Bool),
        (
            kiln::asarray(Complex64::new(1.0, -2.0), ()).unwrap(),
            DType::C128,
        ),
    ];
    for (a, d) in &cases {
        assert_eq!(a.shape(), &[] as &[usize]);
        assert_eq!(a.dtype(), *d);
        assert!(
            a.is_evaluated(),
            "data given by the user is already a value"
        );
    }
    assert_eq!(cases[0].0.item::<f64>().unwrap(), 3.5);
    assert_eq!(cases[2].0.item::<i32>().unwrap(), -7);
    assert_eq!(cases[3].0.item::<u8>().unwrap(), 200);
    assert!(cases[4].0.item::<bool>().unwrap());
    assert_eq!(
        cases[5].0.item::<Complex64>().unwrap(),
        Complex64::new(1.0, -2.0)
    );
}

#[test]
fn asarray_of_nested_rust_arrays_takes_their_shape_in_row_major_order() {
    let a = kiln::asarray([[1i64, 2, 3], [4, 5, 6]], ()).unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(a.dtype(), DType::I64);
    assert_eq!(a.to_vec::<i64>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    let b = kiln::asarray([[[1.0f32, 2.0]], [[3.0, 4.0]], [[5.0, 6.0]]], ()).unwrap();
    assert_eq!(b.shape(), &[3, 1, 2]);
    assert_eq!(
        b.to_vec::<f32>().unwrap(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    let c = kiln::asarray([true, false], ()).unwrap();
    assert_eq!(c.to_vec::<bool>().unwrap(), vec![true, false]);
}

#[test]
fn asarray_of_vecs_and_slices_takes_their_shape() {
    let v = vec![vec![1.0f64, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    let a = kiln::asarray(&v, ()).unwrap();
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(
        a.to_vec::<f64>().unwrap(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    let a = kiln::asarray(v, ()).unwrap();
    assert_eq!(a.shape(), &[3, 2]);

    let s: &[u16] = &[9, 8, 7];
    let b = kiln::asarray(s, ()).unwrap();
    assert_eq!(b.shape(), &[3]);
    assert_eq!(b.dtype(), DType::U16);
    assert_eq!(b.to_vec::<u16>().unwrap(), vec![9, 8, 7]);

    let rows: &[[i8; 2]] = &[[1, -1], [2, -2]];
    let c = kiln::asarray(rows, ()).unwrap();
    assert_eq!(c.shape(), &[2, 2]);
    assert_eq!(c.to_vec::<i8>().unwrap(), vec![1, -1, 2, -2]);

    let mixed: Vec<[f32; 3]> = vec![[1.0, 2.0, 3.0]];
    assert_eq!(kiln::asarray(mixed, ()).unwrap().shape(), &[1, 3]);
}

#[test]
fn asarray_of_empty_sequences_has_zero_length_axes() {
    let a = kiln::asarray(Vec::<f64>::new(), ()).unwrap();
    assert_eq!(a.shape(), &[0]);
    assert_eq!(a.dtype(), DType::F64);
    let b = kiln::asarray(vec![Vec::<i32>::new(); 3], ()).unwrap();
    assert_eq!(b.shape(), &[3, 0]);
    assert!(b.to_vec::<i32>().unwrap().is_empty());
}

#[test]
fn asarray_of_an_ndarray_keeps_its_shape_and_logical_order() {
    let nd =
        ndarray::Array2::from_shape_vec((2, 3), vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let a = kiln::asarray(nd.clone(), ()).unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(
        a.to_vec::<f64>().unwrap(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    // A transposed (non-contiguous) view gives its logical row-major order.
    let t = kiln::asarray(nd.t(), ()).unwrap();
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(
        t.to_vec::<f64>().unwrap(),
        vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    // 0-d and dynamic-rank arrays.
    let z = kiln::asarray(ndarray::arr0(5i32), ()).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_eq!(z.item::<i32>().unwrap(), 5);
    let d = ndarray::ArrayD::<u8>::zeros(ndarray::IxDyn(&[2, 0, 3]));
    assert_eq!(kiln::asarray(d, ()).unwrap().shape(), &[2, 0, 3]);
    // And back: to_ndarray round-trips.
    assert_eq!(a.to_ndarray::<f64>().unwrap(), nd.into_dyn());
}

#[test]
fn asarray_of_ragged_data_is_an_error() {
    build_error(kiln::asarray(vec![vec![1, 2], vec![3]], ()));
    build_error(kiln::asarray(
        vec![vec![vec![1.0]], vec![vec![1.0, 2.0]]],
        (),
    ));
    build_error(kiln::asarray(vec![vec![1u8], vec![]], ()));
}

#[test]
fn asarray_with_a_dtype_converts_as_astype_does() {
    let a = kiln::asarray([1i64, 2, 3], DType::F32).unwrap();
    assert_eq!(a.dtype(), DType::F32);
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
    let b = kiln::asarray([1.75f64, -1.75, 0.5], DType::I32).unwrap();
    assert_eq!(b.to_vec::<i32>().unwrap(), vec![1, -1, 0]);
    let c = kiln::asarray([0i32, 2, -1], DType::Bool).unwrap();
    assert_eq!(c.to_vec::<bool>().unwrap(), vec![false, true, true]);
    let d = kiln::asarray(2.5f32, DType::F64).unwrap();
    assert_eq!(d.item::<f64>().unwrap(), 2.5);
    // Same dtype: unchanged.
    let e = kiln::asarray([4u8], DType::U8).unwrap();
    assert_eq!(e.to_vec::<u8>().unwrap(), vec![4]);
    // Complex to real would drop the imaginary part: refused.
    build_error(kiln::asarray([Complex64::new(1.0, 1.0)], DType::F64));
}

#[test]
fn from_vec_fills_the_shape_in_row_major_order() {
    let a = kiln::from_vec(vec![1u32, 2, 3, 4, 5, 6], [3, 2]).unwrap();
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(a.dtype(), DType::U32);
    assert_eq!(a.to_ndarray::<u32>().unwrap()[[2, 0]], 5);
    let z = kiln::from_vec(vec![9.0f64], [0usize; 0]).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_eq!(z.item::<f64>().unwrap(), 9.0);
    let e = kiln::from_vec(Vec::<f32>::new(), [0, 4]).unwrap();
    assert_eq!(e.shape(), &[0, 4]);
}

#[test]
fn from_vec_with_the_wrong_number_of_values_is_an_error() {
    build_error(kiln::from_vec(vec![1.0f64; 5], [2, 3]));
    build_error(kiln::from_vec(vec![1i64; 2], [0usize; 0]));
    build_error(kiln::from_vec(vec![1i64], [0]));
}

// ---------------------------------------------------------------------------------
// zeros, ones, full, empty and *_like
// ---------------------------------------------------------------------------------

#[test]
fn zeros_and_ones_default_to_float64_and_take_any_dtype() {
    let z = kiln::zeros([2, 3], ()).unwrap();
    assert_eq!(z.dtype(), DType::F64);
    assert_eq!(z.shape(), &[2, 3]);
    assert_eq!(z.to_vec::<f64>().unwrap(), vec![0.0; 6]);
    let o = kiln::ones([4], ()).unwrap();
    assert_eq!(o.to_vec::<f64>().unwrap(), vec![1.0; 4]);
    assert_eq!(
        kiln::zeros([3], DType::I8).unwrap().to_vec::<i8>().unwrap(),
        vec![0; 3]
    );
    assert_eq!(
        kiln::ones([2], DType::U64)
            .unwrap()
            .to_vec::<u64>()
            .unwrap(),
        vec![1; 2]
    );
    assert_eq!(
        kiln::ones([2], DType::F32)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![1.0; 2]
    );
    assert_eq!(
        interp(&kiln::ones([1], DType::C64).unwrap())
            .to_vec::<kiln::Complex32>()
            .unwrap(),
        vec![kiln::Complex32::new(1.0, 0.0)]
    );
    // A 0-d and an empty shape.
    let s = kiln::ones([0usize; 0], DType::I32).unwrap();
    assert_eq!(s.shape(), &[] as &[usize]);
    assert_eq!(s.item::<i32>().unwrap(), 1);
    let e = kiln::zeros([0, 5], ()).unwrap();
    assert_eq!(e.shape(), &[0, 5]);
    assert!(e.to_vec::<f64>().unwrap().is_empty());
}

#[test]
fn zeros_and_ones_of_bool_dtype_are_false_and_true() {
    assert_eq!(
        kiln::zeros([3], DType::Bool)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![false; 3]
    );
    assert_eq!(
        kiln::ones([2, 2], DType::Bool)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![true; 4]
    );
    let e = kiln::empty([2], DType::Bool).unwrap();
    assert_eq!(e.dtype(), DType::Bool);
    assert_eq!(e.shape(), &[2]);
    let b = kiln::asarray([true, false, true], ()).unwrap();
    assert_eq!(
        kiln::zeros_like(&b, ()).unwrap().to_vec::<bool>().unwrap(),
        vec![false; 3]
    );
    assert_eq!(
        kiln::ones_like(&b, ()).unwrap().to_vec::<bool>().unwrap(),
        vec![true; 3]
    );
    assert_eq!(kiln::empty_like(&b, ()).unwrap().dtype(), DType::Bool);
}

#[test]
fn full_takes_its_default_dtype_from_the_value_kind() {
    let a = kiln::full([2, 2], 7, ()).unwrap();
    assert_eq!(a.dtype(), DType::I64);
    assert_eq!(a.to_vec::<i64>().unwrap(), vec![7; 4]);
    let b = kiln::full([3], 2.5, ()).unwrap();
    assert_eq!(b.dtype(), DType::F64);
    assert_eq!(b.to_vec::<f64>().unwrap(), vec![2.5; 3]);
    let c = kiln::full([1], true, ()).unwrap();
    assert_eq!(c.dtype(), DType::Bool);
    assert!(c.item::<bool>().unwrap());
    let d = kiln::full([2], Complex64::new(0.0, 1.0), ()).unwrap();
    assert_eq!(d.dtype(), DType::C128);
    assert_eq!(
        interp(&d).to_vec::<Complex64>().unwrap(),
        vec![Complex64::new(0.0, 1.0); 2]
    );
    let e = kiln::full([2], -3, DType::I8).unwrap();
    assert_eq!(e.to_vec::<i8>().unwrap(), vec![-3, -3]);
    let f = kiln::full([2], 0.1, DType::F32).unwrap();
    assert_eq!(f.to_vec::<f32>().unwrap(), vec![0.1f32; 2]);
    let g = kiln::full([0usize; 0], f64::NAN, ()).unwrap();
    assert!(g.item::<f64>().unwrap().is_nan());
}

#[test]
fn full_with_a_value_the_dtype_cannot_hold_is_an_error() {
    assert!(matches!(
        build_error(kiln::full([2], 300, DType::I8)),
        IrError::ScalarRange { .. }
    ));
    assert!(matches!(
        build_error(kiln::full([2], -1, DType::U32)),
        IrError::ScalarRange { .. }
    ));
    build_error(kiln::full([2], 1.5, DType::I32));
    build_error(kiln::full([2], 1, DType::Bool));
}

#[test]
fn empty_has_the_requested_shape_and_dtype() {
    let e = kiln::empty([3, 0, 2], ()).unwrap();
    assert_eq!(e.shape(), &[3, 0, 2]);
    assert_eq!(e.dtype(), DType::F64);
    let e = kiln::empty([4], DType::U16).unwrap();
    assert_eq!(e.dtype(), DType::U16);
    assert_eq!(e.to_vec::<u16>().unwrap().len(), 4);
}

#[test]
fn like_functions_copy_shape_and_dtype_unless_told_otherwise() {
    let x = kiln::asarray([[1i32, 2, 3], [4, 5, 6]], ()).unwrap();
    let z = kiln::zeros_like(&x, ()).unwrap();
    assert_eq!((z.shape(), z.dtype()), (&[2usize, 3][..], DType::I32));
    assert_eq!(z.to_vec::<i32>().unwrap(), vec![0; 6]);
    let o = kiln::ones_like(&x, DType::F32).unwrap();
    assert_eq!((o.shape(), o.dtype()), (&[2usize, 3][..], DType::F32));
    assert_eq!(o.to_vec::<f32>().unwrap(), vec![1.0; 6]);
    let f = kiln::full_like(&x, 9, ()).unwrap();
    assert_eq!(f.dtype(), DType::I32);
    assert_eq!(f.to_vec::<i32>().unwrap(), vec![9; 6]);
    let f = kiln::full_like(&x, 0.5, DType::F64).unwrap();
    assert_eq!(f.to_vec::<f64>().unwrap(), vec![0.5; 6]);
    let e = kiln::empty_like(&x, ()).unwrap();
    assert_eq!((e.shape(), e.dtype()), (&[2usize, 3][..], DType::I32));
    assert_eq!(e.device(), x.device());
    // The value must fit the inherited dtype.
    build_error(kiln::full_like(&x, 1.5, ()));
    let u = kiln::asarray([1u8], ()).unwrap();
    build_error(kiln::full_like(&u, 256, ()));
}

// ---------------------------------------------------------------------------------
// arange
// ---------------------------------------------------------------------------------

#[test]
fn integer_arange_counts_from_start_by_step_excluding_stop() {
    let cases: [(i64, i64, i64, Vec<i64>); 8] = [
        (0, 5, 1, vec![0, 1, 2, 3, 4]),
        (2, 11, 3, vec![2, 5, 8]),
        (2, 12, 3, vec![2, 5, 8, 11]),
        (10, 0, -3, vec![10, 7, 4, 1]),
        (-3, 3, 2, vec![-3, -1, 1]),
        (5, -5, -5, vec![5, 0]),
        (0, 1, 10, vec![0]),
        (-1, -4, -1, vec![-1, -2, -3]),
    ];
    for (start, stop, step, want) in cases {
        let a = kiln::arange(start, stop, step, ()).unwrap();
        assert_eq!(a.dtype(), DType::I64);
        assert_eq!(a.shape(), &[want.len()], "arange({start}, {stop}, {step})");
        assert_eq!(
            a.to_vec::<i64>().unwrap(),
            want,
            "arange({start}, {stop}, {step})"
        );
    }
}

#[test]
fn arange_is_empty_when_the_step_points_away_from_stop() {
    for (start, stop, step) in [(5, 0, 1), (0, 0, 1), (0, 5, -1), (3, 3, -2)] {
        let a = kiln::arange(start, stop, step, ()).unwrap();
        assert_eq!(a.shape(), &[0], "arange({start}, {stop}, {step})");
        assert!(a.to_vec::<i64>().unwrap().is_empty());
    }
    let f = kiln::arange(1.0, 0.5, 0.1, ()).unwrap();
    assert_eq!(f.shape(), &[0]);
}

#[test]
fn float_arange_has_ceil_of_span_over_step_values() {
    let cases: [(f64, f64, f64); 6] = [
        (0.0, 1.0, 0.25),
        (1.0, 0.0, -0.3),
        (0.0, 5.0, 1.5),
        (-1.0, 1.0, 0.5),
        (0.5, 3.0, 1.0),
        (10.0, -10.0, -7.5),
    ];
    for (start, stop, step) in cases {
        let a = kiln::arange(start, stop, step, ()).unwrap();
        assert_eq!(a.dtype(), DType::F64);
        let n = ((stop - start) / step).ceil() as usize;
        let want: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
        assert_all_close(
            &a.to_vec::<f64>().unwrap(),
            &want,
            1e-15,
            &format!("arange({start}, {stop}, {step})"),
        );
    }
    // Literal values for one case, written out.
    let a = kiln::arange(0.0, 1.0, 0.25, ()).unwrap();
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 0.25, 0.5, 0.75]);
}

#[test]
fn arange_with_mixed_int_and_float_arguments_is_float64() {
    let a = kiln::arange(0, 5, 1.5, ()).unwrap();
    assert_eq!(a.dtype(), DType::F64);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 1.5, 3.0, 4.5]);
    let b = kiln::arange(0.5, 3, 1, ()).unwrap();
    assert_eq!(b.to_vec::<f64>().unwrap(), vec![0.5, 1.5, 2.5]);
}

#[test]
fn arange_with_a_dtype_produces_that_dtype() {
    let a = kiln::arange(0, 4, 1, DType::F32).unwrap();
    assert_eq!(a.dtype(), DType::F32);
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.0, 3.0]);
    let b = kiln::arange(10, 4, -2, DType::I16).unwrap();
    assert_eq!(b.to_vec::<i16>().unwrap(), vec![10, 8, 6]);
    let c = kiln::arange(0, 3, 1, DType::U8).unwrap();
    assert_eq!(c.to_vec::<u8>().unwrap(), vec![0, 1, 2]);
    build_error(kiln::arange(0, 3, 1, DType::Bool));
    build_error(kiln::arange(0, 3, 1, DType::C128));
}

#[test]
fn arange_with_step_zero_is_an_error() {
    build_error(kiln::arange(0, 5, 0, ()));
    build_error(kiln::arange(0.0, 5.0, 0.0, ()));
    build_error(kiln::arange(0.0, 1.0, f64::NAN, ()));
}

// ---------------------------------------------------------------------------------
// linspace
// ---------------------------------------------------------------------------------

fn naive_linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint {
        num as f64 - 1.0
    } else {
        num as f64
    };
    (0..num)
        .map(|i| start + (stop - start) * i as f64 / div)
        .collect()
}

#[test]
fn linspace_with_endpoint_spaces_num_values_from_start_to_stop() {
    let a = kiln::linspace(0.0, 1.0, 5, true, ()).unwrap();
    assert_eq!(a.dtype(), DType::F64);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    for (start, stop, num) in [
        (0.0, 1.0, 11),
        (5.0, -5.0, 11),
        (-2.5, 7.25, 40),
        (1.0, 1.0, 3),
    ] {
        let a = kiln::linspace(start, stop, num, true, ()).unwrap();
        assert_eq!(a.shape(), &[num]);
        assert_all_close(
            &a.to_vec::<f64>().unwrap(),
            &naive_linspace(start, stop, num, true),
            1e-14,
            &format!("linspace({start}, {stop}, {num})"),
        );
    }
}

#[test]
fn linspace_without_endpoint_stops_one_step_short() {
    let a = kiln::linspace(0.0, 1.0, 5, false, ()).unwrap();
    assert_all_close(
        &a.to_vec::<f64>().unwrap(),
        &[0.0, 0.2, 0.4, 0.6, 0.8],
        1e-15,
        "linspace(0, 1, 5, endpoint=false)",
    );
    let b = kiln::linspace(10.0, 0.0, 4, false, ()).unwrap();
    assert_eq!(b.to_vec::<f64>().unwrap(), vec![10.0, 7.5, 5.0, 2.5]);
}

#[test]
fn linspace_with_num_0_is_empty_and_num_1_is_start() {
    for endpoint in [true, false] {
        let a = kiln::linspace(2.0, 3.0, 0, endpoint, ()).unwrap();
        assert_eq!(a.shape(), &[0]);
        assert!(a.to_vec::<f64>().unwrap().is_empty());
        let b = kiln::linspace(2.0, 3.0, 1, endpoint, ()).unwrap();
        assert_eq!(b.shape(), &[1]);
        assert_eq!(b.to_vec::<f64>().unwrap(), vec![2.0]);
    }
}

#[test]
fn linspace_with_endpoint_ends_exactly_at_stop() {
    for (start, stop, num) in [
        (0.0, 0.3, 7),
        (0.1, 0.7, 13),
        (-1.1, 2.2, 97),
        (1e-3, 1e3, 3),
    ] {
        let a = kiln::linspace(start, stop, num, true, ()).unwrap();
        let v = a.to_vec::<f64>().unwrap();
        assert_eq!(v[0], start);
        assert_eq!(*v.last().unwrap(), stop, "linspace({start}, {stop}, {num})");
        let f = kiln::linspace(start, stop, num, true, DType::F32).unwrap();
        assert_eq!(f.dtype(), DType::F32);
        assert_eq!(*f.to_vec::<f32>().unwrap().last().unwrap(), stop as f32);
    }
}

/// float32 and complex64 grids are computed in double precision and rounded once, as
/// NumPy's are: each value is start + i·step in f64, then rounded, even where it nearly
/// cancels (6.3696 + 2·(−3.1923) = −0.0149939, 2.3e-6 off when summed in f32).
#[test]
fn float32_and_complex64_linspace_round_the_double_precision_values_once() {
    let (a, b, c, d) = (
        7.429196978641805,
        6.369598150334809,
        -17.0,
        -9.591881925386875,
    );
    let (re_step, im_step) = ((c - a) / 5.0, (d - b) / 5.0);
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        let z = kiln::linspace(
            Complex64::new(a, b),
            Complex64::new(c, d),
            6,
            true,
            DType::C64,
        )
        .unwrap();
        let got: Vec<Complex32> = z.compute_with(mode).unwrap().to_vec().unwrap();
        let want: Vec<Complex32> = (0..6)
            .map(|i| match i {
                5 => Complex32::new(c as f32, d as f32),
                _ => {
                    let i = i as f64;
                    Complex32::new((i * re_step + a) as f32, (i * im_step + b) as f32)
                }
            })
            .collect();
        assert_eq!(got, want, "complex64 in {mode:?}");
        let x = kiln::linspace(b, d, 6, false, DType::F32).unwrap();
        let got: Vec<f32> = x.compute_with(mode).unwrap().to_vec().unwrap();
        let step = (d - b) / 6.0;
        let want: Vec<f32> = (0..6).map(|i| (i as f64 * step + b) as f32).collect();
        assert_eq!(got, want, "float32 in {mode:?}");
    }
}

#[test]
fn linspace_of_integer_bounds_is_float64_and_integer_dtypes_are_refused() {
    let a = kiln::linspace(0, 10, 6, true, ()).unwrap();
    assert_eq!(a.dtype(), DType::F64);
    assert_eq!(
        a.to_vec::<f64>().unwrap(),
        vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
    build_error(kiln::linspace(0, 10, 6, true, DType::I64));
    build_error(kiln::linspace(0, 10, 6, true, DType::Bool));
}

#[test]
fn linspace_with_a_complex_bound_is_complex128_and_spaces_both_parts() {
    // The standard: a complex start or stop gives the default complex dtype, spaced by
    // (c - a)/(N - 1) + (d - b)/(N - 1) j.
    let a = kiln::linspace(
        Complex64::new(0.0, 1.0),
        Complex64::new(4.0, -3.0),
        5,
        true,
        (),
    )
    .unwrap();
    assert_eq!(a.dtype(), DType::C128);
    let want: Vec<Complex64> = (0..5)
        .map(|i| Complex64::new(i as f64, 1.0 - i as f64))
        .collect();
    assert_eq!(interp(&a).to_vec::<Complex64>().unwrap(), want);
    let b = kiln::linspace(0.0, Complex64::new(0.0, 2.0), 2, false, ()).unwrap();
    assert_eq!(
        interp(&b).to_vec::<Complex64>().unwrap(),
        vec![Complex64::new(0.0, 0.0), Complex64::new(0.0, 1.0)]
    );
    let c = kiln::linspace(Complex64::new(1.0, 1.0), 2.0, 3, true, DType::C64).unwrap();
    assert_eq!(c.dtype(), DType::C64);
    assert_eq!(
        interp(&c).to_vec::<kiln::Complex32>().unwrap(),
        vec![
            kiln::Complex32::new(1.0, 1.0),
            kiln::Complex32::new(1.5, 0.5),
            kiln::Complex32::new(2.0, 0.0)
        ]
    );
    // A complex bound cannot fit a real dtype.
    build_error(kiln::linspace(
        Complex64::new(0.0, 1.0),
        1.0,
        3,
        true,
        DType::F64,
    ));
}

// ---------------------------------------------------------------------------------
// eye, tril, triu
// ---------------------------------------------------------------------------------

#[test]
fn eye_puts_ones_on_the_kth_diagonal_of_any_rectangle() {
    for (rows, cols) in [(3, 3), (3, 5), (4, 2), (1, 1), (0, 3)] {
        for k in -4..=5i64 {
            let e = kiln::eye(rows, Some(cols), k, ()).unwrap();
            assert_eq!(e.shape(), &[rows, cols]);
            assert_eq!(e.dtype(), DType::F64);
            let want: Vec<f64> = (0..rows * cols)
                .map(|i| {
                    let (r, c) = ((i / cols) as i64, (i % cols) as i64);
                    if c - r == k {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            assert_eq!(
                e.to_vec::<f64>().unwrap(),
                want,
                "eye({rows}, {cols}, k={k})"
            );
        }
    }
    let i3 = kiln::eye(3, None, 0, DType::I32).unwrap();
    assert_eq!(i3.shape(), &[3, 3]);
    assert_eq!(i3.to_vec::<i32>().unwrap(), vec![1, 0, 0, 0, 1, 0, 0, 0, 1]);
    let b = kiln::eye(2, Some(3), 1, DType::Bool).unwrap();
    assert_eq!(
        b.to_vec::<bool>().unwrap(),
        vec![false, true, false, false, false, true]
    );
}

/// Naive triangle: keep element (r, c) of each matrix where `keep(c - r)`.
fn naive_triangle(data: &[f64], shape: &[usize], keep: impl Fn(i64) -> bool) -> Vec<f64> {
    let (rows, cols) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    data.iter()
        .enumerate()
        .map(|(i, &v)| {
            let r = ((i / cols) % rows) as i64;
            let c = (i % cols) as i64;
            if keep(c - r) {
                v
            } else {
                0.0
            }
        })
        .collect()
}

#[test]
fn tril_and_triu_keep_elements_by_diagonal_offset_for_every_k() {
    for shape in [&[3, 4][..], &[4, 3], &[2, 3, 4], &[2, 1, 3, 3]] {
        let n: usize = shape.iter().product();
        let data: Vec<f64> = (1..=n).map(|v| v as f64).collect();
        let x = kiln::from_vec(data.clone(), shape).unwrap();
        for k in -4..=4i64 {
            let l = kiln::tril(&x, k).unwrap();
            assert_eq!(l.shape(), shape);
            assert_eq!(
                l.to_vec::<f64>().unwrap(),
                naive_triangle(&data, shape, |d| d <= k),
                "tril {shape:?} k={k}"
            );
            let u = kiln::triu(&x, k).unwrap();
            assert_eq!(
                u.to_vec::<f64>().unwrap(),
                naive_triangle(&data, shape, |d| d >= k),
                "triu {shape:?} k={k}"
            );
        }
    }
}

#[test]
fn tril_and_triu_keep_the_dtype_and_work_on_bool() {
    let x = kiln::asarray([[1i16, 2], [3, 4]], ()).unwrap();
    let l = kiln::tril(&x, 0).unwrap();
    assert_eq!(l.dtype(), DType::I16);
    assert_eq!(l.to_vec::<i16>().unwrap(), vec![1, 0, 3, 4]);
    let b = kiln::asarray([[true, true], [true, true]], ()).unwrap();
    let u = kiln::triu(&b, 1).unwrap();
    assert_eq!(u.dtype(), DType::Bool);
    assert_eq!(u.to_vec::<bool>().unwrap(), vec![false, true, false, false]);
}

#[test]
fn tril_and_triu_of_rank_below_2_are_errors() {
    build_error(kiln::tril(&kiln::ones([3], ()).unwrap(), 0));
    build_error(kiln::triu(&kiln::asarray(1.0f64, ()).unwrap(), 0));
}

// ---------------------------------------------------------------------------------
// meshgrid
// ---------------------------------------------------------------------------------

#[test]
fn meshgrid_xy_puts_the_first_array_along_columns() {
    let x = kiln::asarray([1.0f64, 2.0, 3.0], ()).unwrap();
    let y = kiln::asarray([10.0f64, 20.0], ()).unwrap();
    let g = kiln::meshgrid(&[&x, &y], Indexing::Xy).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].shape(), &[2, 3]);
    assert_eq!(g[1].shape(), &[2, 3]);
    assert_eq!(
        g[0].to_vec::<f64>().unwrap(),
        vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]
    );
    assert_eq!(
        g[1].to_vec::<f64>().unwrap(),
        vec![10.0, 10.0, 10.0, 20.0, 20.0, 20.0]
    );
}

#[test]
fn meshgrid_of_no_arrays_is_no_arrays() {
    for indexing in [Indexing::Xy, Indexing::Ij] {
        assert!(kiln::meshgrid(&[], indexing).unwrap().is_empty());
    }
}

#[test]
fn meshgrid_ij_follows_the_input_order() {
    let x = kiln::asarray([1.0f64, 2.0, 3.0], ()).unwrap();
    let y = kiln::asarray([10.0f64, 20.0], ()).unwrap();
    let g = kiln::meshgrid(&[&x, &y], Indexing::Ij).unwrap();
    assert_eq!(g[0].shape(), &[3, 2]);
    assert_eq!(
        g[0].to_vec::<f64>().unwrap(),
        vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    );
    assert_eq!(
        g[1].to_vec::<f64>().unwrap(),
        vec![10.0, 20.0, 10.0, 20.0, 10.0, 20.0]
    );
}

#[test]
fn meshgrid_of_three_arrays_matches_index_arithmetic() {
    let (a, b, c) = (
        vec![1i64, 2],
        vec![10i64, 20, 30],
        vec![100i64, 200, 300, 400],
    );
    let xs: Vec<Array> = [&a, &b, &c]
        .iter()
        .map(|v| kiln::asarray(v.to_vec(), ()).unwrap())
        .collect();
    let refs: Vec<&Array> = xs.iter().collect();
    for indexing in [Indexing::Xy, Indexing::Ij] {
        let g = kiln::meshgrid(&refs, indexing).unwrap();
        // Output shape: (len b, len a, len c) for xy, (len a, len b, len c) for ij.
        let shape = match indexing {
            Indexing::Xy => [3, 2, 4],
            Indexing::Ij => [2, 3, 4],
        };
        for out in &g {
            assert_eq!(out.shape(), &shape);
        }
        let vals: Vec<Vec<i64>> = g.iter().map(|o| o.to_vec::<i64>().unwrap()).collect();
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                for (k, &ck) in c.iter().enumerate() {
                    let flat = (i * shape[1] + j) * shape[2] + k;
                    let (ia, ib) = match indexing {
                        Indexing::Xy => (j, i),
                        Indexing::Ij => (i, j),
                    };
                    assert_eq!(vals[0][flat], a[ia]);
                    assert_eq!(vals[1][flat], b[ib]);
                    assert_eq!(vals[2][flat], ck);
                }
            }
        }
    }
}

#[test]
fn meshgrid_promotes_dtypes_and_rejects_non_1d_input() {
    let x = kiln::asarray([1i32, 2], ()).unwrap();
    let y = kiln::asarray([3i64], ()).unwrap();
    let g = kiln::meshgrid(&[&x, &y], Indexing::Xy).unwrap();
    assert!(g.iter().all(|a| a.dtype() == DType::I64));
    let single = kiln::meshgrid(&[&x], Indexing::Xy).unwrap();
    assert_eq!(single[0].shape(), &[2]);
    assert_eq!(single[0].to_vec::<i32>().unwrap(), vec![1, 2]);
    let m = kiln::ones([2, 2], ()).unwrap();
    assert!(kiln::meshgrid(&[&x, &m], Indexing::Ij).is_err());
    let f = kiln::asarray([1.0f64], ()).unwrap();
    assert!(kiln::meshgrid(&[&x, &f], Indexing::Ij).is_err());
}

// ---------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------

#[test]
fn display_of_a_computed_float32_matrix_prints_like_numpy() {
    let x = kiln::asarray([[0.5f32, 1.0], [1.5, 2.0]], ()).unwrap();
    let y = (&x * 2.0).unwrap().compute().unwrap();
    assert_eq!(
        y.to_string(),
        "array([[1., 2.],\n       [3., 4.]], dtype=float32)"
    );
    let z = kiln::asarray([0.1f32, 0.2, 0.3], ()).unwrap();
    assert_eq!(z.to_string(), "array([0.1, 0.2, 0.3], dtype=float32)");
}

#[test]
fn display_pads_float_fractions_on_the_right_like_numpy() {
    let x = kiln::asarray([0.5f32, 1.25, -2.0], ()).unwrap();
    assert_eq!(x.to_string(), "array([ 0.5 ,  1.25, -2.  ], dtype=float32)");
    let y = kiln::asarray([[1.5f64, 10.0], [-0.125, 3.0]], ()).unwrap();
    assert_eq!(
        y.to_string(),
        "array([[ 1.5  , 10.   ],\n       [-0.125,  3.   ]], dtype=float64)"
    );
}

#[test]
fn display_rounds_floats_to_8_decimals_like_numpy() {
    let x = kiln::asarray([1.0f64 / 3.0, 0.1 + 0.2], ()).unwrap();
    assert_eq!(
        x.to_string(),
        "array([0.33333333, 0.3       ], dtype=float64)"
    );
}

#[test]
fn display_switches_the_whole_array_to_scientific_notation_like_numpy() {
    let x = kiln::asarray([1e-5f64, 1.0], ()).unwrap();
    assert_eq!(x.to_string(), "array([1.e-05, 1.e+00], dtype=float64)");
    let y = kiln::asarray([1.5e10f64, -2.0], ()).unwrap();
    assert_eq!(y.to_string(), "array([ 1.5e+10, -2.0e+00], dtype=float64)");
    let z = kiln::asarray(1e20f32, ()).unwrap();
    assert_eq!(z.to_string(), "array(1.e+20, dtype=float32)");
}

#[test]
fn display_of_nan_and_infinities_aligns_them_like_numpy() {
    let x = kiln::asarray([f32::NAN, 1.0, f32::NEG_INFINITY], ()).unwrap();
    assert_eq!(x.to_string(), "array([ nan,   1., -inf], dtype=float32)");
    let y = kiln::asarray([f64::NAN, 1.0], ()).unwrap();
    assert_eq!(y.to_string(), "array([nan,  1.], dtype=float64)");
}

#[test]
fn display_of_an_int_array_right_aligns_like_numpy() {
    let x = kiln::asarray([[1i32, -20], [300, 4]], ()).unwrap();
    assert_eq!(
        x.to_string(),
        "array([[  1, -20],\n       [300,   4]], dtype=int32)"
    );
    let y = kiln::asarray([1i64, 2, 3], ()).unwrap();
    assert_eq!(y.to_string(), "array([1, 2, 3], dtype=int64)");
}

#[test]
fn display_of_a_bool_array_prints_true_and_false_like_numpy() {
    let x = kiln::asarray([true, false, true], ()).unwrap();
    assert_eq!(x.to_string(), "array([ True, False,  True], dtype=bool)");
}

#[test]
fn display_of_a_0d_array_has_no_brackets() {
    assert_eq!(
        kiln::asarray(2.5f32, ()).unwrap().to_string(),
        "array(2.5, dtype=float32)"
    );
    assert_eq!(
        kiln::asarray(-7i8, ()).unwrap().to_string(),
        "array(-7, dtype=int8)"
    );
    assert_eq!(
        kiln::asarray(false, ()).unwrap().to_string(),
        "array(False, dtype=bool)"
    );
}

#[test]
fn display_of_a_3d_array_separates_blocks_with_a_blank_line() {
    let x = kiln::from_vec((0..8).collect::<Vec<i32>>(), [2, 2, 2]).unwrap();
    assert_eq!(
        x.to_string(),
        "array([[[0, 1],\n        [2, 3]],\n\n       [[4, 5],\n        [6, 7]]], dtype=int32)"
    );
}

#[test]
fn display_of_an_empty_array_prints_empty_brackets() {
    let x = kiln::zeros([0], DType::F32).unwrap().compute().unwrap();
    assert_eq!(x.to_string(), "array([], dtype=float32)");
}

#[test]
fn display_of_more_than_1000_elements_abbreviates_with_ellipsis() {
    let x = kiln::from_vec((0..2000).collect::<Vec<i32>>(), [2000]).unwrap();
    assert_eq!(
        x.to_string(),
        "array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)"
    );
    let y = kiln::from_vec((0..2000).collect::<Vec<i32>>(), [40, 50]).unwrap();
    let want = "array([[   0,    1,    2, ...,   47,   48,   49],
       [  50,   51,   52, ...,   97,   98,   99],
       [ 100,  101,  102, ...,  147,  148,  149],
       ...,
       [1850, 1851, 1852, ..., 1897, 1898, 1899],
       [1900, 1901, 1902, ..., 1947, 1948, 1949],
       [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=int32)";
    assert_eq!(y.to_string(), want);
    // Floats: the format (here positional, 2 + 2 digits) comes from the shown values.
    let f: Vec<f64> = (0..2000).map(|i| 1.0 + i as f64 * 0.04).collect();
    let f = kiln::from_vec(f, [2000]).unwrap();
    assert_eq!(
        f.to_string(),
        "array([ 1.  ,  1.04,  1.08, ..., 80.88, 80.92, 80.96], dtype=float64)"
    );
    // Exactly 1000 elements print in full.
    let z = kiln::from_vec(vec![0u8; 1000], [1000]).unwrap();
    let s = z.to_string();
    assert!(!s.contains("..."));
    assert_eq!(s.matches('0').count(), 1000);
}

#[test]
fn display_of_an_unevaluated_array_says_so_and_does_not_compute() {
    let x = kiln::ones([2, 3], DType::F32).unwrap();
    let y = kiln::exp(&x).unwrap();
    let s = y.to_string();
    assert!(!y.is_evaluated(), "printing must not compute");
    assert!(s.contains("unevaluated"), "{s}");
    assert!(s.contains("shape=[2, 3]"), "{s}");
    assert!(s.contains("dtype=float32"), "{s}");
    assert!(
        s.contains("creation.rs"),
        "names the line that built it: {s}"
    );
    let d = format!("{y:?}");
    assert!(d.contains("unevaluated") && !y.is_evaluated());
    // After compute it prints values.
    y.compute().unwrap();
    assert!(!y.to_string().contains("unevaluated"));
}
