//! Compile time of a 20-op elementwise kernel, and the overhead of a cached call.
//!
//! `cargo run --release --example overhead`
//!
//! The 20-op kernels, on f32: arithmetic alone; arithmetic with exp, log1p, tanh and
//! sqrt; and sin, cos, pow, atan2. Each of 20 variants differs in a constant, so each
//! compiles afresh (constants are part of a kernel's structure). The cached calls
//! evaluate `x*2 + 1` on 1000 elements, and the 20-op arithmetic kernel on 10, again
//! and again: everything from the graph to the result except compiling (the passes and
//! the planner run on every call; only the machine code is cached).
//!
//! Then each kind's run time on 2M elements, f32 and f64 (`KILN_MATH_CALLS=never`
//! against the default shows what calling the math functions costs or saves at run
//! time). The first kernel of each kind is also shown: it is the first in the process to use
//! its math functions, and a kernel that calls them (rather than inlining them, see
//! codegen/src/cpu/library.rs) compiles each function once then.

use std::time::Instant;

/// Step `k` (0 to 4) of a 20-op chain: the next value from the last one `y` and the
/// input `x`.
type Step = fn(usize, &kiln::Array, &kiln::Array) -> kiln::Result<kiln::Array>;

/// x·c, then 19 steps cycling through `step`'s five kinds.
fn twenty(x: &kiln::Array, c: f64, step: Step) -> kiln::Result<kiln::Array> {
    let mut y = (x * c)?;
    for i in 0..19 {
        y = step(i % 5, &y, x)?;
    }
    Ok(y)
}

/// Arithmetic with exp, log1p, tanh and sqrt.
fn transcendental(k: usize, y: &kiln::Array, x: &kiln::Array) -> kiln::Result<kiln::Array> {
    match k {
        0 => y + 0.5,
        1 => kiln::exp(&(-&kiln::square(y)?)?),
        2 => kiln::log1p(&kiln::abs(y)?),
        3 => kiln::tanh(&(y - x)?),
        _ => kiln::sqrt(&((y * y)? + 1.0)?),
    }
}

/// The costliest functions to compile: sin and cos (each with its branch to the
/// Payne–Hanek reduction), pow and atan2.
fn heavy(k: usize, y: &kiln::Array, x: &kiln::Array) -> kiln::Result<kiln::Array> {
    match k {
        0 => y + 0.5,
        1 => kiln::sin(y),
        2 => kiln::cos(&(y * x)?),
        3 => kiln::pow(&(&kiln::abs(y)? + 1.0)?, x),
        _ => kiln::atan2(y, x),
    }
}

/// Arithmetic only (add, multiply, divide, maximum, sqrt).
fn arithmetic(k: usize, y: &kiln::Array, x: &kiln::Array) -> kiln::Result<kiln::Array> {
    match k {
        0 => y + 0.5,
        1 => y * x,
        2 => y / 1.5,
        3 => kiln::maximum(y, x),
        _ => kiln::sqrt(y),
    }
}

fn compile_times(x: &kiln::Array, name: &str, step: Step) -> kiln::Result<()> {
    let mut compile_ms = Vec::new();
    let mut first = 0.0;
    for k in 0..20 {
        let y = twenty(x, 1.0 + k as f64 * 1e-3, step)?;
        let stats = kiln::eval_with(&[&y], kiln::Mode::Fused)?;
        assert_eq!(stats.compiled, 1, "each variant compiles once: {stats:?}");
        if k == 0 {
            first = stats.compile_ms;
        }
        compile_ms.push(stats.compile_ms);
    }
    compile_ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "compile, 20-op kernel ({name}): median {:.2} ms, max {:.2} ms, first {first:.2} ms (20 kernels)",
        compile_ms[10], compile_ms[19]
    );
    Ok(())
}

/// The run time of the 20-op kernel on 2M elements of f32 and of f64 (median of 7,
/// compile time left out), and the sum of its result as a checksum.
fn run_times(name: &str, step: Step) -> kiln::Result<()> {
    let n = 2_000_000;
    let values: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 + 0.1)
        .collect();
    let x64 = kiln::from_vec(values, [n])?;
    let x32 = kiln::astype(&x64, kiln::DType::F32)?;
    kiln::eval(&[&x64, &x32])?;
    for (width, x) in [("f32", &x32), ("f64", &x64)] {
        let mut ms = Vec::new();
        let mut checksum = 0.0;
        for _ in 0..7 {
            let y = twenty(x, 1.0, step)?;
            let t = Instant::now();
            let stats = kiln::eval_with(&[&y], kiln::Mode::Fused)?;
            ms.push(t.elapsed().as_secs_f64() * 1e3 - stats.compile_ms);
            let total = kiln::sum(&kiln::astype(&y, kiln::DType::F64)?, ())?;
            checksum = total.to_vec::<f64>()?[0];
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "run, 20-op kernel ({name}) on {width}[{n}]: median {:.1} ms, min {:.1} ms, checksum {checksum:.10e}",
            ms[3], ms[0]
        );
    }
    Ok(())
}

fn main() -> kiln::Result<()> {
    let x = kiln::from_vec(vec![0.25f32; 1000], [1000])?;
    let kinds: [(&str, Step); 3] = [
        ("arithmetic and sqrt", arithmetic),
        ("with exp, log1p, tanh", transcendental),
        ("with sin, cos, pow, atan2", heavy),
    ];
    for (name, step) in kinds {
        compile_times(&x, name, step)?;
    }
    for (name, step) in kinds {
        run_times(name, step)?;
    }
    cached_calls("x*2 + 1 on f32[1000]", &|| &(&x * 2.0)? + 1.0)?;
    // The 20-op arithmetic kernel on 10 elements: the optimiser and the planner see
    // 21 nodes on every call, and the arithmetic costs next to nothing.
    let small = kiln::from_vec(vec![0.25f32; 10], [10])?;
    cached_calls("the 20-op arithmetic kernel on f32[10]", &|| {
        twenty(&small, 1.0, arithmetic)
    })?;
    Ok(())
}

/// The time of `eval` of a graph whose kernels are cached (building the graph left
/// out): everything from the graph to the result but compiling, 20,000 calls.
fn cached_calls(what: &str, build: &dyn Fn() -> kiln::Result<kiln::Array>) -> kiln::Result<()> {
    let mut times = Vec::new();
    for _ in 0..20_000 {
        let y = build()?;
        let t = Instant::now();
        let stats = kiln::eval_with(&[&y], kiln::Mode::Fused)?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
        if times.len() > 1 {
            assert_eq!(
                stats.compiled, 0,
                "a cached call compiles nothing: {stats:?}"
            );
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "cached call ({what}): median {:.1} us, 90th percentile {:.1} us",
        times[times.len() / 2],
        times[times.len() * 9 / 10]
    );
    Ok(())
}
