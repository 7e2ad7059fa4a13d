//! Common array patterns beyond the standard workloads, timed in fused mode: reductions
//! over each axis of a matrix, centring by column means, row argmax, a transposed
//! operand, a transcendental elementwise and under a row sum, and running sums along
//! each axis. `benches/python/patterns.py` runs this next to NumPy on the same data.
//!
//! `cargo run --release --example patterns -- [--reps N] [--json]`
//!
//! The input is a 4000 × 2500 matrix, x[i] = ((i · 7919) mod 1000) / 1000 in C order,
//! as float64 and as float32.

use kiln::{Array, CumulativeOpts, DType, Mode, ReduceOpts};
use std::time::Instant;

const ROWS: usize = 4000;
const COLS: usize = 2500;

type Pattern = (&'static str, fn(&Array, &Array) -> kiln::Result<Array>);

fn patterns() -> Vec<Pattern> {
    vec![
        ("sum axis 1, f64", |x, _| kiln::sum(x, 1)),
        ("sum axis 0, f64", |x, _| kiln::sum(x, 0)),
        ("sum axis 0, f32", |_, y| kiln::sum(y, 0)),
        ("x - mean(x, axis 0), f64", |x, _| {
            x - &kiln::mean(x, ReduceOpts::new().axis(0).keepdims(true))?
        }),
        ("var axis 0, f64", |x, _| kiln::var(x, 0)),
        ("var axis 1, f64", |x, _| kiln::var(x, 1)),
        ("max axis 0, f32", |_, y| kiln::max(y, 0)),
        ("argmax axis 1, f32", |_, y| {
            kiln::argmax(y, ReduceOpts::new().axis(1))
        }),
        ("argmax axis 0, f32", |_, y| {
            kiln::argmax(y, ReduceOpts::new().axis(0))
        }),
        ("x.T + 1, f64", |x, _| &kiln::matrix_transpose(x)? + 1.0),
        ("exp(x.T), f32", |_, y| {
            kiln::exp(&kiln::matrix_transpose(y)?)
        }),
        ("exp(x), f32", |_, y| kiln::exp(y)),
        ("sum(exp(x), axis 1), f32", |_, y| {
            kiln::sum(&kiln::exp(y)?, 1)
        }),
        ("cumulative_sum axis 0, f64", |x, _| {
            kiln::cumulative_sum(x, CumulativeOpts::new().axis(0))
        }),
        ("cumulative_sum axis 1, f64", |x, _| {
            kiln::cumulative_sum(x, CumulativeOpts::new().axis(1))
        }),
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
    if !json {
        println!("pattern (fused, {ROWS}x{COLS})      median ms    min ms     checksum");
    }
    for (name, build) in patterns() {
        let mut times = Vec::with_capacity(reps);
        let mut checksum = 0.0;
        for _ in 0..reps + 1 {
            let out = build(&x, &y)?;
            let t = Instant::now();
            kiln::eval_with(&[&out], Mode::Fused)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            checksum = kiln::astype(&kiln::sum(&out, ())?, DType::F64)?.to_vec::<f64>()?[0];
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
