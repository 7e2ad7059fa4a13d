//! Cumulative sums and products (`Step::Scan`) for compiled plans. Every line along the
//! axis is the interpreter's sequential fold in the dtype (`interp::scan`), so the bits
//! are the interpreter's; what differs is how the lines are walked. The interpreter
//! takes one line at a time, which for a scan along an outer axis (a running total
//! over time of a [time, cell] grid) reads one element per cache line. Here the lines
//! of one outer block advance together, a row of `inner` positions per step (contiguous
//! reads and writes, and a loop the compiler vectorises), and the work is split across
//! threads into bands of positions and outer blocks: lines never span two tasks, so
//! the split cannot change a bit.

use kiln_ir::{Data, ScanOp};
use num_complex::{Complex32, Complex64};
use rayon::prelude::*;

use super::{Lanes, Shared};
use crate::error::RuntimeError;
use crate::interp::scalar_ops::complex_mul_fast;

/// Elements of work below which a scan runs on the calling thread.
const PARALLEL_ELEMENTS: usize = 1 << 16;

/// Scan `x` (seen as `lanes`) into `out`, a buffer of the output's size (`lanes.len +
/// include_initial` along the axis).
pub(crate) fn scan_into(
    op: ScanOp,
    x: &Data,
    lanes: Lanes,
    include_initial: bool,
    out: &mut Data,
) -> Result<(), RuntimeError> {
    macro_rules! go {
        ($v:expr, $o:expr, $zero:expr, $one:expr, $add:expr, $mul:expr) => {
            match op {
                ScanOp::CumSum => lines($v, $o, lanes, include_initial, $zero, $add),
                ScanOp::CumProd => lines($v, $o, lanes, include_initial, $one, $mul),
            }
        };
    }
    macro_rules! int {
        ($v:expr, $o:expr, $t:ty) => {
            go!(
                $v,
                $o,
                0 as $t,
                1 as $t,
                <$t>::wrapping_add,
                <$t>::wrapping_mul
            )
        };
    }
    match (x, out) {
        (Data::I8(v), Data::I8(o)) => int!(v, o, i8),
        (Data::I16(v), Data::I16(o)) => int!(v, o, i16),
        (Data::I32(v), Data::I32(o)) => int!(v, o, i32),
        (Data::I64(v), Data::I64(o)) => int!(v, o, i64),
        (Data::U8(v), Data::U8(o)) => int!(v, o, u8),
        (Data::U16(v), Data::U16(o)) => int!(v, o, u16),
        (Data::U32(v), Data::U32(o)) => int!(v, o, u32),
        (Data::U64(v), Data::U64(o)) => int!(v, o, u64),
        (Data::F32(v), Data::F32(o)) => go!(v, o, 0f32, 1f32, |a, b| a + b, |a, b| a * b),
        (Data::F64(v), Data::F64(o)) => go!(v, o, 0f64, 1f64, |a, b| a + b, |a, b| a * b),
        (Data::C64(v), Data::C64(o)) => go!(
            v,
            o,
            Complex32::new(0.0, 0.0),
            Complex32::new(1.0, 0.0),
            |a, b| a + b,
            complex_mul_fast()
        ),
        (Data::C128(v), Data::C128(o)) => go!(
            v,
            o,
            Complex64::new(0.0, 0.0),
            Complex64::new(1.0, 0.0),
            |a, b| a + b,
            complex_mul_fast()
        ),
        (x, _) => {
            return Err(RuntimeError::Unsupported {
                what: format!("{} on {}", op.name(), x.dtype()),
            })
        }
    }
    Ok(())
}

/// Every line of `v`: out[o, 0] = v[o, 0] (after the identity with `include_initial`),
/// out[o, k] = step(out[o, k - 1], v[o, k]).
fn lines<T: Copy + Send + Sync>(
    v: &[T],
    out: &mut [T],
    lanes: Lanes,
    include_initial: bool,
    identity: T,
    step: impl Fn(T, T) -> T + Sync,
) {
    let Lanes { outer, len, inner } = lanes;
    let m = len + include_initial as usize;
    assert_eq!(v.len(), outer * len * inner, "scan input size");
    assert_eq!(out.len(), outer * m * inner, "scan output size");
    if out.is_empty() {
        return;
    }
    if len == 0 {
        // Nothing to fold: the identity alone (with include_initial), or nothing.
        out.fill(identity);
        return;
    }
    if inner == 1 {
        // Contiguous lines, each a running fold, lines split across threads.
        let line = |(src, dst): (&[T], &mut [T])| {
            let dst = if include_initial {
                dst[0] = identity;
                &mut dst[1..]
            } else {
                dst
            };
            let mut acc = None;
            for (d, &x) in dst.iter_mut().zip(src) {
                let next = match acc {
                    None => x,
                    Some(a) => step(a, x),
                };
                *d = next;
                acc = Some(next);
            }
        };
        if outer > 1 && out.len() >= PARALLEL_ELEMENTS {
            let lines_per_task = (PARALLEL_ELEMENTS / m).max(1);
            v.par_chunks(len * lines_per_task)
                .zip(out.par_chunks_mut(m * lines_per_task))
                .for_each(|(vs, os)| vs.chunks(len).zip(os.chunks_mut(m)).for_each(line));
        } else {
            v.chunks(len).zip(out.chunks_mut(m)).for_each(line);
        }
        return;
    }
    // Tasks: an outer block and a band of its positions. Bands of at least 256
    // positions keep each row's run long; about four bands per thread balance them.
    let threads = rayon::current_num_threads().max(1);
    let band = inner.div_ceil(4 * threads).max(256).min(inner);
    let bands = inner.div_ceil(band);
    let ptr = Shared(out.as_mut_ptr());
    let task = |t: usize| {
        let (o, b) = (t / bands, t % bands);
        let (i0, i1) = (b * band, ((b + 1) * band).min(inner));
        let w = i1 - i0;
        // Row k of this task's band in the output.
        let row = |k: usize| {
            // SAFETY: rows [o, k, i0..i1) of distinct tasks are disjoint, and within a
            // task distinct k are distinct rows; `out` outlives every task.
            unsafe { std::slice::from_raw_parts_mut(ptr.get().add((o * m + k) * inner + i0), w) }
        };
        let src = |k: usize| &v[(o * len + k) * inner + i0..][..w];
        let first = if include_initial {
            row(0).fill(identity);
            1
        } else {
            0
        };
        row(first).copy_from_slice(src(0));
        for k in 1..len {
            let (prev, cur) = (&*row(first + k - 1), row(first + k));
            for ((c, &p), &x) in cur.iter_mut().zip(prev.iter()).zip(src(k)) {
                *c = step(p, x);
            }
        }
    };
    let tasks = outer * bands;
    if tasks > 1 && out.len() >= PARALLEL_ELEMENTS {
        (0..tasks).into_par_iter().for_each(task);
    } else {
        (0..tasks).for_each(task);
    }
}
