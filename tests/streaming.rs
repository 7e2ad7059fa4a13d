//! Kernels whose outputs are large enough to be written past the caches (runtime's
//! `stream.rs`: staged in a per-thread scratch area, then copied out with
//! non-temporal stores) give the interpreter's bits, on one thread and on two, fused
//! and eager; and small or costly kernels are not staged.

use kiln::{Array, DType, Mode};

/// Outputs of at least this many bytes are staged here (`setup`).
const STREAMED: usize = 16 << 20;

/// The streaming threshold of these tests, whatever the machine's cache (every test of
/// this file sets the same).
fn setup() {
    kiln::set_stream_min_bytes(STREAMED);
}

mod common;
use common::data;

/// Every element of `a` as bits (floats) or as a number (integers and bools), through
/// the interpreter.
fn bits(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F64 => a
            .to_vec::<f64>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect(),
        DType::F32 => a
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits() as u64)
            .collect(),
        _ => kiln::astype(a, DType::I64)
            .unwrap()
            .compute_with(Mode::Interpreter)
            .unwrap()
            .to_vec::<i64>()
            .unwrap()
            .iter()
            .map(|&v| v as u64)
            .collect(),
    }
}

/// Evaluates the arrays `build` returns in `mode` on a pool of `threads`; returns
/// their bits and how many kernels were streamed.
fn run(
    build: &(dyn Fn() -> Vec<Array> + Sync),
    mode: Mode,
    threads: usize,
) -> (Vec<Vec<u64>>, usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let outs = build();
        let refs: Vec<&Array> = outs.iter().collect();
        let stats = kiln::eval_with(&refs, mode).unwrap();
        (outs.iter().map(bits).collect(), stats.streamed)
    })
}

/// The arrays agree bitwise with the interpreter fused and eager, on one and two
/// threads, and at least `min_streamed` kernels were streamed in fused mode.
fn check(name: &str, build: &(dyn Fn() -> Vec<Array> + Sync), min_streamed: usize) {
    let (want, streamed) = run(build, Mode::Interpreter, 1);
    assert_eq!(streamed, 0, "{name}: the interpreter streams nothing");
    for mode in [Mode::Fused, Mode::Eager] {
        for threads in [1, 2] {
            let (got, streamed) = run(build, mode, threads);
            if mode == Mode::Fused {
                assert!(
                    streamed >= min_streamed,
                    "{name}: {streamed} kernels streamed, expected at least {min_streamed}"
                );
            }
            for (o, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.len(), w.len(), "{name}: output {o} length");
                if let Some(i) = (0..g.len()).find(|&i| g[i] != w[i]) {
                    panic!(
                        "{name}, {mode:?} on {threads} threads: output {o} element {i}: {:#x} against {:#x}",
                        g[i], w[i]
                    );
                }
            }
        }
    }
}

#[test]
fn streamed_outputs_agree_with_the_interpreter() {
    setup();
    // f64, one dimension: a ragged last chunk and a ragged last sub-chunk.
    let n = STREAMED / 8 + 3;
    let x = kiln::from_vec(data(n, 1), [n]).unwrap();
    check(
        "x * 3 + 1, f64",
        &|| vec![((&x * 3.0).unwrap() + 1.0).unwrap()],
        1,
    );

    // f32 rows of 515 with a broadcast row: two rows per sub-chunk, so sub-chunks
    // start at addresses that are not 16-byte aligned (the copy's unaligned head).
    let (r, c) = (STREAMED / (4 * 515) + 2, 515);
    let x32: Vec<f32> = data(r * c, 2).into_iter().map(|v| v as f32).collect();
    let x32 = kiln::from_vec(x32, [r, c]).unwrap();
    let y32: Vec<f32> = data(c, 3).into_iter().map(|v| v as f32).collect();
    let y32 = kiln::from_vec(y32, [1, c]).unwrap();
    check(
        "(x - y) * 2, f32 rows",
        &|| vec![((&x32 - &y32).unwrap() * 2.0).unwrap()],
        1,
    );

    // Two outputs of one kernel, 8 and 1 bytes per element.
    check(
        "x + 1 and x > 0.25",
        &|| vec![(&x + 1.0).unwrap(), kiln::greater(&x, 0.25).unwrap()],
        1,
    );

    // concat along axis 0: each part's kernel writes its rows into the one output, the
    // large second part (staged) at an offset.
    let top = kiln::from_vec(data(3 * c, 5), [3, c]).unwrap();
    check(
        "concat([top, x], axis 0) * 1.5, f64",
        &|| {
            let x64 = kiln::astype(&x32, DType::F64).unwrap();
            vec![(kiln::concat(&[&top, &x64], 0).unwrap() * 1.5).unwrap()]
        },
        2,
    );

    // 2-byte elements, from a cast.
    let m = STREAMED / 2 + 5;
    let z = kiln::from_vec(data(m, 4), [m]).unwrap();
    check(
        "astype(x * 1000, int16)",
        &|| vec![kiln::astype(&(&z * 1000.0).unwrap(), DType::I16).unwrap()],
        1,
    );
}

#[test]
fn small_and_costly_kernels_are_not_streamed() {
    setup();
    let n = 100_003;
    let x = kiln::from_vec(data(n, 5), [n]).unwrap();
    let small = (&x + 1.0).unwrap();
    assert_eq!(kiln::eval_with(&[&small], Mode::Fused).unwrap().streamed, 0);
    // A transcendental's kernel primes its inputs a page ahead: not staged.
    let n = STREAMED / 8 + 3;
    let x = kiln::from_vec(data(n, 6), [n]).unwrap();
    let costly = kiln::exp(&x).unwrap();
    assert_eq!(
        kiln::eval_with(&[&costly], Mode::Fused).unwrap().streamed,
        0
    );
    // A reduction writes through partial states: not staged.
    let total = kiln::sum(&x, ()).unwrap();
    assert_eq!(kiln::eval_with(&[&total], Mode::Fused).unwrap().streamed, 0);
}
