//! Properties of the compiled path that users rely on: results do not depend on the
//! thread count, sizes are run-time arguments (changing N does not recompile), and the
//! compiled modes agree with the interpreter on the standard workloads' shapes.

use kiln::{s, Array, CumulativeOpts, DType, Mode, ReduceOpts, SliceArg};

mod common;
use common::data;

fn f32_input(n: usize) -> Array {
    let v: Vec<f32> = data(n, 7).into_iter().map(|x| x as f32).collect();
    kiln::from_vec(v, [n]).unwrap()
}

/// `v` in `shape` as `dtype`, computed (a constant of later graphs).
fn typed(v: Vec<f64>, shape: &[usize], dtype: DType) -> Array {
    let a = kiln::astype(&kiln::from_vec(v, shape).unwrap(), dtype).unwrap();
    a.compute().unwrap();
    a
}

fn bits_on_threads(threads: usize, build: &(dyn Fn() -> Array + Sync)) -> Vec<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| bits_in(build, Mode::Fused))
}

#[test]
fn sum_mean_and_var_are_bitwise_equal_on_1_2_and_8_threads() {
    let n = 3_000_001; // many chunks, and a ragged last one
    let builds: Vec<Box<dyn Fn() -> Array + Sync>> = vec![
        Box::new(move || kiln::sum(&f32_input(n), ()).unwrap()),
        Box::new(move || kiln::mean(&f32_input(n), ()).unwrap()),
        Box::new(move || kiln::var(&f32_input(n), ReduceOpts::new().correction(1.0)).unwrap()),
        Box::new(move || kiln::argmax(&f32_input(n), ()).unwrap()),
        Box::new(move || {
            kiln::sum(&kiln::reshape(&f32_input(n - 1), [1000, 3000]).unwrap(), 0).unwrap()
        }),
        Box::new(move || {
            kiln::var(&kiln::reshape(&f32_input(n - 1), [1000, 3000]).unwrap(), 0).unwrap()
        }),
        // Two bands of positions (512 and 88), their rows cut into four ranges.
        Box::new(move || {
            kiln::sum(&kiln::reshape(&f32_input(n - 1), [5000, 600]).unwrap(), 0).unwrap()
        }),
        Box::new(move || {
            let m = kiln::reshape(&f32_input(n - 1), [1000, 3000]).unwrap();
            kiln::argmax(&m, ReduceOpts::new().axis(1)).unwrap()
        }),
        // Few outputs: the reduced rows are split into chunks.
        Box::new(move || {
            kiln::var(&kiln::reshape(&f32_input(n - 1), [750_000, 4]).unwrap(), 0).unwrap()
        }),
        Box::new(move || {
            kiln::sum(&kiln::reshape(&f32_input(n - 1), [750_000, 4]).unwrap(), 0).unwrap()
        }),
        // A costly body (about 330 work units a point): chunks of about 101 000 points
        // (`chunk_for_work`), four of them here, the last ragged.
        Box::new(move || {
            let mut y = kiln::astype(&f32_input(400_003), DType::F64).unwrap();
            for _ in 0..8 {
                y = (&kiln::sin(&y).unwrap() + 0.25).unwrap();
            }
            kiln::sum(&y, ()).unwrap()
        }),
    ];
    for build in &builds {
        let one = bits_on_threads(1, build.as_ref());
        assert_eq!(one, bits_on_threads(2, build.as_ref()));
        assert_eq!(one, bits_on_threads(8, build.as_ref()));
    }
}

#[test]
fn changing_the_size_does_not_recompile() {
    // A structure no other test builds (the constant is part of the kernel).
    let build = |n: usize| {
        let x = kiln::from_vec(data(n, 3), [n]).unwrap();
        kiln::sqrt(&kiln::abs(&((&x * 1234.5678).unwrap() - 0.25).unwrap()).unwrap()).unwrap()
    };
    let first = kiln::eval_with(&[&build(1000)], Mode::Fused).unwrap();
    assert_eq!(first.compiled, 1, "{first:?}");
    let second = kiln::eval_with(&[&build(1001)], Mode::Fused).unwrap();
    assert_eq!((second.compiled, second.cache_hits), (0, 1), "{second:?}");
    let third = kiln::eval_with(&[&build(7)], Mode::Fused).unwrap();
    assert_eq!(third.compiled, 0, "{third:?}");
}

#[test]
fn fused_runs_fewer_kernels_than_eager() {
    let build = || {
        let x = kiln::from_vec(data(10_000, 5), [10_000]).unwrap();
        let y = kiln::from_vec(data(10_000, 6), [10_000]).unwrap();
        let t = ((&x * &y).unwrap() + 0.5).unwrap();
        ((&t * &t).unwrap() / kiln::sqrt(&((&x * &x).unwrap() + 1.0).unwrap()).unwrap()).unwrap()
    };
    let fused = kiln::eval_with(&[&build()], Mode::Fused).unwrap();
    let eager = kiln::eval_with(&[&build()], Mode::Eager).unwrap();
    assert_eq!(fused.kernels, 1);
    assert_eq!(
        eager.kernels, 7,
        "one per op: mul, add, mul, mul, add, sqrt, divide"
    );
}

#[test]
fn an_op_without_a_compiled_form_is_an_error_naming_it_not_a_silent_fallback() {
    // Every op the namespace builds now compiles (complex prod was the last one without
    // a form), so this graph is built by hand with a node the namespace refuses, max of
    // complex values, to reach the check between the planner and the kernels.
    use kiln_ir::{Data, Device, Graph, Literal, Meta, Node, Op, ReduceOp, Shape};
    let loc = std::panic::Location::caller();
    let mut g = Graph::default();
    let values = vec![
        kiln::Complex64::new(1.0, 2.0),
        kiln::Complex64::new(-1.0, 0.5),
    ];
    let meta = |shape: &[usize]| Meta {
        shape: Shape::new(shape),
        dtype: DType::C128,
        device: Device::Cpu,
    };
    let x = g.push(Node {
        op: Op::Constant(Literal::new(Data::C128(values))),
        inputs: Default::default(),
        meta: meta(&[2]),
        func: "asarray",
        loc,
    });
    let max = g.push(Node {
        op: Op::Reduce {
            op: ReduceOp::Max,
            axes: [0].into_iter().collect(),
            keepdims: false,
            correction_bits: 0,
        },
        inputs: [x].into_iter().collect(),
        meta: meta(&[]),
        func: "max",
        loc,
    });
    g.outputs = vec![max];
    for mode in [Mode::Fused, Mode::Eager] {
        let err = kiln_runtime::execute(&g, mode).unwrap_err().to_string();
        assert!(err.contains("max") && err.contains("complex128"), "{err}");
    }
    // What the namespace builds compiles: complex add, and complex prod (a scan step).
    let z = kiln::asarray([kiln::Complex64::new(1.0, 2.0)], ()).unwrap();
    assert!((&z + 1.0).unwrap().compute().is_ok());
    assert!(kiln::prod(&z, ()).unwrap().compute().is_ok());
}

fn compare(build: &dyn Fn() -> Array, tol: f64) {
    let want = build().compute_with(Mode::Interpreter).unwrap();
    let want = kiln::astype(&want, DType::F64)
        .unwrap()
        .compute_with(Mode::Interpreter)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    for mode in [Mode::Fused, Mode::Eager] {
        let got = build().compute_with(mode).unwrap();
        let got = kiln::astype(&got, DType::F64)
            .unwrap()
            .compute_with(Mode::Interpreter)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(got.len(), want.len());
        for (i, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= tol * (1.0 + b.abs()),
                "{mode:?} element {i}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn zscore_agrees_with_the_interpreter() {
    compare(
        &|| {
            let x = kiln::from_vec(data(100_003, 9), [100_003]).unwrap();
            let c = (&x - &kiln::mean(&x, ()).unwrap()).unwrap();
            (c / kiln::std(&x, ()).unwrap()).unwrap()
        },
        1e-12,
    );
}

#[test]
fn row_reductions_with_broadcast_back_agree_with_the_interpreter() {
    compare(
        &|| {
            let v: Vec<f32> = data(64 * 67, 11).into_iter().map(|x| x as f32).collect();
            let s = kiln::from_vec(v, [64, 67]).unwrap();
            let rows = ReduceOpts::new().axis(1).keepdims(true);
            let c = (&s - &kiln::max(&s, rows.clone()).unwrap()).unwrap();
            let e = kiln::square(&c).unwrap();
            (&e / &kiln::sum(&e, rows).unwrap()).unwrap()
        },
        1e-6,
    );
}

#[test]
fn intermediate_buffers_are_reused_across_computations_and_can_be_released() {
    // Eager mode stores every intermediate: after one run they sit in the cache, a second
    // run with other values of the same shapes reuses them (stale contents must never
    // show through), and free_cached_buffers releases them.
    let run = |v: f64| {
        let x = kiln::full([300_000], v, DType::F64).unwrap();
        let y = kiln::sqrt(&((&x * 2.0).unwrap() + 1.0).unwrap()).unwrap();
        let y = (kiln::exp(&(-&y).unwrap()).unwrap() * &x).unwrap();
        y.compute_with(Mode::Eager)
            .unwrap()
            .to_vec::<f64>()
            .unwrap()
    };
    let want = |v: f64| (-(2.0 * v + 1.0f64).sqrt()).exp() * v;
    let a = run(1.5);
    let b = run(4.0);
    assert!(a
        .iter()
        .all(|&e| (e - want(1.5)).abs() <= 1e-15 * want(1.5).abs()));
    assert!(b
        .iter()
        .all(|&e| (e - want(4.0)).abs() <= 1e-15 * want(4.0).abs()));
    // (Other tests of this binary run concurrently and may cache buffers too, so only
    // the release of what this one left is asserted.)
    assert!(
        kiln::free_cached_buffers() > 0,
        "the intermediates were cached"
    );
}

#[test]
fn a_special_value_in_one_unrolled_vector_leaves_the_other_lanes_alone() {
    // The vector loop emits a function for all its unrolled vectors (two, or four for
    // pow) in lockstep and tests their special cases together: one lane's NaN, infinity, zero or huge value sends
    // every vector of the step through the slow path, which must give the other lanes
    // exactly their fast-path values.
    type F = fn(&Array) -> kiln::Result<Array>;
    let funcs: [(&str, F); 14] = [
        // Kernels that call pow unroll four vectors, the others two.
        ("pow(x, 1.7)", |a| kiln::pow(a, 1.7)),
        ("pow(2.3, x)", |a| kiln::pow(2.3, a)),
        ("exp(x)·pow(1.1, x)", |a| {
            kiln::multiply(kiln::exp(a)?, kiln::pow(1.1, a)?)
        }),
        ("exp", kiln::exp),
        ("expm1", kiln::expm1),
        ("log", kiln::log),
        ("log1p", kiln::log1p),
        ("tanh", kiln::tanh),
        ("sin", kiln::sin),
        ("asinh", kiln::asinh),
        // sinh and cosh skip their exponential where no lane is at least 1: x - 1 puts
        // most other lanes below 1 (the data lie in [-0.7, 1.3)), and most specials
        // at or above it.
        ("sinh", kiln::sinh),
        ("cosh", kiln::cosh),
        ("sinh(x - 1)", |a| kiln::sinh(&(a - 1.0)?)),
        ("cosh(x - 1)", |a| kiln::cosh(&(a - 1.0)?)),
    ];
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1e30,
        -3.0,
    ];
    let n = 37; // several unrolled steps and a scalar tail, for both widths
    let base: Vec<f64> = data(n, 21).into_iter().map(|x| x + 1.0).collect();
    for dtype in [DType::F32, DType::F64] {
        // The input computed, and the result widened by the interpreter, so that the
        // kernel under test is the function alone in its dtype's lanes (four f32 lanes,
        // not f32 values in an f64 kernel's halves).
        let arr = |v: &[f64]| typed(v.to_vec(), &[v.len()], dtype);
        let values = |a: Array, mode: Mode| -> Vec<f64> {
            a.compute_with(mode).unwrap();
            let a = kiln::astype(&a, DType::F64).unwrap();
            a.compute_with(Mode::Interpreter).unwrap();
            a.to_vec::<f64>().unwrap()
        };
        for (name, f) in funcs {
            let plain = values(f(&arr(&base)).unwrap(), Mode::Fused);
            for &s in &specials {
                if name == "sin" && s == 1e30 {
                    continue; // beyond sin's accurate range (docs/accuracy.md)
                }
                for p in 0..20 {
                    let mut v = base.clone();
                    v[p] = s;
                    let got = values(f(&arr(&v)).unwrap(), Mode::Fused);
                    let want = values(f(&arr(&v)).unwrap(), Mode::Interpreter)[p];
                    for (i, (&g, &w)) in got.iter().zip(&plain).enumerate() {
                        if i != p {
                            assert_eq!(
                                g.to_bits(),
                                w.to_bits(),
                                "{name} {dtype}: {s} at {p} changed element {i}"
                            );
                        }
                    }
                    let g = got[p];
                    let same = (g.is_nan() && want.is_nan())
                        || g == want
                        || (g - want).abs() <= 1e-5 * want.abs();
                    assert!(same, "{name}({s}) {dtype} at {p}: {g} vs {want}");
                }
            }
        }
    }
}

/// Values of a freshly built array computed in `mode`, as f64 bits.
fn bits_in(build: &dyn Fn() -> Array, mode: Mode) -> Vec<u64> {
    let a = build();
    a.compute_with(mode).unwrap();
    let a = kiln::astype(&a, DType::F64).unwrap();
    a.compute_with(Mode::Interpreter).unwrap();
    a.to_vec::<f64>()
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

type Build<'a> = Box<dyn Fn() -> Array + 'a>;

/// `build`, computed fused and eager, agrees with the interpreter: bit for bit (`tol`
/// None), or within `tol` relative to 1 + |expected| with NaN matching NaN.
fn agrees_with_interpreter(what: &str, build: &dyn Fn() -> Array, tol: Option<f64>) {
    let want = bits_in(build, Mode::Interpreter);
    for mode in [Mode::Fused, Mode::Eager] {
        let got = bits_in(build, mode);
        let Some(tol) = tol else {
            assert_eq!(got, want, "{what} ({mode:?})");
            continue;
        };
        assert_eq!(got.len(), want.len(), "{what} ({mode:?})");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let (g, w) = (f64::from_bits(*g), f64::from_bits(*w));
            assert!(
                (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * (1.0 + w.abs()),
                "{what} ({mode:?}), element {i}: {g} vs {w}"
            );
        }
    }
}

/// Cumulative sums and products run in bands of positions and blocks of lines across
/// threads (`runtime/src/library/scan.rs`), but every line is still the interpreter's
/// sequential fold: bit for bit the interpreter's result, on any number of threads,
/// including long single lines, lines along an outer or middle axis, empty axes, and
/// wrapping integers.
#[test]
fn cumulative_scans_agree_with_the_interpreter_bit_for_bit() {
    let cases: &[(&[usize], i64)] = &[
        (&[300_007], 0),
        (&[700, 301], 0),
        (&[700, 301], 1),
        (&[3, 500, 97], 1),
        (&[2, 40_000], 0),
        (&[0, 70_000], 0),
        (&[70_000, 0], 1),
        (&[1], 0),
    ];
    for dtype in [DType::F64, DType::F32, DType::I32] {
        for &(shape, axis) in cases {
            let n: usize = shape.iter().product();
            let scale = if dtype == DType::I32 { 1000.0 } else { 1.0 };
            let v = data(n, 70 + n as u64).iter().map(|x| x * scale).collect();
            let x = &typed(v, shape, dtype);
            for initial in [false, true] {
                let opts = move || CumulativeOpts::new().axis(axis).include_initial(initial);
                let what = format!("over axis {axis} of {dtype:?} {shape:?}, initial {initial}");
                agrees_with_interpreter(
                    &format!("cumulative_sum {what}"),
                    &|| kiln::cumulative_sum(x, opts()).unwrap(),
                    None,
                );
                agrees_with_interpreter(
                    &format!("cumulative_prod {what}"),
                    &|| kiln::cumulative_prod(x, opts()).unwrap(),
                    None,
                );
            }
        }
    }
    let x = typed(data(700 * 301, 9), &[700, 301], DType::F64);
    for axis in [0, 1] {
        let build = || kiln::cumulative_sum(&x, CumulativeOpts::new().axis(axis)).unwrap();
        let one = bits_on_threads(1, &build);
        for threads in [2, 8] {
            assert_eq!(
                bits_on_threads(threads, &build),
                one,
                "axis {axis}, {threads} threads"
            );
        }
    }
}

/// Reductions over outer axes only (`sum(x, axis=0)` and the like) run as column
/// reductions, vectorised along the kept innermost axis: they must agree with the
/// interpreter on widths that are not a multiple of the vector width or of the column
/// block, on broadcast and 3-d inputs, on empty and size-1 axes, on few outputs over
/// many rows (split along the rows), and on ±0, ±inf, NaN
/// (max and min bit for bit).
#[test]
fn column_reductions_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[1000, 1031],
        &[3, 600],
        &[7, 3, 517],
        // Over (0, 1): groups of eight rows of the inner reduced axis, then three.
        &[5, 19, 70],
        &[2, 1],
        &[1, 9],
        &[0, 5],
        &[5, 0],
        &[4001, 3],
        // Fewer outputs than a chunk's worth over many rows: split along the rows.
        &[60_001, 5],
        &[30_000, 3, 8],
        // Fewer positions than a chunk's 512 but more than a vector block's: split
        // along the rows too; and chunks of 512 with a last one of a single position.
        &[1000, 300],
        &[300, 1025],
        // Bands of positions whose rows are cut into ranges too (`tile_columns`),
        // over two axes in the 3-d case.
        &[2000, 600],
        &[400, 3, 700],
        // Kernels' blocks of up to 2048 positions: bands of 1056 and 1044, and of 1032
        // and 1017, their rows in ranges (argmax's chunks, rows never split: 1008,
        // 1008 and 84; four of 512 and one of a single position); 4100 positions,
        // rows not split, in chunks of 1872, 1872 and 356 (each walked in blocks of up
        // to 2048).
        &[130, 2100],
        &[300, 2049],
        &[70, 4100],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let mut v = data(n, 20 + si as u64);
            // Special values in a few columns (the others stay finite), and columns of
            // -0 and +0 alone.
            let last = shape.last().copied().unwrap_or(1).max(1);
            let specials = [f64::NAN, f64::INFINITY, -f64::NAN, f64::NEG_INFINITY];
            for (i, x) in v.iter_mut().enumerate() {
                let (row, col) = (i / last, i % last);
                if col % 7 == 3 && row % 50 == 1 {
                    *x = specials[(row / 50 + col / 7) % specials.len()];
                } else if col % 11 == 4 {
                    *x = if (row + col) % 2 == 0 { -0.0 } else { 0.0 };
                }
            }
            let x = &typed(v, shape, dtype);
            let mut axes_sets: Vec<Vec<i64>> = vec![vec![0]];
            if shape.len() == 3 {
                axes_sets.push(vec![0, 1]);
            }
            for axes in axes_sets {
                let reduced: usize = axes.iter().map(|&a| shape[a as usize]).product();
                let case = format!("over {axes:?} of {dtype:?} {shape:?}");
                let what = |name: &str| format!("{name} {case}");
                let single = (axes.len() == 1).then(|| axes[0]);
                let opts = move || ReduceOpts::new().axes(axes.clone());
                let mut exact: Vec<(&str, Build)> = Vec::new();
                if reduced > 0 {
                    let o = opts.clone();
                    exact.push(("max", Box::new(move || kiln::max(x, o()).unwrap())));
                    let o = opts.clone();
                    exact.push(("min", Box::new(move || kiln::min(x, o()).unwrap())));
                }
                if let (true, Some(single)) = (reduced > 0, single) {
                    // The first best row of each column (ties of ±0, NaN, ±inf).
                    let axis = ReduceOpts::new().axis(single);
                    let a = axis.clone();
                    exact.push((
                        "argmax",
                        Box::new(move || kiln::argmax(x, a.clone()).unwrap()),
                    ));
                    let a = axis.clone();
                    exact.push((
                        "argmin",
                        Box::new(move || kiln::argmin(x, a.clone()).unwrap()),
                    ));
                    if shape.len() == 2 {
                        // The same over the rows of the transposed view.
                        let rows = || ReduceOpts::new().axis(1);
                        exact.push((
                            "argmax of the transpose",
                            Box::new(move || {
                                let t = kiln::matrix_transpose(x).unwrap();
                                kiln::argmax(&t, rows()).unwrap()
                            }),
                        ));
                    }
                }
                let o = [
                    opts.clone(),
                    opts.clone(),
                    opts.clone(),
                    opts.clone(),
                    opts.clone(),
                    opts.clone(),
                ];
                let [o0, o1, o2, o3, o4, o5] = o;
                let close: Vec<(&str, Build)> = vec![
                    ("sum", Box::new(move || kiln::sum(x, o0()).unwrap())),
                    ("mean", Box::new(move || kiln::mean(x, o1()).unwrap())),
                    ("var", Box::new(move || kiln::var(x, o2()).unwrap())),
                    (
                        "var with correction 1",
                        Box::new(move || kiln::var(x, o3().correction(1.0)).unwrap()),
                    ),
                    (
                        "mean + 2 var + max, one kernel of three reductions",
                        Box::new(move || {
                            let o = o5();
                            let m = kiln::mean(x, o.clone()).unwrap();
                            let v = kiln::var(x, o.clone()).unwrap();
                            let sum = (&m + &(&v * 2.0).unwrap()).unwrap();
                            if reduced > 0 {
                                (&sum + &kiln::max(x, o).unwrap()).unwrap()
                            } else {
                                sum
                            }
                        }),
                    ),
                    (
                        "sum of a row total broadcast back",
                        Box::new(move || {
                            let last = ReduceOpts::new().axis(-1).keepdims(true);
                            let total = kiln::sum(x, last).unwrap();
                            kiln::sum(&kiln::broadcast_to(&total, shape).unwrap(), o4()).unwrap()
                        }),
                    ),
                ];
                let tol = if dtype == DType::F32 { 1e-6 } else { 1e-13 };
                for (name, build) in &exact {
                    agrees_with_interpreter(&what(name), build.as_ref(), None);
                }
                for (name, build) in &close {
                    agrees_with_interpreter(&what(name), build.as_ref(), Some(tol));
                }
            }
        }
    }
}

/// Products run in vectors: along rows in f64 lanes (f32 rows stay scalar), along
/// columns in f64 scratch a row at a time (f32 values widened, never multiplied in
/// f32), and over the whole array in chunks. They must agree with the
/// interpreter's f64 products on values near 1 (so that a product of thousands stays
/// finite and nonzero), with ±0, ±inf, NaN and negative factors in some columns, on
/// widths that are no multiple of the vector width or of the column block, 3-d
/// inputs, empty and size-1 axes and few outputs over many rows; and f32 columns of
/// eight rows 1e30, 1e30, 1e-30, 1e-30, ... (an f32 product of the first two
/// overflows) give the interpreter's finite product. Down the columns of a matrix
/// the product equals the interpreter's exactly (NaN for NaN).
#[test]
fn products_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[1000, 1031],
        &[3, 600],
        &[7, 3, 517],
        &[2, 1],
        &[1, 9],
        &[0, 5],
        &[5, 0],
        &[60_001, 5],
        &[100_003],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let last = shape.last().copied().unwrap_or(1).max(1);
            let specials = [f64::NAN, f64::INFINITY, -0.0, 0.0, -2.0, f64::NEG_INFINITY];
            let v: Vec<f64> = data(n, 60 + si as u64)
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let (row, col) = (i / last, i % last);
                    if col % 13 == 5 && row % 40 == 3 {
                        specials[(row / 40 + col / 13) % specials.len()]
                    } else {
                        1.0 + 0.002 * d
                    }
                })
                .collect();
            let x = &typed(v, shape, dtype);
            let rank = shape.len() as i64;
            let mut axes_sets: Vec<Vec<i64>> = vec![(0..rank).collect(), vec![rank - 1], vec![0]];
            if rank == 3 {
                axes_sets.push(vec![0, 1]);
            }
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-12 };
            for axes in axes_sets {
                let what = format!("prod over {axes:?} of {dtype:?} {shape:?}");
                let build = || kiln::prod(x, ReduceOpts::new().axes(axes.clone())).unwrap();
                // Down the columns of a matrix (not split along the rows): the
                // interpreter's running product, equal value for value (NaN for
                // NaN, whose payload x86 picks by operand order).
                let column = axes == [0] && rank == 2 && shape[0] < 10_000 && shape[1] > 1;
                agrees_with_interpreter(&what, &build, Some(if column { 0.0 } else { tol }));
            }
        }
    }
    let v: Vec<f32> = (0..8 * 37)
        .map(|i| [1e30, 1e30, 1e-30, 1e-30][i / 37 % 4])
        .collect();
    let x = kiln::from_vec(v, [8, 37]).unwrap();
    x.compute().unwrap();
    let build = || kiln::prod(&x, 0).unwrap();
    agrees_with_interpreter("prod of 1e30, 1e30, 1e-30, 1e-30 (f32)", &build, Some(1e-6));
    let p = build();
    p.compute().unwrap();
    assert!(p
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .all(|&v| (v - 1.0).abs() < 1e-5));
}

/// A float product is computed as if the exponent range were unbounded and rounded
/// once (`codegen/src/math/product.rs`), so its value cannot depend on the order in
/// which lanes, blocks and chunks multiply. Each group's factors here are m · 2^s over
/// its first half and m · 2^-s over its second (m near 1): the product is that of the
/// m, finite, though the partial products of many factors in a half overflow or
/// underflow (before, rows gave inf and full reductions NaN, inf · 0). With s = 14 the
/// compiled loops take their fast way (`FastProducts` in emit.rs), with 600 the exact
/// one (f32 at 100: columns the exact way; f32 rows need no bounds).
/// Rows (f64 vector lanes, f32 scalar loops), columns, a full reduction over three
/// chunks, few outputs over many rows and a 3-d middle axis, in f64 and f32, in every
/// mode; and through `nextafter(x, x)`, which is x but has no vector form (the scalar
/// loop, renormalised every 64th factor); a subnormal factor keeps its bits.
#[test]
fn products_keep_their_exponent_apart() {
    let cases: &[(&[usize], &[usize])] = &[
        (&[300, 1030], &[1]),
        (&[1030, 300], &[0]),
        // Rows a whole number of groups of eight: every factor goes through a group.
        (&[1024, 300], &[0]),
        (&[300_002], &[0]),
        (&[60_000, 5], &[0]),
        (&[6, 40, 17], &[0, 2]),
        (&[3, 2], &[0, 1]),
    ];
    // s = 14: factors within the fast products' bounds (2^-15..2^15; the runs between
    // renormalisations keep them in range); 600 and 100: beyond them (the exact way).
    for (dtype, s) in [
        (DType::F64, 600),
        (DType::F64, 14),
        (DType::F32, 100),
        (DType::F32, 14),
    ] {
        for (ci, &(shape, axes)) in cases.iter().enumerate() {
            let n: usize = shape.iter().product();
            let reduced: usize = axes.iter().map(|&a| shape[a]).product();
            let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
            // (the output position, the position within the group) of flat index i
            let place = |i: usize| {
                let (mut rest, mut out, mut within) = (i, 0, 0);
                let mut idx = vec![0; shape.len()];
                for a in (0..shape.len()).rev() {
                    idx[a] = rest % shape[a];
                    rest /= shape[a];
                }
                for &a in &kept {
                    out = out * shape[a] + idx[a];
                }
                for &a in axes {
                    within = within * shape[a] + idx[a];
                }
                (out, within)
            };
            let m: Vec<f64> = data(n, 90 + ci as u64)
                .iter()
                .map(|d| {
                    let m = 1.0 + 0.001 * (d - 0.3);
                    if dtype == DType::F32 {
                        m as f32 as f64
                    } else {
                        m
                    }
                })
                .collect();
            let groups = n / reduced;
            let mut want = vec![1.0f64; groups];
            let mut v = vec![0.0; n];
            for i in 0..n {
                let (out, within) = place(i);
                want[out] *= m[i];
                let k = if within < reduced / 2 { s } else { -s };
                v[i] = m[i] * 2f64.powi(k);
            }
            let x = typed(v, shape, dtype);
            let axes: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-12 };
            for (mode, step) in [
                (Mode::Interpreter, false),
                (Mode::Fused, false),
                (Mode::Eager, false),
                (Mode::Fused, true),
            ] {
                let y = if step {
                    // x itself, through an op with no vector form: the scalar loop.
                    kiln::nextafter(&x, &x).unwrap()
                } else {
                    x.clone()
                };
                let p = kiln::prod(&y, ReduceOpts::new().axes(axes.clone())).unwrap();
                p.compute_with(mode).unwrap();
                let p = kiln::astype(&p, DType::F64).unwrap();
                p.compute_with(Mode::Interpreter).unwrap();
                let got = p.to_vec::<f64>().unwrap();
                assert_eq!(got.len(), groups);
                for (o, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= tol * w.abs(),
                        "prod over {axes:?} of {dtype:?} {shape:?}, 2^±{s} ({mode:?}{}), output {o}: {g} vs {w}",
                        if step { ", scalar loop" } else { "" }
                    );
                }
            }
        }
    }
    // 2^1000 · 2^1000 · 3·2^-1074 · 2^-926 = 3, exactly, with the factors in every
    // lane and chunk position (33 copies of the four, in f64: 3^33 < 2^53).
    let four = [
        2f64.powi(1000),
        2f64.powi(1000),
        3.0 * 2f64.powi(-1074),
        2f64.powi(-926),
    ];
    for copies in [1, 33] {
        let v: Vec<f64> = (0..4 * copies).map(|i| four[i / copies]).collect();
        let x = typed(v, &[4 * copies], DType::F64);
        let want = 3f64.powi(copies as i32);
        for mode in [Mode::Interpreter, Mode::Fused, Mode::Eager] {
            let p = kiln::prod(&x, ()).unwrap();
            p.compute_with(mode).unwrap();
            let got = p.item::<f64>().unwrap();
            assert_eq!(got, want, "{copies} copies ({mode:?})");
        }
    }
}

/// Products beside other work in one kernel, where some rows take the exact way
/// (`FastProducts`): a row kernel that stashes e = exp(x - max) and divides it by its
/// row's product after the next row's pass (rows holding factors beyond 2^±15 had
/// run that store pass twice: the previous row divided twice); var and prod of
/// the same rows (var's second pass had multiplied the product by zeros: 0, then a
/// panic); a sum beside a product whose rows hold a zero (the rerun must not add
/// the row twice).
#[test]
fn products_beside_other_work_agree_with_the_interpreter() {
    let (rows, cols) = (64, 37);
    let v: Vec<f64> = data(rows * cols, 70)
        .iter()
        .enumerate()
        .map(|(i, d)| match (i / cols % 5, i / cols % 7, i % cols) {
            (2, _, 3) => 11.0,
            (_, 3, 5) => -12.0,
            _ => 0.5 * d,
        })
        .collect();
    let x = typed(v, &[rows, cols], DType::F64);
    let softmax_like = || {
        let top = kiln::max(&x, ReduceOpts::new().axes(vec![1]).keepdims(true)).unwrap();
        let e = kiln::exp(&(&x - &top).unwrap()).unwrap();
        let p = kiln::prod(&e, ReduceOpts::new().axes(vec![1]).keepdims(true)).unwrap();
        (&e / &p).unwrap()
    };
    agrees_with_interpreter(
        "e / prod(e, 1), e = exp(x - max)",
        &softmax_like,
        Some(1e-12),
    );
    let near_one = |n: usize, seed: u64| -> Vec<f64> {
        data(n, seed).iter().map(|d| 1.0 + 0.01 * d).collect()
    };
    for shape in [vec![50, 41], vec![1001]] {
        let n = shape.iter().product();
        let x = typed(near_one(n, 71), &shape, DType::F64);
        let axis = vec![shape.len() as i64 - 1];
        let build = || {
            let opts = ReduceOpts::new().axes(axis.clone());
            let var = kiln::var(&x, opts.clone()).unwrap();
            let prod = kiln::prod(&x, opts).unwrap();
            (&var + &prod).unwrap()
        };
        agrees_with_interpreter(&format!("var + prod of {shape:?}"), &build, Some(1e-12));
    }
    let v: Vec<f64> = near_one(40 * 300, 72)
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i / 300 % 3 == 0 && i % 300 == 5 {
                0.0
            } else {
                x
            }
        })
        .collect();
    let x = typed(v, &[40, 300], DType::F64);
    let build = || (&kiln::sum(&x, 1).unwrap() + &kiln::prod(&x, 1).unwrap()).unwrap();
    agrees_with_interpreter("sum + prod, zeros in some rows", &build, Some(1e-12));
}

/// Rows longer than one vector but shorter than an unrolled step (or a step's
/// remainder of whole vectors) run as single vectors, each flushed at once, before
/// the scalar tail: every row width from 1 to 40 of f32 and f64 must agree with the
/// interpreter in row sums, means, variances, extremes, argmax, a softmax (three passes
/// over each row, the exponentials stored and read back) and a row kernel with a
/// broadcast operand, with NaN, ±inf and ±0 in some rows (extremes and argmax bit for
/// bit).
#[test]
fn rows_of_a_few_vectors_agree_with_the_interpreter() {
    for dtype in [DType::F32, DType::F64] {
        for width in 1..=40usize {
            let rows = 23;
            let mut v = data(rows * width, 300 + width as u64);
            for (i, x) in v.iter_mut().enumerate() {
                let (r, c) = (i / width, i % width);
                match (r % 7, c % 5) {
                    (1, 2) => *x = f64::NAN,
                    (2, 1) => *x = f64::INFINITY,
                    (3, 3) => *x = -0.0,
                    (4, 0) => *x = 0.0,
                    _ => {}
                }
            }
            let x = &typed(v, &[rows, width], dtype);
            let col = &typed(data(rows, 17), &[rows, 1], dtype);
            let rows_of = || ReduceOpts::new().axis(1).keepdims(true);
            let exact: Vec<(&str, Build)> = vec![
                ("max", Box::new(move || kiln::max(x, 1).unwrap())),
                ("min", Box::new(move || kiln::min(x, 1).unwrap())),
                (
                    "argmax",
                    Box::new(move || kiln::argmax(x, ReduceOpts::new().axis(1)).unwrap()),
                ),
                (
                    "x * col + 1",
                    Box::new(move || ((x * col).unwrap() + 1.0).unwrap()),
                ),
            ];
            let close: Vec<(&str, Build)> = vec![
                ("sum", Box::new(move || kiln::sum(x, 1).unwrap())),
                ("mean", Box::new(move || kiln::mean(x, 1).unwrap())),
                ("var", Box::new(move || kiln::var(x, 1).unwrap())),
                (
                    "softmax",
                    Box::new(move || {
                        let m = kiln::max(x, rows_of()).unwrap();
                        let e = kiln::exp(&(x - &m).unwrap()).unwrap();
                        (&e / &kiln::sum(&e, rows_of()).unwrap()).unwrap()
                    }),
                ),
            ];
            for (name, build) in &exact {
                let what = format!("{name} of {dtype:?} [{rows}, {width}]");
                agrees_with_interpreter(&what, build.as_ref(), None);
            }
            let tol = if dtype == DType::F32 { 1e-5 } else { 1e-12 };
            for (name, build) in &close {
                let what = format!("{name} of {dtype:?} [{rows}, {width}]");
                agrees_with_interpreter(&what, build.as_ref(), Some(tol));
            }
        }
    }
}

/// Argmax and argmin along rows run in vectors, each lane keeping its first best, then
/// fold the lanes: the index must be the interpreter's (the first maximum; the first
/// NaN beats every number) for ties across lanes and blocks, ±0, ±inf, NaN at any
/// position, all -inf rows, and lengths that are not a multiple of the vector width.
/// Max, min, any and all of the same rows too, bit for bit: rows shorter than one
/// vector skip the folds of the lanes and are the scalar loop's alone, and rows of a
/// few vectors fold only the single vectors' accumulator.
#[test]
fn vector_argmax_and_argmin_agree_with_the_interpreter() {
    let widths = [1usize, 3, 8, 13, 37, 256, 300, 1031];
    for dtype in [DType::F64, DType::F32] {
        for &width in &widths {
            let rows = 30;
            let mut v = Vec::with_capacity(rows * width);
            for r in 0..rows {
                let row: Vec<f64> = (0..width)
                    .map(|c| match r % 10 {
                        // Small integers: many ties, in every lane and block.
                        0 | 1 => ((c * 7 + r) % 5) as f64,
                        // A NaN (two for odd rows) somewhere along the row.
                        2 | 3 if c == (r * 31) % width || (r % 2 == 1 && c == width / 2) => {
                            f64::NAN
                        }
                        // All -inf (argmax: index 0) or all +inf (argmin: index 0).
                        4 => f64::NEG_INFINITY,
                        5 => f64::INFINITY,
                        // -0 and +0 only: equal, so the first wins.
                        6 => {
                            if (c + r) % 3 == 0 {
                                0.0
                            } else {
                                -0.0
                            }
                        }
                        // Rising and falling: a new best in every block.
                        8 => c as f64 * 0.5 - 100.0,
                        9 => 100.0 - c as f64 * 0.5,
                        _ => data(1, (r * width + c) as u64)[0],
                    })
                    .collect();
                v.extend(row);
            }
            let x = &typed(v, &[rows, width], dtype);
            let builds: Vec<(&str, Build)> = vec![
                (
                    "argmax rows",
                    Box::new(move || kiln::argmax(x, ReduceOpts::new().axis(1)).unwrap()),
                ),
                (
                    "argmin rows",
                    Box::new(move || kiln::argmin(x, ReduceOpts::new().axis(1)).unwrap()),
                ),
                (
                    "argmax flat",
                    Box::new(move || kiln::argmax(x, ()).unwrap()),
                ),
                (
                    "argmin flat",
                    Box::new(move || kiln::argmin(x, ()).unwrap()),
                ),
                ("max rows", Box::new(move || kiln::max(x, 1).unwrap())),
                ("min rows", Box::new(move || kiln::min(x, 1).unwrap())),
                ("any rows", Box::new(move || kiln::any(x, 1).unwrap())),
                ("all rows", Box::new(move || kiln::all(x, 1).unwrap())),
                // A computed operand: finding the block's best recomputes it.
                (
                    "argmax of exp rows",
                    Box::new(move || {
                        kiln::argmax(&kiln::exp(x).unwrap(), ReduceOpts::new().axis(1)).unwrap()
                    }),
                ),
            ];
            for (name, build) in &builds {
                let what = format!("{name} of {dtype:?} [{rows}, {width}]");
                agrees_with_interpreter(&what, build.as_ref(), None);
            }
        }
        // Flattened argmax of views that do not merge into one row, larger than one
        // chunk: the index carries from row to row and chunk to chunk. Ties (small
        // integers) everywhere, the maximum first reached late.
        let (rows, width) = (300, 1031);
        let v: Vec<f64> = (0..rows * width)
            .map(|i| ((i * 7) % 5) as f64 + if i == 200_000 { 9.0 } else { 0.0 })
            .collect();
        let x = &typed(v, &[rows, width], dtype);
        let builds: Vec<(&str, Build)> = vec![
            (
                "argmax(x.T)",
                Box::new(move || kiln::argmax(&kiln::matrix_transpose(x).unwrap(), ()).unwrap()),
            ),
            (
                "argmin(x[:, 1:])",
                Box::new(move || {
                    let all = SliceArg::from(..);
                    kiln::argmin(&x.slice([all, SliceArg::from(1..)]).unwrap(), ()).unwrap()
                }),
            ),
            (
                "argmax(x[:, 1:], axis 1)",
                Box::new(move || {
                    let all = SliceArg::from(..);
                    let v = x.slice([all, SliceArg::from(1..)]).unwrap();
                    kiln::argmax(&v, ReduceOpts::new().axis(1)).unwrap()
                }),
            ),
        ];
        for (name, build) in &builds {
            agrees_with_interpreter(&format!("{name} of {dtype:?}"), build.as_ref(), None);
        }
    }
}

/// Operands that move by a run-time stride along the innermost axis (transposed or
/// step-sliced views) are gathered a lane at a time, and elementwise kernels with one
/// walk the last two axes in tiles: results must match the interpreter across tile
/// edges (shapes not multiples of 32 × 128), in 2-d and 3-d, with functions, broadcast
/// partners, step slices, and reductions over such views.
#[test]
fn transposed_and_strided_operands_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[300, 70],
        &[131, 37],
        &[1, 1],
        &[0, 5],
        &[5, 0],
        &[3, 260, 33],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let x = kiln::astype(
                &kiln::from_vec(data(n, 40 + si as u64), shape).unwrap(),
                dtype,
            )
            .unwrap();
            x.compute().unwrap();
            let x = &x;
            let last = shape.len() as i64 - 1;
            let t = move || {
                let mut axes: Vec<i64> = (0..=last).collect();
                axes.swap(last as usize - 1, last as usize);
                kiln::permute_dims(x, axes).unwrap()
            };
            let mut builds: Vec<(&str, Build)> = vec![
                ("x.T + 1", Box::new(move || (&t() + 1.0).unwrap())),
                (
                    "exp(x.T) * tanh(x.T)",
                    Box::new(move || {
                        (kiln::exp(&t()).unwrap() * kiln::tanh(&t()).unwrap()).unwrap()
                    }),
                ),
                (
                    "x.T + a row of x.T",
                    Box::new(move || {
                        let row =
                            kiln::sum(&t(), ReduceOpts::new().axis(-2).keepdims(true)).unwrap();
                        (&t() + &row).unwrap()
                    }),
                ),
                (
                    "x[::2, ::3] * 2",
                    Box::new(move || {
                        let mut idx: Vec<SliceArg> = vec![SliceArg::from(..); shape.len() - 2];
                        idx.push(SliceArg::python(None, None, 2));
                        idx.push(SliceArg::python(None, None, 3));
                        (&x.slice(&idx).unwrap() * 2.0).unwrap()
                    }),
                ),
                ("sum(x.T)", Box::new(move || kiln::sum(&t(), ()).unwrap())),
                (
                    "sum(x.T, axis=-1)",
                    Box::new(move || kiln::sum(&t(), -1).unwrap()),
                ),
            ];
            // max over an empty axis is an error, not a value.
            if shape[shape.len() - 2] > 0 {
                builds.push((
                    "max(x.T, axis=-1)",
                    Box::new(move || kiln::max(&t(), -1).unwrap()),
                ));
            }
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-13 };
            for (name, build) in &builds {
                let what = format!("{name} of {dtype:?} {shape:?}");
                agrees_with_interpreter(&what, build.as_ref(), Some(tol));
            }
        }
    }
}

/// Reductions over permuted views loop in memory order (the planner sorts the kept
/// and the reduced axes by stride), which turns many into column reductions whose
/// results are written with a stride: every permutation of odd 3-D shapes (with empty
/// and size-1 axes, lengths past the column block of 512), reduced over each axis,
/// each pair and all, by sum, mean, var, max, min, argmax, any and an integer sum, and
/// a row kernel storing beside its reduction, agree with the interpreter; and a
/// permuted reduction gives the same bits on 1, 2 and 8 threads.
#[test]
fn reductions_over_permuted_views_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[7, 5, 129],
        &[1, 300, 7],
        &[0, 3, 4],
        &[2, 1, 1031],
        &[33, 17, 9],
    ];
    let perms: [[i64; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let axis_sets: [&[i64]; 7] = [&[0], &[1], &[2], &[0, 1], &[0, 2], &[1, 2], &[0, 1, 2]];
    for (si, &shape) in shapes.iter().enumerate() {
        let n: usize = shape.iter().product();
        let x = typed(data(n, 90 + si as u64), shape, DType::F64);
        let z = kiln::astype(&(&x * 1000.0).unwrap(), DType::I32).unwrap();
        z.compute().unwrap();
        let (x, z) = (&x, &z);
        for perm in perms {
            let t = move || kiln::permute_dims(x, perm).unwrap();
            let tz = move || kiln::permute_dims(z, perm).unwrap();
            for axes in axis_sets {
                let view: Vec<usize> = perm.iter().map(|&p| shape[p as usize]).collect();
                let empty = axes.iter().any(|&a| view[a as usize] == 0);
                let opts = move || ReduceOpts::new().axes(axes.to_vec());
                let mut builds: Vec<(&str, Build, Option<f64>)> = vec![
                    (
                        "sum",
                        Box::new(move || kiln::sum(&t(), opts()).unwrap()),
                        Some(1e-13),
                    ),
                    (
                        "mean",
                        Box::new(move || kiln::mean(&t(), opts()).unwrap()),
                        Some(1e-13),
                    ),
                    (
                        "var",
                        Box::new(move || kiln::var(&t(), opts()).unwrap()),
                        Some(1e-12),
                    ),
                    (
                        "any(x > 0.2)",
                        Box::new(move || {
                            kiln::any(&kiln::greater(t(), 0.2).unwrap(), opts()).unwrap()
                        }),
                        None,
                    ),
                    (
                        "int32 sum",
                        Box::new(move || kiln::sum(&tz(), opts()).unwrap()),
                        None,
                    ),
                    (
                        "x - mean(x, keepdims)",
                        Box::new(move || {
                            (&t() - &kiln::mean(&t(), opts().keepdims(true)).unwrap()).unwrap()
                        }),
                        Some(1e-13),
                    ),
                ];
                if !empty {
                    builds.push((
                        "max",
                        Box::new(move || kiln::max(&t(), opts()).unwrap()),
                        None,
                    ));
                    builds.push((
                        "min",
                        Box::new(move || kiln::min(&t(), opts()).unwrap()),
                        None,
                    ));
                    if axes.len() == 1 {
                        builds.push((
                            "argmax",
                            Box::new(move || {
                                kiln::argmax(&t(), ReduceOpts::new().axis(axes[0])).unwrap()
                            }),
                            None,
                        ));
                    }
                }
                for (name, build, tol) in &builds {
                    let what = format!("{name} over {axes:?} of {shape:?} permuted {perm:?}");
                    agrees_with_interpreter(&what, build.as_ref(), *tol);
                }
            }
        }
    }
    let n = 33 * 17 * 513;
    let x = typed(data(n, 99), &[33, 17, 513], DType::F64);
    let build = || kiln::sum(&kiln::permute_dims(&x, [2, 0, 1]).unwrap(), -1).unwrap();
    let one = bits_on_threads(1, &build);
    assert_eq!(bits_on_threads(2, &build), one);
    assert_eq!(bits_on_threads(8, &build), one);
}

/// Loops that compute a transcendental touch their input streams a page ahead
/// (`prime` in codegen/src/cpu/emit.rs), clamped to the loop's last element, in
/// page-sized blocks: over rows of several pages, lengths just past a page or a vector
/// step, sliced starts, a broadcast partner, several streams, chunks that start past
/// 0, transposed tiles, row reductions (sum, var, argmax) and a multi-phase row kernel
/// (softmax), the compiled modes must agree with the interpreter. (A touch out of
/// bounds would not change a result; the clamp is argued in `prime`'s comment.)
#[test]
fn primed_loops_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[4099],
        &[1025],
        &[3, 2053],
        &[2, 4096],
        &[5, 1],
        &[0, 3000],
        &[300_007],
        &[1030, 1030],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let cast = |v: Vec<f64>, shape: &[usize]| typed(v, shape, dtype);
            let x = cast(data(n, 60 + si as u64), shape);
            let y = cast(data(n, 70 + si as u64), shape);
            let last = shape.len() - 1;
            let mut col_shape = shape.to_vec();
            col_shape[last] = 1;
            let c = cast(data(col_shape.iter().product(), 80), &col_shape);
            let (x, y, c) = (&x, &y, &c);
            // The same data from its third element on: a start that is not a page's.
            let tail = move || {
                let mut idx: Vec<SliceArg> = vec![SliceArg::from(..); last];
                idx.push(SliceArg::python(Some(2), None, 1));
                x.slice(&idx).unwrap()
            };
            let rows = ReduceOpts::new().axis(-1).keepdims(true);
            let mut builds: Vec<(&str, Build)> = vec![
                ("exp(x)", Box::new(move || kiln::exp(x).unwrap())),
                (
                    "pow(|x|, y)",
                    Box::new(move || kiln::pow(kiln::abs(x).unwrap(), y).unwrap()),
                ),
                (
                    "var(exp(x), axis=-1)",
                    Box::new(move || kiln::var(&kiln::exp(x).unwrap(), -1).unwrap()),
                ),
                (
                    "log1p(x*x) + tanh(y) * c",
                    Box::new(move || {
                        let l = kiln::log1p(&(x * x).unwrap()).unwrap();
                        (l + (kiln::tanh(y).unwrap() * c).unwrap()).unwrap()
                    }),
                ),
                (
                    "exp(x[..., 2:])",
                    Box::new(move || kiln::exp(&tail()).unwrap()),
                ),
                (
                    "sum(exp(x), axis=-1)",
                    Box::new(move || kiln::sum(&kiln::exp(x).unwrap(), -1).unwrap()),
                ),
                (
                    "sum(exp(x))",
                    Box::new(move || kiln::sum(&kiln::exp(x).unwrap(), ()).unwrap()),
                ),
                (
                    "softmax(x[..., 2:])",
                    Box::new(move || {
                        let t = tail();
                        let m = kiln::max(&t, rows.clone()).unwrap();
                        let e = kiln::exp(&(&t - &m).unwrap()).unwrap();
                        (&e / &kiln::sum(&e, rows.clone()).unwrap()).unwrap()
                    }),
                ),
            ];
            if shape[last] > 0 {
                builds.push((
                    "argmax(exp(x), axis=-1)",
                    Box::new(move || kiln::argmax(&kiln::exp(x).unwrap(), -1).unwrap()),
                ));
            }
            if shape.len() == 2 && shape[0] == shape[1] {
                builds.push((
                    "exp(x) + x.T",
                    Box::new(move || {
                        (kiln::exp(x).unwrap() + kiln::matrix_transpose(x).unwrap()).unwrap()
                    }),
                ));
            }
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-13 };
            for (name, build) in &builds {
                if shape[last] <= 2 && name.starts_with("softmax") {
                    continue; // max over an empty row is an error, not a value
                }
                let what = format!("{name} of {dtype:?} {shape:?}");
                agrees_with_interpreter(&what, build.as_ref(), Some(tol));
            }
        }
    }
}

/// Max and min combine per-chunk results like the interpreter's pairwise rule for
/// zeros: max(-0, +0) = +0, min(-0, +0) = -0, whichever chunk holds which sign (a
/// full reduction, and a column reduction split along its rows).
#[test]
fn max_and_min_of_zeros_of_both_signs_across_chunks() {
    let n = 1 << 19; // several chunks
    for first_negative in [true, false] {
        let v: Vec<f64> = (0..n)
            .map(|i| {
                if (i < n / 2) == first_negative {
                    -0.0
                } else {
                    0.0
                }
            })
            .collect();
        let x = kiln::from_vec(v, [n / 2, 2]).unwrap();
        x.compute().unwrap();
        let x = &x;
        let builds: Vec<(&str, Build)> = vec![
            ("max", Box::new(move || kiln::max(x, ()).unwrap())),
            ("min", Box::new(move || kiln::min(x, ()).unwrap())),
            ("max axis 0", Box::new(move || kiln::max(x, 0).unwrap())),
            ("min axis 0", Box::new(move || kiln::min(x, 0).unwrap())),
        ];
        for (name, build) in &builds {
            let what = format!("{name}, first half negative: {first_negative}");
            agrees_with_interpreter(&what, build.as_ref(), None);
        }
    }
}

/// Row kernels of several passes (softmax, logsumexp, centring and scaling by a row
/// statistic, var) fetch the next row during their second pass over the current one
/// (`kiln_prefetch`, a call in the loop), and their first passes unroll four vectors
/// when they compute no transcendental: they must agree with the interpreter on rows
/// shorter and longer than a page and a vector step, strided and sliced rows, rank 3,
/// [N, 1] partners, single rows and columns, NaN and ±inf in a row.
#[test]
fn multi_pass_row_kernels_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[3, 2053],
        &[2, 4096],
        &[64, 33],
        &[1, 7],
        &[5, 1],
        &[0, 5],
        &[2, 3, 1029],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let cast = |v: Vec<f64>, shape: &[usize]| typed(v, shape, dtype);
            let mut v = data(n, 90 + si as u64);
            if n > 40 {
                // One row with a NaN, one with +inf, one with -inf.
                let row = shape[shape.len() - 1];
                v[1] = f64::NAN;
                v[(row + 3).min(n - 1)] = f64::INFINITY;
                v[(2 * row + 5).min(n - 1)] = f64::NEG_INFINITY;
            }
            let x = cast(v, shape);
            let last = shape.len() - 1;
            let mut col_shape = shape.to_vec();
            col_shape[last] = 1;
            let c = cast(data(col_shape.iter().product(), 95), &col_shape);
            let (x, c) = (&x, &c);
            // Every other row from the first, and every column from the second: rows
            // a run-time stride apart that start off a page boundary.
            let strided = move || {
                let mut idx: Vec<SliceArg> = vec![SliceArg::python(None, None, 2)];
                idx.extend(vec![SliceArg::from(..); last - 1]);
                idx.push(SliceArg::python(Some(1), None, 1));
                x.slice(&idx).unwrap()
            };
            let rows = || ReduceOpts::new().axis(-1).keepdims(true);
            let softmax = move |t: &Array| {
                let m = kiln::max(t, rows()).unwrap();
                let e = kiln::exp(&(t - &m).unwrap()).unwrap();
                (&e / &kiln::sum(&e, rows()).unwrap()).unwrap()
            };
            let builds: Vec<(&str, Build)> = vec![
                ("softmax(x)", Box::new(move || softmax(x))),
                (
                    "softmax(x[::2, ..., 1:])",
                    Box::new(move || softmax(&strided())),
                ),
                (
                    "logsumexp(x)",
                    Box::new(move || {
                        let m = kiln::max(x, rows()).unwrap();
                        let e = kiln::exp(&(x - &m).unwrap()).unwrap();
                        let l = kiln::log(&kiln::sum(&e, rows()).unwrap()).unwrap();
                        (&m + &l).unwrap()
                    }),
                ),
                (
                    "x - max(x) + c",
                    Box::new(move || {
                        let m = kiln::max(x, rows()).unwrap();
                        ((x - &m).unwrap() + c).unwrap()
                    }),
                ),
                (
                    "x / sum(x[::2, ..., 1:])",
                    Box::new(move || {
                        let t = strided();
                        (&t / &kiln::sum(&t, rows()).unwrap()).unwrap()
                    }),
                ),
                (
                    "var(x, axis=-1)",
                    Box::new(move || kiln::var(x, -1).unwrap()),
                ),
                (
                    "(x - mean) / std, rows",
                    Box::new(move || {
                        let m = kiln::mean(x, rows()).unwrap();
                        let s = kiln::std(x, rows()).unwrap();
                        ((x - &m).unwrap() / &s).unwrap()
                    }),
                ),
                (
                    "min(x) and max(x), rows",
                    Box::new(move || {
                        let lo = kiln::min(x, rows()).unwrap();
                        (&kiln::max(x, rows()).unwrap() - &lo).unwrap()
                    }),
                ),
            ];
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-13 };
            for (name, build) in &builds {
                if shape[last] <= 1 && name.contains("[::2") {
                    continue; // max over an empty row (the sliced view's) is an error
                }
                let what = format!("{name} of {dtype:?} {shape:?}");
                agrees_with_interpreter(&what, build.as_ref(), Some(tol));
            }
        }
    }
}

/// f64 var, alone and beside a mean, std or sum of the same values, over several
/// chunks (each reduced in two passes, combined by Chan's formula) and over rows:
/// within 1e-12 relative of the interpreter's, NaN for NaN, on data whose mean is
/// 10⁴ times its spread, a first value far out, a trend, ±inf and NaN at the start
/// and inside, constants, huge values, one and two elements, empty rows; and within
/// 1e-12 of an exact-enough reference for a mean 1.7e11 times the spread (the
/// interpreter is 5.6e-12 off there: docs/accuracy.md).
#[test]
fn var_of_hard_data_agrees_with_the_interpreter() {
    let n = 300_007;
    let base = data(n, 5);
    let datasets: Vec<(&str, Vec<f64>)> = vec![
        ("10 + small", base.iter().map(|x| 10.0 + x * 1e-3).collect()),
        ("first value far out", {
            let mut v = base.clone();
            v[0] = 1e6;
            v
        }),
        ("trend", (0..n).map(|i| i as f64 * 0.5 - 7.0).collect()),
        ("NaN first", {
            let mut v = base.clone();
            v[0] = f64::NAN;
            v
        }),
        ("inf inside", {
            let mut v = base.clone();
            v[n / 2] = f64::INFINITY;
            v
        }),
        ("-inf first", {
            let mut v = base.clone();
            v[0] = f64::NEG_INFINITY;
            v
        }),
        ("constant", vec![2.5; n]),
        ("huge", base.iter().map(|x| x * 1e200).collect()),
    ];
    // Statistics within 1e-12 relative; the standardised values (x - mean) / std
    // within 1e-10 (1 + |w|): x - mean loses log2(|mean| / spread) bits to
    // cancellation whichever mean, to the last bit, is subtracted.
    let close = |what: &str, got: &[u64], want: &[u64]| {
        assert_eq!(got.len(), want.len(), "{what}");
        let standardised = what.starts_with("(x - mean)");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let (g, w) = (f64::from_bits(*g), f64::from_bits(*w));
            let tol = if standardised {
                1e-10 * (1.0 + w.abs())
            } else {
                1e-12 * w.abs()
            };
            assert!(
                (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol,
                "{what}, element {i}: {g} vs {w}"
            );
        }
    };
    for (name, v) in &datasets {
        let x = kiln::from_vec(v.clone(), [n]).unwrap();
        x.compute().unwrap();
        let rows = kiln::from_vec(v[..n - 7].to_vec(), [300, 1000]).unwrap();
        rows.compute().unwrap();
        let (x, rows) = (&x, &rows);
        let builds: Vec<(&str, Build)> = vec![
            ("var", Box::new(move || kiln::var(x, ()).unwrap())),
            (
                "mean and std",
                Box::new(move || {
                    let s = kiln::std(x, ReduceOpts::new().correction(1.0)).unwrap();
                    kiln::stack(&[&kiln::mean(x, ()).unwrap(), &s], 0).unwrap()
                }),
            ),
            (
                "sum and var",
                Box::new(move || {
                    let s = kiln::sum(x, ()).unwrap();
                    kiln::stack(&[&s, &kiln::var(x, ()).unwrap()], 0).unwrap()
                }),
            ),
            (
                "var over rows",
                Box::new(move || kiln::var(rows, 1).unwrap()),
            ),
            (
                "(x - mean) / std over rows",
                Box::new(move || {
                    let r = || ReduceOpts::new().axis(1).keepdims(true);
                    let m = kiln::mean(rows, r()).unwrap();
                    ((rows - &m).unwrap() / &kiln::std(rows, r()).unwrap()).unwrap()
                }),
            ),
        ];
        for (what, build) in &builds {
            let want = bits_in(build.as_ref(), Mode::Interpreter);
            for mode in [Mode::Fused, Mode::Eager] {
                let got = bits_in(build.as_ref(), mode);
                close(&format!("{what} of {name} ({mode:?})"), &got, &want);
            }
        }
    }
    // A mean 1.7e11 times the spread, where the chunks' means, rounded to f64, differ
    // only in their last bits: against a reference that subtracts the first value
    // (exact: every value is within a factor 2 of it) and takes the variance of the
    // small differences (well conditioned; compensated sums).
    let v: Vec<f64> = base.iter().map(|x| 1e8 + x * 1e-3).collect();
    let reference = |v: &[f64]| {
        let neumaier = |xs: &mut dyn Iterator<Item = f64>| {
            let (mut s, mut c) = (0.0f64, 0.0f64);
            for x in xs {
                let t = s + x;
                c += if s.abs() >= x.abs() {
                    (s - t) + x
                } else {
                    (x - t) + s
                };
                s = t;
            }
            s + c
        };
        let d: Vec<f64> = v.iter().map(|x| x - v[0]).collect();
        let n = d.len() as f64;
        let m = neumaier(&mut d.iter().copied()) / n;
        neumaier(&mut d.iter().map(|x| (x - m) * (x - m))) / n
    };
    let x = kiln::from_vec(v.clone(), [n]).unwrap();
    let rows = kiln::from_vec(v[..n - 7].to_vec(), [300, 1000]).unwrap();
    for mode in [Mode::Fused, Mode::Eager] {
        let full = kiln::var(&x, ()).unwrap().compute_with(mode).unwrap();
        let got = full.to_vec::<f64>().unwrap()[0];
        let want = reference(&v);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "var of 1e8 + small ({mode:?}): {got} vs {want}"
        );
        let per_row = kiln::var(&rows, 1).unwrap().compute_with(mode).unwrap();
        for (i, got) in per_row.to_vec::<f64>().unwrap().into_iter().enumerate() {
            let want = reference(&v[i * 1000..(i + 1) * 1000]);
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "var of row {i} of 1e8 + small ({mode:?}): {got} vs {want}"
            );
        }
    }
    // Tiny and empty: one element, two, and rows of length 0, 1 and 2.
    for len in [0usize, 1, 2] {
        let x = kiln::from_vec((0..3 * len).map(|i| i as f64 + 0.25).collect(), [3, len]).unwrap();
        x.compute().unwrap();
        let x = &x;
        let builds: Vec<(&str, Build)> = vec![
            ("var over rows", Box::new(move || kiln::var(x, 1).unwrap())),
            ("var", Box::new(move || kiln::var(x, ()).unwrap())),
        ];
        for (what, build) in &builds {
            let want = bits_in(build.as_ref(), Mode::Interpreter);
            for mode in [Mode::Fused, Mode::Eager] {
                let got = bits_in(build.as_ref(), mode);
                close(&format!("{what} of [3, {len}] ({mode:?})"), &got, &want);
            }
        }
    }
}

/// A float sum of negative zeros is -0 (the interpreter folds them as IEEE addition
/// does), a sum with any +0 is +0, and an empty sum is +0: bit for bit in fused and
/// eager modes, for full reductions over one and several chunks, rows, columns, and
/// columns split along their rows; f32 and f64; sums and means. (Found by the random
/// graphs: a division by a sum of -0 gave +inf where the interpreter gives -inf.)
#[test]
fn sums_of_signed_zeros_keep_the_interpreters_sign() {
    let shapes: &[&[usize]] = &[
        &[1],
        &[7],
        &[300_001],
        &[3, 1],
        &[1, 3],
        &[5, 9],
        &[60_001, 5],
        &[0],
        &[0, 3],
        &[3, 0],
    ];
    for dtype in [DType::F64, DType::F32] {
        for &shape in shapes {
            let n: usize = shape.iter().product();
            for fill in ["all -0", "-0 then +0"] {
                let v: Vec<f64> = (0..n)
                    .map(|i| {
                        if fill == "all -0" || i + 1 < n {
                            -0.0
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let x = &typed(v, shape, dtype);
                let mut builds: Vec<(String, Build)> = vec![
                    ("sum".into(), Box::new(move || kiln::sum(x, ()).unwrap())),
                    ("mean".into(), Box::new(move || kiln::mean(x, ()).unwrap())),
                ];
                for axis in 0..shape.len() as i64 {
                    builds.push((
                        format!("sum axis {axis}"),
                        Box::new(move || kiln::sum(x, axis).unwrap()),
                    ));
                    builds.push((
                        format!("mean axis {axis}"),
                        Box::new(move || kiln::mean(x, axis).unwrap()),
                    ));
                }
                for (name, build) in &builds {
                    let what = format!("{name} of {fill}, {dtype:?} {shape:?}");
                    agrees_with_interpreter(&what, build.as_ref(), None);
                }
            }
        }
    }
}

/// f32 and f64 meeting through casts in one kernel (`astype(x, float64)` of f32 data,
/// results cast back to f32), bools cast to floats and floats to bools, masks of one
/// width selecting values of the other: such kernels run in two-lane vectors, f32
/// values in half registers (`vector_dtype` in codegen/src/cpu/vector.rs). Over odd
/// lengths, a broadcast [N, 1] head, a step slice (gathered), a transpose (tiles), row
/// and full reductions, and data with NaN, ±inf, -0, subnormals and f64 values beyond
/// f32's range: bit for bit the interpreter's (within a few ULP for functions).
#[test]
fn mixed_precision_and_mask_casts_agree_with_the_interpreter() {
    let special = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        1e300,
        -1e300,
        1e-320,
        1e-40,
        3.0e38,
        0.1,
    ];
    let inputs = |shape: &[usize], seed: u64| {
        let n: usize = shape.iter().product();
        let mut v = data(n, seed);
        for (i, x) in v.iter_mut().enumerate() {
            if i % 7 == 3 {
                *x = special[(i / 7) % special.len()];
            }
        }
        (
            typed(v.clone(), shape, DType::F32),
            typed(v, shape, DType::F64),
        )
    };
    let f64_of = |a: &Array| kiln::astype(a, DType::F64).unwrap();
    let f32_of = |a: &Array| kiln::astype(a, DType::F32).unwrap();
    type Pair<'a> = Box<dyn Fn(&Array, &Array) -> Array + 'a>;
    let builds: Vec<(&str, bool, Pair)> = vec![
        (
            "astype(x32, f64) * x64",
            true,
            Box::new(move |a, b| (&f64_of(a) * b).unwrap()),
        ),
        (
            "astype(x64 * 3, f32) + x32",
            true,
            Box::new(move |a, b| (&f32_of(&(b * 3.0).unwrap()) + a).unwrap()),
        ),
        (
            "exp(astype(x32, f64))",
            false,
            Box::new(move |a, _| kiln::exp(&f64_of(a)).unwrap()),
        ),
        (
            "astype(exp(x64), f32)",
            false,
            Box::new(move |_, b| f32_of(&kiln::exp(b).unwrap())),
        ),
        (
            "astype(x64 > 0.25, f64) + astype(x32 < 0, f32)",
            true,
            Box::new(move |a, b| {
                let p = f64_of(&kiln::greater(b, 0.25).unwrap());
                let q = f32_of(&kiln::less(a, 0.0).unwrap());
                (&p + &q).unwrap()
            }),
        ),
        (
            "where(x32 > 0, x64, astype(x32, f64))",
            true,
            Box::new(move |a, b| {
                kiln::where_(&kiln::greater(a, 0.0).unwrap(), b, f64_of(a)).unwrap()
            }),
        ),
        (
            "where(x64 > 0, x32, astype(x64, f32))",
            true,
            Box::new(move |a, b| {
                kiln::where_(&kiln::greater(b, 0.0).unwrap(), a, f32_of(b)).unwrap()
            }),
        ),
        (
            "astype(x32 > 0 and x64 < 0.5, f64)",
            true,
            Box::new(move |a, b| {
                let m =
                    kiln::logical_and(kiln::greater(a, 0.0).unwrap(), kiln::less(b, 0.5).unwrap())
                        .unwrap();
                f64_of(&m)
            }),
        ),
        (
            "astype(astype(x32, bool), f64) + astype(isnan(x64), f32)",
            true,
            Box::new(move |a, b| {
                let p = f64_of(&kiln::astype(a, DType::Bool).unwrap());
                let q = f32_of(&kiln::isnan(b).unwrap());
                (&p + &q).unwrap()
            }),
        ),
        (
            "sum(astype(x64 > 0, f64))",
            true,
            Box::new(move |_, b| kiln::sum(&f64_of(&kiln::greater(b, 0.0).unwrap()), ()).unwrap()),
        ),
        (
            "sum(astype(x32, f64) * x64, axis=-1)",
            false,
            Box::new(move |a, b| kiln::sum(&(&f64_of(a) * b).unwrap(), -1).unwrap()),
        ),
        (
            "sum(astype(x32, f64) * x64, axis=0)",
            false,
            Box::new(move |a, b| kiln::sum(&(&f64_of(a) * b).unwrap(), 0).unwrap()),
        ),
        (
            "max(astype(x32, f64), axis=0)",
            true,
            Box::new(move |a, _| kiln::max(&f64_of(a), 0).unwrap()),
        ),
        (
            "var(astype(x32, f64) + x64, axis=0)",
            false,
            Box::new(move |a, b| kiln::var(&(&f64_of(a) + b).unwrap(), 0).unwrap()),
        ),
        (
            "argmax(astype(x32, f64) + x64, axis=0)",
            true,
            Box::new(move |a, b| {
                kiln::argmax(&(&f64_of(a) + b).unwrap(), ReduceOpts::new().axis(0)).unwrap()
            }),
        ),
        (
            "astype(x32, f64) - mean(astype(x32, f64), axis=-1, keepdims)",
            false,
            Box::new(move |a, _| {
                let w = f64_of(a);
                let m = kiln::mean(&w, ReduceOpts::new().axis(-1).keepdims(true)).unwrap();
                f32_of(&(&w - &m).unwrap())
            }),
        ),
    ];
    let shapes: &[&[usize]] = &[&[0], &[1], &[3], &[7], &[1001], &[5, 3], &[37, 130]];
    for (si, &shape) in shapes.iter().enumerate() {
        let (x32, x64) = inputs(shape, 60 + si as u64);
        // The same data as views: a step slice, a transpose, an [N, 1] head against a row.
        let mut views: Vec<(String, Array, Array)> =
            vec![(format!("{shape:?}"), x32.clone(), x64.clone())];
        if shape.len() == 1 && shape[0] > 2 {
            let step = [SliceArg::python(None, None, 2)];
            views.push((
                format!("{shape:?}[::2]"),
                x32.slice(step).unwrap(),
                x64.slice(step).unwrap(),
            ));
        }
        if shape.len() == 2 {
            let t = |a: &Array| kiln::permute_dims(a, [1, 0]).unwrap();
            views.push((format!("{shape:?}.T"), t(&x32), t(&x64)));
            let head = [SliceArg::from(..), SliceArg::python(None, Some(1), 1)];
            let row = [SliceArg::python(None, Some(1), 1), SliceArg::from(..)];
            views.push((
                format!("{shape:?} [N, 1] head against a row"),
                x32.slice(head).unwrap(),
                x64.slice(row).unwrap(),
            ));
        }
        for (view, a, b) in &views {
            for (name, exact, build) in &builds {
                let what = format!("{name} of {view}");
                // Reductions over an empty axis: max and argmax have no value.
                if a.shape().contains(&0) && name.contains("axis") {
                    continue;
                }
                let build = || build(a, b);
                let want = bits_in(&build, Mode::Interpreter);
                for mode in [Mode::Fused, Mode::Eager] {
                    let got = bits_in(&build, mode);
                    assert_eq!(got.len(), want.len(), "{what} ({mode:?})");
                    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                        let (gf, wf) = (f64::from_bits(*g), f64::from_bits(*w));
                        let ok = (gf.is_nan() && wf.is_nan())
                            || g == w
                            || (!exact && (gf - wf).abs() <= 1e-6 * wf.abs());
                        assert!(ok, "{what} ({mode:?}), element {i}: {gf:e} vs {wf:e}");
                    }
                }
            }
        }
    }
}

/// Grids made by `linspace` and float `arange` fuse into their consumers as an iota
/// (the address of each element), which the vector loop computes per lane in f64 and
/// rounds once to f32: over odd lengths, addresses past 2^24 (where f32 cannot hold
/// every integer), a broadcast column, a transposed grid (a run-time stride along the
/// vector axis) and a reversed one, bit for bit the interpreter's (within a few ULP
/// under a function).
#[test]
fn iota_grids_agree_with_the_interpreter() {
    let big = (1usize << 24) + 21;
    type Grid = Box<dyn Fn(DType) -> Array>;
    let grids: Vec<(String, Grid)> = vec![
        (
            "linspace(-2, 3, 0)".into(),
            Box::new(|d| kiln::linspace(-2.0, 3.0, 0, true, d).unwrap()),
        ),
        (
            "linspace(-2, 3, 7)".into(),
            Box::new(|d| kiln::linspace(-2.0, 3.0, 7, true, d).unwrap()),
        ),
        (
            "linspace(-2, 3, 1001)".into(),
            Box::new(|d| kiln::linspace(-2.0, 3.0, 1001, true, d).unwrap()),
        ),
        (
            format!("arange(0, {big})[2^24 - 13:]"),
            Box::new(move |d| {
                let a = kiln::arange(0.0, big as f64, 1.0, d).unwrap();
                a.slice([SliceArg::python(Some((1 << 24) - 13), None, 1)])
                    .unwrap()
            }),
        ),
        (
            "arange(0.5, 40.5, 0.5)[::-3]".into(),
            Box::new(|d| {
                let a = kiln::arange(0.5, 40.5, 0.5, d).unwrap();
                a.slice([SliceArg::python(None, None, -3)]).unwrap()
            }),
        ),
        (
            "arange(35) as [5, 7], transposed".into(),
            Box::new(|d| {
                let a = kiln::reshape(&kiln::arange(0.0, 35.0, 1.0, d).unwrap(), [5, 7]).unwrap();
                kiln::permute_dims(&a, [1, 0]).unwrap()
            }),
        ),
        // float32 linspace computes in f64 and rounds once: its f64 steps run split
        // in the f32 kernel (codegen `split_f64`), also transposed, reversed and past
        // 2^24.
        (
            format!("linspace(-1, 2, {big})[2^24 - 13:]"),
            Box::new(move |d| {
                let a = kiln::linspace(-1.0, 2.0, big, true, d).unwrap();
                a.slice([SliceArg::python(Some((1 << 24) - 13), None, 1)])
                    .unwrap()
            }),
        ),
        (
            "linspace(0.5, 40, 83)[::-3]".into(),
            Box::new(|d| {
                let a = kiln::linspace(0.5, 40.0, 83, false, d).unwrap();
                a.slice([SliceArg::python(None, None, -3)]).unwrap()
            }),
        ),
        (
            "linspace(-3, 5, 437) as [19, 23], transposed".into(),
            Box::new(|d| {
                let a = kiln::linspace(-3.0, 5.0, 437, true, d).unwrap();
                kiln::permute_dims(&kiln::reshape(&a, [19, 23]).unwrap(), [1, 0]).unwrap()
            }),
        ),
        // 1000 = 125 vectors of 8: the endpoint's select in a vector lane.
        (
            "linspace(-2, 3, 1000)".into(),
            Box::new(|d| kiln::linspace(-2.0, 3.0, 1000, true, d).unwrap()),
        ),
        (
            "arange(9)[:, None] + zeros([9, 13])".into(),
            Box::new(|d| {
                let a = kiln::expand_dims(&kiln::arange(0.0, 9.0, 1.0, d).unwrap(), -1).unwrap();
                (&a + &kiln::zeros([9, 13], d).unwrap()).unwrap()
            }),
        ),
    ];
    for dtype in [DType::F64, DType::F32] {
        for (name, grid) in &grids {
            agrees_with_interpreter(&format!("{name} of {dtype:?}"), &|| grid(dtype), None);
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-14 };
            agrees_with_interpreter(
                &format!("exp(-({name}) / 4) of {dtype:?}"),
                &|| kiln::exp(&(&grid(dtype) / -4.0).unwrap()).unwrap(),
                Some(tol),
            );
        }
    }
}

/// f64 steps inside an f32 kernel (f64 loads, conversions from f32, the four arithmetic
/// operations, negation, comparisons and selects, converted back to f32 or stored as
/// f64) run split in the kernel's four f32 lanes (codegen `split_f64`), each f64 value
/// as two halves, also before reductions: over odd lengths, a transposed input (whose
/// gathered f64 loads keep the f64 plan) and a column broadcast, bit for bit the
/// interpreter's (within a few ULP under a function, sums to rounding).
#[test]
fn f64_steps_inside_f32_kernels_agree_with_the_interpreter() {
    type Build = Box<dyn Fn(&Array, &Array) -> Array>;
    let wide = |x: &Array| kiln::astype(x, DType::F64).unwrap();
    let narrow = |x: &Array| kiln::astype(x, DType::F32).unwrap();
    let builds: Vec<(&str, Build, Option<f64>)> = vec![
        (
            "f32(f64(x) * 3 - 1)",
            Box::new(move |x, _: &Array| narrow(&((&wide(x) * 3.0).unwrap() - 1.0).unwrap())),
            None,
        ),
        (
            "exp(f32(-f64(x) / 7))",
            Box::new(move |x, _: &Array| {
                kiln::exp(&narrow(&((-&wide(x)).unwrap() / 7.0).unwrap())).unwrap()
            }),
            Some(1e-6),
        ),
        (
            "f32(where(f64(x) > 0.25, f64(x) / 3, f64(x) + f64(x))) * x",
            Box::new(move |x, _: &Array| {
                let w = wide(x);
                let big = kiln::greater(&w, 0.25).unwrap();
                let y = kiln::where_(&big, (&w / 3.0).unwrap(), (&w + &w).unwrap()).unwrap();
                (&narrow(&y) * x).unwrap()
            }),
            None,
        ),
        (
            "sin(f32(f64(x) * f64(x) - 0.5) + x)",
            Box::new(move |x, _: &Array| {
                let w = wide(x);
                kiln::sin(&(&narrow(&((&w * &w).unwrap() - 0.5).unwrap()) + x).unwrap()).unwrap()
            }),
            Some(1e-6),
        ),
        // Reductions of f32 values with f64 steps before them: along rows, along
        // columns (a column plan), a phase's result widened (softmax's max), argmax.
        (
            "sum(f32(f64(x) * 3), axis=-1)",
            Box::new(move |x, _: &Array| {
                kiln::sum(
                    &narrow(&(&wide(x) * 3.0).unwrap()),
                    ReduceOpts::new().axis(-1),
                )
                .unwrap()
            }),
            Some(1e-5),
        ),
        (
            "sum(f32(f64(x) * 3 + 1), axis=0)",
            Box::new(move |x, _: &Array| {
                let y = narrow(&((&wide(x) * 3.0).unwrap() + 1.0).unwrap());
                kiln::sum(&y, ReduceOpts::new().axis(0)).unwrap()
            }),
            Some(1e-5),
        ),
        (
            "exp(f32(f64(x) - f64(max(x, axis=-1, keepdims))))",
            Box::new(move |x, _: &Array| {
                let m = kiln::max(x, ReduceOpts::new().axis(-1).keepdims(true)).unwrap();
                kiln::exp(&narrow(&(&wide(x) - &wide(&m)).unwrap())).unwrap()
            }),
            Some(1e-6),
        ),
        // f64 inputs (contiguous, or broadcast along the vector axis) and f64 outputs.
        (
            "log(f32(y64)) * x",
            Box::new(move |x, y| (&kiln::log(&narrow(y)).unwrap() * x).unwrap()),
            Some(1e-6),
        ),
        (
            "f64(x) * y64 - f64(x), stored as f64",
            Box::new(move |x, y| {
                let w = wide(x);
                ((&w * y).unwrap() - &w).unwrap()
            }),
            None,
        ),
        (
            "f64(f32(where(y64 < f64(x), y64, -y64)) + exp(x)) + f64(x) / y64",
            Box::new(move |x, y| {
                let w = wide(x);
                let r = kiln::where_(&kiln::less(y, &w).unwrap(), y, (-y).unwrap()).unwrap();
                // An f32 function between f64 steps, stored as f64.
                let a = (&narrow(&r) + &kiln::exp(x).unwrap()).unwrap();
                (&wide(&a) + &(&w / y).unwrap()).unwrap()
            }),
            Some(1e-6),
        ),
        (
            "sum(f32(y64) * x, axis=-1)",
            Box::new(move |x, y| {
                kiln::sum(&(&narrow(y) * x).unwrap(), ReduceOpts::new().axis(-1)).unwrap()
            }),
            Some(1e-5),
        ),
        (
            "sum(f32(y64 - f64(x)), axis=0)",
            Box::new(move |x, y| {
                let d = narrow(&(y - &wide(x)).unwrap());
                kiln::sum(&d, ReduceOpts::new().axis(0)).unwrap()
            }),
            Some(1e-5),
        ),
        (
            "argmax(f32(-f64(x) / 3), axis=-1)",
            Box::new(move |x, _: &Array| {
                let y = narrow(&((-&wide(x)).unwrap() / 3.0).unwrap());
                kiln::argmax(&y, ReduceOpts::new().axis(-1)).unwrap()
            }),
            None,
        ),
    ];
    for (shape, transpose) in [
        (vec![0], false),
        (vec![1], false),
        (vec![1031], false),
        (vec![37, 29], true),
        (vec![13, 1], false),
    ] {
        let n = shape.iter().product();
        // y64 in (0.5, 1.5): its logarithm and quotients stay tame.
        let y: Vec<f64> = data(n, 12).iter().map(|v| 1.0 + v / 2.0).collect();
        let (x, y) = (
            typed(data(n, 11), &shape, DType::F32),
            typed(y, &shape, DType::F64),
        );
        // A column broadcast wide enough for the vector loop (8 lanes a step).
        let view = |a: Array| match (transpose, shape.len()) {
            (true, _) => kiln::permute_dims(&a, [1, 0]).unwrap(),
            (false, 2) => kiln::broadcast_to(&a, [13, 21]).unwrap(),
            _ => a,
        };
        let (x, y) = (view(x), view(y));
        for (name, build, tol) in &builds {
            if n == 0 && name.contains("max") {
                continue; // max and argmax of an empty axis are errors
            }
            agrees_with_interpreter(&format!("{name}, x of {shape:?}"), &|| build(&x, &y), *tol);
        }
    }
}

/// A bool array read by a float kernel (a mask given as input, or any comparison an
/// eager kernel materialised) is loaded a few bytes at a time and widened to lane
/// masks, and masks are stored narrowed to bytes: where, logical ops, comparisons
/// stored as bools, casts and reductions over such masks, contiguous,
/// broadcast along the vector axis, step-sliced and transposed, in two- and four-lane
/// plans, bit for bit the interpreter's (sums to rounding).
#[test]
fn bool_inputs_agree_with_the_interpreter() {
    type Masked<'a> = Box<dyn Fn(&Array, &Array, &Array) -> Array + 'a>;
    let builds: Vec<(&str, Masked)> = vec![
        (
            "where(m, x64, -x64)",
            Box::new(|m, _, b| kiln::where_(m, b, (-b).unwrap()).unwrap()),
        ),
        (
            "where(m, x32, 0)",
            Box::new(|m, a, _| kiln::where_(m, a, 0.0).unwrap()),
        ),
        (
            "astype(m, f64) * x32",
            Box::new(|m, a, _| (&kiln::astype(m, DType::F64).unwrap() * a).unwrap()),
        ),
        (
            "astype(m and x32 > 0, f32)",
            Box::new(|m, a, _| {
                let both = kiln::logical_and(m, kiln::greater(a, 0.0).unwrap()).unwrap();
                kiln::astype(&both, DType::F32).unwrap()
            }),
        ),
        (
            "astype(x64 < 0 or m, f64)",
            Box::new(|m, _, b| {
                let either = kiln::logical_or(kiln::less(b, 0.0).unwrap(), m).unwrap();
                kiln::astype(&either, DType::F64).unwrap()
            }),
        ),
        (
            "x64 > 0.5, stored as bools",
            Box::new(|_, _, b| kiln::greater(b, 0.5).unwrap()),
        ),
        (
            "m and x32 > 0, stored as bools",
            Box::new(|m, a, _| kiln::logical_and(m, kiln::greater(a, 0.0).unwrap()).unwrap()),
        ),
        (
            "not-equal of m and (x32 > 0) or m, bools only",
            Box::new(|m, a, _| {
                let c = kiln::greater(a, 0.0).unwrap().compute().unwrap();
                kiln::logical_or(kiln::not_equal(m, &c).unwrap(), m).unwrap()
            }),
        ),
        (
            "isnan(x64 * m) as bools",
            Box::new(|m, _, b| {
                let inf = (kiln::astype(m, DType::F64).unwrap() * f64::INFINITY).unwrap();
                kiln::isnan(&(b * &inf).unwrap()).unwrap()
            }),
        ),
        (
            "sum(where(m, x64, 0))",
            Box::new(|m, _, b| kiln::sum(&kiln::where_(m, b, 0.0).unwrap(), ()).unwrap()),
        ),
    ];
    let shapes: &[&[usize]] = &[&[0], &[1], &[5], &[1001], &[37, 130]];
    for (si, &shape) in shapes.iter().enumerate() {
        let n: usize = shape.iter().product();
        let x64 = typed(data(n, 80 + si as u64), shape, DType::F64);
        let x32 = typed(data(n, 90 + si as u64), shape, DType::F32);
        let m = kiln::greater(typed(data(n, 70 + si as u64), shape, DType::F64), 0.3).unwrap();
        m.compute().unwrap();
        let mut masks = vec![(format!("{shape:?}"), m.clone())];
        if shape.len() == 1 && n > 2 {
            let step = kiln::concat(&[&m, &m], 0).unwrap();
            masks.push((
                format!("{shape:?} from a step slice"),
                step.slice([SliceArg::python(None, None, 2)]).unwrap(),
            ));
        }
        if shape.len() == 2 {
            let flipped = [shape[1], shape[0]];
            let other = typed(data(n, 75 + si as u64), &flipped, DType::F64);
            let other = kiln::greater(&other, 0.3).unwrap().compute().unwrap();
            let t = kiln::permute_dims(&other, [1, 0]).unwrap();
            masks.push((format!("{shape:?}, transposed"), t));
            let column = m
                .slice([SliceArg::from(..), SliceArg::python(None, Some(1), 1)])
                .unwrap();
            masks.push((format!("{shape:?}, an [N, 1] column"), column));
        }
        for (view, m) in &masks {
            for (name, build) in &builds {
                let what = format!("{name} of {view}");
                // Sums round in their own (blocked pairwise) order.
                let tol = name.starts_with("sum").then_some(1e-14);
                agrees_with_interpreter(&what, &|| build(m, &x32, &x64), tol);
            }
        }
    }
}

/// A view of a 1-D array of 1001 elements.
type View = Box<dyn Fn(Array) -> Array>;

/// Views of a [1001] array that kernels read differently: whole, step-sliced (a
/// gather), reshaped to [7, 143] and transposed (a tiled gather), and its head as a
/// broadcast [N, 1] column.
fn views_of_1001() -> Vec<(&'static str, View)> {
    vec![
        ("[1001]", Box::new(|a| a)),
        (
            "[::3]",
            Box::new(|a| a.slice([SliceArg::python(None, None, 3)]).unwrap()),
        ),
        (
            "[1001] as [7, 143], transposed",
            Box::new(|a| {
                let m = kiln::reshape(&a, [7, 143]).unwrap();
                kiln::permute_dims(&m, [1, 0]).unwrap()
            }),
        ),
        (
            "[:5] as [5, 1] against [5, 9]",
            Box::new(|a| {
                let head = a.slice([SliceArg::python(None, Some(5), 1)]).unwrap();
                let col = kiln::reshape(&head, [5, 1]).unwrap();
                kiln::broadcast_to(&col, [5, 9]).unwrap()
            }),
        ),
    ]
}

/// Integer inputs converted to floats in a float kernel (`astype(counts, float64)`):
/// i32 lanes to f32 or f64, i64 lanes to f64, rounded once as the interpreter does,
/// including values past 2^24 and 2^53 and the extremes of each type, contiguous,
/// step-sliced, transposed and broadcast.
#[test]
fn integer_inputs_cast_to_floats_agree_with_the_interpreter() {
    let wide: Vec<i64> = (0..1001i64)
        .map(|i| match i % 9 {
            0 => i64::MAX - i,
            1 => i64::MIN + i,
            2 => (1 << 53) + 1 + 2 * i,
            3 => -(1 << 53) - 3 * i,
            4 => (1 << 24) + 1 + i,
            5 => -i,
            _ => i * 7919 % 1000 - 500,
        })
        .collect();
    let narrow: Vec<i32> = wide
        .iter()
        .enumerate()
        .map(|(i, &w)| match i % 5 {
            0 => i32::MAX - i as i32,
            1 => i32::MIN + i as i32,
            _ => w as i32,
        })
        .collect();
    type Build<'a> = Box<dyn Fn(&Array, &Array, &Array) -> Array + 'a>;
    let f = |a: &Array, d| kiln::astype(a, d).unwrap();
    let builds: Vec<(&str, Option<f64>, Build)> = vec![
        (
            "astype(i32, f32) * x32",
            None,
            Box::new(move |i, _, x| (&f(i, DType::F32) * x).unwrap()),
        ),
        (
            "astype(i32, f64) + 0.5",
            None,
            Box::new(move |i, _, _| (&f(i, DType::F64) + 0.5).unwrap()),
        ),
        (
            "astype(i64, f64) - 1",
            None,
            Box::new(move |_, l, _| (&f(l, DType::F64) - 1.0).unwrap()),
        ),
        (
            "astype(i32, f64) * astype(x32, f64) + astype(i64, f64)",
            None,
            Box::new(move |i, l, x| {
                let p = (&f(i, DType::F64) * &f(x, DType::F64)).unwrap();
                (&p + &f(l, DType::F64)).unwrap()
            }),
        ),
        (
            "exp(astype(i32, f32) * 1e-9)",
            Some(1e-6),
            Box::new(move |i, _, _| kiln::exp(&(&f(i, DType::F32) * 1e-9).unwrap()).unwrap()),
        ),
        (
            "max(astype(i64, f64) * 0.5, axis=-1)",
            None,
            Box::new(move |_, l, _| kiln::max(&(&f(l, DType::F64) * 0.5).unwrap(), -1).unwrap()),
        ),
        // Integer comparisons selecting floats (`where(labels == k, x, 0)`): masks of
        // 32-bit lanes in f32 kernels, of both widths in f64 ones.
        (
            "where(i32 > 0, x32, -x32)",
            None,
            Box::new(|i, _, x| {
                kiln::where_(&kiln::greater(i, 0).unwrap(), x, (-x).unwrap()).unwrap()
            }),
        ),
        (
            "where(i64 <= i32, astype(i64, f64), 0.5)",
            None,
            Box::new(move |i, l, _| {
                kiln::where_(&kiln::less_equal(l, i).unwrap(), f(l, DType::F64), 0.5).unwrap()
            }),
        ),
        (
            "astype(i32 == -1 or i32 != 7, f64) * astype(x32, f64)",
            None,
            Box::new(move |i, _, x| {
                let m =
                    kiln::logical_or(kiln::equal(i, -1).unwrap(), kiln::not_equal(i, 7).unwrap())
                        .unwrap();
                (&f(&m, DType::F64) * &f(x, DType::F64)).unwrap()
            }),
        ),
        // Integer arithmetic between the loads and their conversion or comparison, in
        // integer lanes of the float plan: wrapping, floor division and remainder (by
        // zero: 0; MIN // -1: MIN), abs(MIN) = MIN, bitwise logic.
        (
            "count_nonzero(i32 % 7)",
            None,
            Box::new(|i, _, _| kiln::count_nonzero(&kiln::remainder(i, 7).unwrap(), ()).unwrap()),
        ),
        (
            "astype(i32 * 3 + 1, f64) + x32",
            None,
            Box::new(move |i, _, x| {
                let w = (&(i * 3).unwrap() + 1).unwrap();
                (&f(&w, DType::F64) + x).unwrap()
            }),
        ),
        (
            "astype(i32 // -7 - i32 % 5, f32) * x32",
            None,
            Box::new(move |i, _, x| {
                let q = kiln::floor_divide(i, -7).unwrap();
                let r = kiln::remainder(i, 5).unwrap();
                (&f(&(&q - &r).unwrap(), DType::F32) * x).unwrap()
            }),
        ),
        (
            "astype(i32 // (i32 % 3) + i32 % (i32 % 3) + i32 // -1, f64)",
            None,
            Box::new(move |i, _, _| {
                let d = kiln::remainder(i, 3).unwrap();
                let q = kiln::floor_divide(i, &d).unwrap();
                let r = kiln::remainder(i, &d).unwrap();
                let m = kiln::floor_divide(i, -1).unwrap();
                f(&(&(&q + &r).unwrap() + &m).unwrap(), DType::F64)
            }),
        ),
        (
            "astype(abs(i32) ^ (i32 & 255), f32) + x32",
            None,
            Box::new(move |i, _, x| {
                let a = kiln::abs(i).unwrap();
                let b = kiln::bitwise_and(i, 255).unwrap();
                (&f(&kiln::bitwise_xor(&a, &b).unwrap(), DType::F32) + x).unwrap()
            }),
        ),
        (
            "astype(i64 * 3 - max(i64, i32), f64) * astype(x32, f64)",
            None,
            Box::new(move |i, l, x| {
                let w = (&(l * 3).unwrap() - &kiln::maximum(l, f(i, DType::I64)).unwrap()).unwrap();
                (&f(&w, DType::F64) * &f(x, DType::F64)).unwrap()
            }),
        ),
        (
            "where(i32 % 2 == 0, x32, -x32)",
            None,
            Box::new(|i, _, x| {
                let even = kiln::equal(kiln::remainder(i, 2).unwrap(), 0).unwrap();
                kiln::where_(&even, x, (-x).unwrap()).unwrap()
            }),
        ),
        (
            "min(astype(-i64, f64) * 0.5, axis=-1)",
            None,
            Box::new(move |_, l, _| {
                kiln::min(&(&f(&(-l).unwrap(), DType::F64) * 0.5).unwrap(), -1).unwrap()
            }),
        ),
    ];
    let views = views_of_1001();
    let x32 = f32_input(1001);
    for (view, at) in &views {
        let i = at(kiln::from_vec(narrow.clone(), [1001]).unwrap());
        let l = at(kiln::from_vec(wide.clone(), [1001]).unwrap());
        let x = at(x32.clone());
        for (name, tol, build) in &builds {
            let what = format!("{name} of {view}");
            agrees_with_interpreter(&what, &|| build(&i, &l, &x), *tol);
        }
    }
}

/// `build` as exact integers (i32, i64 and bool results widened to i64) in `mode`.
fn ints_in(build: &dyn Fn() -> Array, mode: Mode) -> Vec<i64> {
    let a = build();
    a.compute_with(mode).unwrap();
    let a = kiln::astype(&a, DType::I64).unwrap();
    a.compute_with(Mode::Interpreter).unwrap();
    a.to_vec::<i64>().unwrap()
}

/// int64 floor division and remainder by a constant above 1 multiply by a reciprocal
/// instead of dividing (`by_constant` in codegen/src/cpu/ops.rs): for divisors from 2
/// to i64::MAX (powers of two, 2^k ± 1, 10, 2^32 + 1, 2^62 + 1), over the extremes
/// MIN, MIN + 1, -1, 0, MAX, values around multiples of the divisor and a spread of
/// magnitudes, the quotient and remainder are Python's (computed here with
/// `div_euclid`, which floors for positive divisors) and the interpreter's, fused and
/// eager; constants 1, 0, -1 and -7 keep the division.
#[test]
fn int64_division_by_a_constant_is_exact() {
    let divisors: [i64; 19] = [
        2,
        3,
        4,
        5,
        7,
        10,
        31,
        33,
        641,
        1 << 20,
        (1 << 32) + 1,
        (1 << 32) - 1,
        1_000_000_007,
        (1 << 62) + 1,
        1 << 62,
        i64::MAX,
        i64::MAX - 1,
        1,
        -7,
    ];
    let mut x: Vec<i64> = vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX, i64::MAX - 1];
    let mut s = 12345u64;
    for k in 0..2000 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x.push((s as i64) >> (k % 64));
    }
    for &d in &divisors {
        for m in [-3i64, -1, 1, 2, 1 << 40] {
            let base = d.wrapping_mul(m);
            x.extend([base.wrapping_sub(1), base, base.wrapping_add(1)]);
        }
    }
    let n = x.len();
    let xa = kiln::from_vec(x.clone(), [n]).unwrap();
    xa.compute().unwrap();
    for d in divisors.into_iter().chain([0, -1]) {
        let q = || kiln::floor_divide(&xa, d).unwrap();
        let r = || kiln::remainder(&xa, d).unwrap();
        let want_q = ints_in(&q, Mode::Interpreter);
        let want_r = ints_in(&r, Mode::Interpreter);
        if d > 0 {
            let python_q: Vec<i64> = x.iter().map(|v| v.div_euclid(d)).collect();
            let python_r: Vec<i64> = x.iter().map(|v| v.rem_euclid(d)).collect();
            assert_eq!(want_q, python_q, "interpreter, x // {d}");
            assert_eq!(want_r, python_r, "interpreter, x % {d}");
        }
        for mode in [Mode::Fused, Mode::Eager] {
            assert_eq!(ints_in(&q, mode), want_q, "x // {d} ({mode:?})");
            assert_eq!(ints_in(&r, mode), want_r, "x % {d} ({mode:?})");
        }
    }
}

/// Integer kernels run in vectors (four i32 lanes, or two i64 lanes with i32 values in
/// half registers): wrapping arithmetic at the extremes (MIN * -1, abs(MIN), i64
/// products), max/min, bitwise logic, comparisons into bools and selects over masks of
/// both widths, i32 <-> i64 and bool <-> integer casts, integer iotas, and sums
/// (wrapping), max and min along rows, over the whole array and row-locally
/// (`x - max(x)`): all bit for bit the interpreter's, fused and eager, contiguous,
/// step-sliced, transposed and broadcast, with a length that is no multiple of the
/// vector width.
#[test]
fn integer_kernels_agree_with_the_interpreter() {
    let n = 1001usize;
    let wide: Vec<i64> = (0..n as i64)
        .map(|i| match i % 7 {
            0 => i64::MAX - i,
            1 => i64::MIN + i,
            2 => (1 << 40) + 3 * i,
            3 => -(1 << 35) - i,
            _ => i * 7919 % 2000 - 1000,
        })
        .collect();
    let narrow: Vec<i32> = (0..n as i32)
        .map(|i| match i % 5 {
            0 => i32::MAX - i,
            1 => i32::MIN + i,
            2 => -1,
            _ => i * 7919 % 2000 - 1000,
        })
        .collect();
    let mask: Vec<bool> = (0..n).map(|i| i % 3 == 0 || i % 7 == 2).collect();
    type Ints<'a> = Box<dyn Fn(&Array, &Array, &Array) -> Array + 'a>;
    let i64_of = |a: &Array| kiln::astype(a, DType::I64).unwrap();
    let builds: Vec<(&str, Ints)> = vec![
        (
            "z * 3 + 7",
            Box::new(|z, _, _| (&(z * 3).unwrap() + 7).unwrap()),
        ),
        (
            "-z * -1, abs",
            Box::new(|z, _, _| kiln::abs(&(&(-z).unwrap() * -1).unwrap()).unwrap()),
        ),
        (
            "square(l) - l",
            Box::new(|_, l, _| (&kiln::square(l).unwrap() - l).unwrap()),
        ),
        (
            "(~z & 255) | (z ^ 7)",
            Box::new(|z, _, _| {
                let a = kiln::bitwise_and(kiln::bitwise_invert(z).unwrap(), 255).unwrap();
                kiln::bitwise_or(&a, kiln::bitwise_xor(z, 7).unwrap()).unwrap()
            }),
        ),
        (
            "maximum(z, -3), minimum(l, z)",
            Box::new(move |z, l, _| {
                let m = kiln::maximum(z, -3).unwrap();
                kiln::minimum(l, &m).unwrap()
            }),
        ),
        ("l * z (i32 widened)", Box::new(|z, l, _| (l * z).unwrap())),
        (
            "astype(l, i32) + z",
            Box::new(|z, l, _| (&kiln::astype(l, DType::I32).unwrap() + z).unwrap()),
        ),
        (
            "z // 7, z % -3",
            Box::new(|z, _, _| {
                let q = kiln::floor_divide(z, 7).unwrap();
                (&q + &kiln::remainder(z, -3).unwrap()).unwrap()
            }),
        ),
        (
            "z // w and z % w, w = z % 13 - 6 (zeros included)",
            Box::new(|z, _, _| {
                let w = (&kiln::remainder(z, 13).unwrap() - 6).unwrap();
                let q = kiln::floor_divide(z, &w).unwrap();
                (&(&q * 1000).unwrap() + &kiln::remainder(z, &w).unwrap()).unwrap()
            }),
        ),
        (
            "z >= 0 (bools)",
            Box::new(|z, _, _| kiln::greater_equal(z, 0).unwrap()),
        ),
        (
            "l < z (bools)",
            Box::new(|z, l, _| kiln::less(l, z).unwrap()),
        ),
        (
            "where(z > 0, l, z)",
            Box::new(|z, l, _| kiln::where_(&kiln::greater(z, 0).unwrap(), l, z).unwrap()),
        ),
        (
            "where(l != 1, z, -z)",
            Box::new(|z, _, _| {
                let l = i64_of(z);
                kiln::where_(&kiln::not_equal(&l, 1).unwrap(), z, (-z).unwrap()).unwrap()
            }),
        ),
        (
            "astype(m, i32) * z",
            Box::new(|z, _, m| (&kiln::astype(m, DType::I32).unwrap() * z).unwrap()),
        ),
        (
            "astype(l, bool) and m",
            Box::new(|_, l, m| {
                kiln::logical_and(kiln::astype(l, DType::Bool).unwrap(), m).unwrap()
            }),
        ),
        (
            "sum(z) (i64)",
            Box::new(|z, _, _| kiln::sum(z, ()).unwrap()),
        ),
        (
            "sum(l * 3)",
            Box::new(|_, l, _| kiln::sum(&(l * 3).unwrap(), ()).unwrap()),
        ),
        (
            "max(z, axis=-1)",
            Box::new(|z, _, _| kiln::max(z, -1).unwrap()),
        ),
        (
            "min(l, axis=-1)",
            Box::new(|_, l, _| kiln::min(l, -1).unwrap()),
        ),
        ("min(z)", Box::new(|z, _, _| kiln::min(z, ()).unwrap())),
        (
            "argmax(z, axis=-1)",
            Box::new(|z, _, _| kiln::argmax(z, ReduceOpts::new().axis(-1)).unwrap()),
        ),
        (
            "argmin(l, axis=-1)",
            Box::new(|_, l, _| kiln::argmin(l, ReduceOpts::new().axis(-1)).unwrap()),
        ),
        (
            "argmax(z % 7) (ties: the first)",
            Box::new(|z, _, _| kiln::argmax(&kiln::remainder(z, 7).unwrap(), ()).unwrap()),
        ),
        (
            "argmin(astype(z, i64) * 2, axis=-1)",
            Box::new(|z, _, _| {
                let w = (&kiln::astype(z, DType::I64).unwrap() * 2).unwrap();
                kiln::argmin(&w, ReduceOpts::new().axis(-1)).unwrap()
            }),
        ),
        (
            "sum(astype(m, i64), axis=-1)",
            Box::new(|_, _, m| kiln::sum(&kiln::astype(m, DType::I64).unwrap(), -1).unwrap()),
        ),
        (
            "l - max(l, axis=-1, keepdims)",
            Box::new(|_, l, _| {
                let m = kiln::max(l, ReduceOpts::new().axis(-1).keepdims(true)).unwrap();
                (l - &m).unwrap()
            }),
        ),
    ];
    let mut views = views_of_1001();
    views.push((
        "[1001] as [11, 91]",
        Box::new(|a| kiln::reshape(&a, [11, 91]).unwrap()),
    ));
    views.push((
        "[3:3] (empty)",
        Box::new(|a| a.slice([SliceArg::python(Some(3), Some(3), 1)]).unwrap()),
    ));
    for (view, at) in &views {
        let z = at(kiln::from_vec(narrow.clone(), [n]).unwrap());
        let l = at(kiln::from_vec(wide.clone(), [n]).unwrap());
        let m = at(kiln::from_vec(mask.clone(), [n]).unwrap());
        for (name, build) in &builds {
            // max and min of nothing are errors (no identity).
            if view.contains("empty") && (name.contains("max(") || name.contains("min(")) {
                continue;
            }
            let what = format!("{name} of {view}");
            let f = || build(&z, &l, &m);
            let want = ints_in(&f, Mode::Interpreter);
            for mode in [Mode::Fused, Mode::Eager] {
                assert_eq!(ints_in(&f, mode), want, "{what} ({mode:?})");
            }
        }
    }
    // i32 division at the extremes (MIN // -1 wraps, by zero gives 0, MIN and MAX as
    // divisors), in vectors of four lanes and in the half registers of i64 kernels.
    let a: Vec<i32> = (0..n)
        .map(|i| [i32::MIN, i32::MAX, -7, 7, 0, -1, 123_456_789][i % 7])
        .collect();
    let b: Vec<i32> = (0..n)
        .map(|i| [-1, 0, 3, -3, 1, 7, -2, i32::MIN, i32::MAX][i % 9])
        .collect();
    let (a, b) = (
        kiln::from_vec(a, [n]).unwrap(),
        kiln::from_vec(b, [n]).unwrap(),
    );
    type Pair = fn(&Array, &Array) -> Array;
    let divisions: [(&str, Pair); 3] = [
        ("a // b", |a, b| kiln::floor_divide(a, b).unwrap()),
        ("a % b", |a, b| kiln::remainder(a, b).unwrap()),
        ("astype(a // b, i64) + 2^40", |a, b| {
            let q = kiln::astype(&kiln::floor_divide(a, b).unwrap(), DType::I64).unwrap();
            (&q + (1i64 << 40)).unwrap()
        }),
    ];
    for (name, f) in divisions {
        let g = || f(&a, &b);
        let want = ints_in(&g, Mode::Interpreter);
        for mode in [Mode::Fused, Mode::Eager] {
            assert_eq!(ints_in(&g, mode), want, "{name} ({mode:?})");
        }
    }
    // Integer iotas (`arange` of i64 and i32, also past i32's range for i64) fused
    // into integer kernels.
    for (dtype, start) in [
        (DType::I64, 0i64),
        (DType::I64, 1 << 33),
        (DType::I32, -500),
    ] {
        let f = || {
            let a = kiln::arange(start, start + 1001, 1, dtype).unwrap();
            let b = kiln::arange(start + 2001, start - 1, -2, dtype).unwrap();
            (&(&a * 3).unwrap() - &b).unwrap()
        };
        let want = ints_in(&f, Mode::Interpreter);
        assert_eq!(ints_in(&f, Mode::Fused), want, "arange of {dtype}");
    }
}

/// A xorshift64 stream from `seed` (nonzero): test data that is the same on every run.
fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// The top 53 bits of a draw as a float uniform in [0, 1) (exact in f64).
fn to_unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Ulps between two f32 values: 0 for the same bits or two NaNs, the distance of their
/// bits for finite values of one sign, and u32::MAX otherwise (an infinity, or a sign
/// that differs, -0 against +0 included).
fn f32_ulps(got: f32, want: f32) -> u32 {
    if got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()) {
        return 0;
    }
    if got.is_sign_negative() != want.is_sign_negative() || !got.is_finite() || !want.is_finite() {
        return u32::MAX;
    }
    got.to_bits().abs_diff(want.to_bits())
}

/// Compiled f32 sin, cos and tan (computed in f64 halves and rounded once) are within
/// 1 ulp of the reference (f64 `sin` rounded to f32; the kernels' own bound is 0.501 ulp
/// of the true value, the reference's double rounding can add up to half an ulp) over
/// small and large arguments, next to multiples of π/2, beyond the fast range (3.1e6,
/// and beyond 2^50), zeros, subnormals, infinities and NaN; in four-lane vectors, in
/// the half registers of a kernel that also computes in f64, and in scalar tails. An
/// element gets the same bits wherever it falls: the array shifted by one (each element
/// in another lane, some in the tail) agrees bit for bit.
#[test]
fn f32_sin_cos_tan_are_within_an_ulp_and_the_same_in_every_lane() {
    let n = 100_003usize;
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let mut unit = || to_unit(next());
    let specials = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1e-45,
        -1e-40,
    ];
    let xs: Vec<f32> = (0..n)
        .map(|i| {
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            let x = match i % 6 {
                0 => unit() * 20.0 - 10.0,
                1 => 10f64.powf(unit() * 12.0 - 6.0), // 1e-6 to 1e6
                2 => {
                    // next to k·π/2
                    let k = (unit() * 2e6).floor();
                    k * std::f64::consts::FRAC_PI_2
                }
                3 => 10f64.powf(6.5 + unit() * 8.5), // 3.2e6 to 1e15
                4 => 10f64.powf(15.0 + unit() * 23.5), // beyond 2^50
                _ => specials[i / 6 % specials.len()] as f64,
            };
            (sign * x) as f32
        })
        .collect();
    type F = fn(&Array) -> kiln::Result<Array>;
    type Reference = fn(f64) -> f64;
    let fns: [(&str, F, Reference); 3] = [
        ("sin", kiln::sin, f64::sin),
        ("cos", kiln::cos, f64::cos),
        ("tan", kiln::tan, f64::tan),
    ];
    for (name, f, reference) in fns {
        f32_unary_within_an_ulp_in_every_lane(name, &xs, f, reference);
    }
}

/// Compiled f32 acosh (in f32 since 2026-12-08, its roundings carried into log1p as a
/// low word; in f64 halves before) is within 1 ulp of the reference (f64 `acosh` rounded to f32), as sin's test above: next to 1, across
/// every binade up to the largest f32, below 1 (zeros and subnormals included) and the
/// special cases.
#[test]
fn f32_acosh_is_within_an_ulp_and_the_same_in_every_lane() {
    let n = 100_003usize;
    let mut next = xorshift(0x6a09_e667_f3bc_c909);
    let mut unit = || to_unit(next());
    let specials = [
        1.0,
        1.0 + f32::EPSILON,
        f32::MAX,
        0.5,
        0.999,
        0.0,
        -0.0,
        1e-45,
        -1e-40,
        -1.0,
        -3.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ];
    // a period of 5, so that every kind of argument meets every lane and both f64
    // halves of a vector
    let xs: Vec<f32> = (0..n)
        .map(|i| match i % 5 {
            0 => (1.0 + unit() * 4.0) as f32,
            1 => (1.0 + 10f64.powf(-7.0 + unit() * 6.0)) as f32, // next to 1
            2 => 10f64.powf(unit() * 38.53) as f32,              // up to f32::MAX
            3 => (unit() * 2.0 - 1.0) as f32,                    // below 1: NaN
            _ => specials[i / 5 % specials.len()],
        })
        .collect();
    f32_unary_within_an_ulp_in_every_lane("acosh", &xs, kiln::acosh, f64::acosh);
}

/// The f32 function `f` of the compiled kernels at `xs` is within 1 ulp of `reference`
/// (in f64, rounded to f32) in four-lane vectors and in the half registers of a kernel
/// that also computes in f64, and an element gets the same bits wherever it falls: the
/// array shifted by one (each element in another lane, some in the tail) agrees bit
/// for bit.
fn f32_unary_within_an_ulp_in_every_lane(
    name: &str,
    xs: &[f32],
    f: fn(&Array) -> kiln::Result<Array>,
    reference: fn(f64) -> f64,
) {
    let n = xs.len();
    let x = kiln::from_vec(xs.to_vec(), [n]).unwrap();
    let shifted = x.slice(kiln::s![1..]).unwrap();
    let one64 = kiln::ones([n], DType::F64).unwrap(); // times 1 keeps -0
    let run = |a: &Array| {
        a.compute_with(Mode::Fused)
            .unwrap()
            .to_vec::<f32>()
            .unwrap()
    };
    let four = run(&f(&x).unwrap());
    // f32 values in half registers beside f64 ones
    let wide = (&kiln::astype(&f(&x).unwrap(), DType::F64).unwrap() * &one64).unwrap();
    let half = run(&kiln::astype(&wide, DType::F32).unwrap());
    for (what, got) in [("four lanes", &four), ("half registers", &half)] {
        let (worst, i) = (0..n)
            .map(|i| (f32_ulps(got[i], reference(xs[i] as f64) as f32), i))
            .max()
            .unwrap();
        eprintln!("f32 {name}, {what}: at most {worst} ulp from the reference");
        assert!(
            worst <= 1,
            "{name}, {what}: {name}({:e}) = {:e}, reference {:e} ({worst} ulp)",
            xs[i],
            got[i],
            reference(xs[i] as f64) as f32
        );
    }
    let moved = run(&f(&shifted).unwrap());
    for i in 0..n - 1 {
        assert_eq!(
            moved[i].to_bits(),
            four[i + 1].to_bits(),
            "{name}({:e}) differs between positions {} and {i}",
            xs[i + 1],
            i + 1
        );
    }
}

/// Compiled f32 pow is within 1 ulp of the reference (f64 `powf` rounded to f32) over
/// x across every binade (subnormals and negative x with integer y included) and y in
/// [-40, 40]; in four-lane vectors, in the half registers of a kernel that also
/// computes in f64, and in scalar tails. (The special cases of the standard's table:
/// `pow_agrees_with_the_interpreter_at_the_edges_of_its_fast_path`.)
#[test]
fn f32_pow_is_within_an_ulp() {
    let n = 100_003usize;
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        // x = ±m·2^e, e over f32's whole range; y a fraction or an integer.
        let m = 1.0 + to_unit(next());
        let e = (next() % 277) as i32 - 149;
        let x = (m * 2f64.powi(e)) as f32;
        let y = (to_unit(next()) * 80.0 - 40.0) as f32;
        let (x, y) = if i % 4 == 0 { (-x, y.round()) } else { (x, y) };
        xs.push(x);
        ys.push(y);
    }
    let x = kiln::from_vec(xs.clone(), [n]).unwrap();
    let y = kiln::from_vec(ys.clone(), [n]).unwrap();
    let one64 = kiln::ones([n], DType::F64).unwrap(); // times 1 keeps -0
                                                      // Four f32 lanes; then f32 values in half registers beside f64 ones.
    let four = kiln::pow(&x, &y).unwrap();
    let half = (&kiln::astype(&kiln::pow(&x, &y).unwrap(), DType::F64).unwrap() * &one64).unwrap();
    let half = kiln::astype(&half, DType::F32).unwrap();
    for (what, a) in [("four lanes", four), ("half registers", half)] {
        let got = a
            .compute_with(Mode::Fused)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        let mut worst = (0, 0usize);
        for (i, (&g, (&xv, &yv))) in got.iter().zip(xs.iter().zip(&ys)).enumerate() {
            let want = (xv as f64).powf(yv as f64) as f32;
            let u = f32_ulps(g, want);
            if u > worst.0 {
                worst = (u, i);
            }
        }
        let i = worst.1;
        eprintln!(
            "f32 pow, {what}: at most {} ulp from the reference",
            worst.0
        );
        assert!(
            worst.0 <= 1,
            "{what}: pow({:e}, {:e}) = {:e}, reference {:e} ({} ulp)",
            xs[i],
            ys[i],
            got[i],
            (xs[i] as f64).powf(ys[i] as f64) as f32,
            worst.0
        );
    }
}

/// Compiled pow agrees with the interpreter (Rust's `powf`) on every pair of special
/// values and of values at the edges of its fast path, f64 and f32: subnormal and huge
/// bases, exponents that put y·ln x just inside and just outside the normal range, and
/// 1.0 with huge exponents. Zeros, infinities, NaNs and ±1 exactly, every other result
/// within 1 ulp (both are accurate to about half an ulp, so hard cases may round
/// apart). Each pair fills whole vector steps and shares others with a neighbour, so
/// ordinary pairs run the fast path alone and beside lanes that take the general one.
#[test]
fn pow_agrees_with_the_interpreter_at_the_edges_of_its_fast_path() {
    let f64_values = [
        1e-310,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        1.0 + f64::EPSILON,
        1.0 - f64::EPSILON / 2.0,
        1e300,
        1021.5,
        -1022.0,
        -1074.5,
        1023.9,
        1024.0,
        1e17,
        -1e17,
    ];
    let f32_values = [
        1e-40f32,
        1e-45,
        f32::MIN_POSITIVE,
        f32::MAX,
        1.0 + f32::EPSILON,
        1.0 - f32::EPSILON / 2.0,
        1e30,
        125.5,
        -126.0,
        -149.5,
        127.9,
        128.0,
        1e10,
        -1e10,
    ];
    pow_edges(DType::F64, f64_values.to_vec());
    pow_edges(DType::F32, f32_values.iter().map(|&v| v as f64).collect());
}

/// `pow_agrees_with_the_interpreter_at_the_edges_of_its_fast_path` for one dtype, with
/// its edge values (exact in the dtype) added to the special values.
fn pow_edges(dtype: DType, edges: Vec<f64>) {
    let mut special = vec![
        0.0f64,
        -0.0,
        1.0,
        -1.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.5,
        2.0,
        3.0,
        -3.0,
        2.5,
        -2.5,
    ];
    special.extend(edges);
    let pairs: Vec<(f64, f64)> = special
        .iter()
        .flat_map(|&a| special.iter().map(move |&b| (a, b)))
        .collect();
    // Each pair 13 times in a row, so that most unrolled steps (eight lanes) hold one
    // pair only, the others two: every pair is seen with and without a slow neighbour.
    let (sx, sy): (Vec<f64>, Vec<f64>) = pairs
        .iter()
        .flat_map(|&p| std::iter::repeat_n(p, 13))
        .unzip();
    let m = sx.len();
    let build = || {
        let a = kiln::astype(&kiln::from_vec(sx.clone(), [m]).unwrap(), dtype).unwrap();
        let b = kiln::astype(&kiln::from_vec(sy.clone(), [m]).unwrap(), dtype).unwrap();
        kiln::pow(&a, &b).unwrap()
    };
    // The results as integers ordered like the values of the dtype's own width.
    let width = |bits: Vec<u64>| -> Vec<u64> {
        bits.into_iter()
            .map(|b| match dtype {
                DType::F32 => (f64::from_bits(b) as f32).to_bits() as u64,
                _ => b,
            })
            .collect()
    };
    let value = |b: u64| match dtype {
        DType::F32 => f32::from_bits(b as u32) as f64,
        _ => f64::from_bits(b),
    };
    let want = width(bits_in(&build, Mode::Interpreter));
    if dtype == DType::F64 {
        // spot checks of the reference itself (exact results)
        let at = |x: f64, y: f64| {
            let i = pairs
                .iter()
                .position(|&p| p.0.to_bits() == x.to_bits() && p.1.to_bits() == y.to_bits());
            value(want[13 * i.expect("a listed pair")])
        };
        assert_eq!(at(2.0, 1021.5), 2f64.powf(1021.5));
        assert_eq!(at(2.0, -1022.0), f64::MIN_POSITIVE);
        assert_eq!(at(2.0, 1024.0), f64::INFINITY);
        assert_eq!(at(0.5, 1024.0), 2f64.powi(-1024));
        assert_eq!(at(0.5, 1e17), 0.0);
        assert_eq!(at(5e-324, 0.5), 2.2227587494850775e-162);
        assert_eq!(at(-1.0, 1e17), 1.0);
    }
    for mode in [Mode::Fused, Mode::Eager] {
        let got = width(bits_in(&build, mode));
        let apart = |g: u64, w: u64| {
            let (gv, wv) = (value(g), value(w));
            if wv.is_nan() || gv.is_nan() {
                return !(wv.is_nan() && gv.is_nan());
            }
            let exact = wv == 0.0 || wv.is_infinite() || wv.abs() == 1.0;
            if exact || gv.is_sign_negative() != wv.is_sign_negative() {
                g != w
            } else {
                g.abs_diff(w) > 1
            }
        };
        let bad: Vec<String> = (0..m)
            .filter(|&i| apart(got[i], want[i]))
            .map(|i| {
                format!(
                    "pow({:e}, {:e}) = {:e}, interpreter {:e}",
                    sx[i],
                    sy[i],
                    value(got[i]),
                    value(want[i])
                )
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{dtype} pow edge pairs ({mode:?}): {bad:#?}"
        );
    }
}

/// 8- and 16-bit integer inputs converted to floats (`astype(image, float32) / 255`)
/// run in vectors, each element sign- or zero-extended into an i32 lane: every value
/// of each type's range, in four f32 lanes and in the half registers of f64 kernels,
/// contiguous, step-sliced, transposed and broadcast; bit for bit the interpreter's.
#[test]
fn narrow_integer_inputs_cast_to_floats_agree_with_the_interpreter() {
    let n = 1001usize;
    let x64 = (0..n).map(|i| i as f64 * 0.25 - 100.0).collect::<Vec<_>>();
    let inputs: Vec<(&str, Array)> = vec![
        (
            "u8",
            kiln::from_vec(
                (0..n).map(|i| (i * 37 % 256) as u8).collect::<Vec<_>>(),
                [n],
            )
            .unwrap(),
        ),
        (
            "i8",
            kiln::from_vec(
                (0..n)
                    .map(|i| (i * 37 % 256) as u8 as i8)
                    .collect::<Vec<_>>(),
                [n],
            )
            .unwrap(),
        ),
        (
            "u16",
            kiln::from_vec(
                (0..n)
                    .map(|i| (i * 4099 % 65536) as u16)
                    .collect::<Vec<_>>(),
                [n],
            )
            .unwrap(),
        ),
        (
            "i16",
            kiln::from_vec(
                (0..n)
                    .map(|i| (i * 4099 % 65536) as u16 as i16)
                    .collect::<Vec<_>>(),
                [n],
            )
            .unwrap(),
        ),
    ];
    type Build = fn(&Array, &Array) -> Array;
    let builds: [(&str, Build); 3] = [
        ("astype(v, f32) / 255", |v, _| {
            (&kiln::astype(v, DType::F32).unwrap() / 255.0).unwrap()
        }),
        ("astype(v, f64) * 0.5 + x64", |v, x| {
            (&(&kiln::astype(v, DType::F64).unwrap() * 0.5).unwrap() + x).unwrap()
        }),
        ("sum(astype(v, f32), axis=-1)", |v, _| {
            kiln::sum(&kiln::astype(v, DType::F32).unwrap(), -1).unwrap()
        }),
    ];
    for (view, at) in &views_of_1001() {
        let x = at(kiln::from_vec(x64.clone(), [n]).unwrap());
        for (dtype, v) in &inputs {
            let v = at(v.clone());
            for (name, build) in &builds {
                let what = format!("{name} of {dtype} {view}");
                agrees_with_interpreter(&what, &|| build(&v, &x), None);
            }
        }
    }
}

/// 8- and 16-bit integer kernels run in i32 lanes (`lane_int` in
/// codegen/src/cpu/vector.rs): every result must still wrap as the dtype does (u8 + 100,
/// abs and negation of the minimum, products past the range), compare as the dtype's
/// values after a wrap ((v + 100) > 50), take the dtype's order in max/min (u8 200 >
/// 100), cast between the narrow types, i32, i64 and bools with wrapping, and be stored
/// as the dtype's bits: the interpreter's results, bit for bit, for i8, u8, i16 and u16,
/// contiguous, step-sliced, transposed, broadcast, empty and 0-d.
#[test]
fn narrow_integer_kernels_agree_with_the_interpreter() {
    let n = 1001usize;
    let make = |dtype: &str, n: usize| -> Array {
        let bytes = |i: usize| (i * 37 % 256) as u8;
        let halves = |i: usize| (i * 4099 % 65536) as u16;
        match dtype {
            "u8" => kiln::from_vec((0..n).map(bytes).collect::<Vec<_>>(), [n]),
            "i8" => kiln::from_vec((0..n).map(|i| bytes(i) as i8).collect::<Vec<_>>(), [n]),
            "u16" => kiln::from_vec((0..n).map(halves).collect::<Vec<_>>(), [n]),
            _ => kiln::from_vec((0..n).map(|i| halves(i) as i16).collect::<Vec<_>>(), [n]),
        }
        .unwrap()
    };
    type Build = fn(&Array, &Array) -> Array;
    let builds: [(&str, Build); 15] = [
        ("abs(v)", |v, _| kiln::abs(v).unwrap()),
        ("-v + 100", |v, _| (&(-v).unwrap() + 100).unwrap()),
        ("v * 3 - w", |v, w| (&(v * 3).unwrap() - w).unwrap()),
        ("square(v) + v", |v, _| {
            (&kiln::square(v).unwrap() + v).unwrap()
        }),
        ("maximum(v, 50), minimum(., w)", |v, w| {
            kiln::minimum(kiln::maximum(v, 50).unwrap(), w).unwrap()
        }),
        ("(v + 100) > 50", |v, _| {
            kiln::greater((v + 100).unwrap(), 50).unwrap()
        }),
        ("where(v < w, v, v * 2)", |v, w| {
            let c = kiln::less(v, w).unwrap();
            kiln::where_(&c, v, (v * 2).unwrap()).unwrap()
        }),
        ("(~v & 0x7f) | (v ^ w)", |v, w| {
            let a = kiln::bitwise_and(kiln::bitwise_invert(v).unwrap(), 0x7f).unwrap();
            kiln::bitwise_or(&a, kiln::bitwise_xor(v, w).unwrap()).unwrap()
        }),
        ("(v == w) | (v >= 100)", |v, w| {
            let a = kiln::equal(v, w).unwrap();
            kiln::logical_or(&a, kiln::greater_equal(v, 100).unwrap()).unwrap()
        }),
        ("astype(astype(v, i32) * 3 - 7, v's dtype)", |v, _| {
            let wide = kiln::astype(v, DType::I32).unwrap();
            kiln::astype(&(&(&wide * 3).unwrap() - 7).unwrap(), v.dtype()).unwrap()
        }),
        ("astype(v, i8) + astype(v > w, u16)", |v, w| {
            let a = kiln::astype(v, DType::I8).unwrap();
            let b = kiln::astype(&kiln::greater(v, w).unwrap(), DType::U16).unwrap();
            (&kiln::astype(&a, DType::I16).unwrap() + &kiln::astype(&b, DType::I16).unwrap())
                .unwrap()
        }),
        ("any(v * 2 == 0)", |v, _| {
            kiln::any(&kiln::equal((v * 2).unwrap(), 0).unwrap(), ()).unwrap()
        }),
        // with i64, in two-lane i64 kernels (since 2026-12-05): widened exactly,
        // and i64 values past the range wrapped back
        ("astype(astype(v, i64) * 1000003 - w, v's dtype)", |v, w| {
            let wide = kiln::astype(v, DType::I64).unwrap();
            let big = (&(&wide * 1_000_003i64).unwrap() - w).unwrap();
            kiln::astype(&big, v.dtype()).unwrap()
        }),
        (
            "astype(astype(v, i64) * 1000003, v's dtype) > 10",
            |v, _| {
                let wide = kiln::astype(v, DType::I64).unwrap();
                let big = (&wide * 1_000_003i64).unwrap();
                kiln::greater(kiln::astype(&big, v.dtype()).unwrap(), 10).unwrap()
            },
        ),
        ("astype(v, i64) * -3 + astype(w, i64)", |v, w| {
            let a = kiln::astype(v, DType::I64).unwrap();
            let b = kiln::astype(w, DType::I64).unwrap();
            (&(&a * -3i64).unwrap() + &b).unwrap()
        }),
    ];
    for dtype in ["u8", "i8", "u16", "i16"] {
        let mut cases: Vec<(String, Array, Array)> = views_of_1001()
            .into_iter()
            .map(|(view, at)| {
                let v = at(make(dtype, n));
                let w = at(kiln::flip(&make(dtype, n), ()).unwrap());
                (view.to_string(), v, w)
            })
            .collect();
        cases.push(("empty".into(), make(dtype, 0), make(dtype, 0)));
        let scalar = kiln::reshape(
            &make(dtype, 200).slice([SliceArg::from(199..200)]).unwrap(),
            [],
        )
        .unwrap();
        cases.push(("0-d".into(), scalar.clone(), scalar));
        for (view, v, w) in &cases {
            for (name, build) in &builds {
                let what = format!("{name} of {dtype} {view}");
                agrees_with_interpreter(&what, &|| build(v, w), None);
            }
        }
    }
}

/// Any and all run in vectors of lane masks, along rows (or'ed/and'ed per lane, folded
/// at the end of the row) and down columns (a mask per position in the scratch, the
/// rows of a group combined in registers), and split across threads: each must give
/// the interpreter's result, and the plain definition's, for sparse nonzeros at every
/// place (the first element, a lane in an unrolled copy, the scalar tail), NaN
/// (nonzero), -0.0 (zero), integers, loaded bools and comparisons of f32 data in an
/// f64 kernel, over empty and size-1 axes, rows, columns and everything.
#[test]
fn any_and_all_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[0],
        &[1],
        &[7],
        &[1001],
        &[37, 130],
        &[130, 37],
        &[3, 0],
        &[0, 3],
        &[1, 9],
        &[9, 1],
        &[5, 19, 70],
        // Columns split along the rows across threads; a long row in chunks.
        &[60_001, 5],
        &[1, 300_007],
    ];
    for (si, &shape) in shapes.iter().enumerate() {
        let n: usize = shape.iter().product();
        let noise = data(n, 300 + si as u64);
        // Mostly zeros with a few nonzeros (any's interesting case) and its complement
        // (all's): the nonzeros are NaN, ±inf, tiny or ordinary; the zeros ±0.
        // Columns that differ (so that a reduction over the rows, split across
        // threads or not, gives each position its own answer): with four or more
        // columns, column 1 is all zeros in the sparse data and free of zeros in the
        // dense, and column 3 holds its only nonzero (zero) in the last rows.
        let last = shape.last().copied().unwrap_or(1).max(1);
        let zero_col_late = |i: usize| (last >= 4 && i % last == 1, last >= 4 && i % last == 3);
        let sparse: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(i, &u)| {
                let (zero_col, late_col) = zero_col_late(i);
                let late = i + 2 * last > n;
                if !zero_col
                    && (if late_col {
                        late
                    } else {
                        i % 97 == 13 || u > 0.29 && (i / 3) % 41 == 0
                    })
                {
                    [f64::NAN, f64::INFINITY, 1e-300, -2.5, f64::NEG_INFINITY][i % 5]
                } else if i % 2 == 0 {
                    -0.0
                } else {
                    0.0
                }
            })
            .collect();
        let dense: Vec<f64> = sparse
            .iter()
            .zip(&noise)
            .enumerate()
            .map(|(i, (&s, &u))| {
                let (zero_col, late_col) = zero_col_late(i);
                let late = i + 2 * last > n;
                if zero_col || s == 0.0 && !(late_col && late) {
                    u + 1.0
                } else {
                    0.0
                }
            })
            .collect();
        let rank = shape.len() as i64;
        let mut axes_sets: Vec<Vec<i64>> = vec![(0..rank).collect()];
        axes_sets.extend((0..rank).map(|a| vec![a]));
        if rank == 3 {
            axes_sets.push(vec![0, 1]);
            axes_sets.push(vec![1, 2]);
        }
        for (which, values) in [("sparse", &sparse), ("dense", &dense)] {
            let inputs: Vec<(String, Array)> = vec![
                ("f64".into(), typed(values.clone(), shape, DType::F64)),
                ("f32".into(), typed(values.clone(), shape, DType::F32)),
                ("i32".into(), {
                    let ints = values.iter().map(|&x| if x == 0.0 { 0.0 } else { 3.0 });
                    typed(ints.collect(), shape, DType::I32)
                }),
                ("i64".into(), {
                    let ints = values.iter().map(|&x| if x == 0.0 { 0.0 } else { -7.0 });
                    typed(ints.collect(), shape, DType::I64)
                }),
                ("bool".into(), {
                    let b = kiln::not_equal(typed(values.clone(), shape, DType::F64), 0.0);
                    b.unwrap().compute().unwrap()
                }),
            ];
            let x32 = typed(noise.clone(), shape, DType::F32);
            for axes in &axes_sets {
                let opts = || ReduceOpts::new().axes(axes.clone());
                let case = format!("over {axes:?} of {which} {shape:?}");
                for (dtype, x) in &inputs {
                    for all in [false, true] {
                        let name = if all { "all" } else { "any" };
                        let reduce = |x: &Array| {
                            if all {
                                kiln::all(x, opts()).unwrap()
                            } else {
                                kiln::any(x, opts()).unwrap()
                            }
                        };
                        agrees_with_interpreter(
                            &format!("{name} of {dtype} {case}"),
                            &|| reduce(x),
                            None,
                        );
                        if dtype == "f64" {
                            // A comparison with f32 data: 32-bit masks in an f64 kernel.
                            agrees_with_interpreter(
                                &format!("{name}(x64 != 0 and x32 > 0.2) {case}"),
                                &|| {
                                    let c = kiln::greater(&x32, 0.2).unwrap();
                                    let m = kiln::not_equal(x, 0.0).unwrap();
                                    reduce(&kiln::logical_and(&m, &c).unwrap())
                                },
                                None,
                            );
                        }
                    }
                }
            }
        }
        // The plain definition, for the rows of a matrix (the last axis).
        if let &[rows, cols] = shape {
            for (which, values) in [("sparse", &sparse), ("dense", &dense)] {
                let x = typed(values.clone(), shape, DType::F64);
                for mode in [Mode::Interpreter, Mode::Fused, Mode::Eager] {
                    let any = kiln::any(&x, 1).unwrap();
                    let all = kiln::all(&x, 1).unwrap();
                    kiln::eval_with(&[&any, &all], mode).unwrap();
                    let (any, all) = (any.to_vec::<bool>().unwrap(), all.to_vec::<bool>().unwrap());
                    for r in 0..rows {
                        let row = &values[r * cols..(r + 1) * cols];
                        let what = format!("row {r} of {which} {shape:?} ({mode:?})");
                        assert_eq!(any[r], row.iter().any(|&v| v != 0.0), "any, {what}");
                        assert_eq!(all[r], row.iter().all(|&v| v != 0.0), "all, {what}");
                    }
                }
            }
        }
    }
}

/// Python's `x % y` on float vectors (fmod from the quotient and one fused
/// multiply-add where |x / y| < 2^52, 2^23 for f32; a cold per-lane fmod elsewhere)
/// must be bit for bit the interpreter's and the definition's: fmod (exact), a zero
/// with y's sign, a nonzero of the other sign than y moved by y. Cases: every pair of
/// specials (zeros, infinities, NaN, subnormals, huge and tiny), exact multiples and
/// their neighbours (where the rounded quotient reaches the next integer), quotients
/// around the fast path's limit, and random magnitudes; in vectors with the cold
/// lanes mixed among fast ones, and against a broadcast divisor.
#[test]
fn remainder_agrees_with_the_interpreter_and_the_definition_bit_for_bit() {
    let py_rem = |x: f64, y: f64| {
        let r = x % y; // Rust's % on floats is C's fmod
        if r.is_nan() {
            r
        } else if r == 0.0 {
            0.0f64.copysign(y)
        } else if r.is_sign_negative() != y.is_sign_negative() {
            r + y
        } else {
            r
        }
    };
    let specials = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.7,
        -0.7,
        3.0,
        0.1,
        1.0 / 3.0,
        1e-310,
        -5e-324,
        1e300,
        -1e300,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        2f64.powi(52),
        2f64.powi(23) + 1.0,
        -6.0,
    ];
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for &x in &specials {
        for &y in &specials {
            xs.push(x);
            ys.push(y);
        }
    }
    let mut next = {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        }
    };
    let unit = |r: u64| (r >> 11) as f64 / (1u64 << 53) as f64;
    for i in 0..6000 {
        let y = (unit(next()) + 0.01) * 2f64.powi((next() % 40) as i32 - 20);
        let y = if i % 2 == 0 { y } else { -y };
        let x = match i % 4 {
            // Near multiples: k·y and its neighbours, k up to 2^55.
            0 | 1 => {
                let k = (next() >> (9 + next() % 50)) as f64;
                let m = k * y;
                let step = (next() % 3) as i64 - 1;
                f64::from_bits((m.to_bits() as i64).wrapping_add(step) as u64)
            }
            // Quotients around 2^52 and 2^23.
            2 => y * (2f64.powi(if i % 8 == 2 { 52 } else { 23 }) + (next() % 9) as f64 - 4.0),
            _ => (unit(next()) - 0.5) * 2f64.powi((next() % 80) as i32 - 40),
        };
        xs.push(if next() % 2 == 0 { x } else { -x });
        ys.push(y);
    }
    let n = xs.len();
    let want: Vec<u64> = xs
        .iter()
        .zip(&ys)
        .map(|(&x, &y)| py_rem(x, y).to_bits())
        .collect();
    for dtype in [DType::F64, DType::F32] {
        let x = typed(xs.clone(), &[n], dtype);
        let y = typed(ys.clone(), &[n], dtype);
        agrees_with_interpreter(
            &format!("remainder {dtype:?}"),
            &|| kiln::remainder(&x, &y).unwrap(),
            None,
        );
        for d in [0.7, -3.0, 1e-300, f64::INFINITY] {
            agrees_with_interpreter(
                &format!("remainder by {d} {dtype:?}"),
                &|| kiln::remainder(&x, d).unwrap(),
                None,
            );
        }
        if dtype == DType::F64 {
            for mode in [Mode::Interpreter, Mode::Fused, Mode::Eager] {
                let got = bits_in(&|| kiln::remainder(&x, &y).unwrap(), mode);
                for i in 0..n {
                    let (g, w) = (f64::from_bits(got[i]), f64::from_bits(want[i]));
                    assert!(
                        got[i] == want[i] || g.is_nan() && w.is_nan(),
                        "{mode:?}: {:e} % {:e} = {g:e}, not {w:e}",
                        xs[i],
                        ys[i]
                    );
                }
            }
        }
    }
}

/// Integer reductions over outer axes walk columns (wrapping sums, max, min, any,
/// all in integer lanes): the interpreter's results exactly, on i32 and i64 data with
/// the types' extremes (sums that wrap), widths past the 512-position block and not a
/// multiple of the lanes, rank 3, empty axes, a transposed view, and few outputs over
/// many rows (the split along the rows).
#[test]
fn integer_column_reductions_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[1000, 1031],
        &[3, 600],
        &[7, 3, 517],
        &[5, 19, 70],
        &[2, 1],
        &[0, 5],
        &[5, 0],
        &[60_001, 5],
        &[30_000, 3, 8],
        // Fewer positions than a chunk's 512 but more than a vector block's: split
        // along the rows too; and chunks of 512 with a last one of a single position.
        &[1000, 300],
        &[300, 1025],
        // Bands of positions whose rows are cut into ranges too (`tile_columns`),
        // over two axes in the 3-d case.
        &[2000, 600],
        &[400, 3, 700],
        // Kernels' blocks of up to 2048 positions: bands of 1056 and 1044, and of 1032
        // and 1017, their rows in ranges (argmax's chunks, rows never split: 1008,
        // 1008 and 84; four of 512 and one of a single position); 4100 positions,
        // rows not split, in chunks of 1872, 1872 and 356 (each walked in blocks of up
        // to 2048).
        &[130, 2100],
        &[300, 2049],
        &[70, 4100],
    ];
    for dtype in [DType::I32, DType::I64] {
        let (lo, hi) = if dtype == DType::I32 {
            (i32::MIN as f64, i32::MAX as f64)
        } else {
            // Exactly representable in the f64 the inputs are built from.
            (-(2f64.powi(62)), 2f64.powi(62))
        };
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let last = shape.last().copied().unwrap_or(1).max(1);
            let v: Vec<f64> = data(n, 500 + si as u64)
                .iter()
                .enumerate()
                .map(|(i, &u)| match i % 13 {
                    0 if i < 200 => hi,
                    5 if i < 200 => lo,
                    // Zeros in every column but the first (where the row length
                    // allows): all() differs between columns.
                    7 if i % last != 0 || last < 4 => 0.0,
                    // Positive in the first half of the rows, negative after: chunks
                    // of rows whose partial extremes differ in sign.
                    _ => (u * 2000.0).round() + if i < n / 2 { 5000.0 } else { -5000.0 },
                })
                .collect();
            let x = &typed(v, shape, dtype);
            let mut axes_sets: Vec<Vec<i64>> = vec![vec![0]];
            if shape.len() == 3 {
                axes_sets.push(vec![0, 1]);
            }
            for axes in axes_sets {
                let case = format!("over {axes:?} of {dtype:?} {shape:?}");
                let o = || ReduceOpts::new().axes(axes.clone());
                let reduced: usize = axes.iter().map(|&a| shape[a as usize]).product();
                let mut builds: Vec<(&str, Build)> = vec![
                    ("sum", Box::new(|| kiln::sum(x, o().dtype(dtype)).unwrap())),
                    // The default dtype: int64 (i32 lanes widened in an i64 kernel).
                    ("sum as i64", Box::new(|| kiln::sum(x, o()).unwrap())),
                    (
                        "sum of x * 3 + 1",
                        Box::new(|| {
                            let y = (&(x * 3).unwrap() + 1).unwrap();
                            kiln::sum(&y, o().dtype(dtype)).unwrap()
                        }),
                    ),
                    (
                        "any(x > 900)",
                        Box::new(|| kiln::any(&kiln::greater(x, 900).unwrap(), o()).unwrap()),
                    ),
                    ("all(x)", Box::new(|| kiln::all(x, o()).unwrap())),
                ];
                if reduced > 0 {
                    builds.push(("max", Box::new(|| kiln::max(x, o()).unwrap())));
                    builds.push(("min", Box::new(|| kiln::min(x, o()).unwrap())));
                }
                for (name, build) in &builds {
                    // As i64: every integer exactly (f64 would round the large sums).
                    let want = ints_in(build.as_ref(), Mode::Interpreter);
                    for mode in [Mode::Fused, Mode::Eager] {
                        let got = ints_in(build.as_ref(), mode);
                        assert_eq!(got, want, "{name} {case} ({mode:?})");
                    }
                }
            }
            if shape.len() == 2 {
                // Rows of the transpose: the same columns, read through a view.
                let build = || {
                    let t = kiln::matrix_transpose(x).unwrap();
                    kiln::sum(&t, ReduceOpts::new().axis(1).dtype(dtype)).unwrap()
                };
                let want = ints_in(&build, Mode::Interpreter);
                assert_eq!(ints_in(&build, Mode::Fused), want, "{dtype:?} {shape:?}.T");
            }
        }
    }
}

/// Kernels of bools alone run in the bools' bytes, sixteen to a vector (`in_bytes` in
/// codegen/src/cpu/vector.rs): logic, negation, comparisons of bools and their stores,
/// any and all along rows, down columns and over everything, with operands broadcast
/// along either axis or from a 0-d array, tails of every length modulo the 32 bools of
/// an unrolled step, and views that fall back to 32-bit masks (strided, transposed).
#[test]
fn bool_kernels_in_bytes_agree_with_the_interpreter() {
    let bools = |shape: &[usize], seed: u64, above: f64| -> Array {
        let n = shape.iter().product();
        let v: Vec<f64> = data(n, seed)
            .iter()
            .map(|&u| f64::from(u8::from(u > above)))
            .collect();
        let a = kiln::not_equal(kiln::from_vec(v, shape).unwrap(), 0.0).unwrap();
        a.compute().unwrap();
        a
    };
    let shapes: &[&[usize]] = &[
        &[0],
        &[1],
        &[15],
        &[16],
        &[17],
        &[31],
        &[32],
        &[33],
        &[47],
        &[63],
        &[64],
        &[65],
        &[129],
        &[1000],
        &[100_003],
        &[3, 0],
        &[1, 70],
        &[70, 1],
        &[37, 33],
        &[33, 37],
        &[60_001, 5],
        &[5, 40_001],
        // Columns sixteen wide and more, split along the rows across threads.
        &[200_000, 17],
    ];
    for (si, &shape) in shapes.iter().enumerate() {
        let seed = 900 + 10 * si as u64;
        // Half true, sparse (about 2% true: any's case) and dense (about 2% false: all's).
        let a = bools(shape, seed, 0.3);
        let b = bools(shape, seed + 1, 0.3);
        let sparse = bools(shape, seed + 2, 1.26);
        let dense = bools(shape, seed + 3, -0.66);
        let t = kiln::asarray(true, ()).unwrap();
        let case = |what: &str| format!("{what} of {shape:?}");
        let elementwise: Vec<(&str, Build)> = vec![
            ("a & b", Box::new(|| kiln::logical_and(&a, &b).unwrap())),
            (
                "a | ~b",
                Box::new(|| kiln::logical_or(&a, kiln::logical_not(&b).unwrap()).unwrap()),
            ),
            ("a ^ b", Box::new(|| kiln::logical_xor(&a, &b).unwrap())),
            ("a == b", Box::new(|| kiln::equal(&a, &b).unwrap())),
            (
                "a != ~b",
                Box::new(|| kiln::not_equal(&a, kiln::logical_not(&b).unwrap()).unwrap()),
            ),
            ("~a", Box::new(|| kiln::logical_not(&a).unwrap())),
            (
                "a & 0-d true",
                Box::new(|| kiln::logical_and(&a, &t).unwrap()),
            ),
            (
                "sparse | dense",
                Box::new(|| kiln::logical_or(&sparse, &dense).unwrap()),
            ),
        ];
        for (what, build) in &elementwise {
            agrees_with_interpreter(&case(what), build, None);
        }
        let rank = shape.len() as i64;
        let mut axes_sets: Vec<Vec<i64>> = vec![(0..rank).collect()];
        axes_sets.extend((0..rank).map(|x| vec![x]));
        let inputs: Vec<(&str, Build)> = vec![
            ("sparse", Box::new(|| sparse.clone())),
            ("dense", Box::new(|| dense.clone())),
            (
                "a & ~b",
                Box::new(|| kiln::logical_and(&a, kiln::logical_not(&b).unwrap()).unwrap()),
            ),
            (
                "dense ^ sparse",
                Box::new(|| kiln::logical_xor(&dense, &sparse).unwrap()),
            ),
        ];
        for axes in &axes_sets {
            let opts = || ReduceOpts::new().axes(axes.clone());
            for (what, x) in &inputs {
                agrees_with_interpreter(
                    &case(&format!("any({what}, axes {axes:?})")),
                    &|| kiln::any(&x(), opts()).unwrap(),
                    None,
                );
                agrees_with_interpreter(
                    &case(&format!("all({what}, axes {axes:?})")),
                    &|| kiln::all(&x(), opts()).unwrap(),
                    None,
                );
            }
        }
        if let &[rows, cols] = shape {
            // Broadcast along the rows (a column, 0 along the vector axis) and down the
            // columns (a row); a strided and a transposed view.
            let col = bools(&[rows, 1], seed + 4, 0.3);
            let row = bools(&[1, cols], seed + 5, 0.3);
            let views: Vec<(&str, Build)> = vec![
                (
                    "a & column",
                    Box::new(|| kiln::logical_and(&a, &col).unwrap()),
                ),
                ("row ^ a", Box::new(|| kiln::logical_xor(&row, &a).unwrap())),
                (
                    "column | row",
                    Box::new(|| kiln::logical_or(&col, &row).unwrap()),
                ),
                (
                    "any(dense & column, axis 1)",
                    Box::new(|| kiln::any(&kiln::logical_and(&dense, &col).unwrap(), 1).unwrap()),
                ),
                (
                    "all(dense | ~row, axis 0)",
                    Box::new(|| {
                        let r = kiln::logical_not(&row).unwrap();
                        kiln::all(&kiln::logical_or(&dense, &r).unwrap(), 0).unwrap()
                    }),
                ),
                (
                    "a[:, ::2] & b[:, ::2]",
                    Box::new(|| {
                        let every_other = [SliceArg::from(..), SliceArg::from(..).step(2)];
                        let (x, y) = (a.slice(every_other).unwrap(), b.slice(every_other).unwrap());
                        kiln::logical_and(&x, &y).unwrap()
                    }),
                ),
                (
                    "any(a.T ^ b.T, axis 1)",
                    Box::new(|| {
                        let (x, y) = (
                            kiln::matrix_transpose(&a).unwrap(),
                            kiln::matrix_transpose(&b).unwrap(),
                        );
                        kiln::any(&kiln::logical_xor(&x, &y).unwrap(), 1).unwrap()
                    }),
                ),
            ];
            for (what, build) in &views {
                agrees_with_interpreter(&case(what), build, None);
            }
        }
    }
    // One true (false) bool at the boundaries of vectors, unrolled steps and chunks:
    // any (all) must find it wherever it is, over everything and along rows.
    let n = 131_073;
    for at in [0, 15, 16, 31, 32, 63, 64, 65_536, n - 17, n - 1] {
        let one: Vec<bool> = (0..n).map(|i| i == at).collect();
        let one = kiln::asarray(one, ()).unwrap();
        one.compute().unwrap();
        let none = kiln::logical_not(&one).unwrap();
        none.compute().unwrap();
        agrees_with_interpreter(
            &format!("any(one true at {at})"),
            &|| kiln::any(&one, ()).unwrap(),
            None,
        );
        agrees_with_interpreter(
            &format!("all(one false at {at})"),
            &|| kiln::all(&none, ()).unwrap(),
            None,
        );
        agrees_with_interpreter(
            &format!("any(one true at {at}, axis 1) of [3, n/3]"),
            &|| kiln::any(&kiln::reshape(&one, [3, n / 3]).unwrap(), 1).unwrap(),
            None,
        );
        let found = |mode: Mode| -> bool {
            let r = kiln::any(&one, ()).unwrap();
            r.compute_with(mode).unwrap();
            r.item::<bool>().unwrap()
        };
        assert!(
            found(Mode::Fused) && found(Mode::Eager),
            "any(one true at {at})"
        );
    }
    // Several bool outputs of one kernel, and a store beside a reduction.
    let (a, b) = (bools(&[37, 70], 990, 0.3), bools(&[37, 70], 991, 0.3));
    let want: Vec<Vec<u64>> = {
        let outs = [
            kiln::logical_and(&a, &b).unwrap(),
            kiln::logical_xor(&a, &b).unwrap(),
            kiln::any(&kiln::logical_and(&a, &b).unwrap(), 1).unwrap(),
        ];
        kiln::eval_with(&outs.iter().collect::<Vec<_>>(), Mode::Interpreter).unwrap();
        outs.iter()
            .map(|o| bits_in(&|| o.clone(), Mode::Interpreter))
            .collect()
    };
    for mode in [Mode::Fused, Mode::Eager] {
        let and = kiln::logical_and(&a, &b).unwrap();
        let outs = [
            and.clone(),
            kiln::logical_xor(&a, &b).unwrap(),
            kiln::any(&and, 1).unwrap(),
        ];
        kiln::eval_with(&outs.iter().collect::<Vec<_>>(), mode).unwrap();
        for (k, o) in outs.iter().enumerate() {
            assert_eq!(
                bits_in(&|| o.clone(), mode),
                want[k],
                "output {k} of one kernel ({mode:?})"
            );
        }
    }
}

/// `x ** 0.5` and `x ** -1` are rewritten (ir `small_integer_pow`) to `sqrt(x) + 0.0`
/// with +inf at -inf, and to `1 / x`: the correctly rounded results, with pow's special
/// cases (+0 for -0 and +inf for -inf under 0.5; ±inf for ±0 and ±0 for ±inf under -1).
/// Checked bit for bit against that definition computed here, in f64 and f32, fused
/// and eager, and against the interpreter's pow (which is not rewritten) within its
/// accuracy.
#[test]
fn pow_by_a_half_and_by_minus_one_are_exact() {
    let mut v: Vec<f64> = vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -1.0,
        -2.5,
        1.0,
        4.0,
        2.0,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        f64::MAX,
        1e-30,
        3e38,
        1e-40,
    ];
    v.extend(
        data(1003, 77)
            .iter()
            .map(|&u| (u * 40.0).exp2() * u.signum()),
    );
    for dtype in [DType::F64, DType::F32] {
        let x = typed(v.clone(), &[v.len()], dtype);
        let xs: Vec<f64> = kiln::astype(&x, DType::F64).unwrap().to_vec().unwrap();
        let round = |y: f64| {
            if dtype == DType::F32 {
                f64::from(y as f32)
            } else {
                y
            }
        };
        let half: Vec<f64> = xs
            .iter()
            .map(|&x| {
                if x == f64::NEG_INFINITY {
                    f64::INFINITY
                } else if dtype == DType::F32 {
                    f64::from((x as f32).sqrt() + 0.0)
                } else {
                    x.sqrt() + 0.0
                }
            })
            .collect();
        let inverse: Vec<f64> = xs
            .iter()
            .map(|&x| {
                if dtype == DType::F32 {
                    f64::from(1.0 / x as f32)
                } else {
                    round(1.0 / x)
                }
            })
            .collect();
        for (what, e, want) in [("x ** 0.5", 0.5, &half), ("x ** -1", -1.0, &inverse)] {
            for mode in [Mode::Fused, Mode::Eager] {
                let y = kiln::pow(&x, e).unwrap();
                y.compute_with(mode).unwrap();
                let got: Vec<f64> = kiln::astype(&y, DType::F64).unwrap().to_vec().unwrap();
                for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                    assert!(
                        g.to_bits() == w.to_bits() || g.is_nan() && w.is_nan(),
                        "{what} of {dtype:?} {} ({mode:?}): {g} vs {w}",
                        xs[i]
                    );
                }
            }
            agrees_with_interpreter(
                &format!("{what} of {dtype:?}"),
                &|| kiln::pow(&x, e).unwrap(),
                Some(if dtype == DType::F32 { 3e-7 } else { 5e-16 }),
            );
        }
    }
}

/// A costly body runs in smaller chunks than a light one (so that a modest array of it
/// uses every core): 30 sines on 100 003 elements and 10 on 300 × 1001 make four chunks
/// each, the last one ragged; and so do row and column reductions of them. Results must
/// not depend on the chunks.
#[test]
fn costly_kernels_in_small_chunks_agree_with_the_interpreter() {
    for (shape, steps) in [
        (vec![100_003usize], 30),
        (vec![300, 1001], 10),
        (vec![7, 5], 30),
    ] {
        let n: usize = shape.iter().product();
        let x = kiln::from_vec(
            (0..n)
                .map(|i| (i % 1000) as f64 * 1e-3)
                .collect::<Vec<f64>>(),
            &shape,
        )
        .unwrap();
        x.compute().unwrap();
        let build = || {
            let mut y = x.clone();
            for _ in 0..steps {
                y = (&kiln::sin(&y).unwrap() + 0.5).unwrap();
            }
            y
        };
        agrees_with_interpreter(&format!("{steps} sines on {shape:?}"), &build, None);
        if shape.len() == 2 {
            // Row and column reductions of the costly body: their chunks are whole rows
            // or positions, as small.
            let rows = || kiln::sum(&build(), 1).unwrap();
            agrees_with_interpreter(&format!("row sums of {steps} sines"), &rows, Some(1e-12));
            let columns = || kiln::max(&build(), 0).unwrap();
            agrees_with_interpreter(&format!("column maxima of {steps} sines"), &columns, None);
        }
    }
}

/// A row kernel's store pass runs one row late, inside the next row's last reduction
/// pass, and the chunk's last row's after its rows (`Carry` in
/// codegen/src/cpu/emit.rs). Over rows in several chunks (a ragged last one), rank 3,
/// single rows, empty rows (sums only: a max over none is an error), no rows and rows
/// shorter than a vector step, with an [N, 1] partner, a strided view, int32 rows and a
/// store pass that computes exp: exact ops give the interpreter's bits, fused and
/// eager, sums and exp agree within rounding, and softmax gives the same bits on 1, 2
/// and 8 threads.
#[test]
fn deferred_row_store_passes_agree_with_the_interpreter() {
    let shapes: &[&[usize]] = &[
        &[5000, 53],
        &[3, 5, 300],
        &[1, 9],
        &[4, 0],
        &[0, 4],
        &[2, 3],
        &[7, 13],
    ];
    for dtype in [DType::F64, DType::F32] {
        for (si, &shape) in shapes.iter().enumerate() {
            let n: usize = shape.iter().product();
            let x = typed(data(n, 120 + si as u64), shape, dtype);
            let last = shape.len() - 1;
            let mut col_shape = shape.to_vec();
            col_shape[last] = 1;
            let c = typed(data(col_shape.iter().product(), 130), &col_shape, dtype);
            let (x, c) = (&x, &c);
            let rows = || ReduceOpts::new().axis(-1).keepdims(true);
            // Every other row: rows a run-time stride apart.
            let strided = move || {
                let mut idx = vec![SliceArg::python(None, None, 2)];
                idx.extend(vec![SliceArg::from(..); last]);
                x.slice(&idx).unwrap()
            };
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-13 };
            // Any row length, empty ones too (a sum over none is 0), and a store pass
            // that computes a function.
            let close: Vec<(&str, Build)> = vec![
                (
                    "x - sum(x)",
                    Box::new(move || (x - &kiln::sum(x, rows()).unwrap()).unwrap()),
                ),
                (
                    "exp(x - mean(x))",
                    Box::new(move || {
                        let m = kiln::mean(x, rows()).unwrap();
                        kiln::exp(&(x - &m).unwrap()).unwrap()
                    }),
                ),
            ];
            for (name, build) in &close {
                let what = format!("{name} of {dtype:?} {shape:?}");
                agrees_with_interpreter(&what, build.as_ref(), Some(tol));
            }
            let ints = typed(data(n, 140 + si as u64), shape, DType::I32);
            let ints = &ints;
            let mut builds: Vec<(&str, Build)> = vec![
                (
                    "x - max(x) + c",
                    Box::new(move || {
                        let m = kiln::max(x, rows()).unwrap();
                        ((x - &m).unwrap() + c).unwrap()
                    }),
                ),
                (
                    "x / max(|x|), every other row",
                    Box::new(move || {
                        let t = strided();
                        let m = kiln::max(&kiln::abs(&t).unwrap(), rows()).unwrap();
                        (&t / &m).unwrap()
                    }),
                ),
                (
                    "(x - min(x)) * (max(x) - x)",
                    Box::new(move || {
                        let lo = kiln::min(x, rows()).unwrap();
                        let hi = kiln::max(x, rows()).unwrap();
                        ((x - &lo).unwrap() * (&hi - x).unwrap()).unwrap()
                    }),
                ),
            ];
            if dtype == DType::F64 {
                // int32 rows do not depend on the float dtype: once.
                builds.push((
                    "i - max(i), int32",
                    Box::new(move || (ints - &kiln::max(ints, rows()).unwrap()).unwrap()),
                ));
            }
            for (name, build) in &builds {
                if shape[last] == 0 {
                    continue; // max over an empty row is an error, not a value
                }
                let what = format!("{name} of {dtype:?} {shape:?}");
                agrees_with_interpreter(&what, build.as_ref(), None);
            }
            if shape[last] > 0 {
                let softmax = move || {
                    let m = kiln::max(x, rows()).unwrap();
                    let e = kiln::exp(&(x - &m).unwrap()).unwrap();
                    (&e / &kiln::sum(&e, rows()).unwrap()).unwrap()
                };
                let one = bits_on_threads(1, &softmax);
                assert_eq!(one, bits_on_threads(2, &softmax), "softmax {shape:?}");
                assert_eq!(one, bits_on_threads(8, &softmax), "softmax {shape:?}");
            }
        }
    }
}

/// i64 values read only to become f32 (`astype(arange(n), float32)`) are loaded four
/// to a vector in an f32 plan, each converted on its own; in an f64 plan (an i64 also
/// used otherwise, or f64 values beside) each lane pair is converted the same way:
/// bit for bit the interpreter's conversion (rounded once) for values at the edges of
/// f32's and f64's integers (ties at 2^25 + 2, 2^53 ± 1, MIN, MAX), in contiguous,
/// strided, broadcast and [N, 1] operands, fused with f32 arithmetic, and summed.
#[test]
fn i64_to_f32_in_f32_lanes_agrees_with_the_interpreter() {
    let mut edges: Vec<i64> = vec![
        i64::MIN,
        i64::MIN + 1,
        i64::MAX,
        i64::MAX - 1,
        0,
        1,
        -1,
        (1 << 24) + 1,
        (1 << 25) + 2,
        (1 << 25) + 6,
        -((1 << 25) + 2),
        (1 << 53) + 1,
        (1 << 53) - 1,
        -(1 << 53) - 1,
        (1 << 62) + (1 << 38) + 1,
        123_456_789_123,
    ];
    edges.extend(data(83, 91).iter().map(|x| (x * 1e15) as i64));
    for n in [0usize, 1, 3, 4, 5, 8, 9, 17, 37, edges.len()] {
        let v: Vec<i64> = edges.iter().cycle().take(n).copied().collect();
        let x = kiln::from_vec(v, [n]).unwrap();
        let y = typed(data(n, 92), &[n], DType::F32);
        let f32_of = |a: &Array| kiln::astype(a, DType::F32).unwrap();
        let cases: Vec<(&str, Build)> = vec![
            ("astype", Box::new(|| f32_of(&x))),
            (
                "astype * 1.5 + y",
                Box::new(|| ((&f32_of(&x) * 1.5).unwrap() + &y).unwrap()),
            ),
            (
                "every other element",
                Box::new(|| f32_of(&x.slice([SliceArg::from(..).step(2)]).unwrap())),
            ),
            (
                "a 0-d i64 beside y",
                Box::new(|| {
                    let s = kiln::from_vec(vec![(1i64 << 25) + 2], []).unwrap();
                    (&f32_of(&s) + &y).unwrap()
                }),
            ),
            (
                "i64 also added in i64",
                Box::new(|| {
                    let z = (&x + &x).unwrap();
                    (&f32_of(&x) + &f32_of(&z)).unwrap()
                }),
            ),
            (
                "beside f64",
                Box::new(|| {
                    let w = kiln::astype(&x, DType::F64).unwrap();
                    (&kiln::astype(&f32_of(&x), DType::F64).unwrap() - &w).unwrap()
                }),
            ),
        ];
        for (what, build) in &cases {
            agrees_with_interpreter(&format!("{what}, n = {n}"), build.as_ref(), None);
        }
        if n > 0 {
            let m = 4.min(n);
            let col = kiln::reshape(
                &x.slice([SliceArg::from(..m as i64)]).unwrap(),
                [m as i64, 1],
            );
            let col = col.unwrap();
            let row = typed(data(37, 93), &[1, 37], DType::F32);
            agrees_with_interpreter(
                &format!("[{m}, 1] i64 column times an f32 row, n = {n}"),
                &|| (&f32_of(&col) * &row).unwrap(),
                None,
            );
            // A float sum is not an exact op: within its accuracy of the interpreter's.
            agrees_with_interpreter(
                &format!("sum, n = {n}"),
                &|| kiln::sum(&(&f32_of(&x) * 1e-12).unwrap(), ()).unwrap(),
                Some(1e-6),
            );
        }
        if n == edges.len() {
            // Row and column reductions and argmax of the converted random values.
            let m = x.slice([SliceArg::from(16..96)]).unwrap();
            let m = kiln::reshape(&m, [8, 10]).unwrap();
            let scaled = || (&f32_of(&m) * 1e-12).unwrap();
            for axis in [0, 1] {
                agrees_with_interpreter(
                    &format!("sum over axis {axis}"),
                    &|| kiln::sum(&scaled(), axis).unwrap(),
                    Some(1e-6),
                );
                agrees_with_interpreter(
                    &format!("argmax over axis {axis}"),
                    &|| kiln::argmax(&f32_of(&m), ReduceOpts::new().axis(axis)).unwrap(),
                    None,
                );
            }
        }
    }
}

/// Floats converted to i32 and i64 in vectors (four f32 lanes to i32 at once, other
/// pairs lane by lane), and to 8/16-bit integers (clamped, then four f32 lanes at
/// once, or two f64 lanes truncated and read from the bits of t + 1.5·2^52):
/// truncated toward zero and saturated, NaN to 0, bit for bit the interpreter's, for
/// values at the edges of the integer ranges (±2^31 and ±2^63 and their neighbours,
/// ±0.5, ±inf, NaN, huge, subnormal, and the data's spread over ±3·10^9), at lengths
/// around the vector steps (odd counts of vectors leave a copy without a partner for
/// the paired narrow stores), from strided and [N, 1] operands, and with arithmetic
/// before and after.
#[test]
fn float_to_int_casts_in_vectors_agree_with_the_interpreter() {
    let mut edges: Vec<f64> = vec![
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        0.5,
        -0.5,
        0.99,
        -1.5,
        2147483647.0,
        2147483647.5,
        2147483648.0,
        -2147483648.0,
        -2147483648.5,
        -2147483649.0,
        9.223372036854775e18,
        9.223372036854776e18,
        -9.223372036854776e18,
        -9.3e18,
        1e300,
        -1e300,
        5e-324,
        16777217.0,
        255.9,
        256.0,
        300.0,
        -1.0,
        -128.7,
        127.5,
        -32768.9,
        65535.5,
        70000.0,
    ];
    edges.extend(data(61, 94).iter().map(|x| x * 3e9));
    edges.extend(data(40, 96).iter().map(|x| x * 300.0));
    let ints = |a: &Array, mode: Mode| -> Vec<i64> {
        a.compute_with(mode).unwrap();
        kiln::astype(a, DType::I64)
            .unwrap()
            .compute_with(Mode::Interpreter)
            .unwrap()
            .to_vec::<i64>()
            .unwrap()
    };
    let targets = [
        DType::I32,
        DType::I64,
        DType::I8,
        DType::U8,
        DType::I16,
        DType::U16,
    ];
    for from in [DType::F32, DType::F64] {
        for to in targets {
            for n in [1usize, 3, 4, 5, 8, 9, 17, edges.len()] {
                let v: Vec<f64> = edges.iter().cycle().take(n).copied().collect();
                let x = typed(v, &[n], from);
                let cases: Vec<(&str, Build)> = vec![
                    ("astype", Box::new(|| kiln::astype(&x, to).unwrap())),
                    (
                        "astype(x * 0.75) + 3",
                        Box::new(|| {
                            let y = kiln::astype(&(&x * 0.75).unwrap(), to).unwrap();
                            (&y + 3i64).unwrap()
                        }),
                    ),
                    (
                        "every other element",
                        Box::new(|| {
                            let y = x.slice([SliceArg::from(..).step(2)]).unwrap();
                            kiln::astype(&y, to).unwrap()
                        }),
                    ),
                    (
                        "beside f64, and back to a float",
                        Box::new(|| {
                            let i = kiln::astype(&x, to).unwrap();
                            let w = kiln::astype(&i, DType::F64).unwrap();
                            let f = kiln::astype(&i, DType::F32).unwrap();
                            let f = kiln::astype(&f, DType::F64).unwrap();
                            let y = (&w + &f).unwrap();
                            kiln::astype(&(&y * 0.5).unwrap(), to).unwrap()
                        }),
                    ),
                    (
                        "compared, then selecting f64",
                        Box::new(|| {
                            let i = kiln::astype(&x, to).unwrap();
                            let big = kiln::greater(&i, 3i64).unwrap();
                            let w = kiln::astype(&x, DType::F64).unwrap();
                            let y = kiln::where_(&big, &w, 0.0).unwrap();
                            kiln::astype(&y, to).unwrap()
                        }),
                    ),
                    (
                        "an [N, 1] column beside a row",
                        Box::new(|| {
                            let col = kiln::reshape(&x, [n as i64, 1]).unwrap();
                            let row = typed(data(37, 95), &[1, 37], from);
                            kiln::astype(&(&col + &row).unwrap(), to).unwrap()
                        }),
                    ),
                ];
                for (what, build) in &cases {
                    let want = ints(&build(), Mode::Interpreter);
                    for mode in [Mode::Fused, Mode::Eager] {
                        let got = ints(&build(), mode);
                        assert_eq!(got, want, "{what}: {from} -> {to}, n = {n} ({mode:?})");
                    }
                }
            }
        }
    }
}

/// A stack or concat along the last axis stores each part at a run-time stride into
/// its result (a complex value's two parts too): those stores are scattered a lane at
/// a time from vectors (`vector::scatter`). Bit for bit the interpreter's, over
/// lengths around the vector widths and unroll, with the parts' shared work, a
/// broadcast head, a transposed part, and parts of another shape beside them.
#[test]
fn stores_at_a_stride_agree_with_the_interpreter() {
    for dtype in [DType::F32, DType::F64] {
        for n in (0..=19).chain([1001]) {
            let x = typed(data(3 * n, 5), &[3, n], dtype);
            let col = typed(data(3, 6), &[3, 1], dtype);
            let a = || (&(&x * 2.0).unwrap() + 1.0).unwrap();
            let cases: Vec<(&str, Build)> = vec![
                (
                    "stack([2x + 1, 2x + 1 - col], -1)",
                    Box::new(|| kiln::stack(&[&a(), &(&a() - &col).unwrap()], -1).unwrap()),
                ),
                (
                    "stack([x, -x, x * x], -1)",
                    Box::new(|| {
                        let neg = kiln::negative(&x).unwrap();
                        kiln::stack(&[&x, &neg, &(&x * &x).unwrap()], -1).unwrap()
                    }),
                ),
                (
                    "stack([x.T, x.T + 1], -1)",
                    Box::new(|| {
                        let t = kiln::permute_dims(&x, [1, 0]).unwrap();
                        kiln::stack(&[&t, &(&t + 1.0).unwrap()], -1).unwrap()
                    }),
                ),
                (
                    "concat([x, col], -1)",
                    Box::new(|| kiln::concat(&[&x, &col], -1).unwrap()),
                ),
            ];
            for (what, build) in &cases {
                agrees_with_interpreter(&format!("{what}, {dtype}[3, {n}]"), build, None);
            }
        }
    }
}

/// A lane's result does not depend on its neighbours: atan2 sends vectors that hold a
/// zero, tiny, infinite or NaN argument to a slower path, which must give the other
/// lanes of those vectors the usual path's bits (and so must the scalar tail).
#[test]
fn atan2_lanes_do_not_depend_on_their_neighbours() {
    let n = 20_003;
    let y: Vec<f64> = data(n, 5).iter().map(|d| d * 4.0 - 2.0).collect();
    let x: Vec<f64> = data(n, 6).iter().map(|d| d * 3.0 - 1.0).collect();
    let specials = [0.0, -0.0, 1e-300, f64::INFINITY, f64::NAN, -1e-310];
    let mut mixed = x.clone();
    for i in (0..n).step_by(3) {
        mixed[i] = specials[(i / 3) % specials.len()];
    }
    for dtype in [DType::F64, DType::F32] {
        let yy = &typed(y.clone(), &[n], dtype);
        let xx = &typed(x.clone(), &[n], dtype);
        let mm = &typed(mixed.clone(), &[n], dtype);
        let plain = bits_in(&|| kiln::atan2(yy, xx).unwrap(), Mode::Fused);
        let got = bits_in(&|| kiln::atan2(yy, mm).unwrap(), Mode::Fused);
        let differ: Vec<usize> = (0..n)
            .filter(|i| i % 3 != 0 && plain[*i] != got[*i])
            .collect();
        assert!(
            differ.is_empty(),
            "{dtype:?}: {} lanes changed with their neighbours, first at {:?}",
            differ.len(),
            &differ[..differ.len().min(5)]
        );
    }
}

/// One Jacobi step on a square grid: the mean of each interior point's four neighbours.
fn jacobi(u: &Array) -> Array {
    let n = u.shape()[0]; // (`1..-1` reads as an empty range to clippy)
    let at = |r: std::ops::Range<usize>, c: std::ops::Range<usize>| u.slice(s![r, c]).unwrap();
    let ns = (&at(0..n - 2, 1..n - 1) + &at(2..n, 1..n - 1)).unwrap();
    let we = (&at(1..n - 1, 0..n - 2) + &at(1..n - 1, 2..n)).unwrap();
    (&(&ns + &we).unwrap() * 0.25).unwrap()
}

/// Time-stepped stencils: each step reads the previous one at several shifted points.
/// Fused without a buffer per step, step k was recomputed 4^k times (ten Jacobi steps
/// on 1000 × 1000 took 5.4 s; the thirty here would not finish); the planner stores a
/// step once recomputing it costs more (ir/src/plan.rs, `mark_points_read_again`).
#[test]
fn time_stepped_stencils_agree_with_the_interpreter() {
    let n = 64;
    let grid = move |steps: usize| {
        let mut u = kiln::from_vec(data(n * n, 7), [n, n]).unwrap();
        for _ in 0..steps {
            u = jacobi(&u);
        }
        u
    };
    // Six steps first, a kernel each (fused into one, they would still finish: this
    // fails rather than hangs if the planner's rule goes).
    let stats = kiln::eval_with(&[&grid(6)], Mode::Fused).unwrap();
    assert_eq!(stats.kernels, 6, "{stats:?}");
    // Thirty: sums of four and a product by 0.25 give the same bits in every mode.
    agrees_with_interpreter("thirty Jacobi steps", &|| grid(30), None);
    // A 1-D three-point smoother of a computed f32 value.
    let m = 2000;
    let smooth = move || {
        let v = typed(data(m, 8), &[m], DType::F32);
        let mut w = kiln::exp(&(&v * 0.5).unwrap()).unwrap();
        for _ in 0..40 {
            let k = w.shape()[0];
            let (a, b, c) = (
                w.slice(s![..k - 2]),
                w.slice(s![1..k - 1]),
                w.slice(s![2..]),
            );
            let sum = (&(&a.unwrap() + &b.unwrap()).unwrap() + &c.unwrap()).unwrap();
            w = (&sum / 3.0).unwrap();
        }
        w
    };
    agrees_with_interpreter(
        "forty three-point smoothings of an exp",
        &smooth,
        Some(1e-6),
    );
}
