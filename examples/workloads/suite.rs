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

/// Rows of an `n`-element matrix with `cols` columns (at least one).
fn rows(n: usize, cols: usize) -> usize {
    (n / cols).max(1)
}

fn matmul_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    let side = ((n as f64).sqrt() as usize).max(1);
    Ok(vec![
        kiln::from_vec(f32s(data::uniform(side * side, 7, -1.0, 1.0)), [side, side])?,
        kiln::from_vec(f32s(data::uniform(side * side, 8, -1.0, 1.0)), [side, side])?,
    ])
}

/// matmul: a @ b on square f32 matrices.
fn matmul(v: &[Array]) -> kiln::Result<Vec<Array>> {
    Ok(vec![kiln::matmul(&v[0], &v[1])?])
}

const ROCKLIN_COLS: usize = 500;

fn rocklin_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    let r = rows(n, ROCKLIN_COLS);
    Ok(vec![kiln::from_vec(
        data::uniform(r * ROCKLIN_COLS, 9, 0.1, 1.0),
        [r, ROCKLIN_COLS],
    )?])
}

/// rocklin: y = x.T @ (log(x) + 1); y - mean(y, axis=0).
fn rocklin(v: &[Array]) -> kiln::Result<Vec<Array>> {
    let x = &v[0];
    let y = kiln::matmul(&kiln::matrix_transpose(x)?, &(kiln::log(x)? + 1.0)?)?;
    Ok(vec![(&y - &kiln::mean(&y, ReduceOpts::new().axis(0))?)?])
}

const LDA_FEATURES: usize = 300;

fn lda_inputs(n: usize) -> kiln::Result<Vec<Array>> {
    let r = rows(n, LDA_FEATURES);
    Ok(vec![
        kiln::from_vec(
            data::uniform(r * LDA_FEATURES, 10, -1.0, 1.0),
            [r, LDA_FEATURES],
        )?,
        kiln::from_vec(
            data::uniform(2 * LDA_FEATURES, 11, -1.0, 1.0),
            [2, LDA_FEATURES],
        )?,
        kiln::from_vec(data::uniform(2, 12, -1.0, 1.0), [2])?,
    ])
}

/// lda_predict: argmax(X @ W.T + b, axis=1).
fn lda_predict(v: &[Array]) -> kiln::Result<Vec<Array>> {
    let (x, w, b) = (&v[0], &v[1], &v[2]);
    let scores = (kiln::matmul(x, &kiln::matrix_transpose(w)?)? + b)?;
    Ok(vec![kiln::argmax(&scores, ReduceOpts::new().axis(1))?])
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
    Workload {
        name: "matmul",
        size: 2048 * 2048,
        describe: |n| {
            let s = (n as f64).sqrt() as usize;
            format!("2 × f32[{s}, {s}]")
        },
        inputs: matmul_inputs,
        graph: matmul,
    },
    Workload {
        name: "rocklin",
        size: 20_000 * ROCKLIN_COLS,
        describe: |n| format!("f64[{}, {ROCKLIN_COLS}]", rows(n, ROCKLIN_COLS)),
        inputs: rocklin_inputs,
        graph: rocklin,
    },
    Workload {
        name: "lda_predict",
        size: 400_000 * LDA_FEATURES,
        describe: |n| {
            format!(
                "f64[{}, {LDA_FEATURES}], W f64[2, {LDA_FEATURES}], b f64[2]",
                rows(n, LDA_FEATURES)
            )
        },
        inputs: lda_inputs,
        graph: lda_predict,
    },
];
