//! Common array patterns beyond the standard workloads, timed in fused mode: reductions
//! over each axis of a matrix, centring by column means, row argmax, a transposed
//! operand, a transcendental elementwise and under a row sum, running sums along
//! each axis, and kernels mixing dtypes (f32 data computed in f64, comparisons stored
//! as bools, a `linspace` grid, integers converted to floats). `benches/python/patterns.py` runs this next to NumPy on the same data.
//!
//! `cargo run --release --example patterns -- [--reps N] [--json]`
//!
//! The input is a 4000 × 2500 matrix, x[i] = ((i · 7919) mod 1000) / 1000 in C order,
//! as float64 and as float32, and trunc(1000 x) as int32.

use kiln::{Array, CumulativeOpts, DType, Mode, ReduceOpts};
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
        ("exp(x), f64", |x, _, _| kiln::exp(x)),
        ("log(x), f64", |x, _, _| kiln::log(x)),
        ("x ** 2.5, f64", |x, _, _| kiln::pow(x, 2.5)),
        ("x ** 0.7, f64", |x, _, _| kiln::pow(x, 0.7)),
        ("exp(0.7*log(x)), f64", |x, _, _| kiln::exp(&(&kiln::log(x)? * 0.7)?)),
        ("x ** 2.5, f32", |_, y, _| kiln::pow(y, 2.5)),
        ("exp(x), f32", |_, y, _| kiln::exp(y)),
        ("log(x), f32", |_, y, _| kiln::log(y)),
        ("atan2(x, y32), f32", |_, y, _| kiln::atan2(y, &(y - 0.5)?)),
        ("sin(x), f64", |x, _, _| kiln::sin(x)),
        ("tanh(x), f64", |x, _, _| kiln::tanh(x)),
    ]
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
        let mut times = Vec::with_capacity(reps);
        let mut checksum = 0.0;
        for _ in 0..reps + 1 {
            let out = build(&x, &y, &z)?;
            let t = Instant::now();
            kiln::eval_with(&[&out], Mode::Fused)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            let wide = kiln::astype(&out, DType::F64)?;
            checksum = kiln::sum(&wide, ())?.to_vec::<f64>()?[0];
        }
        // The first run compiles; the rest are timed.
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
    }
    Ok(())
}
