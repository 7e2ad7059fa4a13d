//! Common array patterns beyond the standard workloads, timed in fused mode: reductions
//! over each axis of a matrix, centring by column means, row argmax, a transposed
//! operand, a transcendental elementwise and under a row sum, running sums along
//! each axis, kernels mixing dtypes (f32 data computed in f64, comparisons stored
//! as bools, a `linspace` grid, integers converted to floats), integer kernels,
//! gathers (`take` of rows, `mask_select`), powers, a Gram product (`x.T @ x`), a float32
//! norm, a 5-point stencil of slices and ten time steps of one, pairwise distances and
//! an outer-difference kernel by broadcasting, normalisations by column sums and row
//! norms, matrix-vector products, a softmax over columns, nested `where` and an f64 ×
//! f32 product; then every transcendental elementwise function alone, in f64 and f32
//! (`FUNCTIONS`). Each time covers building and computing. `benches/python/patterns.py`
//! runs this next to NumPy on the same data.
//!
//! `cargo run --release --example patterns -- [--reps N] [--json]`
//!
//! The input is a 4000 × 2500 matrix, x[i] = ((i · 7919) mod 1000) / 1000 in C order,
//! as float64 and as float32, and trunc(1000 x) as int32. The functions read u = 0.05 +
//! 0.9 x (inside every domain; acosh reads 1 + 4u), computed before the timing.

use kiln::{s, Array, CumulativeOpts, DType, Mode, ReduceOpts, SortOpts};
use std::time::Instant;

const ROWS: usize = 4000;
const COLS: usize = 2500;

/// A pattern of the f64 matrix, its f32 copy and an i32 matrix (`trunc(1000 x)`).
type Pattern = (
    &'static str,
    fn(&Array, &Array, &Array) -> kiln::Result<Array>,
);

fn patterns() -> Vec<Pattern> {
    vec![
        ("sum axis 1, f64", |x, _, _| kiln::sum(x, 1)),
        ("sum axis 0, f64", |x, _, _| kiln::sum(x, 0)),
        ("sum axis 0, f32", |_, y, _| kiln::sum(y, 0)),
        ("x - mean(x, axis 0), f64", |x, _, _| {
            x - &kiln::mean(x, ReduceOpts::new().axis(0).keepdims(true))?
        }),
        ("var axis 0, f64", |x, _, _| kiln::var(x, 0)),
        ("var axis 1, f64", |x, _, _| kiln::var(x, 1)),
        ("prod(1 + x / 4000, axis 0), f64", |x, _, _| {
            kiln::prod(&(&(x / 4000.0)? + 1.0)?, 0)
        }),
        ("prod(1 + x / 4000, axis 1), f64", |x, _, _| {
            kiln::prod(&(&(x / 4000.0)? + 1.0)?, 1)
        }),
        ("max axis 0, f32", |_, y, _| kiln::max(y, 0)),
        ("argmax axis 1, f32", |_, y, _| {
            kiln::argmax(y, ReduceOpts::new().axis(1))
        }),
        ("argmax axis 0, f32", |_, y, _| {
            kiln::argmax(y, ReduceOpts::new().axis(0))
        }),
        ("x.T + 1, f64", |x, _, _| &kiln::matrix_transpose(x)? + 1.0),
        ("exp(x.T), f32", |_, y, _| {
            kiln::exp(&kiln::matrix_transpose(y)?)
        }),
        ("exp(x), f32", |_, y, _| kiln::exp(y)),
        ("sum(exp(x), axis 1), f32", |_, y, _| {
            kiln::sum(&kiln::exp(y)?, 1)
        }),
        ("cumulative_sum axis 0, f64", |x, _, _| {
            kiln::cumulative_sum(x, CumulativeOpts::new().axis(0))
        }),
        ("cumulative_sum axis 1, f64", |x, _, _| {
            kiln::cumulative_sum(x, CumulativeOpts::new().axis(1))
        }),
        ("exp(astype(x, f64)) of f32", |_, y, _| {
            kiln::exp(&kiln::astype(y, DType::F64)?)
        }),
        ("astype(exp(x), f32) of f64", |x, _, _| {
            kiln::astype(&kiln::exp(x)?, DType::F32)
        }),
        ("x > 0.5 into bools, f32", |_, y, _| kiln::greater(y, 0.5)),
        ("astype(x * 255, uint8), f64", |x, _, _| {
            kiln::astype(&(x * 255.0)?, DType::U8)
        }),
        ("astype(x * 255, uint8), f32", |_, y, _| {
            kiln::astype(&(y * 255.0)?, DType::U8)
        }),
        ("exp(-linspace(0, 4, n)), f32", |_, y, _| {
            let n = y.shape().iter().product();
            kiln::exp(&(-&kiln::linspace(0.0, 4.0, n, true, DType::F32)?)?)
        }),
        ("exp(astype(i, f32) * 1e-3) of i32", |_, _, z| {
            kiln::exp(&(kiln::astype(z, DType::F32)? * 1e-3)?)
        }),
        ("sum, i32", |_, _, z| kiln::sum(z, ())),
        ("max axis 1, i32", |_, _, z| kiln::max(z, 1)),
        ("argmax axis 1, i32", |_, _, z| {
            kiln::argmax(z, ReduceOpts::new().axis(1))
        }),
        ("where(z > 500, z, 0), i32", |_, _, z| {
            kiln::where_(&kiln::greater(z, 500)?, z, 0)
        }),
        ("floor_divide(z, 7), i32", |_, _, z| {
            kiln::floor_divide(z, 7)
        }),
        ("count_nonzero(z % 7, axis 0), i32", |_, _, z| {
            kiln::count_nonzero(&kiln::remainder(z, 7)?, 0)
        }),
        ("take rows (sum(z, 1) % 4000), f64", |x, _, z| {
            let rows = kiln::remainder(&kiln::sum(z, 1)?, 4000)?;
            kiln::take(x, &rows, 0)
        }),
        ("take(ravel(x), i * 7919 % n), f64", |x, _, _| {
            let n = x.shape().iter().product::<usize>() as i64;
            let idx = kiln::remainder(&(kiln::arange(0, n, 1, DType::I64)? * 7919)?, n)?;
            kiln::take(&kiln::reshape(x, [-1])?, &idx, ())
        }),
        ("take_along_axis(x, z * 7 % 2500, 1), f64", |x, _, z| {
            kiln::take_along_axis(x, &kiln::remainder(&(z * 7)?, 2500)?, 1)
        }),
        ("nonzero(x > 0.5)[1], f64", |x, _, _| {
            Ok(kiln::nonzero(&kiln::greater(x, 0.5)?)?.swap_remove(1))
        }),
        ("mask_select(x, x > 0.5), f64", |x, _, _| {
            kiln::mask_select(x, &kiln::greater(x, 0.5)?)
        }),
        ("x ** 0.7, f64", |x, _, _| kiln::pow(x, 0.7)),
        ("x ** (x + 0.5), f64", |x, _, _| kiln::pow(x, &(x + 0.5)?)),
        ("x ** 0.7, f32", |_, y, _| kiln::pow(y, 0.7)),
        ("x ** 0.5, f64", |x, _, _| kiln::pow(x, 0.5)),
        ("(x + 0.5) ** -1, f32", |_, y, _| {
            kiln::pow(&(y + 0.5)?, -1.0)
        }),
        ("x[:, ::2] + x[:, 1::2], f64", |x, _, _| {
            &x.slice(s![.., 0..;2])? + &x.slice(s![.., 1..;2])?
        }),
        ("sum axis 1 of [40, 100, 2500], f64", |x, _, _| {
            kiln::sum(&kiln::reshape(x, [40, 100, 2500])?, 1)
        }),
        (
            "sum axis -1 of [40, 100, 2500] to (2, 0, 1), f64",
            |x, _, _| {
                let t = kiln::reshape(x, [40, 100, 2500])?;
                kiln::sum(&kiln::permute_dims(&t, [2, 0, 1])?, -1)
            },
        ),
        ("[40, 100, 2500] to (2, 0, 1), + 1, f64", |x, _, _| {
            let t = kiln::reshape(x, [40, 100, 2500])?;
            &kiln::permute_dims(&t, [2, 0, 1])? + 1.0
        }),
        ("x[:, :1] * x[:1, :], f64", |x, _, _| {
            &x.slice(s![.., 0..1])? * &x.slice(s![0..1, ..])?
        }),
        ("x - mean(x, axis 1), f64", |x, _, _| {
            x - &kiln::mean(x, ReduceOpts::new().axis(1).keepdims(true))?
        }),
        ("logsumexp axis 1, f64", |x, _, _| {
            let m = kiln::max(x, ReduceOpts::new().axis(1).keepdims(true))?;
            let s = kiln::sum(
                &kiln::exp(&(x - &m)?)?,
                ReduceOpts::new().axis(1).keepdims(true),
            )?;
            kiln::reshape(&(&kiln::log(&s)? + &m)?, [-1])
        }),
        ("where(x > 0.5, exp(x), -x), f64", |x, _, _| {
            kiln::where_(&kiln::greater(x, 0.5)?, &kiln::exp(x)?, &(-x)?)
        }),
        ("clip(x, 0.2, 0.8), f64", |x, _, _| {
            kiln::clip(x, Some(0.2), Some(0.8))
        }),
        ("flip(x, axis 0) + x, f64", |x, _, _| &kiln::flip(x, 0)? + x),
        ("roll(x, 7, axis 1), f64", |x, _, _| kiln::roll(x, [7], 1)),
        ("diff axis 1, f64", |x, _, _| {
            kiln::diff(x, 1, 1, None, None)
        }),
        ("concat([x, x], axis 1), f64", |x, _, _| {
            kiln::concat(&[x, x], 1)
        }),
        ("std axis 0, f32", |_, y, _| kiln::std(y, 0)),
        ("cumulative_sum axis 1, f32", |_, y, _| {
            kiln::cumulative_sum(y, CumulativeOpts::new().axis(1))
        }),
        ("count_nonzero(x > 0.5), f64", |x, _, _| {
            kiln::count_nonzero(&kiln::greater(x, 0.5)?, ())
        }),
        ("sort axis 1, f64", |x, _, _| kiln::sort(x, 1)),
        ("sort axis 0, f64", |x, _, _| kiln::sort(x, 0)),
        ("abs(rfft(x)) axis 1, f64", |x, _, _| {
            kiln::abs(&kiln::fft::rfft(x, ())?)
        }),
        ("abs(rfft(x)) axis 0, f64", |x, _, _| {
            kiln::abs(&kiln::fft::rfft(x, kiln::fft::FftOpts::new().axis(0))?)
        }),
        ("abs(astype(i - 500, i8)) of i32", |_, _, z| {
            kiln::abs(&kiln::astype(&(z - 500)?, DType::I8)?)
        }),
        ("(z >> 2) & 3 (a bit field), i32", |_, _, z| {
            kiln::bitwise_and(&kiln::bitwise_right_shift(z, 2)?, 3)
        }),
        ("max(astype(z, u32) * 2654435761), u32", |_, _, z| {
            kiln::max(
                &kiln::multiply(&kiln::astype(z, DType::U32)?, 2654435761u32)?,
                (),
            )
        }),
        ("max(astype(z, u8), axis 0), u8", |_, _, z| {
            kiln::max(&kiln::astype(z, DType::U8)?, 0)
        }),
        ("argmin axis 0, i32", |_, _, z| kiln::argmin(z, 0)),
        ("argmax(astype(z, u8), axis 1), u8", |_, _, z| {
            kiln::argmax(&kiln::astype(z, DType::U8)?, 1)
        }),
        ("argsort axis 1 (stable), f32", |_, y, _| {
            kiln::argsort(y, SortOpts::new().axis(1).stable(true))
        }),
        ("unique_values, i32", |_, _, z| kiln::unique_values(z)),
        ("isin(z, [3, 500, 999]), i32", |_, _, z| {
            let set = kiln::from_vec(vec![3i32, 500, 999], [3])?;
            kiln::isin(z, &set, ())
        }),
        ("where(~(x > 0.5), x, 0), f64", |x, _, _| {
            kiln::where_(&kiln::logical_not(&kiln::greater(x, 0.5)?)?, x, 0.0)
        }),
        ("[1M, 3, 3] @ [1M, 3, 3] of x[:3600], f64", |x, _, _| {
            let m = kiln::reshape(&x.slice(s![0..3600, ..])?, [1_000_000, 3, 3])?;
            kiln::matmul(&m, &m)
        }),
        ("x[:, :500].T @ x[:, :500], f64", |x, _, _| {
            let a = x.slice(s![.., 0..500])?;
            kiln::matmul(&kiln::matrix_transpose(&a)?, &a)
        }),
        ("vector_norm axis 1, f32", |_, y, _| {
            kiln::linalg::vector_norm(y, 1, false, 2.0)
        }),
        ("searchsorted(sort(x[0]), x), f64", |x, _, _| {
            let row = kiln::sort(&x.slice(s![0])?, 0)?;
            kiln::searchsorted(&row, x, ())
        }),
        ("any(x > 0.99, axis 1), f64", |x, _, _| {
            kiln::any(&kiln::greater(x, 0.99)?, 1)
        }),
        ("all(x > 0.0005, axis 1), f32", |_, y, _| {
            kiln::all(&kiln::greater(y, 0.0005)?, 1)
        }),
        ("all(x < 2, axis 0), f64", |x, _, _| {
            kiln::all(&kiln::less(x, 2.0)?, 0)
        }),
        ("any(z == 999), i32", |_, _, z| {
            kiln::any(&kiln::equal(z, 999)?, ())
        }),
        ("sum axis 0, i32", |_, _, z| kiln::sum(z, 0)),
        ("any(z == 999, axis 0), i32", |_, _, z| {
            kiln::any(&kiln::equal(z, 999)?, 0)
        }),
        ("remainder(x * 10 - 3, 0.7), f64", |x, _, _| {
            kiln::remainder(&((x * 10.0)? - 3.0)?, 0.7)
        }),
        ("remainder(x * 10 - 3, 0.7), f32", |_, y, _| {
            kiln::remainder(&((y * 10.0)? - 3.0)?, 0.7)
        }),
        ("5-point stencil, f64", |x, _, _| {
            let [n, e, s, w, c] = neighbours(x)?;
            &(&(&c * -4.0)? + &(&n + &s)?)? + &(&w + &e)?
        }),
        ("10 Jacobi steps (4-point mean), f64", |x, _, _| {
            let mut u = x.clone();
            for _ in 0..10 {
                let [n, e, s, w, _] = neighbours(&u)?;
                u = (&(&(&n + &s)? + &(&w + &e)?)? * 0.25)?;
            }
            Ok(u)
        }),
        ("pairwise distances of [2000, 3] points, f64", |x, _, _| {
            let a = kiln::expand_dims(&x.slice(s![0..2000, 0..3])?, 1)?;
            let b = kiln::expand_dims(&x.slice(s![2000..4000, 0..3])?, 0)?;
            let d = (&a - &b)?;
            kiln::sqrt(&kiln::sum(&(&d * &d)?, -1)?)
        }),
        ("exp(-10 (x[:, :1] - x[:1, :])^2), f64", |x, _, _| {
            let d = (&x.slice(s![.., 0..1])? - &x.slice(s![0..1, ..])?)?;
            kiln::exp(&(&(&d * &d)? * -10.0)?)
        }),
        ("x / sum(x, axis 0), f64", |x, _, _| {
            x / &kiln::sum(x, ReduceOpts::new().axis(0).keepdims(true))?
        }),
        ("x / vector_norm(x, axis 1), f32", |_, y, _| {
            y / &kiln::linalg::vector_norm(y, 1, true, 2.0)?
        }),
        ("mean axes (0, 2) of [40, 100, 2500], f64", |x, _, _| {
            let t = kiln::reshape(x, [40, 100, 2500])?;
            kiln::mean(&t, ReduceOpts::new().axes([0, 2]))
        }),
        ("x @ x[0], f64", |x, _, _| kiln::matmul(x, &x.slice(s![0])?)),
        ("x[:, 0] @ x, f64", |x, _, _| {
            kiln::matmul(&x.slice(s![.., 0])?, x)
        }),
        ("softmax axis 0, f32", |_, y, _| {
            let m = kiln::max(y, ReduceOpts::new().axis(0).keepdims(true))?;
            let e = kiln::exp(&(y - &m)?)?;
            &e / &kiln::sum(&e, ReduceOpts::new().axis(0).keepdims(true))?
        }),
        (
            "where(x > 0.5, log(x), where(x > 0.2, x, 0)), f64",
            |x, _, _| {
                let inner = kiln::where_(&kiln::greater(x, 0.2)?, x, 0.0)?;
                kiln::where_(&kiln::greater(x, 0.5)?, &kiln::log(x)?, &inner)
            },
        ),
        ("x * y (f64 times f32)", |x, y, _| x * y),
    ]
}

/// The north, east, south and west neighbours of a matrix's interior points, and the
/// interior itself: five views of its [rows - 2, cols - 2] interior, shifted.
fn neighbours(u: &Array) -> kiln::Result<[Array; 5]> {
    let (r, c) = (u.shape()[0], u.shape()[1]);
    let at = |i: usize, j: usize| u.slice(s![i..i + r - 2, j..j + c - 2]);
    Ok([at(0, 1)?, at(1, 2)?, at(2, 1)?, at(1, 0)?, at(1, 1)?])
}

type Function = fn(&Array) -> kiln::Result<Array>;
type Binary = fn(&Array, &Array) -> kiln::Result<Array>;

/// The transcendental functions, each timed alone on u (acosh on 1 + 4u).
const FUNCTIONS: [(&str, Function); 19] = [
    ("exp", kiln::exp),
    ("expm1", kiln::expm1),
    ("log", kiln::log),
    ("log1p", kiln::log1p),
    ("log2", kiln::log2),
    ("log10", kiln::log10),
    ("sin", kiln::sin),
    ("cos", kiln::cos),
    ("tan", kiln::tan),
    ("sinh", kiln::sinh),
    ("cosh", kiln::cosh),
    ("tanh", kiln::tanh),
    ("asin", kiln::asin),
    ("acos", kiln::acos),
    ("atan", kiln::atan),
    ("asinh", kiln::asinh),
    ("acosh", kiln::acosh),
    ("atanh", kiln::atanh),
    ("sqrt", kiln::sqrt),
];

/// The binary functions, on (u, u + 0.5).
const BINARY: [(&str, Binary); 3] = [
    ("atan2", |a, b| kiln::atan2(a, b)),
    ("hypot", |a, b| kiln::hypot(a, b)),
    ("logaddexp", |a, b| kiln::logaddexp(a, b)),
];

/// Times `build` (building and computing in fused mode; the first run, which
/// compiles, is left out) and prints its line.
fn time(
    name: &str,
    reps: usize,
    json: bool,
    build: impl Fn() -> kiln::Result<Array>,
) -> kiln::Result<()> {
    let mut times = Vec::with_capacity(reps);
    let mut checksum = 0.0;
    for _ in 0..reps + 1 {
        // Building is timed too: most patterns only record nodes there, but
        // `mask_select` computes its mask then (its output size depends on it).
        let t = Instant::now();
        let out = build()?;
        kiln::eval_with(&[&out], Mode::Fused)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        let wide = kiln::astype(&out, DType::F64)?;
        checksum = kiln::sum(&wide, ())?.to_vec::<f64>()?[0];
    }
    let mut times = times.split_off(1);
    times.sort_by(|a, b| a.total_cmp(b));
    let (median, min) = (times[times.len() / 2], times[0]);
    if json {
        println!(
            "{{\"pattern\": \"{name}\", \"median_ms\": {median:.4}, \"min_ms\": {min:.4}, \"checksum\": {checksum:e}}}"
        );
    } else {
        println!("{name:32} {median:9.2} {min:9.2}   {checksum:.10e}");
    }
    Ok(())
}

fn main() -> kiln::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(9)
        .max(1);
    let values: Vec<f64> = (0..ROWS * COLS)
        .map(|i| ((i * 7919) % 1000) as f64 * 1e-3)
        .collect();
    let x = kiln::from_vec(values, [ROWS, COLS])?;
    let y = kiln::astype(&x, DType::F32)?;
    y.compute()?;
    let z = kiln::astype(&(&x * 1000.0)?, DType::I32)?;
    z.compute()?;
    if !json {
        println!("pattern (fused, {ROWS}x{COLS})      median ms    min ms     checksum");
    }
    for (name, build) in patterns() {
        time(name, reps, json, || build(&x, &y, &z))?;
    }
    let u = ((&x * 0.9)? + 0.05)?;
    for (width, u) in [("f64", u.clone()), ("f32", kiln::astype(&u, DType::F32)?)] {
        let acosh_arg = ((&u * 4.0)? + 1.0)?;
        let v = (&u + 0.5)?;
        kiln::eval(&[&u, &acosh_arg, &v])?;
        for (f, apply) in FUNCTIONS {
            let arg = if f == "acosh" { &acosh_arg } else { &u };
            time(&format!("{f}, {width}"), reps, json, || apply(arg))?;
        }
        for (f, apply) in BINARY {
            time(&format!("{f}, {width}"), reps, json, || apply(&u, &v))?;
        }
    }
    Ok(())
}
