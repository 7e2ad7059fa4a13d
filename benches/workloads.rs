//! Criterion benchmarks of kiln's standard workloads (../shared/DESIGN.md, "The standard
//! workloads"; the same inputs and graphs as `examples/workloads`), one group per
//! workload with a `fused` and an `eager` function:
//!
//! ```text
//! cargo bench --bench workloads                  # all, a few minutes on 2 cores
//! cargo bench --bench workloads -- softmax       # one group (a criterion filter)
//! cargo bench --bench workloads -- --test        # each function once, as a check
//! KILN_BENCH_SCALE=0.1 cargo bench --bench workloads
//! ```
//!
//! **Size.** The workloads run at scale 0.02 of the standard sizes by default (as
//! `--scale 0.02` of the example): zscore f64[200_000], chain 2 × f32[200_000], sum
//! f32[2_000_000], softmax f32[579, 579], pmodel 6 × f64[200_000]. That keeps one
//! iteration between about 0.1 and 20 ms, so that criterion's 20 samples per function
//! finish in a few minutes in all. `KILN_BENCH_SCALE` sets another scale; the full-size
//! comparison with NumPy, numexpr and JAX is `benches/python/compare.py`.
//!
//! **What is timed**: as in the example, the inputs are made once per workload and
//! every iteration builds the graph afresh from them (untimed setup) and times
//! `kiln::eval_with` on its outputs, so only the compiled kernels are cached. The
//! first call of each mode (the warm-up, which compiles) happens before criterion's
//! own warm-up. A workload that kiln cannot compute yet is skipped with a message on
//! stderr rather than failing the whole run.
//!
//! The data generator and the P-model are the example's own modules, included below;
//! the workload table of `examples/workloads/main.rs` is private to that binary, so its
//! small graph-building functions are copied here (keep them in step).

#[path = "../examples/workloads/data.rs"]
mod data;
#[path = "../examples/workloads/pmodel.rs"]
mod pmodel;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kiln::{Array, Mode, ReduceOpts};
use std::hint::black_box;
use std::time::Duration;

/// Default fraction of the standard sizes (see the module documentation).
const DEFAULT_SCALE: f64 = 0.02;

// ---- the workloads (copied from examples/workloads/main.rs) ---------------------------

type Inputs = fn(usize) -> kiln::Result<Vec<Array>>;
type Graph = fn(&[Array]) -> kiln::Result<Vec<Array>>;

/// (name, size at scale 1, inputs, graph).
const WORKLOADS: &[(&str, usize, Inputs, Graph)] = &[
    ("zscore", 10_000_000, zscore_inputs, zscore),
    ("chain", 10_000_000, chain_inputs, chain),
    ("sum", 100_000_000, sum_inputs, sum),
    ("softmax", 4096 * 4096, softmax_inputs, softmax),
    ("pmodel", 10_000_000, pmodel_inputs, pmodel_graph),
];

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

fn zscore_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    Ok(vec![kiln::from_vec(normal(n, 1), [n])?])
}

/// zscore: (x - mean(x)) / std(x) on f64.
fn zscore(x: &[Array]) -> kiln::Result<Vec<Array>> {
    let x = &x[0];
    let centered = (x - &kiln::mean(x, ())?)?;
    Ok(vec![(centered / kiln::std(x, ())?)?])
}

fn chain_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    Ok(vec![
        kiln::from_vec(f32s(normal(n, 2)), [n])?,
        kiln::from_vec(f32s(normal(n, 3)), [n])?,
    ])
}

/// chain: t = x*y + 0.5; exp(-t*t) * log1p(|x|) / sqrt(x*x + y*y + 1) + tanh(x - y).
fn chain(v: &[Array]) -> kiln::Result<Vec<Array>> {
    let (x, y) = (&v[0], &v[1]);
    let t = ((x * y)? + 0.5)?;
    let gauss = kiln::exp(&(-(&t * &t)?)?)?;
    let num = (gauss * kiln::log1p(&kiln::abs(x)?)?)?;
    let den = kiln::sqrt(&((((x * x)? + (y * y)?)? + 1.0)?))?;
    Ok(vec![((num / den)? + kiln::tanh(&(x - y)?)?)?])
}

fn sum_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    Ok(vec![kiln::from_vec(
        f32s(data::uniform(n, 4, 0.0, 1.0)),
        [n],
    )?])
}

/// sum: an accurate sum of f32 values.
fn sum(x: &[Array]) -> kiln::Result<Vec<Array>> {
    Ok(vec![kiln::sum(&x[0], ())?])
}

fn softmax_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    let side = (n as f64).sqrt() as usize;
    Ok(vec![kiln::from_vec(
        f32s(normal(side * side, 5)),
        [side, side],
    )?])
}

/// softmax over the rows of a square f32 matrix.
fn softmax(s: &[Array]) -> kiln::Result<Vec<Array>> {
    let s = &s[0];
    let rows = ReduceOpts::new().axis(1).keepdims(true);
    let e = kiln::exp(&(s - &kiln::max(s, rows.clone())?)?)?;
    Ok(vec![(&e / &kiln::sum(&e, rows)?)?])
}

fn pmodel_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    let i = pmodel::inputs(n, 6)?;
    Ok(vec![i.tc, i.vpd, i.co2, i.patm, i.fapar, i.ppfd])
}

/// pmodel: GPP and LUE of the standard P-model on n cells.
fn pmodel_graph(v: &[Array]) -> kiln::Result<Vec<Array>> {
    let inputs = pmodel::PModelInputs {
        tc: v[0].clone(),
        vpd: v[1].clone(),
        co2: v[2].clone(),
        patm: v[3].clone(),
        fapar: v[4].clone(),
        ppfd: v[5].clone(),
    };
    let (gpp, lue) = pmodel::pmodel(&inputs)?;
    Ok(vec![gpp, lue])
}

// ---- the benchmarks -------------------------------------------------------------------

/// Builds the graph on `inputs` and computes it in `mode`: one timed iteration is the
/// `eval_with` alone.
fn eval(graph: Graph, inputs: &[Array], mode: Mode) -> kiln::Result<Vec<Array>> {
    let outputs = graph(inputs)?;
    let refs: Vec<&Array> = outputs.iter().collect();
    kiln::eval_with(&refs, mode)?;
    Ok(outputs)
}

fn scale() -> f64 {
    match std::env::var("KILN_BENCH_SCALE") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|e| panic!("KILN_BENCH_SCALE={s:?}: {e}")),
        Err(_) => DEFAULT_SCALE,
    }
}

fn workloads(c: &mut Criterion) {
    let scale = scale();
    for &(name, size, make_inputs, graph) in WORKLOADS {
        let n = ((size as f64 * scale) as usize).max(1);
        let inputs = make_inputs(n).unwrap_or_else(|e| panic!("{name}: making inputs: {e}"));
        let mut group = c.benchmark_group(name);
        for (mode, label) in [(Mode::Fused, "fused"), (Mode::Eager, "eager")] {
            // The warm-up call compiles; a workload kiln cannot run yet is skipped.
            if let Err(e) = eval(graph, &inputs, mode) {
                eprintln!("skipping {name}/{label} (n = {n}): {e}");
                continue;
            }
            group.bench_function(label, |b| {
                b.iter_batched(
                    || graph(&inputs).expect("the graph built once already"),
                    |outputs| {
                        let refs: Vec<&Array> = outputs.iter().collect();
                        black_box(kiln::eval_with(&refs, mode).expect("computed once already"));
                        outputs
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = workloads
}
criterion_main!(benches);
