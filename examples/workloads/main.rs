//! The main job: kiln's standard workloads (../shared/DESIGN.md, "The standard
//! workloads") built as lazy graphs, computed, timed and checksummed.
//!
//! ```text
//! cargo run --release --example workloads                 # every workload, default sizes
//! cargo run --release --example workloads -- --only chain --reps 3
//! cargo run --release --example workloads -- --scale 0.1  # 10% of the sizes
//! ```
//!
//! Today every workload runs on the reference interpreter (one pass per node). The
//! matmul-based workloads (rocklin, lda_predict, matmul) join when kiln has matmul.

mod data;
mod pmodel;

use kiln::{Array, DType, ReduceOpts};
use std::time::Instant;

/// One workload: builds its lazy outputs from freshly made inputs of `n` elements.
struct Workload {
    name: &'static str,
    /// Problem size at scale 1, as DESIGN.md gives it.
    size: usize,
    describe: fn(usize) -> String,
    build: fn(usize) -> kiln::Result<Vec<Array>>,
}

fn normal(n: usize, seed: u64) -> Vec<f64> {
    // Box–Muller on two independent uniform streams.
    let u1 = data::uniform(n, seed, f64::MIN_POSITIVE, 1.0);
    let u2 = data::uniform(n, seed ^ 0x5151_5151, 0.0, 1.0);
    u1.iter()
        .zip(&u2)
        .map(|(a, b)| (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos())
        .collect()
}

fn f32s(v: Vec<f64>) -> Vec<f32> {
    v.into_iter().map(|x| x as f32).collect()
}

/// zscore: (x - mean(x)) / std(x) on f64.
fn zscore(n: usize) -> kiln::Result<Vec<Array>> {
    let x = kiln::from_vec(normal(n, 1), [n])?;
    let centered = (&x - &kiln::mean(&x, ())?)?;
    Ok(vec![(centered / kiln::std(&x, ())?)?])
}

/// chain: t = x*y + 0.5; exp(-t*t) * log1p(|x|) / sqrt(x*x + y*y + 1) + tanh(x - y).
fn chain(n: usize) -> kiln::Result<Vec<Array>> {
    let x = kiln::from_vec(f32s(normal(n, 2)), [n])?;
    let y = kiln::from_vec(f32s(normal(n, 3)), [n])?;
    let t = ((&x * &y)? + 0.5)?;
    let gauss = kiln::exp(&(-(&t * &t)?)?)?;
    let num = (gauss * kiln::log1p(&kiln::abs(&x)?)?)?;
    let den = kiln::sqrt(&((((&x * &x)? + (&y * &y)?)? + 1.0)?))?;
    Ok(vec![((num / den)? + kiln::tanh(&(&x - &y)?)?)?])
}

/// sum: an accurate sum of f32 values.
fn sum(n: usize) -> kiln::Result<Vec<Array>> {
    let x = kiln::from_vec(f32s(data::uniform(n, 4, 0.0, 1.0)), [n])?;
    Ok(vec![kiln::sum(&x, ())?])
}

/// softmax over the rows of a square f32 matrix.
fn softmax(n: usize) -> kiln::Result<Vec<Array>> {
    let side = (n as f64).sqrt() as usize;
    let s = kiln::from_vec(f32s(normal(side * side, 5)), [side, side])?;
    let rows = ReduceOpts::new().axis(1).keepdims(true);
    let e = kiln::exp(&(&s - &kiln::max(&s, rows.clone())?)?)?;
    Ok(vec![(&e / &kiln::sum(&e, rows)?)?])
}

/// pmodel: GPP and LUE of the standard P-model on n cells.
fn pmodel_workload(n: usize) -> kiln::Result<Vec<Array>> {
    let inputs = pmodel::inputs(n, 6)?;
    let (gpp, lue) = pmodel::pmodel(&inputs)?;
    Ok(vec![gpp, lue])
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "zscore",
        size: 10_000_000,
        describe: |n| format!("f64[{n}]"),
        build: zscore,
    },
    Workload {
        name: "chain",
        size: 10_000_000,
        describe: |n| format!("2 × f32[{n}]"),
        build: chain,
    },
    Workload {
        name: "sum",
        size: 100_000_000,
        describe: |n| format!("f32[{n}]"),
        build: sum,
    },
    Workload {
        name: "softmax",
        size: 4096 * 4096,
        describe: |n| {
            let s = (n as f64).sqrt() as usize;
            format!("f32[{s}, {s}]")
        },
        build: softmax,
    },
    Workload {
        name: "pmodel",
        size: 10_000_000,
        describe: |n| format!("6 × f64[{n}]"),
        build: pmodel_workload,
    },
];

/// Sum of every output element in f64: a cheap fingerprint of the result.
fn checksum(outputs: &[Array]) -> kiln::Result<f64> {
    let mut total = 0.0;
    for o in outputs {
        let values = kiln::astype(o, DType::F64)?.to_vec::<f64>()?;
        total += values.iter().sum::<f64>();
    }
    Ok(total)
}

struct Args {
    only: Option<String>,
    reps: usize,
    scale: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        only: None,
        reps: 1,
        scale: 1.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--only" => args.only = Some(value("--only")?),
            "--reps" => {
                args.reps = value("--reps")?
                    .parse()
                    .map_err(|e| format!("--reps: {e}"))?
            }
            "--scale" => {
                args.scale = value("--scale")?
                    .parse()
                    .map_err(|e| format!("--scale: {e}"))?
            }
            "--help" | "-h" => {
                return Err("usage: workloads [--only NAME] [--reps N] [--scale FACTOR]".into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if let Some(name) = &args.only {
        if !WORKLOADS.iter().any(|w| w.name == name) {
            let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
            return Err(format!("no workload {name:?}; choose one of {names:?}"));
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!(
        "{:<10} {:<22} {:>11} {:>11} {:>22}",
        "workload", "inputs", "setup ms", "compute ms", "checksum"
    );
    for w in WORKLOADS {
        if args.only.as_deref().is_some_and(|o| o != w.name) {
            continue;
        }
        let n = ((w.size as f64 * args.scale) as usize).max(1);
        eprint!("running {} ...\r", w.name); // progress on stderr, overwritten by the row
        if let Err(e) = run(w, n, &args) {
            eprintln!("{}: {e}", w.name);
            std::process::exit(1);
        }
    }
}

fn run(w: &Workload, n: usize, args: &Args) -> kiln::Result<()> {
    let mut best = f64::INFINITY;
    let mut build_ms = 0.0;
    let mut sum = 0.0;
    for _ in 0..args.reps.max(1) {
        let t0 = Instant::now();
        let outputs = (w.build)(n)?;
        build_ms = t0.elapsed().as_secs_f64() * 1e3;
        let t1 = Instant::now();
        let refs: Vec<&Array> = outputs.iter().collect();
        kiln::eval(&refs)?;
        best = best.min(t1.elapsed().as_secs_f64() * 1e3);
        sum = checksum(&outputs)?;
    }
    println!(
        "{:<10} {:<22} {:>11.1} {:>11.1} {:>22.12e}",
        w.name,
        (w.describe)(n),
        build_ms,
        best,
        sum
    );
    Ok(())
}
