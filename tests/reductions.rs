//! Reductions and cumulative operations against naive loops written here (f64
//! accumulation, row-major walks), along every axis subset of 1-d, 2-d and 3-d inputs,
//! on 0-d, empty and size-1 inputs, and the standard's special cases (empty sum 0,
//! empty product 1, empty mean NaN, any false, all true, var NaN without degrees of
//! freedom, max/min/argmax over nothing an error at the building call, NaN propagation,
//! default result dtypes, accuracy and exact integer sums).

use kiln::{Array, CumulativeOpts, DType, Error, IrError, Mode, ReduceOpts};

type Res = kiln::Result<Array>;

// ---------------------------------------------------------------------------------
// Reference machinery
// ---------------------------------------------------------------------------------

/// Complex kernels are not compiled yet, so the complex tests compute in the interpreter
/// and pin the oracle's complex semantics.
fn interp(a: &Array) -> Array {
    a.compute_with(kiln::Mode::Interpreter)
        .expect("interpreter evaluates complex values")
}

/// A deterministic stream of pseudo-random u64 (a 64-bit LCG, high bits).
fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234_5678;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s >> 33
    }
}

/// Floats in [-5, 5] on a 0.005 grid (ties are possible).
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut next = lcg(seed);
    (0..n)
        .map(|_| (next() % 2001) as f64 / 200.0 - 5.0)
        .collect()
}

/// Small integers in -4..=4, so that maxima tie often.
fn small_ints(n: usize, seed: u64) -> Vec<i64> {
    let mut next = lcg(seed);
    (0..n).map(|_| (next() % 9) as i64 - 4).collect()
}

fn size(shape: &[usize]) -> usize {
    shape.iter().product()
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = i % shape[k];
        i /= shape[k];
    }
    idx
}

fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// Every subset of 0..rank, as sorted axis lists.
fn subsets(rank: usize) -> Vec<Vec<usize>> {
    (0..1usize << rank)
        .map(|m| (0..rank).filter(|a| m & (1 << a) != 0).collect())
        .collect()
}

/// The shape of reducing `shape` over `axes`.
fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    (0..shape.len())
        .filter_map(|i| match (axes.contains(&i), keepdims) {
            (false, _) => Some(shape[i]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// The input elements each output position reduces, each group in row-major order of
/// the reduced axes; groups in row-major order of the kept axes.
fn groups<T: Copy>(data: &[T], shape: &[usize], axes: &[usize]) -> Vec<Vec<T>> {
    let out_shape = reduced_shape(shape, axes, false);
    let mut out = vec![Vec::new(); size(&out_shape)];
    for (i, &v) in data.iter().enumerate() {
        let idx = unravel(i, shape);
        let kept: Vec<usize> = (0..shape.len())
            .filter(|a| !axes.contains(a))
            .map(|a| idx[a])
            .collect();
        out[ravel(&kept, &out_shape)].push(v);
    }
    out
}

fn naive_sum(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in v {
        s += x;
    }
    s
}

fn naive_prod(v: &[f64]) -> f64 {
    let mut p = 1.0;
    for &x in v {
        p *= x;
    }
    p
}

fn naive_max(v: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &x in v {
        if x.is_nan() {
            return f64::NAN;
        }
        if x > m {
            m = x;
        }
    }
    m
}

fn naive_min(v: &[f64]) -> f64 {
    -naive_max(&v.iter().map(|x| -x).collect::<Vec<_>>())
}

fn naive_mean(v: &[f64]) -> f64 {
    naive_sum(v) / v.len() as f64
}

fn naive_var(v: &[f64], correction: f64) -> f64 {
    let n = v.len() as f64;
    if n - correction <= 0.0 {
        return f64::NAN;
    }
    let m = naive_mean(v);
    let mut ss = 0.0;
    for &x in v {
        ss += (x - m) * (x - m);
    }
    ss / (n - correction)
}

/// Index of the first element equal to the extreme chosen by `better`.
fn naive_arg<T: Copy>(v: &[T], better: impl Fn(T, T) -> bool) -> i64 {
    let mut best = 0;
    for i in 1..v.len() {
        if better(v[i], v[best]) {
            best = i;
        }
    }
    best as i64
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rtol * b.abs().max(1e-300)
}

fn assert_all_close(got: &[f64], want: &[f64], rtol: f64, ctx: &str) {
    assert_eq!(got.len(), want.len(), "{ctx}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(close(g, w, rtol), "{ctx}: element {i}: got {g}, want {w}");
    }
}

/// The building error of a result that must be one.
fn build_error(r: Res) -> IrError {
    match r {
        Err(Error::Build { source, .. }) => source,
        Err(other) => panic!("expected a building error, got {other:?}"),
        Ok(a) => panic!(
            "expected a building error, got an array of shape {:?}",
            a.shape()
        ),
    }
}

/// The axes as the user might write them: alternately positive and negative.
fn spelled(axes: &[usize], rank: usize, negative: bool) -> Vec<i64> {
    axes.iter()
        .map(|&a| {
            if negative {
                a as i64 - rank as i64
            } else {
                a as i64
            }
        })
        .collect()
}

const SHAPES: [&[usize]; 3] = [&[5], &[3, 4], &[2, 3, 4]];

/// Check a float reduction against `reference` for every shape of `SHAPES`, every
/// subset of axes (positive and negative spellings), no axis, and both keepdims.
fn check_float_reduction(
    name: &str,
    f: impl Fn(&Array, ReduceOpts) -> Res,
    reference: impl Fn(&[f64]) -> f64,
    rtol: f64,
) {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let data = floats(size(shape), seed as u64 + 1);
        let x = kiln::from_vec(data.clone(), *shape).unwrap();
        let rank = shape.len();
        let mut cases: Vec<(Option<Vec<usize>>, bool)> = Vec::new();
        for axes in subsets(rank) {
            cases.push((Some(axes.clone()), false));
            cases.push((Some(axes), true));
        }
        cases.push((None, false));
        for keepdims in [false, true] {
            for (axes, negative) in cases.iter().cloned() {
                let mut opts = ReduceOpts::new().keepdims(keepdims);
                if let Some(a) = &axes {
                    opts = opts.axes(spelled(a, rank, negative));
                }
                let all: Vec<usize> = (0..rank).collect();
                let axes_used = axes.clone().unwrap_or(all);
                let ctx = format!("{name} of {shape:?} over {axes:?} (keepdims {keepdims})");
                let r = f(&x, opts).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(
                    r.shape(),
                    reduced_shape(shape, &axes_used, keepdims),
                    "{ctx}"
                );
                assert_eq!(r.dtype(), DType::F64, "{ctx}");
                let want: Vec<f64> = groups(&data, shape, &axes_used)
                    .iter()
                    .map(|g| reference(g))
                    .collect();
                assert_all_close(&r.to_vec::<f64>().unwrap(), &want, rtol, &ctx);
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Every axis of 1-d, 2-d and 3-d inputs
// ---------------------------------------------------------------------------------

#[test]
fn sum_matches_naive_loop_over_every_axis_subset_with_and_without_keepdims() {
    check_float_reduction("sum", |x, o| kiln::sum(x, o), naive_sum, 1e-12);
}

#[test]
fn prod_matches_naive_loop_over_every_axis_subset_with_and_without_keepdims() {
    check_float_reduction("prod", |x, o| kiln::prod(x, o), naive_prod, 1e-12);
}

#[test]
fn max_matches_naive_loop_over_every_axis_subset_with_and_without_keepdims() {
    check_float_reduction("max", |x, o| kiln::max(x, o), naive_max, 0.0);
}

#[test]
fn min_matches_naive_loop_over_every_axis_subset_with_and_without_keepdims() {
    check_float_reduction("min", |x, o| kiln::min(x, o), naive_min, 0.0);
}

#[test]
fn mean_matches_naive_loop_over_every_axis_subset_with_and_without_keepdims() {
    check_float_reduction("mean", |x, o| kiln::mean(x, o), naive_mean, 1e-12);
}

#[test]
fn var_with_correction_0_matches_two_pass_loop_over_every_axis_subset() {
    check_float_reduction(
        "var",
        |x, o| kiln::var(x, o.correction(0.0)),
        |g| naive_var(g, 0.0),
        1e-10,
    );
}

#[test]
fn var_with_correction_1_matches_two_pass_loop_over_every_axis_subset() {
    check_float_reduction(
        "var",
        |x, o| kiln::var(x, o.correction(1.0)),
        |g| naive_var(g, 1.0),
        1e-10,
    );
}

#[test]
fn std_with_correction_0_is_sqrt_of_population_variance_over_every_axis_subset() {
    check_float_reduction(
        "std",
        |x, o| kiln::std(x, o.correction(0.0)),
        |g| naive_var(g, 0.0).sqrt(),
        1e-10,
    );
}

#[test]
fn std_with_correction_1_is_sqrt_of_sample_variance_over_every_axis_subset() {
    check_float_reduction(
        "std",
        |x, o| kiln::std(x, o.correction(1.0)),
        |g| naive_var(g, 1.0).sqrt(),
        1e-10,
    );
}

#[test]
fn float32_sum_mean_var_match_float64_loops_over_every_axis_subset() {
    let shape = [2, 3, 4];
    let data: Vec<f32> = floats(24, 80).iter().map(|&v| v as f32).collect();
    let wide: Vec<f64> = data.iter().map(|&v| v as f64).collect();
    let x = kiln::from_vec(data, shape).unwrap();
    for axes in subsets(3) {
        let o = ReduceOpts::new().axes(spelled(&axes, 3, true));
        let g = groups(&wide, &shape, &axes);
        let ctx = format!("float32 over {axes:?}");
        for (name, r, f) in [
            (
                "sum",
                kiln::sum(&x, o.clone()),
                naive_sum as fn(&[f64]) -> f64,
            ),
            ("mean", kiln::mean(&x, o.clone()), naive_mean),
            ("var", kiln::var(&x, o.clone()), |g: &[f64]| {
                naive_var(g, 0.0)
            }),
            ("max", kiln::max(&x, o.clone()), naive_max),
        ] {
            let r = r.unwrap();
            assert_eq!(r.dtype(), DType::F32, "{name} {ctx}");
            let got: Vec<f64> = r
                .to_vec::<f32>()
                .unwrap()
                .iter()
                .map(|&v| v as f64)
                .collect();
            let want: Vec<f64> = g.iter().map(|v| f(v)).collect();
            assert_all_close(&got, &want, 1e-5, &format!("{name} {ctx}"));
        }
    }
}

#[test]
fn complex_sum_prod_mean_match_naive_loops() {
    use kiln::Complex64 as C;
    let v = [
        C::new(1.0, 2.0),
        C::new(-0.5, 0.25),
        C::new(3.0, -1.0),
        C::new(0.0, 1.0),
    ];
    let x = kiln::from_vec(v.to_vec(), [2, 2]).unwrap();
    let s = kiln::sum(&x, 1).unwrap();
    assert_eq!(s.dtype(), DType::C128);
    assert_eq!(
        interp(&s).to_vec::<C>().unwrap(),
        vec![v[0] + v[1], v[2] + v[3]]
    );
    let p = kiln::prod(&x, 0).unwrap();
    assert_eq!(
        interp(&p).to_vec::<C>().unwrap(),
        vec![v[0] * v[2], v[1] * v[3]]
    );
    let m = interp(&kiln::mean(&x, ()).unwrap()).item::<C>().unwrap();
    let want = (v[0] + v[1] + v[2] + v[3]) / 4.0;
    assert!((m - want).norm() < 1e-15, "{m} vs {want}");
    let e = kiln::zeros([0], DType::C64).unwrap();
    assert_eq!(
        interp(&kiln::sum(&e, ()).unwrap())
            .item::<kiln::Complex32>()
            .unwrap(),
        kiln::Complex32::new(0.0, 0.0)
    );
    assert_eq!(
        interp(&kiln::prod(&e, ()).unwrap())
            .item::<kiln::Complex32>()
            .unwrap(),
        kiln::Complex32::new(1.0, 0.0)
    );
}

#[test]
fn integer_sum_prod_max_min_equal_naive_loops_exactly_over_every_axis_subset() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let data = small_ints(size(shape), seed as u64 + 10);
        let x = kiln::from_vec(data.clone(), *shape).unwrap();
        for axes in subsets(shape.len()) {
            for keepdims in [false, true] {
                let opts = ReduceOpts::new()
                    .axes(spelled(&axes, 0, false))
                    .keepdims(keepdims);
                let g = groups(&data, shape, &axes);
                let ctx = format!("{shape:?} over {axes:?} keepdims {keepdims}");
                let want_shape = reduced_shape(shape, &axes, keepdims);

                let s = kiln::sum(&x, opts.clone()).unwrap();
                assert_eq!(s.shape(), want_shape, "sum {ctx}");
                let want: Vec<i64> = g.iter().map(|v| v.iter().sum()).collect();
                assert_eq!(s.to_vec::<i64>().unwrap(), want, "sum {ctx}");

                let p = kiln::prod(&x, opts.clone()).unwrap();
                let want: Vec<i64> = g.iter().map(|v| v.iter().product()).collect();
                assert_eq!(p.to_vec::<i64>().unwrap(), want, "prod {ctx}");

                if axes.iter().all(|&a| shape[a] > 0) {
                    let m = kiln::max(&x, opts.clone()).unwrap();
                    let want: Vec<i64> = g.iter().map(|v| *v.iter().max().unwrap()).collect();
                    assert_eq!(m.to_vec::<i64>().unwrap(), want, "max {ctx}");
                    let m = kiln::min(&x, opts.clone()).unwrap();
                    let want: Vec<i64> = g.iter().map(|v| *v.iter().min().unwrap()).collect();
                    assert_eq!(m.to_vec::<i64>().unwrap(), want, "min {ctx}");
                }
            }
        }
    }
}

#[test]
fn any_and_all_match_naive_loops_over_every_axis_subset_for_bool_and_float_input() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        // Mostly-true bools, so that both answers occur along short axes.
        let mut next = lcg(seed as u64 + 20);
        let bools: Vec<bool> = (0..size(shape))
            .map(|_| !next().is_multiple_of(4))
            .collect();
        // Floats with zeros (false) and NaN/inf (true).
        let specials = [0.0, -0.0, 1.5, f64::NAN, f64::INFINITY, 0.0];
        let fl: Vec<f64> = (0..size(shape))
            .map(|_| specials[(next() % 6) as usize])
            .collect();
        let xb = kiln::from_vec(bools.clone(), *shape).unwrap();
        let xf = kiln::from_vec(fl.clone(), *shape).unwrap();
        let fb: Vec<bool> = fl.iter().map(|&v| v != 0.0 || v.is_nan()).collect();
        for axes in subsets(shape.len()) {
            for keepdims in [false, true] {
                let opts = ReduceOpts::new()
                    .axes(spelled(&axes, shape.len(), true))
                    .keepdims(keepdims);
                let ctx = format!("{shape:?} over {axes:?} keepdims {keepdims}");
                for (x, truth) in [(&xb, &bools), (&xf, &fb)] {
                    let g = groups(truth, shape, &axes);
                    let any = kiln::any(x, opts.clone()).unwrap();
                    let all = kiln::all(x, opts.clone()).unwrap();
                    assert_eq!(any.dtype(), DType::Bool);
                    assert_eq!(all.shape(), reduced_shape(shape, &axes, keepdims), "{ctx}");
                    let want_any: Vec<bool> = g.iter().map(|v| v.iter().any(|&b| b)).collect();
                    let want_all: Vec<bool> = g.iter().map(|v| v.iter().all(|&b| b)).collect();
                    assert_eq!(any.to_vec::<bool>().unwrap(), want_any, "any {ctx}");
                    assert_eq!(all.to_vec::<bool>().unwrap(), want_all, "all {ctx}");
                }
            }
        }
    }
}

#[test]
fn argmax_and_argmin_give_first_occurrence_along_every_axis_with_ties() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let data = small_ints(size(shape), seed as u64 + 30);
        let fdata: Vec<f64> = data.iter().map(|&v| v as f64 * 0.5).collect();
        let xi = kiln::from_vec(data.clone(), *shape).unwrap();
        let xf = kiln::from_vec(fdata.clone(), *shape).unwrap();
        let rank = shape.len();
        for axis in 0..rank {
            for keepdims in [false, true] {
                for negative in [false, true] {
                    let a = spelled(&[axis], rank, negative)[0];
                    let opts = ReduceOpts::new().axis(a).keepdims(keepdims);
                    let ctx = format!("{shape:?} axis {a} keepdims {keepdims}");
                    let g = groups(&data, shape, &[axis]);
                    let want_max: Vec<i64> = g.iter().map(|v| naive_arg(v, |a, b| a > b)).collect();
                    let want_min: Vec<i64> = g.iter().map(|v| naive_arg(v, |a, b| a < b)).collect();
                    for x in [&xi, &xf] {
                        let am = kiln::argmax(x, opts.clone()).unwrap();
                        assert_eq!(am.dtype(), DType::I64, "{ctx}");
                        assert_eq!(am.shape(), reduced_shape(shape, &[axis], keepdims), "{ctx}");
                        assert_eq!(am.to_vec::<i64>().unwrap(), want_max, "argmax {ctx}");
                        let an = kiln::argmin(x, opts.clone()).unwrap();
                        assert_eq!(an.to_vec::<i64>().unwrap(), want_min, "argmin {ctx}");
                    }
                }
            }
        }
        // No axis: the index into the flattened array; keepdims keeps every axis as 1.
        let flat_max = naive_arg(&data, |a, b| a > b);
        let flat_min = naive_arg(&data, |a, b| a < b);
        let am = kiln::argmax(&xf, ()).unwrap();
        assert_eq!(am.shape(), &[] as &[usize]);
        assert_eq!(am.item::<i64>().unwrap(), flat_max);
        let an = kiln::argmin(&xi, ReduceOpts::new().keepdims(true)).unwrap();
        assert_eq!(an.shape(), vec![1; rank]);
        assert_eq!(an.item::<i64>().unwrap(), flat_min);
    }
}

#[test]
fn argmax_over_several_axes_is_an_error() {
    let x = kiln::from_vec(floats(12, 3), [3, 4]).unwrap();
    build_error(kiln::argmax(&x, [0, 1]));
    build_error(kiln::argmin(&x, [0, 1]));
}

#[test]
fn reductions_with_several_axes_in_any_order_equal_sorted_axes() {
    let shape = [2, 3, 4];
    let data = floats(24, 40);
    let x = kiln::from_vec(data.clone(), shape).unwrap();
    let want: Vec<f64> = groups(&data, &shape, &[0, 2])
        .iter()
        .map(|g| naive_sum(g))
        .collect();
    for axes in [[2, 0], [-1, 0], [0, -1], [-3, -1]] {
        let r = kiln::sum(&x, axes).unwrap();
        assert_eq!(r.shape(), &[3]);
        assert_all_close(&r.to_vec::<f64>().unwrap(), &want, 1e-12, "sum [0, 2]");
    }
}

#[test]
fn repeated_or_out_of_range_axes_are_building_errors() {
    let x = kiln::from_vec(floats(24, 41), [2, 3, 4]).unwrap();
    assert!(matches!(
        build_error(kiln::sum(&x, [0, 0])),
        IrError::DuplicateAxis { .. }
    ));
    assert!(matches!(
        build_error(kiln::sum(&x, [1, -2])),
        IrError::DuplicateAxis { .. }
    ));
    assert!(matches!(
        build_error(kiln::mean(&x, 3)),
        IrError::Axis { .. }
    ));
    assert!(matches!(
        build_error(kiln::max(&x, -4)),
        IrError::Axis { .. }
    ));
    assert!(matches!(
        build_error(kiln::argmax(&x, 3)),
        IrError::Axis { .. }
    ));
}

// ---------------------------------------------------------------------------------
// Cumulative sums and products
// ---------------------------------------------------------------------------------

/// Naive running op along `axis`; with `initial` the output starts with `identity`.
fn naive_scan<T: Copy>(
    data: &[T],
    shape: &[usize],
    axis: usize,
    initial: bool,
    identity: T,
    op: impl Fn(T, T) -> T,
) -> (Vec<usize>, Vec<T>) {
    let mut out_shape = shape.to_vec();
    out_shape[axis] += initial as usize;
    let out = (0..size(&out_shape))
        .map(|j| {
            let mut idx = unravel(j, &out_shape);
            let terms = idx[axis] + 1 - initial as usize;
            let mut acc = identity;
            for k in 0..terms {
                idx[axis] = k;
                acc = op(acc, data[ravel(&idx, shape)]);
            }
            acc
        })
        .collect();
    (out_shape, out)
}

#[test]
fn cumulative_sum_and_prod_match_naive_running_loops_along_every_axis() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let rank = shape.len();
        let fdata = floats(size(shape), seed as u64 + 50);
        let idata = small_ints(size(shape), seed as u64 + 60);
        let xf = kiln::from_vec(fdata.clone(), *shape).unwrap();
        let xi = kiln::from_vec(idata.clone(), *shape).unwrap();
        for axis in 0..rank {
            for initial in [false, true] {
                for negative in [false, true] {
                    let a = spelled(&[axis], rank, negative)[0];
                    let opts = CumulativeOpts::new().axis(a).include_initial(initial);
                    let ctx = format!("{shape:?} axis {a} include_initial {initial}");

                    let (ws, want) = naive_scan(&fdata, shape, axis, initial, 0.0, |a, b| a + b);
                    let r = kiln::cumulative_sum(&xf, opts.clone()).unwrap();
                    assert_eq!(r.shape(), ws, "cumulative_sum {ctx}");
                    assert_eq!(r.dtype(), DType::F64);
                    assert_all_close(&r.to_vec::<f64>().unwrap(), &want, 1e-12, &ctx);

                    let (_, want) = naive_scan(&fdata, shape, axis, initial, 1.0, |a, b| a * b);
                    let r = kiln::cumulative_prod(&xf, opts.clone()).unwrap();
                    assert_eq!(r.shape(), ws, "cumulative_prod {ctx}");
                    assert_all_close(&r.to_vec::<f64>().unwrap(), &want, 1e-12, &ctx);

                    let (_, want) = naive_scan(&idata, shape, axis, initial, 0, |a, b| a + b);
                    let r = kiln::cumulative_sum(&xi, opts.clone()).unwrap();
                    assert_eq!(r.to_vec::<i64>().unwrap(), want, "int cumulative_sum {ctx}");

                    let (_, want) = naive_scan(&idata, shape, axis, initial, 1, |a, b| a * b);
                    let r = kiln::cumulative_prod(&xi, opts).unwrap();
                    assert_eq!(
                        r.to_vec::<i64>().unwrap(),
                        want,
                        "int cumulative_prod {ctx}"
                    );
                }
            }
        }
    }
}

#[test]
fn cumulative_sum_of_1d_input_needs_no_axis() {
    let x = kiln::asarray([1i32, 2, 3, 4], ()).unwrap();
    let r = kiln::cumulative_sum(&x, ()).unwrap();
    assert_eq!(r.dtype(), DType::I64);
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![1, 3, 6, 10]);
    let r = kiln::cumulative_prod(&x, CumulativeOpts::new().include_initial(true)).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![1, 1, 2, 6, 24]);
}

#[test]
fn cumulative_sum_of_2d_input_without_axis_is_an_error() {
    let x = kiln::ones([2, 3], DType::F64).unwrap();
    build_error(kiln::cumulative_sum(&x, ()));
    build_error(kiln::cumulative_prod(&x, ()));
    assert!(matches!(
        build_error(kiln::cumulative_sum(&x, 2)),
        IrError::Axis { .. }
    ));
}

#[test]
fn cumulative_sum_of_0d_input_is_an_error() {
    // The standard leaves 0-d input unspecified; kiln raises rather than guess.
    let x = kiln::asarray(3.0f64, ()).unwrap();
    build_error(kiln::cumulative_sum(&x, ()));
    build_error(kiln::cumulative_prod(&x, 0));
}

#[test]
fn cumulative_ops_over_empty_axes_keep_shape_and_initial_is_the_identity() {
    let x = kiln::zeros([0], DType::F64).unwrap();
    let r = kiln::cumulative_sum(&x, ()).unwrap();
    assert_eq!(r.shape(), &[0]);
    assert!(r.to_vec::<f64>().unwrap().is_empty());
    let r = kiln::cumulative_sum(&x, CumulativeOpts::new().include_initial(true)).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![0.0]);
    let r = kiln::cumulative_prod(&x, CumulativeOpts::new().include_initial(true)).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![1.0]);

    let y = kiln::zeros([2, 0], DType::I32).unwrap();
    let r = kiln::cumulative_prod(&y, CumulativeOpts::new().axis(1).include_initial(true)).unwrap();
    assert_eq!(r.shape(), &[2, 1]);
    assert_eq!(r.dtype(), DType::I64);
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![1, 1]);
    let r = kiln::cumulative_sum(&y, CumulativeOpts::new().axis(0).include_initial(true)).unwrap();
    assert_eq!(r.shape(), &[3, 0]);
}

#[test]
fn cumulative_sum_of_float32_accumulates_by_successive_float32_adds() {
    // The standard: "as if by successive application of add" in the dtype. 2^24 + 1
    // is not a float32, so adding 1 to 2^24 does nothing at each step.
    let big = 16_777_216.0f32;
    let x = kiln::asarray([big, 1.0, 1.0, 1.0], ()).unwrap();
    let r = kiln::cumulative_sum(&x, ()).unwrap();
    assert_eq!(r.dtype(), DType::F32);
    let mut acc = 0.0f32;
    let want: Vec<f32> = [big, 1.0, 1.0, 1.0]
        .iter()
        .map(|&v| {
            acc += v;
            acc
        })
        .collect();
    assert_eq!(r.to_vec::<f32>().unwrap(), want);
}

// ---------------------------------------------------------------------------------
// 0-d, empty and size-1 inputs
// ---------------------------------------------------------------------------------

#[test]
fn reductions_of_a_0d_array_return_its_value_as_0d() {
    let x = kiln::asarray(2.5f64, ()).unwrap();
    let scalar: &[usize] = &[];
    for (name, r) in [
        ("sum", kiln::sum(&x, ())),
        ("prod", kiln::prod(&x, ())),
        ("max", kiln::max(&x, ())),
        ("min", kiln::min(&x, ())),
        ("mean", kiln::mean(&x, ())),
        (
            "sum keepdims",
            kiln::sum(&x, ReduceOpts::new().keepdims(true)),
        ),
        (
            "sum over no axes",
            kiln::sum(&x, ReduceOpts::new().axes([])),
        ),
    ] {
        let r = r.unwrap();
        assert_eq!(r.shape(), scalar, "{name}");
        assert_eq!(r.item::<f64>().unwrap(), 2.5, "{name}");
    }
    assert_eq!(kiln::var(&x, ()).unwrap().item::<f64>().unwrap(), 0.0);
    assert_eq!(kiln::std(&x, ()).unwrap().item::<f64>().unwrap(), 0.0);
    // One element with correction 1 leaves no degrees of freedom.
    assert!(kiln::var(&x, ReduceOpts::new().correction(1.0))
        .unwrap()
        .item::<f64>()
        .unwrap()
        .is_nan());
    assert!(kiln::any(&x, ()).unwrap().item::<bool>().unwrap());
    assert!(kiln::all(&x, ()).unwrap().item::<bool>().unwrap());
    let am = kiln::argmax(&x, ()).unwrap();
    assert_eq!(am.shape(), scalar);
    assert_eq!(am.item::<i64>().unwrap(), 0);
    let an = kiln::argmin(&x, ReduceOpts::new().keepdims(true)).unwrap();
    assert_eq!(an.shape(), scalar);
    assert_eq!(an.item::<i64>().unwrap(), 0);
    let z = kiln::asarray(0i8, ()).unwrap();
    let s = kiln::sum(&z, ()).unwrap();
    assert_eq!(s.dtype(), DType::I64);
    assert_eq!(s.item::<i64>().unwrap(), 0);
    assert!(!kiln::any(&z, ()).unwrap().item::<bool>().unwrap());
}

#[test]
fn reducing_axis_0_of_a_0d_array_is_an_axis_error() {
    let x = kiln::asarray(1.0f64, ()).unwrap();
    assert!(matches!(
        build_error(kiln::sum(&x, 0)),
        IrError::Axis { .. }
    ));
    assert!(matches!(
        build_error(kiln::argmax(&x, -1)),
        IrError::Axis { .. }
    ));
}

#[test]
fn sum_prod_mean_any_all_var_of_shape_0_give_the_standards_empty_values() {
    let x = kiln::zeros([0], DType::F64).unwrap();
    for keepdims in [false, true] {
        let o = ReduceOpts::new().keepdims(keepdims);
        let want_shape: &[usize] = if keepdims { &[1] } else { &[] };
        let s = kiln::sum(&x, o.clone()).unwrap();
        assert_eq!(s.shape(), want_shape);
        let s = s.item::<f64>().unwrap();
        assert_eq!(s, 0.0);
        assert!(s.is_sign_positive(), "the empty sum is +0");
        assert_eq!(
            kiln::prod(&x, o.clone()).unwrap().item::<f64>().unwrap(),
            1.0
        );
        assert!(kiln::mean(&x, o.clone())
            .unwrap()
            .item::<f64>()
            .unwrap()
            .is_nan());
        assert!(!kiln::any(&x, o.clone()).unwrap().item::<bool>().unwrap());
        assert!(kiln::all(&x, o.clone()).unwrap().item::<bool>().unwrap());
        assert!(kiln::var(&x, o.clone())
            .unwrap()
            .item::<f64>()
            .unwrap()
            .is_nan());
        assert!(kiln::std(&x, o.clone())
            .unwrap()
            .item::<f64>()
            .unwrap()
            .is_nan());
    }
    // Integers and bools too.
    let xi = kiln::zeros([0], DType::I32).unwrap();
    assert_eq!(kiln::sum(&xi, ()).unwrap().item::<i64>().unwrap(), 0);
    assert_eq!(kiln::prod(&xi, ()).unwrap().item::<i64>().unwrap(), 1);
    let xb = kiln::zeros([0], DType::Bool).unwrap();
    assert!(!kiln::any(&xb, ()).unwrap().item::<bool>().unwrap());
    assert!(kiln::all(&xb, ()).unwrap().item::<bool>().unwrap());
}

#[test]
fn reducing_shape_0_by_3_over_axis_0_gives_three_empty_reductions() {
    let x = kiln::zeros([0, 3], DType::F32).unwrap();
    let s = kiln::sum(&x, 0).unwrap();
    assert_eq!(s.shape(), &[3]);
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![0.0; 3]);
    let p = kiln::prod(&x, ReduceOpts::new().axis(0).keepdims(true)).unwrap();
    assert_eq!(p.shape(), &[1, 3]);
    assert_eq!(p.to_vec::<f32>().unwrap(), vec![1.0; 3]);
    let m = kiln::mean(&x, 0).unwrap().to_vec::<f32>().unwrap();
    assert!(m.len() == 3 && m.iter().all(|v| v.is_nan()));
    let v = kiln::var(&x, 0).unwrap().to_vec::<f32>().unwrap();
    assert!(v.len() == 3 && v.iter().all(|v| v.is_nan()));
    assert_eq!(
        kiln::any(&x, 0).unwrap().to_vec::<bool>().unwrap(),
        vec![false; 3]
    );
    assert_eq!(
        kiln::all(&x, 0).unwrap().to_vec::<bool>().unwrap(),
        vec![true; 3]
    );
}

#[test]
fn reducing_shape_0_by_3_over_axis_1_gives_an_empty_result_without_error() {
    // Three elements per row, zero rows: even max has elements to reduce.
    let x = kiln::zeros([0, 3], DType::F64).unwrap();
    for (name, r) in [
        ("sum", kiln::sum(&x, 1)),
        ("prod", kiln::prod(&x, 1)),
        ("max", kiln::max(&x, 1)),
        ("min", kiln::min(&x, -1)),
        ("mean", kiln::mean(&x, 1)),
        ("var", kiln::var(&x, 1)),
        ("argmax", kiln::argmax(&x, 1)),
        ("argmin", kiln::argmin(&x, 1)),
    ] {
        let r = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.shape(), &[0], "{name}");
        r.compute().unwrap();
        assert_eq!(r.size(), 0);
    }
    let r = kiln::max(&x, ReduceOpts::new().axis(1).keepdims(true)).unwrap();
    assert_eq!(r.shape(), &[0, 1]);
    assert!(r.to_vec::<f64>().unwrap().is_empty());
}

#[test]
fn reducing_shape_3_by_0_over_axis_1_gives_identities_per_row() {
    let x = kiln::zeros([3, 0], DType::I64).unwrap();
    assert_eq!(
        kiln::sum(&x, 1).unwrap().to_vec::<i64>().unwrap(),
        vec![0; 3]
    );
    assert_eq!(
        kiln::prod(&x, 1).unwrap().to_vec::<i64>().unwrap(),
        vec![1; 3]
    );
    assert_eq!(
        kiln::all(&x, 1).unwrap().to_vec::<bool>().unwrap(),
        vec![true; 3]
    );
    assert_eq!(
        kiln::any(&x, 1).unwrap().to_vec::<bool>().unwrap(),
        vec![false; 3]
    );
    // Over both axes: one empty reduction.
    assert_eq!(kiln::sum(&x, ()).unwrap().item::<i64>().unwrap(), 0);
}

#[test]
fn max_min_argmax_argmin_over_zero_elements_are_errors_at_the_building_call() {
    let cases: [(&[usize], Option<i64>); 5] = [
        (&[0], None),
        (&[0], Some(0)),
        (&[0, 3], Some(0)),
        (&[3, 0], Some(1)),
        (&[3, 0], None),
    ];
    for (shape, axis) in cases {
        let x = kiln::zeros(shape, DType::F64).unwrap();
        let opts = ReduceOpts::from(axis);
        for (name, r) in [
            ("max", kiln::max(&x, opts.clone())),
            ("min", kiln::min(&x, opts.clone())),
            ("argmax", kiln::argmax(&x, opts.clone())),
            ("argmin", kiln::argmin(&x, opts.clone())),
        ] {
            let e = build_error(r);
            assert!(
                matches!(e, IrError::EmptyReduction { .. }),
                "{name} of {shape:?} over {axis:?}: {e}"
            );
            assert_eq!(e.func(), name);
        }
    }
}

#[test]
fn var_and_std_are_nan_when_n_minus_correction_is_not_positive() {
    let x = kiln::asarray([1.0f64, 3.0], ()).unwrap();
    for c in [2.0, 3.0, 2.5] {
        let o = ReduceOpts::new().correction(c);
        assert!(
            kiln::var(&x, o.clone())
                .unwrap()
                .item::<f64>()
                .unwrap()
                .is_nan(),
            "{c}"
        );
        assert!(
            kiln::std(&x, o).unwrap().item::<f64>().unwrap().is_nan(),
            "{c}"
        );
    }
    // A fractional correction below N divides by N - correction.
    let v = kiln::var(&x, ReduceOpts::new().correction(1.5)).unwrap();
    assert_eq!(v.item::<f64>().unwrap(), 2.0 / 0.5);
    // Per row: a size-1 axis with correction 1 is NaN in every row.
    let y = kiln::asarray([[1.0f64], [2.0], [3.0]], ()).unwrap();
    let v = kiln::var(&y, ReduceOpts::new().axis(1).correction(1.0)).unwrap();
    assert!(v.to_vec::<f64>().unwrap().iter().all(|v| v.is_nan()));
}

#[test]
fn reducing_size_1_axes_returns_the_input_values() {
    let data = floats(4, 70);
    let x = kiln::from_vec(data.clone(), [1, 4, 1]).unwrap();
    for (name, r) in [
        ("sum", kiln::sum(&x, [0, 2])),
        ("prod", kiln::prod(&x, [0, 2])),
        ("max", kiln::max(&x, [0, -1])),
        ("min", kiln::min(&x, [0, 2])),
        ("mean", kiln::mean(&x, [2, 0])),
    ] {
        let r = r.unwrap();
        assert_eq!(r.shape(), &[4], "{name}");
        assert_eq!(r.to_vec::<f64>().unwrap(), data, "{name}");
    }
    let v = kiln::var(&x, ReduceOpts::new().axes([0, 2]).keepdims(true)).unwrap();
    assert_eq!(v.shape(), &[1, 4, 1]);
    assert_eq!(v.to_vec::<f64>().unwrap(), vec![0.0; 4]);
    let a = kiln::argmax(&x, 2).unwrap();
    assert_eq!(a.shape(), &[1, 4]);
    assert_eq!(a.to_vec::<i64>().unwrap(), vec![0; 4]);
    let s = kiln::sum(&x, 1).unwrap();
    assert_eq!(s.shape(), &[1, 1]);
    assert_all_close(
        &s.to_vec::<f64>().unwrap(),
        &[naive_sum(&data)],
        1e-12,
        "sum axis 1",
    );
}

// ---------------------------------------------------------------------------------
// Result dtypes
// ---------------------------------------------------------------------------------

#[test]
fn sum_prod_and_cumulative_sum_widen_small_integers_to_64_bits_of_the_same_signedness() {
    let cases = [
        (DType::I8, DType::I64),
        (DType::I16, DType::I64),
        (DType::I32, DType::I64),
        (DType::I64, DType::I64),
        (DType::U8, DType::U64),
        (DType::U16, DType::U64),
        (DType::U32, DType::U64),
        (DType::U64, DType::U64),
        (DType::F32, DType::F32),
        (DType::F64, DType::F64),
        (DType::C64, DType::C64),
    ];
    for (from, to) in cases {
        let x = kiln::ones([2, 3], from).unwrap();
        assert_eq!(kiln::sum(&x, ()).unwrap().dtype(), to, "sum of {from}");
        assert_eq!(kiln::prod(&x, 1).unwrap().dtype(), to, "prod of {from}");
        assert_eq!(
            kiln::cumulative_sum(&x, 0).unwrap().dtype(),
            to,
            "cumsum {from}"
        );
        assert_eq!(
            kiln::cumulative_prod(&x, 1).unwrap().dtype(),
            to,
            "cumprod {from}"
        );
    }
}

#[test]
fn sum_of_int8_is_int64_and_does_not_overflow_int8() {
    let x = kiln::asarray([100i8, 100, 100, -128, -128], ()).unwrap();
    let s = kiln::sum(&x, ()).unwrap();
    assert_eq!(s.dtype(), DType::I64);
    assert_eq!(s.item::<i64>().unwrap(), 100 + 100 + 100 - 128 - 128);
    let x = kiln::asarray([60_000u16, 60_000, 60_000], ()).unwrap();
    let s = kiln::sum(&x, ()).unwrap();
    assert_eq!(s.dtype(), DType::U64);
    assert_eq!(s.item::<u64>().unwrap(), 180_000);
    let p = kiln::prod(&x, ()).unwrap();
    assert_eq!(p.item::<u64>().unwrap(), 60_000u64 * 60_000 * 60_000);
}

#[test]
fn max_min_mean_var_keep_the_input_dtype_and_arg_reductions_give_int64() {
    for d in [DType::I8, DType::U16, DType::I32, DType::F32, DType::F64] {
        let x = kiln::ones([3, 2], d).unwrap();
        assert_eq!(kiln::max(&x, 0).unwrap().dtype(), d);
        assert_eq!(kiln::min(&x, ()).unwrap().dtype(), d);
        assert_eq!(kiln::argmax(&x, 1).unwrap().dtype(), DType::I64);
        assert_eq!(kiln::argmin(&x, ()).unwrap().dtype(), DType::I64);
        assert_eq!(kiln::any(&x, ()).unwrap().dtype(), DType::Bool);
        assert_eq!(kiln::all(&x, 0).unwrap().dtype(), DType::Bool);
    }
    for d in [DType::F32, DType::F64] {
        let x = kiln::ones([3, 2], d).unwrap();
        assert_eq!(kiln::mean(&x, 0).unwrap().dtype(), d);
        assert_eq!(kiln::var(&x, 0).unwrap().dtype(), d);
        assert_eq!(kiln::std(&x, ()).unwrap().dtype(), d);
    }
    // int8 max stays int8 with the right value.
    let x = kiln::asarray([-5i8, 127, 3], ()).unwrap();
    assert_eq!(kiln::max(&x, ()).unwrap().item::<i8>().unwrap(), 127);
    assert_eq!(kiln::min(&x, ()).unwrap().item::<i8>().unwrap(), -5);
}

#[test]
fn mean_of_integers_is_a_dtype_error() {
    let x = kiln::asarray([1i64, 2, 3], ()).unwrap();
    assert!(matches!(
        build_error(kiln::mean(&x, ())),
        IrError::DType { .. }
    ));
    assert!(matches!(
        build_error(kiln::var(&x, ())),
        IrError::DType { .. }
    ));
}

#[test]
fn dtype_option_sets_the_result_dtype_of_sum_prod_and_cumulative_ops() {
    let x = kiln::asarray([0.1f32, 0.2, 0.3], ()).unwrap();
    let s = kiln::sum(&x, ReduceOpts::new().dtype(DType::F64)).unwrap();
    assert_eq!(s.dtype(), DType::F64);
    // The input is cast first: the float32 values, summed in float64.
    let want = 0.1f32 as f64 + 0.2f32 as f64 + 0.3f32 as f64;
    assert!(close(s.item::<f64>().unwrap(), want, 1e-15));

    let xi = kiln::asarray([[3i32, 4], [5, 6]], ()).unwrap();
    let s = kiln::sum(&xi, ReduceOpts::new().axis(0).dtype(DType::F32)).unwrap();
    assert_eq!(s.dtype(), DType::F32);
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![8.0, 10.0]);
    let s = kiln::sum(&xi, ReduceOpts::new().dtype(DType::I16)).unwrap();
    assert_eq!(s.dtype(), DType::I16);
    assert_eq!(s.item::<i16>().unwrap(), 18);
    let p = kiln::prod(&xi, ReduceOpts::new().axis(1).dtype(DType::U8)).unwrap();
    assert_eq!(p.dtype(), DType::U8);
    assert_eq!(p.to_vec::<u8>().unwrap(), vec![12, 30]);

    let c = kiln::cumulative_sum(&xi, CumulativeOpts::new().axis(1).dtype(DType::F64)).unwrap();
    assert_eq!(c.dtype(), DType::F64);
    assert_eq!(c.to_vec::<f64>().unwrap(), vec![3.0, 7.0, 5.0, 11.0]);
    let c = kiln::cumulative_prod(&xi, CumulativeOpts::new().axis(0).dtype(DType::I32)).unwrap();
    assert_eq!(c.dtype(), DType::I32);
    assert_eq!(c.to_vec::<i32>().unwrap(), vec![3, 4, 15, 24]);
}

#[test]
fn options_a_reduction_does_not_take_are_errors() {
    let x = kiln::ones([3], DType::F64).unwrap();
    build_error(kiln::max(&x, ReduceOpts::new().dtype(DType::F32)));
    build_error(kiln::mean(&x, ReduceOpts::new().dtype(DType::F32)));
    build_error(kiln::sum(&x, ReduceOpts::new().correction(1.0)));
    build_error(kiln::argmax(&x, ReduceOpts::new().correction(1.0)));
}

// ---------------------------------------------------------------------------------
// NaN
// ---------------------------------------------------------------------------------

#[test]
fn max_and_min_propagate_nan_wherever_it_is_in_the_row() {
    let nan = f64::NAN;
    for pos in 0..4 {
        let mut v = vec![1.0, -2.0, 7.5, 3.0];
        v[pos] = nan;
        let x = kiln::from_vec(v.clone(), [4]).unwrap();
        assert!(
            kiln::max(&x, ()).unwrap().item::<f64>().unwrap().is_nan(),
            "NaN at {pos}"
        );
        assert!(
            kiln::min(&x, ()).unwrap().item::<f64>().unwrap().is_nan(),
            "NaN at {pos}"
        );
        let x32 = kiln::from_vec(v.iter().map(|&a| a as f32).collect(), [4]).unwrap();
        assert!(kiln::max(&x32, 0).unwrap().item::<f32>().unwrap().is_nan());
        assert!(kiln::min(&x32, 0).unwrap().item::<f32>().unwrap().is_nan());
    }
    // Only rows holding a NaN become NaN.
    let x = kiln::asarray([[1.0, nan, 3.0], [4.0, 5.0, 6.0]], ()).unwrap();
    let m = kiln::max(&x, 1).unwrap().to_vec::<f64>().unwrap();
    assert!(m[0].is_nan());
    assert_eq!(m[1], 6.0);
    let m = kiln::min(&x, 0).unwrap().to_vec::<f64>().unwrap();
    assert_eq!(m[0], 1.0);
    assert!(m[1].is_nan());
    assert_eq!(m[2], 3.0);
}

#[test]
fn sum_mean_var_propagate_nan() {
    let x = kiln::asarray([[1.0f64, f64::NAN], [2.0, 3.0]], ()).unwrap();
    let s = kiln::sum(&x, 1).unwrap().to_vec::<f64>().unwrap();
    assert!(s[0].is_nan());
    assert_eq!(s[1], 5.0);
    assert!(kiln::mean(&x, ()).unwrap().item::<f64>().unwrap().is_nan());
    assert!(kiln::var(&x, ()).unwrap().item::<f64>().unwrap().is_nan());
    assert!(kiln::prod(&x, ()).unwrap().item::<f64>().unwrap().is_nan());
}

#[test]
fn infinities_reduce_as_ieee_arithmetic_says() {
    let inf = f64::INFINITY;
    let x = kiln::asarray([inf, 1.0, -inf], ()).unwrap();
    assert!(kiln::sum(&x, ()).unwrap().item::<f64>().unwrap().is_nan());
    assert_eq!(kiln::max(&x, ()).unwrap().item::<f64>().unwrap(), inf);
    assert_eq!(kiln::min(&x, ()).unwrap().item::<f64>().unwrap(), -inf);
    assert_eq!(kiln::argmax(&x, ()).unwrap().item::<i64>().unwrap(), 0);
    assert_eq!(kiln::argmin(&x, ()).unwrap().item::<i64>().unwrap(), 2);
}

// ---------------------------------------------------------------------------------
// Accuracy and exactness
// ---------------------------------------------------------------------------------

#[test]
fn sum_of_ten_million_float32_tenths_is_within_1e_3_of_a_million() {
    const N: usize = 10_000_000;
    let x = kiln::full([N], 0.1f32, DType::F32).unwrap();
    let s = kiln::sum(&x, ()).unwrap();
    assert_eq!(s.dtype(), DType::F32);
    let got = s.item::<f32>().unwrap() as f64;
    assert!(
        ((got - 1e6) / 1e6).abs() < 1e-3,
        "sum of {N} float32 0.1 = {got}"
    );
    // The bound is meaningful: naive float32 accumulation misses it by far.
    let mut naive = 0.0f32;
    for _ in 0..N {
        naive += 0.1f32;
    }
    assert!(
        ((naive as f64 - 1e6) / 1e6).abs() > 1e-2,
        "naive gave {naive}"
    );

    let m = kiln::mean(&x, ()).unwrap().item::<f32>().unwrap() as f64;
    assert!(((m - 0.1) / 0.1).abs() < 1e-3, "mean = {m}");
}

#[test]
fn var_of_values_with_a_large_offset_is_exact_in_two_passes() {
    // Sum of squares minus square of sum would lose every digit here.
    let x = kiln::asarray([1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0, 1e9 + 4.0], ()).unwrap();
    assert_eq!(kiln::var(&x, ()).unwrap().item::<f64>().unwrap(), 1.25);
    let x32 = kiln::asarray([1e4f32 + 1.0, 1e4 + 2.0, 1e4 + 3.0, 1e4 + 4.0], ()).unwrap();
    let v = kiln::var(&x32, ReduceOpts::new().correction(1.0)).unwrap();
    assert!(close(v.item::<f32>().unwrap() as f64, 5.0 / 3.0, 1e-6));
}

#[test]
fn integer_sums_are_exact_beyond_the_float64_mantissa() {
    // Above 2^53 float64 cannot hold odd neighbours: any float accumulation would fail.
    let big = 1i64 << 60;
    let v = [big + 1, big + 3, 5, -(big - 7), 11];
    let x = kiln::asarray(v, ()).unwrap();
    let want: i64 = v.iter().sum();
    assert_eq!(kiln::sum(&x, ()).unwrap().item::<i64>().unwrap(), want);

    let u = [(1u64 << 63) + 1, (1u64 << 62) + 3, 7];
    let x = kiln::asarray(u, ()).unwrap();
    assert_eq!(
        kiln::sum(&x, ()).unwrap().item::<u64>().unwrap(),
        u.iter().sum::<u64>()
    );

    // int32 extremes sum in int64 without overflow.
    let x = kiln::asarray([i32::MAX, i32::MAX, i32::MAX, i32::MIN], ()).unwrap();
    assert_eq!(
        kiln::sum(&x, ()).unwrap().item::<i64>().unwrap(),
        3 * i32::MAX as i64 + i32::MIN as i64
    );
    let x = kiln::asarray([u32::MAX; 5], ()).unwrap();
    assert_eq!(
        kiln::sum(&x, ()).unwrap().item::<u64>().unwrap(),
        5 * u32::MAX as u64
    );

    // A long sum of large odd values, per axis.
    let mut next = lcg(99);
    let data: Vec<i64> = (0..3 * 1000).map(|_| ((next() as i64) << 20) | 1).collect();
    let x = kiln::from_vec(data.clone(), [3, 1000]).unwrap();
    let want: Vec<i64> = groups(&data, &[3, 1000], &[1])
        .iter()
        .map(|g| g.iter().fold(0i64, |a, &b| a.wrapping_add(b)))
        .collect();
    assert_eq!(kiln::sum(&x, 1).unwrap().to_vec::<i64>().unwrap(), want);
    let c = kiln::cumulative_sum(&x, 1)
        .unwrap()
        .to_vec::<i64>()
        .unwrap();
    assert_eq!(c[999], want[0]);
    assert_eq!(c[2999], want[2]);
}

#[test]
fn float_sums_are_bitwise_reproducible_across_separate_graphs() {
    let data: Vec<f32> = floats(10_007, 123)
        .iter()
        .map(|&v| v as f32 * 1.1)
        .collect();
    let a = kiln::from_vec(data.clone(), [10_007]).unwrap();
    let b = kiln::from_vec(data, [10_007]).unwrap();
    let sa = kiln::sum(&a, ()).unwrap().item::<f32>().unwrap();
    let sb = kiln::sum(&b, ()).unwrap().item::<f32>().unwrap();
    assert_eq!(sa.to_bits(), sb.to_bits());
}

/// Max and min of `v` in `mode`, as f64 bits (f32 values widened exactly).
fn extremes_bits(v: &[f64], f32s: bool, mode: Mode) -> (u64, u64) {
    let x = if f32s {
        kiln::from_vec(v.iter().map(|&a| a as f32).collect::<Vec<_>>(), [v.len()]).unwrap()
    } else {
        kiln::from_vec(v.to_vec(), [v.len()]).unwrap()
    };
    let get = |a: Array| {
        let a = kiln::astype(&a, DType::F64).unwrap();
        a.compute_with(mode)
            .unwrap()
            .item::<f64>()
            .unwrap()
            .to_bits()
    };
    (
        get(kiln::max(&x, ()).unwrap()),
        get(kiln::min(&x, ()).unwrap()),
    )
}

#[test]
fn max_and_min_in_vector_loops_keep_nans_and_signed_zeros() {
    // Lengths that fill several unrolled vector iterations plus a scalar tail, with the
    // special value in every position (the compiled kernels keep NaNs apart from the
    // max/min lanes, and pick between equal zeros by their bits).
    for f32s in [false, true] {
        for mode in [Mode::Fused, Mode::Eager, Mode::Interpreter] {
            for n in [1usize, 7, 8, 9, 16, 17, 33, 100] {
                for pos in 0..n {
                    let mut v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
                    v[pos] = f64::NAN;
                    let (max, min) = extremes_bits(&v, f32s, mode);
                    assert!(
                        f64::from_bits(max).is_nan() && f64::from_bits(min).is_nan(),
                        "{mode:?} f32={f32s} n={n}: NaN at {pos} lost"
                    );
                    // All zeros: +0 in one place (max is +0, min -0), then -0 in one
                    // place (max +0, min -0); all -0 (both -0); all +0 (both +0).
                    let mut z = vec![-0.0; n];
                    z[pos] = 0.0;
                    let want_min = if n > 1 { (-0.0f64).to_bits() } else { 0 };
                    assert_eq!(
                        extremes_bits(&z, f32s, mode),
                        (0.0f64.to_bits(), want_min),
                        "{mode:?} f32={f32s} n={n}: +0 at {pos}"
                    );
                    let mut z = vec![0.0; n];
                    z[pos] = -0.0;
                    let want_max = if n > 1 { 0 } else { (-0.0f64).to_bits() };
                    assert_eq!(
                        extremes_bits(&z, f32s, mode),
                        (want_max, (-0.0f64).to_bits()),
                        "{mode:?} f32={f32s} n={n}: -0 at {pos}"
                    );
                    // The largest and smallest finite values where they stand.
                    let mut w: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
                    w[pos] = 5.0;
                    w[n - 1 - pos] = -5.0;
                    if n > 1 && pos != n - 1 - pos {
                        assert_eq!(
                            extremes_bits(&w, f32s, mode),
                            (5.0f64.to_bits(), (-5.0f64).to_bits()),
                            "{mode:?} f32={f32s} n={n}: extremes at {pos}"
                        );
                    }
                }
            }
        }
    }
}
