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
//! The data generator, the P-model and the workload table are the example's own modules
//! (`examples/workloads/{data,pmodel,suite}.rs`), included below: both time the same
//! graphs.

#[path = "../examples/workloads/data.rs"]
mod data;
#[path = "../examples/workloads/pmodel.rs"]
mod pmodel;
#[path = "../examples/workloads/suite.rs"]
mod suite;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kiln::{Array, Mode};
use std::hint::black_box;
use std::time::Duration;

/// Default fraction of the standard sizes (see the module documentation).
const DEFAULT_SCALE: f64 = 0.02;

type Graph = fn(&[Array]) -> kiln::Result<Vec<Array>>;

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
    for w in suite::WORKLOADS {
        let (name, size, make_inputs, graph) = (w.name, w.size, w.inputs, w.graph);
        let n = ((size as f64 * scale) as usize).max(1);
        let inputs = make_inputs(n).unwrap_or_else(|e| panic!("{name}: making inputs: {e}"));
        eprintln!("{name}: inputs {}", (w.describe)(n));
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
