//! The main job: kiln's standard workloads (../shared/DESIGN.md, "The standard
//! workloads"), each run in eager mode (one kernel per op) and fused mode (few fused
//! kernels), timed side by side and checksummed.
//!
//! ```text
//! cargo run --release --example workloads                    # the table
//! cargo run --release --example workloads -- --json          # one JSON object per line
//! cargo run --release --example workloads -- --only chain --reps 10
//! cargo run --release --example workloads -- --scale 0.1     # 10% of the sizes
//! cargo run --release --example workloads -- --modes fused,eager,interpreter
//! ```
//!
//! Each (workload, mode) is run once to warm up (that call compiles: its compile time is
//! reported), then `--reps` times (default 5); the table shows the median. The inputs are
//! made once; every run builds the graph afresh from them, so nothing is cached but the
//! compiled kernels. The matmul workloads (rocklin, lda_predict, matmul) join with the
//! linear algebra issue.

mod data;
mod pmodel;
mod suite;

use kiln::{Array, DType, Mode};
use std::time::Instant;
use suite::{Workload, WORKLOADS};

/// Sum of every output element in f64: a cheap fingerprint of the result.
fn checksum(outputs: &[Array]) -> kiln::Result<f64> {
    let mut total = 0.0;
    for o in outputs {
        let wide = kiln::astype(o, DType::F64)?.compute_with(Mode::Fused)?;
        total += wide.to_vec::<f64>()?.iter().sum::<f64>();
    }
    Ok(total)
}

struct Args {
    only: Option<String>,
    reps: usize,
    scale: f64,
    json: bool,
    modes: Vec<Mode>,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    match s {
        "fused" => Ok(Mode::Fused),
        "eager" => Ok(Mode::Eager),
        "interpreter" | "interp" => Ok(Mode::Interpreter),
        other => Err(format!(
            "unknown mode {other:?} (fused, eager, interpreter)"
        )),
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        only: None,
        reps: 5,
        scale: 1.0,
        json: false,
        modes: vec![Mode::Eager, Mode::Fused],
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--only" => args.only = Some(value("--only")?),
            "--reps" => args.reps = value("--reps")?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--scale" => args.scale = value("--scale")?.parse().map_err(|e| format!("--scale: {e}"))?,
            "--json" => args.json = true,
            "--modes" => {
                args.modes = value("--modes")?.split(',').map(parse_mode).collect::<Result<_, _>>()?;
            }
            "--help" | "-h" => {
                return Err("usage: workloads [--only NAME] [--reps N] [--scale FACTOR] [--json] [--modes fused,eager,interpreter]".into())
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

/// Timings of one (workload, mode).
struct Run {
    mode: Mode,
    median_ms: f64,
    min_ms: f64,
    kernels: usize,
    compile_ms: f64,
    checksum: f64,
}

fn measure(w: &Workload, inputs: &[Array], mode: Mode, reps: usize) -> kiln::Result<Run> {
    // Warm-up: the first call compiles whatever it needs.
    let outputs = (w.graph)(inputs)?;
    let refs: Vec<&Array> = outputs.iter().collect();
    let first = kiln::eval_with(&refs, mode)?;
    let checksum = checksum(&outputs)?;
    let mut times = Vec::with_capacity(reps);
    // Library calls (matmul) are steps like kernels: count both.
    let mut kernels = first.kernels + first.library_calls;
    for _ in 0..reps.max(1) {
        let outputs = (w.graph)(inputs)?;
        let refs: Vec<&Array> = outputs.iter().collect();
        let t = Instant::now();
        let stats = kiln::eval_with(&refs, mode)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        kernels = stats.kernels + stats.library_calls;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(Run {
        mode,
        median_ms: times[times.len() / 2],
        min_ms: times[0],
        kernels,
        compile_ms: first.compile_ms,
        checksum,
    })
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Fused => "fused",
        Mode::Eager => "eager",
        Mode::Interpreter => "interpreter",
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if !args.json {
        println!(
            "{:<9} {:<20} {:>10} {:>10} {:>8} {:>13} {:>11} {:>20}",
            "workload",
            "inputs",
            "eager ms",
            "fused ms",
            "speedup",
            "kernels e/f",
            "compile ms",
            "checksum (fused)"
        );
    }
    for w in WORKLOADS {
        if args.only.as_deref().is_some_and(|o| o != w.name) {
            continue;
        }
        let n = ((w.size as f64 * args.scale) as usize).max(1);
        if let Err(e) = run(w, n, &args) {
            eprintln!("{}: {e}", w.name);
            std::process::exit(1);
        }
    }
}

fn run(w: &Workload, n: usize, args: &Args) -> kiln::Result<()> {
    eprint!("{}: making inputs ...\r", w.name);
    let inputs = (w.inputs)(n)?;
    let mut runs = Vec::new();
    for &mode in &args.modes {
        eprint!("{}: {} ...          \r", w.name, mode_name(mode));
        let r = measure(w, &inputs, mode, args.reps)?;
        if args.json {
            println!(
                "{{\"workload\": \"{}\", \"mode\": \"{}\", \"n\": {n}, \"median_ms\": {:.3}, \"min_ms\": {:.3}, \"kernels\": {}, \"compile_ms\": {:.3}, \"checksum\": {:.12e}}}",
                w.name,
                mode_name(r.mode),
                r.median_ms,
                r.min_ms,
                r.kernels,
                r.compile_ms,
                r.checksum
            );
        }
        runs.push(r);
    }
    eprint!("{:60}\r", "");
    if !args.json {
        let get = |m: Mode| runs.iter().find(|r| r.mode == m);
        let (eager, fused) = (get(Mode::Eager), get(Mode::Fused));
        let ms = |r: Option<&Run>| r.map_or("-".to_string(), |r| format!("{:.1}", r.median_ms));
        let speedup = match (eager, fused) {
            (Some(e), Some(f)) => format!("{:.2}×", e.median_ms / f.median_ms),
            _ => "-".into(),
        };
        let kernels = format!(
            "{}/{}",
            eager.map_or("-".into(), |r| r.kernels.to_string()),
            fused.map_or("-".into(), |r| r.kernels.to_string())
        );
        let shown = fused.or(runs.first()).expect("at least one mode");
        println!(
            "{:<9} {:<20} {:>10} {:>10} {:>8} {:>13} {:>11.1} {:>20.12e}",
            w.name,
            (w.describe)(n),
            ms(eager),
            ms(fused),
            speedup,
            kernels,
            shown.compile_ms,
            shown.checksum
        );
    }
    Ok(())
}
