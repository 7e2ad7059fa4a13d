//! One test per class of error. A mistake in building a graph must be an `Err` from the
//! call that made it (nothing is computed), naming the function and the shapes, dtypes,
//! axes or devices involved, and pointing at the line of this file that made the call.
//! Errors that only reading or running can reveal (wrong element type, a device with no
//! backend) are `Err`s too, never panics.

use kiln::{s, Array, CreateOpts, DType, Device, Error, IrError, ReduceOpts};

/// Evaluate a building call written on one line and return its error with that line.
macro_rules! build_err {
    ($call:expr) => {{
        let line = line!();
        match $call {
            Ok(_) => panic!("`{}` should have failed", stringify!($call)),
            Err(e) => (e, line),
        }
    }};
}

/// The error is a build error from `func`, made at `line` of this file, and its message
/// names every needle.
#[track_caller]
fn assert_build_error(e: &Error, line: u32, func: &str, needles: &[&str]) {
    let Error::Build { source, at } = e else {
        panic!("expected a build error, got {e:?}");
    };
    assert_eq!(source.func(), func, "{e}");
    assert_eq!(at.file(), "tests/errors.rs", "{e}");
    assert_eq!(at.line(), line, "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{func}: ")),
        "{msg:?} starts with the function"
    );
    let here = format!("tests/errors.rs:{line}:");
    assert!(msg.contains(&here), "{msg:?} should contain {here:?}");
    for n in needles {
        assert!(msg.contains(n), "{msg:?} should contain {n:?}");
    }
}

fn arr(shape: &[usize]) -> Array {
    let n: usize = shape.iter().product();
    kiln::from_vec((0..n).map(|i| i as f64).collect::<Vec<f64>>(), shape).unwrap()
}

#[test]
fn broadcasting_mismatched_shapes_fails_at_the_add_call_naming_both_shapes() {
    let (a, b) = (arr(&[2, 3]), arr(&[4, 3]));
    let (e, line) = build_err!(kiln::add(&a, &b));
    assert_build_error(&e, line, "add", &["[2, 3]", "[4, 3]"]);
    assert!(matches!(e.ir(), Some(IrError::Broadcast { .. })), "{e:?}");

    let (e, line) = build_err!(kiln::broadcast_shapes(&[&[2, 3], &[4, 3]]));
    assert_build_error(&e, line, "broadcast_shapes", &["[2, 3]", "[4, 3]"]);
}

#[test]
fn broadcast_to_an_incompatible_shape_names_the_source_and_target_shapes() {
    let x = arr(&[3]);
    let (e, line) = build_err!(kiln::broadcast_to(&x, [4, 2]));
    assert_build_error(&e, line, "broadcast_to", &["[3]", "[4, 2]"]);
    match e.ir() {
        Some(IrError::BroadcastTo { from, to, .. }) => {
            assert_eq!((from.dims(), to.dims()), (&[3][..], &[4, 2][..]));
        }
        other => panic!("expected BroadcastTo, got {other:?}"),
    }
    // Broadcasting may add leading axes but never drop them.
    let y = arr(&[2, 3]);
    let (e, line) = build_err!(kiln::broadcast_to(&y, [3]));
    assert_build_error(&e, line, "broadcast_to", &["[2, 3]", "[3]"]);
}

#[test]
fn exp_of_an_integer_array_is_a_dtype_category_error_naming_the_dtype() {
    let x = kiln::asarray([1i32, 2], ()).unwrap();
    let (e, line) = build_err!(kiln::exp(&x));
    assert_build_error(&e, line, "exp", &["int32", "floating-point"]);
    assert!(
        matches!(
            e.ir(),
            Some(IrError::DType {
                dtype: DType::I32,
                ..
            })
        ),
        "{e:?}"
    );
    // The method form points at its own line too.
    let (e, line) = build_err!(x.exp());
    assert_build_error(&e, line, "exp", &["int32"]);
}

#[test]
fn adding_int8_to_float32_is_a_promotion_error_naming_both_dtypes() {
    let a = kiln::asarray([1i8], ()).unwrap();
    let b = kiln::asarray([1.0f32], ()).unwrap();
    let (e, line) = build_err!(kiln::add(&a, &b));
    assert_build_error(&e, line, "add", &["int8", "float32"]);
    assert!(matches!(e.ir(), Some(IrError::Promotion { .. })), "{e:?}");
}

#[test]
fn a_float_scalar_with_an_int32_array_is_a_scalar_kind_error() {
    let x = kiln::asarray([1i32, 2], ()).unwrap();
    let (e, line) = build_err!(kiln::multiply(&x, 1.5));
    assert_build_error(&e, line, "multiply", &["float", "int32"]);
    assert!(matches!(e.ir(), Some(IrError::ScalarKind { .. })), "{e:?}");
}

#[test]
fn an_integer_scalar_outside_uint8_is_a_scalar_range_error_naming_the_value() {
    let x = kiln::asarray([1u8, 2], ()).unwrap();
    let (e, line) = build_err!(kiln::add(&x, 256i64));
    assert_build_error(&e, line, "add", &["256", "uint8"]);
    assert!(matches!(e.ir(), Some(IrError::ScalarRange { .. })), "{e:?}");
    let (e, line) = build_err!(kiln::subtract(-1i64, &x));
    assert_build_error(&e, line, "subtract", &["-1", "uint8"]);
}

#[test]
fn an_axis_beyond_the_rank_is_an_axis_error_naming_axis_and_rank() {
    let x = arr(&[2, 3]);
    let (e, line) = build_err!(kiln::sum(&x, 2));
    assert_build_error(&e, line, "sum", &["axis 2", "rank 2"]);
    assert!(
        matches!(
            e.ir(),
            Some(IrError::Axis {
                axis: 2,
                rank: 2,
                ..
            })
        ),
        "{e:?}"
    );
    let (e, line) = build_err!(kiln::flip(&x, -3));
    assert_build_error(&e, line, "flip", &["axis -3", "rank 2"]);
    let (e, line) = build_err!(kiln::expand_dims(&x, 3));
    assert_build_error(
        &e,
        line,
        "expand_dims",
        &["axis 3", "rank 3", "valid: -3 to 2"],
    );
    // A 0-d array has no axis to name (not "valid: -0 to -1").
    let scalar = kiln::asarray(1.0, ()).unwrap();
    let (e, line) = build_err!(kiln::concat(&[&scalar, &scalar], 0));
    assert_build_error(
        &e,
        line,
        "concat",
        &["axis 0", "rank 0", "a 0-d array has no axes"],
    );
}

#[test]
fn naming_one_axis_twice_is_a_duplicate_axis_error() {
    let x = arr(&[2, 3]);
    let (e, line) = build_err!(kiln::sum(&x, [0, -2]));
    assert_build_error(&e, line, "sum", &["[0, -2]"]);
    assert!(
        matches!(e.ir(), Some(IrError::DuplicateAxis { .. })),
        "{e:?}"
    );
    let (e, line) = build_err!(kiln::permute_dims(&x, [1, 1]));
    assert_build_error(&e, line, "permute_dims", &["[1, 1]"]);
}

#[test]
fn reshape_to_another_size_names_both_shapes_and_sizes() {
    let x = arr(&[2, 3]);
    let (e, line) = build_err!(kiln::reshape(&x, [4]));
    assert_build_error(&e, line, "reshape", &["[2, 3]", "6", "[4]"]);
    let (e, line) = build_err!(kiln::reshape(&x, [-1, 4]));
    assert_build_error(&e, line, "reshape", &["[2, 3]", "[-1, 4]"]);
}

#[test]
fn squeezing_an_axis_of_size_two_names_the_axis_and_shape() {
    let x = arr(&[2, 1]);
    let (e, line) = build_err!(kiln::squeeze(&x, 0));
    assert_build_error(&e, line, "squeeze", &["axis 0", "[2, 1]", "size 2"]);
}

#[test]
fn max_over_an_empty_axis_is_an_error_at_the_call_naming_shape_and_axes() {
    let x = arr(&[0, 3]);
    let (e, line) = build_err!(kiln::max(&x, 0));
    assert_build_error(&e, line, "max", &["[0, 3]", "[0]"]);
    assert!(
        matches!(e.ir(), Some(IrError::EmptyReduction { .. })),
        "{e:?}"
    );
    let (e, line) = build_err!(kiln::argmin(&x, ()));
    assert_build_error(&e, line, "argmin", &["[0]"]);
    // Over the non-empty axis there is a value per (empty) row: no error.
    assert_eq!(kiln::max(&x, 1).unwrap().shape(), &[0]);
}

#[test]
fn concat_of_arrays_differing_off_the_axis_names_their_shapes() {
    let (a, b) = (arr(&[2, 3]), arr(&[2, 4]));
    let (e, line) = build_err!(kiln::concat(&[&a, &b], 0));
    assert_build_error(&e, line, "concat", &["[2, 3]", "[2, 4]", "0"]);
    let c = arr(&[3]);
    let (e, line) = build_err!(kiln::concat(&[&a, &c], 0));
    assert_build_error(&e, line, "concat", &["[2, 3]", "[3]", "rank"]);
    let (e, line) = build_err!(kiln::stack(&[&a, &b], 0));
    assert_build_error(&e, line, "stack", &["[2, 3]", "[2, 4]"]);
}

#[test]
fn an_integer_index_out_of_bounds_names_the_index_axis_and_size() {
    let x = arr(&[2, 3]);
    let (e, line) = build_err!(x.slice(s![.., 3]));
    assert_build_error(
        &e,
        line,
        "slice",
        &["index 3", "axis 1", "size 3", "[2, 3]"],
    );
    let (e, line) = build_err!(x.slice(s![-3]));
    assert_build_error(&e, line, "slice", &["index -3", "axis 0", "size 2"]);
    // -2 is the first row: in bounds.
    assert_eq!(x.slice(s![-2]).unwrap().shape(), &[3]);
}

#[test]
fn a_slice_step_of_zero_names_the_axis() {
    let x = arr(&[2, 3]);
    let (e, line) = build_err!(x.slice(s![.., ..;0]));
    assert_build_error(&e, line, "slice", &["step", "zero", "axis 1", "[2, 3]"]);
}

#[test]
fn matrix_transpose_of_a_1d_array_names_its_shape() {
    let x = arr(&[3]);
    let (e, line) = build_err!(kiln::matrix_transpose(&x));
    assert_build_error(&e, line, "matrix_transpose", &["[3]", "rank"]);
}

#[test]
fn astype_from_complex_to_real_names_both_dtypes() {
    let z = kiln::asarray([kiln::Complex32::new(1.0, 2.0)], ()).unwrap();
    let (e, line) = build_err!(kiln::astype(&z, DType::F32));
    assert_build_error(&e, line, "astype", &["complex64", "float32"]);
    // Through asarray's dtype option the error still points here.
    let c = [kiln::Complex64::new(1.0, 2.0)];
    let (e, line) = build_err!(kiln::asarray(c, DType::F64));
    assert_build_error(&e, line, "astype", &["complex128", "float64"]);
    // complex → complex is fine.
    assert_eq!(kiln::astype(&z, DType::C128).unwrap().dtype(), DType::C128);
}

#[test]
fn to_vec_with_the_wrong_element_type_is_a_data_error_naming_both_dtypes() {
    let x = kiln::asarray([1.0f64, 2.0], ()).unwrap();
    let e = x
        .to_vec::<f32>()
        .expect_err("f32 is not float64's element type");
    match &e {
        Error::Data { func, msg } => {
            assert_eq!(*func, "to_vec");
            assert!(msg.contains("float64") && msg.contains("float32"), "{msg}");
        }
        other => panic!("expected a Data error, got {other:?}"),
    }
    assert!(e.ir().is_none());
    assert!(e.to_string().starts_with("to_vec: "), "{e}");
    // The right element type still reads the data.
    assert_eq!(x.to_vec::<f64>().unwrap(), vec![1.0, 2.0]);
    // item of more than one element is also a Data error, naming the shape.
    let e = x.item::<f64>().expect_err("two elements");
    assert!(matches!(&e, Error::Data { func: "item", .. }), "{e:?}");
    assert!(e.to_string().contains("[2]"), "{e}");
}

#[test]
fn ragged_nested_data_in_asarray_names_the_two_shapes() {
    let data = vec![vec![1.0, 2.0], vec![3.0]];
    let (e, line) = build_err!(kiln::asarray(&data, ()));
    assert_build_error(&e, line, "asarray", &["ragged", "[2]", "[1]"]);
    let deep = vec![vec![vec![1i32], vec![2]], vec![vec![3, 4], vec![5, 6]]];
    let (e, line) = build_err!(kiln::asarray(deep, ()));
    assert_build_error(&e, line, "asarray", &["ragged", "[2, 1]", "[2, 2]"]);
}

#[test]
fn combining_a_cuda_array_with_a_cpu_array_is_a_device_error_naming_both() {
    let cuda = CreateOpts::new().device(Device::Cuda(0));
    let g = kiln::ones([2], cuda).unwrap();
    assert_eq!(g.device(), Device::Cuda(0));
    let c = kiln::ones([2], ()).unwrap();
    let (e, line) = build_err!(kiln::add(&g, &c));
    assert_build_error(&e, line, "add", &["cuda:0", "cpu"]);
    assert!(matches!(e.ir(), Some(IrError::Device { .. })), "{e:?}");
    let (e, line) = build_err!(kiln::concat(&[&c, &g], 0));
    assert_build_error(&e, line, "concat", &["cuda:0", "cpu"]);
    let k = kiln::asarray([true, false], ()).unwrap();
    let (e, line) = build_err!(kiln::where_(&k, &g, &g));
    assert_build_error(&e, line, "where", &["cuda:0", "cpu"]);
    // Two arrays on the same device combine.
    assert_eq!(kiln::add(&g, &g).unwrap().device(), Device::Cuda(0));
}

#[test]
fn computing_a_cuda_array_is_a_run_time_error_not_a_panic() {
    let cuda = CreateOpts::new().device(Device::Cuda(0)).dtype(DType::F32);
    let g = kiln::exp(&kiln::ones([3], cuda).unwrap()).unwrap();
    let e = g.compute().expect_err("no CUDA backend");
    assert!(matches!(e, Error::Run(_)), "{e:?}");
    assert!(e.ir().is_none());
    let msg = e.to_string();
    assert!(msg.contains("cuda:0"), "{msg}");
    assert!(!g.is_evaluated());
    // Reading fails the same way, and a cpu array built beside it still computes.
    assert!(matches!(g.to_vec::<f32>(), Err(Error::Run(_))));
    let c = kiln::ones([3], DType::F32).unwrap();
    assert_eq!(c.to_vec::<f32>().unwrap(), vec![1.0; 3]);
}

#[test]
fn an_operator_error_points_at_the_operator_line() {
    let (a, b) = (arr(&[2]), arr(&[3]));
    let (e, line) = build_err!(&a * &b);
    assert_build_error(&e, line, "multiply", &["[2]", "[3]"]);
}

#[test]
fn errors_from_composite_functions_point_at_the_user_call() {
    let x = kiln::asarray([1i64, 2], ()).unwrap();
    // std is var then sqrt inside kiln, clip is maximum then minimum: the errors still
    // name the function called and this line.
    let (e, line) = build_err!(kiln::std(&x, ()));
    assert_build_error(&e, line, "std", &["int64"]);
    let f = arr(&[2, 3]);
    let (e, line) = build_err!(kiln::var(&f, ReduceOpts::new().axis(5)));
    assert_build_error(&e, line, "var", &["axis 5", "rank 2"]);
    let (e, line) = build_err!(kiln::moveaxis(&f, 0, 2));
    assert_build_error(&e, line, "moveaxis", &["axis 2", "rank 2"]);
    let (e, line) = build_err!(kiln::clip(&f, Some(&x), None::<f64>));
    assert_build_error(&e, line, "clip", &["float64", "int64"]);
}

#[test]
fn a_failed_call_leaves_its_inputs_usable() {
    let (a, b) = (arr(&[2, 3]), arr(&[4, 3]));
    assert!(kiln::add(&a, &b).is_err());
    let ok = kiln::add(&a, &a).unwrap();
    assert_eq!(
        ok.to_vec::<f64>().unwrap(),
        vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
}

#[test]
fn a_shape_too_big_for_one_array_is_an_error_at_the_call_that_makes_it() {
    // The element count overflows usize, or the bytes exceed isize::MAX.
    let (e, line) = build_err!(kiln::zeros([1usize << 40, 1 << 40], ()));
    assert_build_error(
        &e,
        line,
        "zeros",
        &["[1099511627776, 1099511627776]", "float64", "too big"],
    );
    let (e, line) = build_err!(kiln::zeros([1usize << 31, 1 << 31], ()));
    assert_build_error(&e, line, "zeros", &["too big"]);
    let one = arr(&[1]);
    let (e, line) = build_err!(kiln::broadcast_to(&one, [1usize << 62, 4]));
    assert_build_error(&e, line, "broadcast_to", &["too big"]);
    // Lengths computed from arguments: no overflow on the way to the error.
    let (e, line) = build_err!(kiln::arange(i64::MIN, i64::MAX, 1i64, ()));
    assert_build_error(&e, line, "arange", &["too big"]);
    let (e, line) = build_err!(kiln::arange(i64::MAX, i64::MIN, -1i64, ()));
    assert_build_error(&e, line, "arange", &["too big"]);
    let (e, line) = build_err!(kiln::arange(0.0, 1e30, 1.0, ()));
    assert_build_error(&e, line, "arange", &["too big"]);
    let (e, line) = build_err!(kiln::linspace(0.0, 1.0, usize::MAX, true, ()));
    assert_build_error(&e, line, "linspace", &["too big"]);
    let (e, line) = build_err!(kiln::tile(&arr(&[3]), [usize::MAX / 2, 2]));
    assert_build_error(&e, line, "tile", &["too big"]);
    let counts = kiln::asarray([i64::MAX, i64::MAX], ()).unwrap();
    let (e, line) = build_err!(kiln::repeat(&arr(&[2]), &counts, None));
    assert_build_error(&e, line, "repeat", &["repeats sum"]);
    // The widest ranges that still fit stay exact.
    let r = kiln::arange(i64::MAX - 2, i64::MAX, 1i64, ()).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![i64::MAX - 2, i64::MAX - 1]);
    let r = kiln::arange(i64::MIN, i64::MAX, i64::MAX, ()).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![i64::MIN, -1, i64::MAX - 1]);
}

#[test]
fn a_result_no_allocator_can_give_is_a_run_time_error_in_every_mode() {
    // 2^60 bytes: addressable in principle, beyond any machine's address space (so no
    // overcommit setting lets the allocation succeed).
    for mode in [
        kiln::Mode::Fused,
        kiln::Mode::Eager,
        kiln::Mode::Interpreter,
    ] {
        let z = kiln::zeros([1usize << 57], ()).unwrap();
        let e = z.compute_with(mode).expect_err("2^60 bytes");
        assert!(matches!(e, Error::Run(_)), "{e:?}");
        let msg = e.to_string();
        for n in [
            "zeros",
            "cannot allocate",
            "[144115188075855872]",
            "float64",
            "tests/errors.rs",
        ] {
            assert!(msg.contains(n), "{mode:?}: {msg:?} should contain {n:?}");
        }
        assert!(!z.is_evaluated());
    }
    // A library call's result too; and a view of that size that is only sliced
    // (never materialised in the compiled modes) still computes.
    let p = kiln::matmul(
        &kiln::ones([1usize << 28, 1], ()).unwrap(),
        &kiln::ones([1, 1usize << 29], ()).unwrap(),
    )
    .unwrap();
    let msg = p.compute().expect_err("2^60 bytes").to_string();
    assert!(msg.contains("matmul: cannot allocate"), "{msg}");
    let wide = kiln::broadcast_to(&kiln::ones([1], ()).unwrap(), [1usize << 28, 1 << 29]).unwrap();
    let corner = (&wide.slice(s![..2, ..3]).unwrap() * 2.0).unwrap();
    assert_eq!(corner.to_vec::<f64>().unwrap(), vec![2.0; 6]);
}

#[test]
fn indices_beyond_i64_never_wrap_to_negative_ones() {
    let x = kiln::arange(0i64, 5, 1, ()).unwrap();
    // usize::MAX as i64 would be -1, the last element: it is out of bounds instead.
    let (e, line) = build_err!(x.slice(s![usize::MAX]));
    assert_build_error(&e, line, "slice", &["out of bounds", "[5]"]);
    // As bounds they clamp to the axis, as Python's slices do.
    let tail = x.slice(s![1..usize::MAX]).unwrap();
    assert_eq!(tail.to_vec::<i64>().unwrap(), vec![1, 2, 3, 4]);
    let all = x.slice(s![0..=i64::MAX]).unwrap();
    assert_eq!(all.to_vec::<i64>().unwrap(), vec![0, 1, 2, 3, 4]);
}
