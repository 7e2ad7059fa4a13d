//! kiln-runtime: everything that touches memory and devices.
//!
//! `execute` runs a graph: the passes and the fusion planner of kiln-ir, kernels
//! compiled by kiln-codegen (cached by structure), run on all cores by the CPU
//! executor. `Mode::Eager` runs the same engine with fusion off (one kernel per op);
//! `Mode::Interpreter` runs the reference interpreter (`interp`), the oracle every
//! compiled path is tested against.

pub mod cache;
pub mod cpu;
pub mod error;
pub mod interp;
pub mod library;
pub mod log;
mod partials;
mod plans;
mod stream;

pub use cpu::{free_cached_buffers, huge_pages, ExecStats};
pub use error::RuntimeError;
pub use stream::{min_bytes as stream_min_bytes, set_min_bytes as set_stream_min_bytes};

use kiln_ir::{Data, Device, Graph};
use std::sync::{Arc, OnceLock};

/// How a graph is executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Optimise, fuse into few kernels, compile, run on all cores.
    #[default]
    Fused,
    /// The same engine with fusion off: one kernel per op, every intermediate stored.
    Eager,
    /// The reference interpreter.
    Interpreter,
}

impl Mode {
    /// The mode `KILN_MODE` (fused | eager | interpreter) asks for, else `Fused`.
    pub fn from_env() -> Mode {
        static MODE: OnceLock<Mode> = OnceLock::new();
        *MODE.get_or_init(|| match std::env::var("KILN_MODE").as_deref() {
            Ok("eager") => Mode::Eager,
            Ok("interpreter") | Ok("interp") => Mode::Interpreter,
            _ => Mode::Fused,
        })
    }
}

/// The process-wide kernel cache.
pub fn cache() -> Result<&'static cache::KernelCache, RuntimeError> {
    static CACHE: OnceLock<Result<cache::KernelCache, RuntimeError>> = OnceLock::new();
    CACHE
        .get_or_init(cache::KernelCache::new)
        .as_ref()
        .map_err(|e| e.clone())
}

/// Evaluate every output of `graph` in `mode`.
pub fn execute(graph: &Graph, mode: Mode) -> Result<(Vec<Arc<Data>>, ExecStats), RuntimeError> {
    if let Some(n) = graph
        .nodes
        .iter()
        .find(|n| matches!(n.meta.device, Device::Cuda(_)))
    {
        return Err(RuntimeError::NoDevice {
            device: n.meta.device.to_string(),
            why: "kiln has no CUDA backend yet; build the array on Device::Cpu".into(),
        });
    }
    if mode == Mode::Interpreter {
        // The interpreter materialises every node but the constants.
        for n in graph.nodes.iter() {
            if !matches!(n.op, kiln_ir::Op::Constant(_)) {
                allocatable((n.func, n.loc), &n.meta.shape, n.meta.dtype)?;
            }
        }
        return Ok((interp::run(graph)?, ExecStats::default()));
    }
    let log = log::Log::get();
    let eager = mode == Mode::Eager;
    // A graph of a structure planned before runs that plan (`plans`), unless the
    // passes or the plan are to be shown.
    let key = (!log.passes && !log.plan).then(|| plans::Key::of(graph, eager));
    if let Some(hit) = key.as_ref().and_then(plans::get) {
        let constants = hit.bind(graph);
        check_allocatable(&hit.plan, &constants, &hit.funcs)?;
        log.plan_reused(hit.plan.steps.len());
        let (values, mut stats) = cpu::run(&hit.plan, &constants, cache()?, log)?;
        stats.plan_reused = true;
        return Ok((values, stats));
    }
    // Text is only rendered when KILN_LOG asks for it: formatting would cost more
    // than a small cached call.
    let optimised = kiln_ir::passes::optimize(graph, |name, g| {
        if log.passes {
            log.pass(name, &g.explain())
        }
    });
    no_complex_kernels(&optimised)?;
    let plan = kiln_ir::plan::plan_with(&optimised, eager);
    if log.plan {
        log.plan(&plan.to_string());
    }
    let constants: Vec<_> = plan.buffers.iter().map(|b| b.constant.clone()).collect();
    let funcs: Vec<_> = (plan.buffers.iter())
        .map(|b| {
            let n = optimised.node(b.node);
            (n.func, n.loc)
        })
        .collect();
    check_allocatable(&plan, &constants, &funcs)?;
    let Some(key) = key else {
        return cpu::run(&plan, &constants, cache()?, log);
    };
    match plans::Cached::new(plan, graph, funcs) {
        Ok(cached) => {
            let cached = Arc::new(cached);
            plans::insert(key, cached.clone());
            cpu::run(&cached.plan, &constants, cache()?, log)
        }
        // Not expected (the passes keep every constant's data): run it uncached.
        Err(plan) => {
            debug_assert!(
                false,
                "a constant buffer's data is no constant of the graph"
            );
            cpu::run(&plan, &constants, cache()?, log)
        }
    }
}

/// `allocatable` for every buffer that is not a constant, naming the function that
/// builds it and where (`funcs`, per buffer).
fn check_allocatable(
    plan: &kiln_ir::plan::FusionPlan,
    constants: &[Option<kiln_ir::Literal>],
    funcs: &[(&'static str, kiln_ir::Loc)],
) -> Result<(), RuntimeError> {
    for ((b, c), &origin) in plan.buffers.iter().zip(constants).zip(funcs) {
        if c.is_none() {
            allocatable(origin, &b.shape, b.dtype)?;
        }
    }
    Ok(())
}

/// Buffers from this size up are tried with the allocator before a computation runs.
const PROBE_BYTES: usize = 1 << 30;

/// An error naming the function whose result the allocator refuses, before anything
/// runs: Rust aborts the process when an allocation fails, so a result larger than the
/// machine can hold (`zeros([1 << 40])`: 8 TiB) must be caught ahead of time. Only
/// large buffers are tried, each alone (an allocation of untouched memory, freed at
/// once: a few µs); buffers that each fit but not together can still exhaust memory
/// as they are filled, as in NumPy.
fn allocatable(
    (func, at): (&'static str, kiln_ir::Loc),
    shape: &kiln_ir::Shape,
    dtype: kiln_ir::DType,
) -> Result<(), RuntimeError> {
    // Every node's bytes fit in an isize (`Expr`'s check), so this cannot overflow.
    let bytes = shape.size() * dtype.size_bytes();
    if bytes < PROBE_BYTES || Vec::<u8>::new().try_reserve_exact(bytes).is_ok() {
        return Ok(());
    }
    Err(RuntimeError::Memory {
        func,
        bytes,
        shape: shape.to_string(),
        dtype: dtype.to_string(),
        at: at.to_string(),
    })
}

/// After complex lowering, complex values may only be constants and library-call
/// inputs and results: any other node on complex data would need a complex kernel,
/// which kiln does not have. Name it rather than fail inside code generation.
fn no_complex_kernels(g: &Graph) -> Result<(), RuntimeError> {
    let complex = |id: &kiln_ir::NodeId| g.node(*id).meta.dtype.is_complex();
    for n in &g.nodes {
        let on_complex = n.meta.dtype.is_complex() || n.inputs.iter().any(complex);
        // Constants, library calls and scans (their own steps, run by routines that take
        // complex values) may stay complex; nothing else may reach a kernel.
        let routine = matches!(
            n.op,
            kiln_ir::Op::Constant(_) | kiln_ir::Op::Library { .. } | kiln_ir::Op::Scan { .. }
        );
        if on_complex && !routine {
            let dtype = match n.meta.dtype.is_complex() {
                true => n.meta.dtype,
                false => g.node(n.inputs[0]).meta.dtype,
            };
            return Err(RuntimeError::Compile {
                what: format!(
                    "{} at {}: kiln's compiled modes have no formula for {} on {dtype} yet \
                     (Mode::Interpreter evaluates it)",
                    n.func, n.loc, n.op
                ),
            });
        }
    }
    Ok(())
}
