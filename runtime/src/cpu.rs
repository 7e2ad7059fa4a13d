//! The CPU executor: runs a `FusionPlan` with compiled kernels on every core.
//!
//! Each kernel's outermost loop is cut into chunks whose boundaries depend only on the
//! loop sizes (never on the thread count), and rayon runs the chunks in parallel. A
//! reduction with no kept axes gets one partial state per chunk, combined in a fixed
//! pairwise order (`partials.rs`), so results are bitwise reproducible on any pool.

use crate::cache::KernelCache;
use crate::error::RuntimeError;
use crate::partials;
use kiln_ir::plan::{FusionPlan, KernelStep, Step};
use kiln_ir::pool;
use kiln_ir::{DType, Data, Element, LibCall, Literal, ReduceOp, Scalar};
use rayon::prelude::*;
use std::sync::Arc;

/// Elements of work per chunk: large enough to amortise a task and keep the hardware
/// prefetchers streaming (2^15 measured 14% slower on sum of 100M f32 than 2^17 here,
/// 2026-12-01), small enough to balance two to sixty-four threads.
const CHUNK_ELEMENTS: usize = 1 << 17;

/// Elements per chunk of a full reduction that includes var, which makes two passes
/// over each chunk: 32 KB of f64 stays in L1 for the second (zscore 10.15 → 9.5 ms
/// against chunks of 2^17, 2026-12-01).
const VAR_CHUNK_ELEMENTS: usize = 1 << 12;

/// Least output positions per chunk of a column reduction (`sum(x, axis=0)`) whose
/// only kept axis is the one walked in vectors: each chunk reads a band of every row,
/// so the band must span whole runs of cache lines for the prefetchers to follow: 2
/// KiB of f32, 4 KiB of f64 per row. Against 256 (2026-12-04, AMD EPYC, 2 cores,
/// medians of 15, three alternations): `sum(x, axis=0)` of 4000 × 2500 f64 3.8–4.5 →
/// 3.0 ms, `max` 4.3–5.5 → 3.5–3.6, f32 `max` 2.5–2.8 → 2.1–2.3; 20000 × 300 (now
/// rows split) f32 `max` 2.2–2.6 → 1.4–1.6. Where rows are split, bands are of equal
/// widths up to the kernel's block (`column_bands`). Fewer positions than this are one
/// band.
const COLUMN_CHUNK: usize = 512;

/// A zeroed buffer of `n` elements. Large buffers ask the kernel for transparent huge
/// pages before anything touches them: a fresh 40 MB output otherwise costs ~10 000
/// page faults (measured here: 23 ms to fill 10M f32 with 4 KiB pages, 8 ms with 2 MiB
/// pages, against 8 ms to read them), which would dominate every memory-bound kernel.
/// Buffers freed earlier (intermediates, dropped arrays) are reused first (`pool`).
pub(crate) fn alloc(dtype: DType, n: usize) -> Data {
    if let Some(d) = pool::take(dtype, n) {
        return d;
    }
    let data = Data::filled(dtype, Scalar::Int(0), n);
    huge_pages(&data, false);
    data
}

/// Ask for transparent huge pages under the 2 MiB-aligned interior of a large array
/// (at least 4 MiB): before it is touched (`alloc`), or, for data that already exists,
/// with `collapse`, which moves it onto huge pages now (Linux ≥ 6.1, `MADV_COLLAPSE`;
/// a copy, paid once). Reading 100M f32 from 4 KiB pages took 22 ms here against 14 ms
/// from 2 MiB pages (TLB misses), so large host arrays handed to kiln are collapsed when
/// they become constants, as NumPy advises huge pages for its large arrays. Advice
/// only: contents never change, and failure (THP disabled, an older kernel) is harmless.
pub fn huge_pages(data: &Data, collapse: bool) {
    const HUGE: usize = 2 << 20;
    let bytes = data.len() * data.dtype().size_bytes();
    if bytes < 2 * HUGE {
        return;
    }
    let p = kiln_ir::with_data!(data, v => v.as_ptr() as usize);
    let start = (p + HUGE - 1) & !(HUGE - 1);
    let end = (p + bytes) & !(HUGE - 1);
    if end > start {
        let (addr, len) = (start as *mut libc::c_void, end - start);
        // SAFETY: [start, end) lies inside the allocation; both calls are advice that
        // never changes the contents.
        unsafe {
            libc::madvise(addr, len, libc::MADV_HUGEPAGE);
            if collapse {
                libc::madvise(addr, len, libc::MADV_COLLAPSE);
            }
        }
    }
}

/// Release the buffers kept for reuse between executions (freed intermediates and the
/// data of dropped arrays); returns the bytes released.
pub fn free_cached_buffers() -> usize {
    pool::clear()
}

/// Statistics of one execution, for logs and the workloads table.
#[derive(Clone, Debug, Default)]
pub struct ExecStats {
    pub kernels: usize,
    /// Library routines run (matmul, factorisations, sorts, FFTs).
    pub library_calls: usize,
    pub compiled: usize,
    pub cache_hits: usize,
    pub compile_ms: f64,
    /// Kernels whose outputs went to memory through non-temporal stores (`stream.rs`).
    pub streamed: usize,
    /// Whether the fusion plan was one made earlier for a graph of the same structure
    /// (`plans.rs`): no pass and no planning ran.
    pub plan_reused: bool,
}

/// A buffer while the plan runs: constants are shared, the rest owned.
enum Buf {
    Shared(Arc<Data>),
    Owned(Data),
}

impl Buf {
    fn data(&self) -> &Data {
        match self {
            Buf::Shared(d) => d,
            Buf::Owned(d) => d,
        }
    }
    #[allow(clippy::unnecessary_cast)] // the macro's u8 arm casts *mut u8 to itself
    fn ptr(&mut self) -> *mut u8 {
        match self {
            // Kernels only read constants (the planner never stores into them).
            Buf::Shared(d) => kiln_ir::with_data!(d.as_ref(), v => v.as_ptr() as *mut u8),
            Buf::Owned(d) => kiln_ir::with_data!(d, v => v.as_mut_ptr() as *mut u8),
        }
    }
}

/// Raw pointers handed to kernels on worker threads.
#[derive(Clone, Copy)]
struct SendPtr(*mut u8);
// SAFETY: chunks of one kernel write disjoint elements (the planner gives each output
// point one owner), and no buffer is freed while its kernel runs.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// The pointer (a method, so closures capture the whole Send wrapper, not the field).
    fn get(self) -> *mut u8 {
        self.0
    }
}

pub fn run(
    plan: &FusionPlan,
    constants: &[Option<Literal>],
    cache: &KernelCache,
    log: &crate::log::Log,
) -> Result<(Vec<Arc<Data>>, ExecStats), RuntimeError> {
    let mut stats = ExecStats::default();
    // Buffers are allocated when a step first needs them and freed after the last
    // step that reads them; buffers no step touches (stores fused away) never exist.
    // Constant buffers hold `constants` (a cached plan's own are unbound: `plans`).
    let mut bufs: Vec<Buf> = (plan.buffers.iter().zip(constants))
        .map(|(b, c)| match c {
            Some(l) => Buf::Shared(l.0.clone()),
            None => Buf::Owned(Data::filled(b.dtype, Scalar::Int(0), 0)),
        })
        .collect();
    let mut allocated: Vec<bool> = constants.iter().map(|c| c.is_some()).collect();
    // The last step that reads each buffer: after it, the buffer is freed (eager mode
    // would otherwise hold every intermediate to the end).
    let mut last_use = vec![usize::MAX; plan.buffers.len()];
    for (i, step) in plan.steps.iter().enumerate() {
        for b in step.reads().into_iter().chain(step.writes()) {
            last_use[b] = i;
        }
    }
    for &o in &plan.outputs {
        last_use[o] = usize::MAX;
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let needs: Vec<usize> = match step {
            Step::Kernel(k) => k.args.clone(),
            // Library routines and scans return their results in fresh vectors.
            Step::Scan { .. } | Step::Library { .. } => Vec::new(),
        };
        for b in needs {
            if !allocated[b] {
                let info = &plan.buffers[b];
                bufs[b] = Buf::Owned(alloc(info.dtype, info.shape.size()));
                allocated[b] = true;
            }
        }
        match step {
            Step::Kernel(k) => {
                stats.kernels += 1;
                run_kernel(k, &mut bufs, cache, &mut stats, log)?;
                log.cold_compiled();
            }
            Step::Scan {
                op,
                axis,
                include_initial,
                input,
                output,
            } => {
                let lanes = crate::library::Lanes::of(&plan.buffers[*input].shape, *axis);
                let info = &plan.buffers[*output];
                let mut result = alloc(info.dtype, info.shape.size());
                let x = bufs[*input].data();
                crate::library::scan::scan_into(*op, x, lanes, *include_initial, &mut result)?;
                bufs[*output] = Buf::Owned(result);
                allocated[*output] = true;
            }
            Step::Library {
                call,
                inputs,
                layouts,
                outputs,
                loc,
            } => {
                stats.library_calls += 1;
                let mut results = || -> Result<Vec<Data>, RuntimeError> {
                    Ok(match call {
                        // A buffer seen as reals or as complex numbers, read by this step
                        // only: moved and reinterpreted rather than copied.
                        LibCall::AsReal | LibCall::AsComplex
                            if last_use[inputs[0]] == i
                                && matches!(bufs[inputs[0]], Buf::Owned(_)) =>
                        {
                            let dtype = plan.buffers[inputs[0]].dtype;
                            let empty = Buf::Owned(Data::filled(dtype, Scalar::Int(0), 0));
                            let Buf::Owned(d) = std::mem::replace(&mut bufs[inputs[0]], empty)
                            else {
                                unreachable!("matched as owned")
                            };
                            vec![crate::library::reinterpret(call, d)?]
                        }
                        LibCall::Matmul => vec![crate::library::matmul::strided(
                            (bufs[inputs[0]].data(), &layouts[0]),
                            (bufs[inputs[1]].data(), &layouts[1]),
                        )?],
                        _ => {
                            // Each input is contiguous data of the shape its layout gives
                            // (a reshaped view reads its base's buffer).
                            let args: Vec<(&Data, &kiln_ir::Shape)> = inputs
                                .iter()
                                .zip(layouts)
                                .map(|(&b, l)| (bufs[b].data(), &l.shape))
                                .collect();
                            crate::library::run(call, &args)?
                        }
                    })
                };
                let results = results().map_err(|e| e.at(loc))?;
                for (out, data) in outputs.iter().zip(results) {
                    if let Some(b) = *out {
                        debug_assert_eq!(data.len(), plan.buffers[b].shape.size());
                        bufs[b] = Buf::Owned(data);
                        allocated[b] = true;
                    }
                }
            }
        }
        for (b, &last) in last_use.iter().enumerate() {
            if last == i {
                let empty = Buf::Owned(Data::filled(plan.buffers[b].dtype, Scalar::Int(0), 0));
                if let Buf::Owned(d) = std::mem::replace(&mut bufs[b], empty) {
                    pool::give(d);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(plan.outputs.len());
    let mut taken: Vec<Option<Arc<Data>>> = vec![None; bufs.len()];
    let mut bufs: Vec<Option<Buf>> = bufs.into_iter().map(Some).collect();
    for &o in &plan.outputs {
        if taken[o].is_none() {
            let d = match bufs[o].take().expect("each buffer is taken once") {
                Buf::Shared(d) => d,
                Buf::Owned(d) => Arc::new(d),
            };
            taken[o] = Some(d);
        }
        out.push(taken[o].clone().expect("just set"));
    }
    Ok((out, stats))
}

fn run_kernel(
    step: &KernelStep,
    bufs: &mut [Buf],
    cache: &KernelCache,
    stats: &mut ExecStats,
    log: &crate::log::Log,
) -> Result<(), RuntimeError> {
    let k = &step.kernel;
    let (compiled, fresh) = cache.get_or_compile(k, log)?;
    if fresh {
        stats.compiled += 1;
        stats.compile_ms += compiled.compile_time.as_secs_f64() * 1e3;
    } else {
        stats.cache_hits += 1;
    }
    let params: Vec<i64> = step
        .params
        .dims
        .iter()
        .copied()
        .chain(
            step.params
                .accesses
                .iter()
                .flat_map(|a| std::iter::once(a.offset).chain(a.strides.iter().copied())),
        )
        .collect();
    let args: Vec<SendPtr> = step.args.iter().map(|&b| SendPtr(bufs[b].ptr())).collect();
    let dims = &step.params.dims;
    let kept = k.rank - k.reduced;
    let (d0, inner) = match dims.split_first() {
        Some((&d0, rest)) => (d0 as usize, rest.iter().product::<i64>().max(1) as usize),
        None => (1, 1),
    };
    // An empty loop nest does nothing, except that a reduction over empty axes still
    // writes its identity: that happens when the kept axes are non-empty (the kernel
    // runs with zero-trip inner loops) or, for full reductions, in the combine below.
    let any_kept_empty = dims[..kept.min(dims.len())].contains(&0);
    let full_reduction = !k.reductions.is_empty() && kept == 0;
    // A column reduction to fewer positions than one of its chunks spans would run as
    // a single chunk on one thread: split its reduced rows instead (the choice, like
    // every chunk boundary, depends on the sizes only).
    if compiled.splits_rows
        && dims.len() >= 2
        && (1..COLUMN_CHUNK).contains(&d0)
        && d0 * inner >= 2 * CHUNK_ELEMENTS
    {
        let per_row = d0 * dims[2..].iter().product::<i64>().max(1) as usize;
        let rows = (CHUNK_ELEMENTS / per_row).max(1);
        let ranges = chunk_ranges(dims[1] as usize, rows);
        tile_columns(
            step,
            &compiled,
            &args,
            &params,
            bufs,
            &[(0, d0 as i64)],
            &ranges,
        );
        return Ok(());
    }
    // From 512 to 4095 positions, bands alone would leave threads idle or unevenly
    // loaded (600 positions in bands of 512 had been a band of 512 and one of 88):
    // split the rows of every band (`column_bands`) too. Not products: down an
    // unsplit column they are the interpreter's running product exactly, which tests
    // rely on.
    if compiled.splits_rows && dims.len() >= 2 {
        let prod = k.reductions.iter().any(|r| r.op == ReduceOp::Prod);
        let bands = column_bands(d0, compiled.column_block);
        let splits = column_row_splits(d0, bands.len(), dims[1] as usize, d0 * inner);
        if let (false, Some(splits)) = (prod, splits) {
            let rows = dims[1] as usize;
            let ranges = chunk_ranges(rows, rows.div_ceil(splits));
            tile_columns(step, &compiled, &args, &params, bufs, &bands, &ranges);
            return Ok(());
        }
    }
    // A full var makes two passes over each chunk; chunks that fit in L1 let the
    // second pass run while the prefetchers keep streaming the next one in. Other
    // kernels get chunks sized by their body's work (`chunk_for_work`). A full
    // reduction's chunks order its partial sums, so their size, like everything else
    // about them, depends on the kernel and the sizes only, never on the threads.
    let chunk_elements = if full_reduction && k.reductions.iter().any(|r| r.op == ReduceOp::Var) {
        VAR_CHUNK_ELEMENTS
    } else {
        chunk_for_work(k)
    };
    let rows = if compiled.walks_columns && kept == 1 {
        // Bands as wide as the kernel's block where there are COLUMN_TILES of them,
        // narrower down to COLUMN_CHUNK to make that many: argmax and products (rows
        // never split), 4096 positions or more, and problems too small or too short
        // to split.
        let band = d0
            .div_ceil(COLUMN_TILES)
            .clamp(COLUMN_CHUNK, compiled.column_block.max(COLUMN_CHUNK));
        (chunk_elements / inner).max(band)
    } else {
        (chunk_elements / inner).max(1)
    };
    let chunks = chunk_ranges(d0, rows);
    let record = if full_reduction {
        k.reductions.len() * kiln_codegen::cpu::PARTIAL_BYTES
    } else {
        0
    };
    let mut partials = vec![0u8; record * chunks.len()];
    let staging = crate::stream::plan(k, &step.params);
    stats.streamed += usize::from(staging.is_some());
    if !any_kept_empty || full_reduction {
        run_chunks(
            &compiled,
            &args,
            &params,
            &chunks,
            &mut partials,
            record,
            staging.as_ref(),
        );
    }
    if full_reduction {
        let records: Vec<&[u8]> = partials.chunks(record.max(1)).take(chunks.len()).collect();
        let starts: Vec<i64> = chunks.iter().map(|&(b, _)| b * inner as i64).collect();
        write_combined(step, bufs, &records, &starts, 0);
    }
    Ok(())
}

/// Work units (`Kernel::work_per_point`) per point up to which a kernel keeps chunks
/// of `CHUNK_ELEMENTS` loop points; a costlier body gets proportionally smaller ones.
/// At 64, chain's kernel (about 145 units: exp, log1p, tanh, a square root, a division)
/// went from 77 to 173 chunks over 10M and ran 15.6, 15.6 → 15.7–18.8 ms (A/B,
/// 2026-12-04); at 256 it keeps its chunks.
const CHUNK_WORK: u64 = 256;

/// Least points per chunk of a costly kernel.
const MIN_CHUNK_ELEMENTS: usize = 1 << 12;

/// Loop points per chunk of a kernel (but a full var): `CHUNK_ELEMENTS` for
/// a light body (a memory-bound loop, where larger chunks stream best), fewer for a
/// costly one, so that chunks take about as long as a light body's and a modest array
/// of costly work still runs on every core (a 100-op chain of sin and arithmetic on
/// 100 000 f64 was one chunk on one thread: 22.5 ms, against 13.1 with four chunks).
/// Such chunks hold whole output points (elements, rows of a row reduction, positions
/// of a column reduction), so their size changes no result, except a full
/// reduction's: its chunks order its partial sums, and a costly body sums in more
/// (smaller) chunks than a light one, in the same fixed pairwise order.
fn chunk_for_work(k: &kiln_ir::kernel::Kernel) -> usize {
    let work = k.work_per_point().max(1);
    if work <= CHUNK_WORK {
        return CHUNK_ELEMENTS;
    }
    ((CHUNK_ELEMENTS as u64 * CHUNK_WORK / work) as usize).max(MIN_CHUNK_ELEMENTS)
}

/// Chunks [begin, end) of `rows` loop positions each over [0, n), the last one ragged.
fn chunk_ranges(n: usize, rows: usize) -> Vec<(i64, i64)> {
    (0..n.div_ceil(rows))
        .map(|c| ((c * rows) as i64, ((c + 1) * rows).min(n) as i64))
        .collect()
}

/// Run the kernel on every chunk, in parallel where there are several chunks and
/// threads. Chunk i gets bytes [i·record, (i+1)·record) of `partials` for its states,
/// or a null pointer when `record` is 0 (the kernel then writes its outputs itself,
/// through the scratch area of `staging` if there is one: `stream.rs`).
fn run_chunks(
    compiled: &kiln_codegen::cpu::CompiledKernel,
    args: &[SendPtr],
    params: &[i64],
    chunks: &[(i64, i64)],
    partials: &mut [u8],
    record: usize,
    staging: Option<&crate::stream::Staging>,
) {
    debug_assert!(partials.len() >= record * chunks.len());
    debug_assert!(
        staging.is_none() || record == 0,
        "staged kernels have no partials"
    );
    let partial_ptr = SendPtr(partials.as_mut_ptr());
    let call = |i: usize, (begin, end): (i64, i64)| {
        let arg_ptrs: Vec<*mut u8> = args.iter().map(|p| p.get()).collect();
        let p = if record > 0 {
            // SAFETY: chunk i owns bytes [i*record, (i+1)*record) of `partials`.
            unsafe { partial_ptr.get().add(i * record) }
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: buffers are sized by the plan for every address the params give;
        // chunks write disjoint output elements (staged or not).
        let run = |ptrs: &[*mut u8], begin, end| unsafe {
            compiled.call(ptrs.as_ptr(), params.as_ptr(), begin, end, p)
        };
        match staging {
            // SAFETY: `run` runs the kernel over the positions it is given, and this
            // chunk's outputs are its own (a staged kernel has no reductions, so no
            // partial states: `stream::plan`).
            Some(s) => unsafe { s.run(&arg_ptrs, begin, end, run) },
            None => run(&arg_ptrs, begin, end),
        }
    };
    if chunks.len() <= 1 || rayon::current_num_threads() == 1 {
        chunks.iter().enumerate().for_each(|(i, &c)| call(i, c));
    } else {
        chunks.par_iter().enumerate().for_each(|(i, &c)| call(i, c));
    }
}

/// Combine every reduction's per-chunk states (`records[chunk]`, chunks starting at
/// flat reduced index `starts[chunk]`, for argmax) and write each result to its output
/// element `position` along loop axis 0 (0 for a full reduction).
fn write_combined(
    step: &KernelStep,
    bufs: &mut [Buf],
    records: &[&[u8]],
    starts: &[i64],
    position: i64,
) {
    for i in 0..step.kernel.reductions.len() {
        let value = combined(step, records, starts, i);
        write_value(step, bufs, i, position, value);
    }
}

/// Reduction `i`'s final value from the partial states `records` (see
/// `write_combined`), in its output's dtype.
fn combined(step: &KernelStep, records: &[&[u8]], starts: &[i64], i: usize) -> Scalar {
    let k = &step.kernel;
    let r = &k.reductions[i];
    let dtype = k.dtype(r.value);
    let correction = f64::from_bits(r.correction_bits);
    let value = partials::combine(r.op, dtype, correction, i, records, starts);
    let out_dtype = k.args[k.accesses[r.access].arg].dtype;
    final_value(r.op, dtype, out_dtype, value)
}

/// Write reduction `i`'s final `value` at output position `position`.
fn write_value(step: &KernelStep, bufs: &mut [Buf], i: usize, position: i64, value: Scalar) {
    let k = &step.kernel;
    let r = &k.reductions[i];
    let access = &step.params.accesses[r.access];
    let out = step.args[k.accesses[r.access].arg];
    let at = access.offset + position * access.strides.first().copied().unwrap_or(0);
    match &mut bufs[out] {
        Buf::Owned(d) => partials::write(d, at as usize, value),
        Buf::Shared(_) => unreachable!("outputs are never constants"),
    }
}

/// Bands of positions below which a column reduction's rows are split too
/// (`tile_columns`): eight tiles or more keep two to eight threads about evenly loaded.
const COLUMN_TILES: usize = 8;

/// Least rows of a tile of `tile_columns`.
const MIN_TILE_ROWS: usize = 64;

/// The bands of positions of a column reduction whose rows can be split: as few as
/// bands of at most `block` positions (the kernel's own, `CompiledKernel::column_block`)
/// allow, of equal widths rounded up to multiples of 8 (2500 positions in blocks of 2048
/// are bands of 1256 and 1244, not 2048 and 452). Like every chunk boundary, they
/// depend on the sizes only. 10M f32 `sum(x, axis=0)` of 4000 × 2500 on 2 threads:
/// 1.54–1.98 ms in ten tiles (five bands of 512, half the rows each), 1.10–1.11 in
/// eight (bands of 1256 and 1244, a quarter of the rows each; 2026-12-07, AMD EPYC,
/// min of 21, three alternations).
fn column_bands(positions: usize, block: usize) -> Vec<(i64, i64)> {
    let count = positions.div_ceil(block.max(COLUMN_CHUNK)).max(1);
    chunk_ranges(
        positions,
        positions.div_ceil(count).next_multiple_of(8).max(1),
    )
}

/// How many row ranges `tile_columns` cuts a column reduction of `positions` (at least
/// `COLUMN_CHUNK`) in `bands` bands over `rows` reduced rows into, or None where the
/// positions alone make `COLUMN_TILES` chunks of `COLUMN_CHUNK` or more (they then
/// run unsplit, with no states to combine), or the problem is small. Like every chunk
/// boundary, it depends on the sizes only.
fn column_row_splits(
    positions: usize,
    bands: usize,
    rows: usize,
    elements: usize,
) -> Option<usize> {
    if !(COLUMN_CHUNK..COLUMN_TILES * COLUMN_CHUNK).contains(&positions)
        || elements < 2 * CHUNK_ELEMENTS
    {
        return None;
    }
    let splits = COLUMN_TILES.div_ceil(bands).min(rows / MIN_TILE_ROWS);
    (splits >= 2).then_some(splits)
}

/// A column reduction (one kept axis, loop axis 0) run as tiles: `bands` of positions
/// times `ranges` of the reduced rows of loop axis 1, each tile by the kernel's split
/// body on the problem narrowed to its band (dims[0] the band's width, every access's
/// offset moved to the band's first position). Each tile writes one partial state per
/// position of its band; a position's states are then combined in the fixed pairwise
/// order of `partials::combine`, range after range, so the bits depend on the sizes
/// only. Fewer positions than `COLUMN_CHUNK` are one band, in ranges of about
/// `CHUNK_ELEMENTS`; one to seven bands (`column_bands`) get `column_row_splits`
/// ranges each. 10M f32 `sum(x, axis=0)`, 2 threads: [16000, 600] (a band of 512 and
/// one of 88) ran 1.87 ms against 1.40 for [10000, 1000] before (2026-12-06, AMD EPYC).
fn tile_columns(
    step: &KernelStep,
    compiled: &kiln_codegen::cpu::CompiledKernel,
    args: &[SendPtr],
    params: &[i64],
    bufs: &mut [Buf],
    bands: &[(i64, i64)],
    ranges: &[(i64, i64)],
) {
    let k = &step.kernel;
    let dims = &step.params.dims;
    let positions = dims[0] as usize;
    let record = k.reductions.len() * kiln_codegen::cpu::PARTIAL_BYTES;
    // The params of the problem narrowed to each band: dims first, then per access its
    // offset and one stride per axis (`run_kernel`'s layout).
    let band_params: Vec<Vec<i64>> = bands
        .iter()
        .map(|&(p0, p1)| {
            let mut q = params.to_vec();
            q[0] = p1 - p0;
            let mut i = dims.len();
            for a in &step.params.accesses {
                q[i] += p0 * a.strides[0];
                i += 1 + a.strides.len();
            }
            q
        })
        .collect();
    // Band b's states for row range r start at position p0·|ranges| + r·width.
    let state_at = |(p0, p1): (i64, i64), r: usize, p: i64| {
        (p0 as usize * ranges.len() + r * (p1 - p0) as usize + (p - p0) as usize) * record
    };
    let mut partials = vec![0u8; positions * ranges.len() * record];
    let base = SendPtr(partials.as_mut_ptr());
    let tiles: Vec<(usize, usize)> = (0..bands.len())
        .flat_map(|b| (0..ranges.len()).map(move |r| (b, r)))
        .collect();
    let call = |&(b, r): &(usize, usize)| {
        let arg_ptrs: Vec<*mut u8> = args.iter().map(|p| p.get()).collect();
        let (begin, end) = ranges[r];
        let band = bands[b];
        // SAFETY: the band's params address only the band's positions of buffers sized
        // for the whole problem; tile (b, r) owns its band's states for range r.
        unsafe {
            let states = base.get().add(state_at(band, r, band.0));
            compiled.call(
                arg_ptrs.as_ptr(),
                band_params[b].as_ptr(),
                begin,
                end,
                states,
            )
        }
    };
    if rayon::current_num_threads() == 1 {
        tiles.iter().for_each(call);
    } else {
        tiles.par_iter().for_each(call);
    }
    // Each position's states combined across the pool (2500 positions of four
    // ranges took 0.16 ms on one thread), then written.
    let n = k.reductions.len();
    let mut values = vec![Scalar::Int(0); positions * n];
    let combine = |(p, out): (usize, &mut [Scalar])| {
        let band = bands[bands.partition_point(|b| b.1 <= p as i64)];
        let records: Vec<&[u8]> = (0..ranges.len())
            .map(|r| &partials[state_at(band, r, p as i64)..][..record])
            .collect();
        for (i, v) in out.iter_mut().enumerate() {
            *v = combined(step, &records, &[], i);
        }
    };
    if positions * ranges.len() < PARALLEL_COMBINE {
        values.chunks_mut(n).enumerate().for_each(combine);
    } else {
        values.par_chunks_mut(n).enumerate().for_each(combine);
    }
    for (p, row) in values.chunks(n).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            write_value(step, bufs, i, p as i64, v);
        }
    }
}

/// Partial states (positions times ranges) from which `tile_columns` combines them on
/// the pool.
const PARALLEL_COMBINE: usize = 4096;

/// Round a combined f64 result to the output dtype (e.g. float32 sums).
fn final_value(op: ReduceOp, dtype: DType, out: DType, v: Scalar) -> Scalar {
    match (op, v) {
        (ReduceOp::ArgMax | ReduceOp::ArgMin, v) => v,
        (_, Scalar::Float(x)) if out == DType::F32 || dtype == DType::F32 => {
            Scalar::Float(f32::from_scalar(Scalar::Float(x)) as f64)
        }
        (_, v) => v,
    }
}
