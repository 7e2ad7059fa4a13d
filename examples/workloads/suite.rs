//! The standard workloads (../shared/DESIGN.md, "The standard workloads"): how each
//! makes its inputs and builds its graph. Shared by the main job (`main.rs`) and the
//! criterion benches (`benches/workloads.rs`), so both time the same graphs.

use super::{data, pmodel};
use kiln::{Array, ReduceOpts};

/// One workload: inputs made once, and the graph built from them.
pub struct Workload {
    pub name: &'static str,
    /// Problem size at scale 1, as DESIGN.md gives it.
    pub size: usize,
    pub describe: fn(usize) -> String,
    pub inputs: fn(usize) -> kiln::Result<Vec<Array>>,
    pub graph: fn(&[Array]) -> kiln::Result<Vec<Array>>,
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

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "zscore",
        size: 10_000_000,
        describe: |n| format!("f64[{n}]"),
        inputs: zscore_inputs,
        graph: zscore,
    },
    Workload {
        name: "chain",
        size: 10_000_000,
        describe: |n| format!("2 × f32[{n}]"),
        inputs: chain_inputs,
        graph: chain,
    },
    Workload {
        name: "sum",
        size: 100_000_000,
        describe: |n| format!("f32[{n}]"),
        inputs: sum_inputs,
        graph: sum,
    },
    Workload {
        name: "softmax",
        size: 4096 * 4096,
        describe: |n| {
            let s = (n as f64).sqrt() as usize;
            format!("f32[{s}, {s}]")
        },
        inputs: softmax_inputs,
        graph: softmax,
    },
    Workload {
        name: "pmodel",
        size: 10_000_000,
        describe: |n| format!("6 × f64[{n}]"),
        inputs: pmodel_inputs,
        graph: pmodel_graph,
    },
];
