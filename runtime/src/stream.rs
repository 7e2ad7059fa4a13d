//! Outputs written past the caches: an elementwise kernel whose outputs are much larger
//! than the caches runs each chunk in sub-chunks whose outputs land in a small
//! per-thread scratch area that stays in L1, and each sub-chunk's outputs are then
//! copied to their buffers with non-temporal stores.
//!
//! Why: a plain store to memory first reads the cache line it writes (the read for
//! ownership), so a kernel that reads one array and writes another moves three bytes
//! for every two it needs. Non-temporal stores skip that read. Cranelift has no such
//! store, so the kernel writes to the scratch area (its output pointers are shifted so
//! that the sub-chunk's first output element lands at the scratch area's start, and
//! the kernel's own addressing does the rest) and a copy loop written with the
//! standard library's intrinsics streams it out. The kernel and its results are
//! unchanged; only where its stores go first is.
//!
//! Measured here (AMD EPYC, 2 cores, 2026-12-05; docs/benchmarks.md): in C, `x + 1`
//! over 10M f64 took 3.9–4.1 ms with plain stores, 3.1–3.2 ms with non-temporal ones,
//! and 3.2–3.3 ms staged through 8 KiB of scratch like this; staged through 16 KiB or
//! more it took 4.1–5.0 ms (the scratch no longer stays in L1 beside the inputs
//! streaming through): hence the small `STAGE_BYTES`. Which kernels gain, and from
//! what size: `STREAM_BYTES_PER_WORK`, `min_bytes`.

use kiln_ir::kernel::{Instr, Kernel, KernelParams, Stride};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Bytes of one sub-chunk's outputs and moving inputs together: the scratch area
/// and the inputs streaming past it must fit in L1 side by side (32 KiB here).
const STAGE_BYTES: usize = 16 << 10;

/// Least loop points per sub-chunk (unless the loop has fewer): each one is a kernel
/// call.
const MIN_STAGE_POINTS: usize = 256;

/// The outputs' size from which they are streamed when the last-level cache's size
/// is unknown.
const DEFAULT_MIN_BYTES: usize = 32 << 20;

/// The threshold set by `set_min_bytes` (0: none set).
static MIN_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Least bytes of a kernel's outputs for them to be streamed past the caches: the
/// size of the last-level cache (Linux's sysfs; 32 MiB where unknown), or
/// `KILN_STREAM_MIN_BYTES` (a positive number of bytes; anything else is ignored), or
/// what `set_min_bytes` set. Smaller outputs may still be in the cache when the next
/// step reads them, which a non-temporal store would forfeit: on the machine of
/// docs/benchmarks.md (32 MiB of L3), eager `(x + 1) * 2` over f64 took 1.29 ms
/// streamed against 1.05 plain at 2M elements (16 MiB per array), 2.60 against
/// 2.83–2.89 at 4M (32 MiB) and 6.35 against 8.15 at 10M.
pub fn min_bytes() -> usize {
    match MIN_BYTES.load(Ordering::Relaxed) {
        0 => {
            static DEFAULT: OnceLock<usize> = OnceLock::new();
            *DEFAULT.get_or_init(|| {
                std::env::var("KILN_STREAM_MIN_BYTES")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .filter(|&b| b > 0)
                    .or_else(last_level_cache_bytes)
                    .unwrap_or(DEFAULT_MIN_BYTES)
            })
        }
        set => set,
    }
}

/// Set `min_bytes` for this process (`usize::MAX`: never stream; 0: back to the
/// default).
pub fn set_min_bytes(bytes: usize) {
    MIN_BYTES.store(bytes, Ordering::Relaxed);
}

/// The size of CPU 0's highest-level cache, as Linux reports it.
fn last_level_cache_bytes() -> Option<usize> {
    let dir = std::path::Path::new("/sys/devices/system/cpu/cpu0/cache");
    let mut best: Option<(u32, usize)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let read = |name: &str| std::fs::read_to_string(entry.path().join(name)).ok();
        let (Some(level), Some(size)) = (read("level"), read("size")) else {
            continue;
        };
        let Ok(level) = level.trim().parse::<u32>() else {
            continue;
        };
        let size = size.trim();
        let (digits, unit) = match size.strip_suffix('K') {
            Some(d) => (d, 1 << 10),
            None => match size.strip_suffix('M') {
                Some(d) => (d, 1 << 20),
                None => (size, 1),
            },
        };
        let Ok(n) = digits.parse::<usize>() else {
            continue;
        };
        if best.is_none_or(|(l, _)| level > l) {
            best = Some((level, n * unit));
        }
    }
    best.map(|(_, bytes)| bytes)
}

/// Most work per loop point (`Kernel::work_per_point`, cheap operations only) per
/// byte each point moves to or from memory, over `STREAM_BYTES_PER_WORK`: staging
/// pays only where memory bounds the loop. The copy out of a sub-chunk waits on its
/// non-temporal stores (a few write-combining buffers) while the core computes
/// nothing, where plain stores drain to memory while the loop goes on, so a loop with
/// more arithmetic than memory traffic loses by it. 10M f64, medians of 21, staged
/// against plain stores, two alternations (2026-12-05, before this rule): eight cheap
/// operations 3.3 against 2.8 ms, `x / 3` 4.3 against 3.6 (a division is costlier
/// than its 4 units here), `sqrt(x)` 6.7 against 6.0, a transcendental's kernel 15%
/// slower (chain, which also primes its inputs' prefetch a page ahead, codegen's
/// `prime`: sub-chunks cut that short). With the rule (all staged, two alternations):
/// `x + 1` 3.0–3.1 against 3.8–3.9, `where(x > a, x, 0)` 2.4–2.5 against 3.7–3.9,
/// `x * y + x` 4.7–4.8 against 5.6–5.8, f64 to f32 2.4–2.5 against 2.5–2.7, f32
/// `x + 1` 1.55–1.59 against 1.54–1.71.
const STREAM_BYTES_PER_WORK: u64 = 2;

/// How a kernel's outputs are staged (`plan`).
#[derive(Debug)]
pub struct Staging {
    outputs: Vec<Staged>,
    /// Loop positions along axis 0 per sub-chunk.
    rows: usize,
    /// Loop points per position along axis 0.
    inner: usize,
    /// Scratch bytes per sub-chunk, all outputs.
    scratch_bytes: usize,
}

/// One staged output.
#[derive(Debug)]
struct Staged {
    arg: usize,
    /// Element bytes.
    bytes: usize,
    /// Element offset of the output's loop point 0.
    offset: i64,
    /// Where the output's part of the scratch area starts (bytes, 64-aligned).
    at: usize,
}

/// Whether (and how) to stage the outputs of a kernel launch: an elementwise kernel
/// (no reductions) of cheap operations that moves at least `STREAM_BYTES_PER_WORK`
/// bytes per unit of work, whose every output is written once per loop point, densely
/// in loop order (so that the points of a sub-chunk are one contiguous run of each
/// output), with at least `min_bytes()` of outputs and rows small enough to stage.
pub fn plan(k: &Kernel, params: &KernelParams) -> Option<Staging> {
    if !k.reductions.is_empty() || k.rank == 0 || !cfg!(target_arch = "x86_64") {
        return None;
    }
    let dims = &params.dims;
    let points: usize = dims.iter().map(|&d| d as usize).product();
    let output_bytes: usize = k
        .args
        .iter()
        .filter(|a| a.output)
        .map(|a| a.dtype.size_bytes())
        .sum();
    if output_bytes * points < min_bytes() {
        return None;
    }
    let inner: usize = dims[1..]
        .iter()
        .map(|&d| d as usize)
        .product::<usize>()
        .max(1);
    // The accesses that touch memory (an index value's access reads none).
    let loads = k.instrs.iter().filter_map(|(i, _)| match *i {
        Instr::Load { access } => Some(access),
        _ => None,
    });
    let mut memory: Vec<usize> = loads.chain(k.stores.iter().map(|s| s.access)).collect();
    memory.sort_unstable();
    memory.dedup();
    let mut outputs = Vec::new();
    let mut scratch_bytes = 0;
    for (arg, a) in k.args.iter().enumerate() {
        if !a.output {
            continue;
        }
        // written through one access, read through none, dense in loop order
        let mut uses = memory.iter().filter(|&&m| k.accesses[m].arg == arg);
        let (Some(&access), None) = (uses.next(), uses.next()) else {
            return None;
        };
        if !k.stores.iter().any(|s| s.access == access)
            || !dense(dims, &params.accesses[access].strides)
        {
            return None;
        }
        let bytes = a.dtype.size_bytes();
        outputs.push(Staged {
            arg,
            bytes,
            offset: params.accesses[access].offset,
            at: 0,
        });
    }
    if outputs.is_empty() {
        return None;
    }
    // Bytes per loop point: the outputs (every one is staged), and every input that
    // moves.
    let in_bytes: usize = memory
        .iter()
        .map(|&m| &k.accesses[m])
        .filter(|a| !k.args[a.arg].output && a.strides.iter().any(|&s| s != Stride::Zero))
        .map(|a| k.args[a.arg].dtype.size_bytes())
        .sum();
    // Cheap operations only (each counts 1), and little work per byte.
    let work = k.work_per_point();
    let cheap = work == (k.instrs.len() + k.stores.len()) as u64;
    let traffic = output_bytes + in_bytes;
    if !cheap || work * STREAM_BYTES_PER_WORK > traffic as u64 {
        return None;
    }
    let rows = STAGE_BYTES / (inner * traffic);
    if rows == 0 || rows * inner < MIN_STAGE_POINTS.min(points) {
        return None;
    }
    for o in &mut outputs {
        o.at = scratch_bytes;
        scratch_bytes += (rows * inner * o.bytes).next_multiple_of(64);
    }
    Some(Staging {
        outputs,
        rows,
        inner,
        scratch_bytes,
    })
}

/// Whether an access with these element strides visits the loop points in order, one
/// element after another (axes of size 1 do not move it).
fn dense(dims: &[i64], strides: &[i64]) -> bool {
    let mut expected = 1;
    for (&d, &s) in dims.iter().zip(strides).rev() {
        if d > 1 && s != expected {
            return false;
        }
        expected *= d;
    }
    true
}

/// A cache line of scratch.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

thread_local! {
    /// Each thread's scratch area.
    static SCRATCH: RefCell<Vec<Line>> = const { RefCell::new(Vec::new()) };
}

impl Staging {
    /// Run `call(args, begin, end)` over [begin, end) in sub-chunks, each with the
    /// outputs in `args` redirected to this thread's scratch area, then stream each
    /// sub-chunk's outputs to the buffers `args` points at.
    ///
    /// # Safety
    /// `args` holds the launch's buffer pointers and `call` runs the kernel over the
    /// loop positions it is given with those pointers: every output element of
    /// positions [begin, end) is written by `call` and by nobody else meanwhile.
    pub unsafe fn run(
        &self,
        args: &[*mut u8],
        begin: i64,
        end: i64,
        call: impl Fn(&[*mut u8], i64, i64),
    ) {
        SCRATCH.with_borrow_mut(|scratch| {
            let lines = self.scratch_bytes.div_ceil(64);
            if scratch.len() < lines {
                scratch.resize(lines, Line([0; 64]));
            }
            let base = scratch.as_mut_ptr() as *mut u8;
            let mut shifted = args.to_vec();
            let mut at = begin;
            while at < end {
                let to = (at + self.rows as i64).min(end);
                let first = |o: &Staged| (o.offset + at * self.inner as i64) as usize * o.bytes;
                for o in &self.outputs {
                    // The kernel writes element e at args[arg] + e·bytes: shifted so
                    // that the sub-chunk's first element lands at the scratch's start
                    // (an address computed, never dereferenced outside the scratch).
                    shifted[o.arg] = base.wrapping_add(o.at).wrapping_sub(first(o));
                }
                call(&shifted, at, to);
                let points = (to - at) as usize * self.inner;
                for o in &self.outputs {
                    // SAFETY: the scratch holds the sub-chunk's `points` elements of
                    // this output, just written; the destination is their place in
                    // the output buffer, which the caller gives this chunk alone.
                    unsafe {
                        stream_copy(args[o.arg].add(first(o)), base.add(o.at), points * o.bytes)
                    };
                }
                at = to;
            }
            fence();
        });
    }
}

/// Copy `len` bytes from `src` to `dst`: whole 64-byte lines of `dst` with
/// non-temporal stores, the partial lines at either end with plain ones (a partly
/// written line leaves the write-combining buffer as a partial write, which costs
/// more than its read for ownership; sub-chunks and chunks need not start on a line,
/// and buffers start 16 bytes into a page).
///
/// # Safety
/// As `std::ptr::copy_nonoverlapping`.
#[cfg(target_arch = "x86_64")]
unsafe fn stream_copy(dst: *mut u8, src: *const u8, len: usize) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
    let head = dst.align_offset(64).min(len);
    let lines = (len - head) / 64;
    // SAFETY: within [0, len) of both ranges (caller); the streamed stores are to
    // 16-byte aligned addresses.
    unsafe {
        std::ptr::copy_nonoverlapping(src, dst, head);
        for l in 0..lines {
            let at = head + 64 * l;
            for j in (0..64).step_by(16) {
                let v = _mm_loadu_si128(src.add(at + j) as *const __m128i);
                _mm_stream_si128(dst.add(at + j) as *mut __m128i, v);
            }
        }
        let done = head + 64 * lines;
        std::ptr::copy_nonoverlapping(src.add(done), dst.add(done), len - done);
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn stream_copy(dst: *mut u8, src: *const u8, len: usize) {
    // SAFETY: as the caller's.
    unsafe { std::ptr::copy_nonoverlapping(src, dst, len) }
}

/// Orders this thread's non-temporal stores before anything it does next (they are
/// weakly ordered): before the chunk counts as done and another thread reads it.
fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: sfence has no preconditions (SSE, part of x86-64).
    unsafe {
        std::arch::x86_64::_mm_sfence()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_accesses_visit_the_points_in_order() {
        assert!(dense(&[5, 3], &[3, 1]));
        assert!(dense(&[7], &[1]));
        // axes of size 1 do not move the access, whatever their stride
        assert!(dense(&[5, 1, 3], &[3, 99, 1]));
        assert!(dense(&[1, 4], &[0, 1]));
        assert!(!dense(&[5, 3], &[1, 5])); // transposed
        assert!(!dense(&[5, 3], &[6, 1])); // every other row
        assert!(!dense(&[7], &[-1])); // reversed
        assert!(!dense(&[5, 3], &[0, 1])); // broadcast along axis 0
    }

    #[test]
    fn stream_copy_copies_every_byte_at_any_alignment() {
        let src: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for shift in 0..17 {
            for len in [0, 1, 15, 16, 17, 63, 64, 65, 130, 200] {
                let mut dst = vec![0xAAu8; 300];
                // SAFETY: both ranges lie inside their vectors and do not overlap.
                unsafe { stream_copy(dst.as_mut_ptr().add(shift), src.as_ptr().add(5), len) };
                fence();
                assert!(
                    dst[..shift].iter().all(|&b| b == 0xAA),
                    "{shift} {len}: before"
                );
                assert_eq!(&dst[shift..shift + len], &src[5..5 + len], "{shift} {len}");
                assert!(
                    dst[shift + len..].iter().all(|&b| b == 0xAA),
                    "{shift} {len}: after"
                );
            }
        }
    }

    #[test]
    fn the_threshold_can_be_set_and_restored() {
        let default = min_bytes();
        assert!(default > 0);
        set_min_bytes(1234);
        assert_eq!(min_bytes(), 1234);
        set_min_bytes(0);
        assert_eq!(min_bytes(), default);
    }
}
