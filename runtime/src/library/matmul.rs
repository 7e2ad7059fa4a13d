//! Matrix products over equal batch axes: `a[..., m, k] @ b[..., k, n]`, each operand
//! read through a layout (offset and strides), so transposed and broadcast operands are
//! not copied.
//!
//! Floating and complex dtypes go through the `gemm` crate (blocked, vectorised, on
//! rayon; each output element is one dot product over k, whose order does not depend on
//! the thread count). Integer dtypes use a plain row-parallel loop with wrapping
//! arithmetic, as NumPy's integer matmul does. `naive` is the interpreter's independent
//! version.

use super::Shared;
use crate::error::RuntimeError;
use kiln_ir::layout::Layout;
use kiln_ir::{Data, Element, Shape};
use num_complex::{Complex, Complex32, Complex64};
use num_traits::{One, WrappingAdd, WrappingMul, Zero};
use rayon::prelude::*;

/// Batch count and m, k, n of a product of the given shapes.
fn dims(a: &Shape, b: &Shape) -> (usize, usize, usize, usize) {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k, n) = (a.0[ra - 2], a.0[ra - 1], b.0[rb - 1]);
    let batch = a.0[..ra - 2].iter().product();
    (batch, m, k, n)
}

fn mismatch(a: &Data, b: &Data) -> RuntimeError {
    RuntimeError::Unsupported {
        what: format!("matmul of {} with {}", a.dtype(), b.dtype()),
    }
}

/// One operand as the product reads it: the start of each matrix of the batch (in
/// elements), and the row and column strides of every matrix.
struct Operand {
    starts: Vec<isize>,
    rs: isize,
    cs: isize,
}

impl Operand {
    fn of(l: &Layout) -> Operand {
        let r = l.rank();
        let batch = Shape::new(&l.shape.0[..r - 2]);
        let mut starts = vec![l.offset; batch.size()];
        let bs = batch.strides();
        for (i, s) in starts.iter_mut().enumerate() {
            for (ax, &st) in bs.iter().enumerate() {
                *s += ((i / st) % batch.0[ax]) as isize * l.strides[ax];
            }
        }
        Operand {
            starts,
            rs: l.strides[r - 2],
            cs: l.strides[r - 1],
        }
    }
}

/// The product of two contiguous operands.
pub fn gemm((a, sa): (&Data, &Shape), (b, sb): (&Data, &Shape)) -> Result<Data, RuntimeError> {
    strided((a, &Layout::contiguous(sa)), (b, &Layout::contiguous(sb)))
}

/// The product of operands read through layouts (a transposed, sliced or broadcast
/// view costs no copy): the gemm crate for floats and complex, a row-parallel loop with
/// wrapping arithmetic for integers. The result is contiguous.
pub fn strided((a, la): (&Data, &Layout), (b, lb): (&Data, &Layout)) -> Result<Data, RuntimeError> {
    let d = dims(&la.shape, &lb.shape);
    let (oa, ob) = (Operand::of(la), Operand::of(lb));
    let (oa, ob) = (&oa, &ob);
    Ok(match (a, b) {
        (Data::F32(x), Data::F32(y)) if small(d) => Data::F32(small_products(x, oa, y, ob, d)),
        (Data::F64(x), Data::F64(y)) if small(d) => Data::F64(small_products(x, oa, y, ob, d)),
        (Data::F32(x), Data::F32(y)) if skinny(oa, d) => Data::F32(row_dots(x, oa, y, ob, d)),
        (Data::F64(x), Data::F64(y)) if skinny(oa, d) => Data::F64(row_dots(x, oa, y, ob, d)),
        (Data::F32(x), Data::F32(y)) if wide(ob, d) => Data::F32(scaled_rows(x, oa, y, ob, d)),
        (Data::F64(x), Data::F64(y)) if wide(ob, d) => Data::F64(scaled_rows(x, oa, y, ob, d)),
        (Data::F32(x), Data::F32(y)) => {
            let gram = gram(x.as_ptr() == y.as_ptr(), oa, ob, d);
            Data::F32(with_gemm(x, oa, y, ob, d, gram))
        }
        (Data::F64(x), Data::F64(y)) => {
            let gram = gram(x.as_ptr() == y.as_ptr(), oa, ob, d);
            Data::F64(with_gemm(x, oa, y, ob, d, gram))
        }
        (Data::C64(x), Data::C64(y)) => {
            let mut out = with_gemm::<Complex32>(x, oa, y, ob, d, false);
            resum_non_finite(&mut out, (x, oa), (y, ob), d);
            Data::C64(out)
        }
        (Data::C128(x), Data::C128(y)) => {
            let mut out = with_gemm::<Complex64>(x, oa, y, ob, d, false);
            resum_non_finite(&mut out, (x, oa), (y, ob), d);
            Data::C128(out)
        }
        (Data::I8(x), Data::I8(y)) => Data::I8(int_loop(x, oa, y, ob, d)),
        (Data::I16(x), Data::I16(y)) => Data::I16(int_loop(x, oa, y, ob, d)),
        (Data::I32(x), Data::I32(y)) => Data::I32(int_loop(x, oa, y, ob, d)),
        (Data::I64(x), Data::I64(y)) => Data::I64(int_loop(x, oa, y, ob, d)),
        (Data::U8(x), Data::U8(y)) => Data::U8(int_loop(x, oa, y, ob, d)),
        (Data::U16(x), Data::U16(y)) => Data::U16(int_loop(x, oa, y, ob, d)),
        (Data::U32(x), Data::U32(y)) => Data::U32(int_loop(x, oa, y, ob, d)),
        (Data::U64(x), Data::U64(y)) => Data::U64(int_loop(x, oa, y, ob, d)),
        _ => return Err(mismatch(a, b)),
    })
}

/// The product through gemm, in blocks on rayon (`blocks`); with `gram` (a product
/// of a matrix with its own transpose: `gram`), only the blocks on and above the
/// diagonal (`gram_panels`), the rest mirrored.
fn with_gemm<T: Element + Zero + One + Send + Sync + 'static>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
    gram: bool,
) -> Vec<T> {
    // From the executor's pool (huge pages when fresh): gemm writes every element (or
    // its mirror image, with `gram`).
    let mut out = super::output::<T>(batch * m * n);
    // With k = 0 the product is the empty sum.
    if m == 0 || n == 0 || k == 0 {
        out.fill(T::zero());
        return out;
    }
    let threads = rayon::current_num_threads();
    let tasks = if gram {
        gram_panels(batch, n, threads)
    } else {
        blocks(batch, m, k, n, threads)
    };
    let dst = Shared(out.as_mut_ptr());
    let run = |t: &Block| {
        let (rows, cols) = (t.rows.len(), t.cols.len());
        let (r0, c0) = (t.rows.start as isize, t.cols.start as isize);
        // SAFETY: the layouts come from valid views of these buffers, so every element
        // start + r·rs + c·cs of every matrix lies inside them, and so does every
        // element of a block of rows and columns of it. The output is row-major m×n per
        // matrix; the blocks are disjoint, so no two tasks write one element. gemm
        // computes dst = alpha·dst + beta·lhs·rhs and, with read_dst false, only writes
        // dst. T is one of gemm's four types (the match in `strided`).
        unsafe {
            gemm::gemm(
                rows,
                cols,
                k,
                dst.get()
                    .add(t.batch * m * n + t.rows.start * n + t.cols.start),
                1,
                n as isize,
                false,
                a.as_ptr().offset(oa.starts[t.batch] + r0 * oa.rs),
                oa.cs,
                oa.rs,
                b.as_ptr().offset(ob.starts[t.batch] + c0 * ob.cs),
                ob.cs,
                ob.rs,
                T::zero(),
                T::one(),
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    };
    if tasks.len() == 1 {
        run(&tasks[0]);
    } else {
        // One panel per task: the panels of a Gram product differ in size.
        tasks.par_iter().with_max_len(1).for_each(run);
    }
    if gram {
        mirror(&mut out, batch, n);
    }
    // A sum starts at +0: gemm's paths for small k (k = 1 multiplies without adding to
    // a zeroed accumulator) can leave -0.0 where the textbook sum 0 + Σ gives +0.0.
    // Adding +0 turns -0 into +0 and changes nothing else. Its blocked kernels for larger
    // k accumulate from zeroed registers, where (+0) + (-0) = +0 already: skip the pass.
    if k <= 64 {
        for v in out.iter_mut() {
            *v = *v + T::zero();
        }
    }
    out
}

/// gemm scales every complex sum by 1 + 0i (and, over several blocks of k, adds the
/// partial sums through the same scaling), and (inf + y i)(1 + 0i) = inf + NaN i: an
/// element one of whose parts overflowed or met an infinity comes back with NaN in the
/// other part, where the textbook sum keeps it finite, as in (−2.5 − 4.4e28 i)(−2.5 −
/// 3.6e17 i) = (−inf, 1.1e29) in complex64. Finite sums pass through the scaling
/// unchanged, so only elements with a part that is not finite are summed again here, in
/// the interpreter's order (0 + Σ over k). The scan costs one read of the output,
/// against the product's k multiply-adds per element; the sums run over the rows in
/// parallel, since one NaN in a row of a makes that whole row of the output non-finite.
fn resum_non_finite<F: num_traits::Float + Send + Sync>(
    out: &mut [Complex<F>],
    (a, oa): (&[Complex<F>], &Operand),
    (b, ob): (&[Complex<F>], &Operand),
    (_, m, k, n): (usize, usize, usize, usize),
) {
    if n == 0 {
        return;
    }
    out.par_chunks_mut(n)
        .with_min_len(64)
        .enumerate()
        .for_each(|(row, values)| {
            let (i, r) = (row / m, (row % m) as isize);
            for (c, v) in values.iter_mut().enumerate() {
                if v.re.is_finite() && v.im.is_finite() {
                    continue;
                }
                let (sa, sb) = (oa.starts[i] + r * oa.rs, ob.starts[i] + c as isize * ob.cs);
                *v = (0..k as isize).fold(Complex::zero(), |acc, p| {
                    acc + a[(sa + p * oa.cs) as usize] * b[(sb + p * ob.rs) as usize]
                });
            }
        });
}

/// One gemm call: a block of rows and columns of one matrix of the batch.
#[derive(Debug, PartialEq)]
struct Block {
    batch: usize,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
}

/// Products smaller than this many multiply-adds run as one call on the calling thread.
const PARALLEL_MIN: usize = 1 << 18;

/// Splits the products into gemm calls for `threads` threads, each call sequential.
/// Every matrix of the batch is a task; where there are fewer matrices than threads,
/// each is cut along its longer output side into blocks of rows (columns), one per
/// thread. gemm's own threading was measured slower than this, 74 vs
/// 63 ms for rocklin's 500×20000 @ 20000×500 on two cores (docs/benchmarks.md).
/// Cutting does not change a bit of the result: each output element stays one dot
/// product over k, in blocks of k that gemm sizes from k and the cache alone.
fn blocks(batch: usize, m: usize, k: usize, n: usize, threads: usize) -> Vec<Block> {
    let whole = |i| Block {
        batch: i,
        rows: 0..m,
        cols: 0..n,
    };
    if batch * m * n * k < PARALLEL_MIN || threads <= 1 || batch >= threads {
        return (0..batch).map(whole).collect();
    }
    let per = threads.div_ceil(batch);
    let long = m.max(n);
    // Every part keeps more than 64 rows (columns): gemm sizes its blocks of k from k
    // alone only when m or n is over 64 (below, k is cut at 512), and the order of the
    // sums must not change.
    let parts = per.min(long / 128);
    if parts <= 1 {
        return (0..batch).map(whole).collect();
    }
    // Cuts at multiples of 32 (whole micro-kernel tiles): parts of at least 128 - 32.
    let cut = |p: usize| {
        if p == parts {
            long
        } else {
            long * p / parts / 32 * 32
        }
    };
    let mut out = Vec::with_capacity(batch * parts);
    for i in 0..batch {
        for p in 0..parts {
            let (lo, hi) = (cut(p), cut(p + 1));
            let mut t = whole(i);
            if m >= n {
                t.rows = lo..hi;
            } else {
                t.cols = lo..hi;
            }
            out.push(t);
        }
    }
    out
}

/// Least rows of a panel of a Gram product (`gram_panels`): more than 64 (the
/// condition for unchanged bits, see `blocks`), and a multiple of 32.
const GRAM_PANEL: usize = 96;

/// Whether a real product is `a @ a.T` or `a.T @ a`: both operands read one buffer
/// (`same`), each matrix of the batch from the same start, and the rhs is the lhs
/// transposed (its row stride the lhs's column stride and the reverse). The product is
/// then symmetric, and large enough ones (at least two panels, and parallel work) are
/// computed by half (`gram_panels`), as BLAS's `syrk` does: NumPy's `x.T @ x` takes
/// that route. A covariance `xc.T @ xc` of a computed `xc` qualifies too: both
/// operands are the one buffer of that node.
fn gram(
    same: bool,
    oa: &Operand,
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> bool {
    same && m == n
        && oa.starts == ob.starts
        && oa.rs == ob.cs
        && oa.cs == ob.rs
        && n >= 2 * GRAM_PANEL
        && batch * m * n * k >= PARALLEL_MIN
}

/// The gemm calls of a Gram product (`gram`), n × n per matrix: panels of rows
/// [r0, r1), each with the columns [r0, n), so that every element on or above the
/// diagonal is computed once (and the lower half of each diagonal block as well), about
/// half the work plus `GRAM_PANEL / n`. Panels are cut at multiples of 32 rows, at
/// least `GRAM_PANEL` each (the last takes the rest), about four per thread; every call
/// has more than 64 rows and columns, so each element is the same dot product, with
/// the same bits, as in the full product (tested: `gram_products_match_the_full_product`).
fn gram_panels(batch: usize, n: usize, threads: usize) -> Vec<Block> {
    let h = (n / (4 * threads.max(1)) / 32 * 32).max(GRAM_PANEL);
    let count = (n / h).max(1);
    let mut out = Vec::with_capacity(batch * count);
    for i in 0..batch {
        for p in 0..count {
            let r0 = p * h;
            let r1 = if p + 1 == count { n } else { r0 + h };
            out.push(Block {
                batch: i,
                rows: r0..r1,
                cols: r0..n,
            });
        }
    }
    out
}

/// Copies each n × n matrix's elements above the diagonal to their mirror images
/// below it, in tiles (the strided side stays in cache), bands of rows in parallel.
/// (Where the two products of a pair are NaN, the general route's own NaN may differ
/// from its mirror's in payload or sign; every other value is the same bits.)
fn mirror<T: Copy + Send + Sync>(out: &mut [T], batch: usize, n: usize) {
    const TILE: usize = 64;
    let bands = n.div_ceil(TILE);
    let dst = Shared(out.as_mut_ptr());
    (0..batch * bands).into_par_iter().for_each(|t| {
        let (i, band) = (t / bands, t % bands);
        let base = dst.get();
        let rows = band * TILE..((band + 1) * TILE).min(n);
        for c0 in (0..rows.end).step_by(TILE) {
            for r in rows.clone() {
                for c in c0..(c0 + TILE).min(r) {
                    // SAFETY: r, c < n, so both elements lie in matrix i of the
                    // batch·n·n output. Each task writes only the elements below the
                    // diagonal (c < r) of its own rows and reads only elements above it
                    // (row c < r, column r), which no task writes: no element is
                    // written twice or read while written.
                    unsafe {
                        *base.add(i * n * n + r * n + c) = *base.add(i * n * n + c * n + r);
                    }
                }
            }
        }
    });
}

/// Whether the CPU has AVX2 and FMA, for which `row_dots` compiles its loop (fused
/// multiply-adds: one rounding per term).
fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The most multiply-adds of one small product (`small`). Batches of f64 products,
/// this loop against gemm (2026-12-04, 2 cores): 3 × 3, a million: 32 against 152 ms;
/// 8 × 8: 14.9 against 21.5; 12 × 12: 17.5 against 20.9; 16 × 16: 19.2 against 15.6.
const SMALL_WORK: usize = 2048;

/// A batch of small matrices (3 × 3 rotations, 4 × 4 transforms): each product is too
/// small for gemm's packing and dispatch, which cost more than the arithmetic.
fn small((batch, m, k, n): (usize, usize, usize, usize)) -> bool {
    batch > 1 && m * k * n <= SMALL_WORK
}

/// `small`'s products, a loop per matrix: each output element is the textbook sum,
/// `acc + a·b` over k in order from +0, so the bits are the interpreter's (a fused
/// multiply-add would round differently, and through a cancelling sum then a power
/// the difference grows past any tolerance: differential seed 1802506899). The
/// matrices run in parallel in fixed groups; where the CPU has AVX2 the loop is
/// compiled for its wider vectors.
fn small_products<T: num_traits::Float + Element + Send + Sync>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    // Every element is zeroed, then accumulated, by its task (`small_block`).
    let mut out = super::output::<T>(batch * m * n);
    if m == 0 || n == 0 {
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    let avx2 = is_x86_feature_detected!("avx2");
    // Groups of about 2^14 multiply-adds per task.
    let per_task = (1 << 14) / (m * k * n).max(1) + 1;
    out.par_chunks_mut(per_task * m * n)
        .enumerate()
        .for_each(|(t, o)| {
            let dims = (t * per_task, m, k, n);
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: the CPU has AVX2 (checked above).
                unsafe { small_avx2(a, oa, b, ob, dims, o) };
                return;
            }
            small_block(a, oa, b, ob, dims, o);
        });
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn small_avx2<T: num_traits::Float>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    dims: (usize, usize, usize, usize),
    out: &mut [T],
) {
    small_block(a, oa, b, ob, dims, out)
}

/// The products of matrices `first..` of the batch into `out` (m × n each).
#[inline(always)]
fn small_block<T: num_traits::Float>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (first, m, k, n): (usize, usize, usize, usize),
    out: &mut [T],
) {
    for (p, o) in out.chunks_mut(m * n).enumerate() {
        o.fill(T::zero());
        let (sa, sb) = (oa.starts[first + p], ob.starts[first + p]);
        for (i, row) in o.chunks_mut(n).enumerate() {
            for q in 0..k {
                let x = a[(sa + i as isize * oa.rs + q as isize * oa.cs) as usize];
                let bq = sb + q as isize * ob.rs;
                if ob.cs == 1 {
                    // Contiguous rhs rows: a loop the compiler vectorises.
                    let bq = bq as usize;
                    for (acc, &y) in row.iter_mut().zip(&b[bq..bq + n]) {
                        *acc = *acc + x * y;
                    }
                } else {
                    for (j, acc) in row.iter_mut().enumerate() {
                        *acc = *acc + x * b[(bq + j as isize * ob.cs) as usize];
                    }
                }
            }
        }
    }
}

/// A product with few output columns and contiguous lhs rows (X @ w, a matrix times a
/// few vectors) is a stream over the rows of X: each row is read once and dotted with
/// every column. gemm would pack X into blocks first, which costs as much again.
fn skinny(oa: &Operand, (_, _, k, n): (usize, usize, usize, usize)) -> bool {
    n <= 4 && k >= 16 && oa.cs == 1
}

/// Dot products of each (contiguous) lhs row with each rhs column, rows on rayon in
/// blocks of fixed size. Each row is read once for all columns; each dot sums in eight
/// interleaved partial sums combined in a fixed order, so the bits do not depend on the
/// thread count. Where the CPU has AVX2 and FMA, the loop is compiled for them (fused
/// multiply-adds: one rounding per term).
fn row_dots<T: num_traits::Float + Element + Send + Sync>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    // Every element is written (`block`).
    let mut out = super::output::<T>(batch * m * n);
    if m == 0 || n == 0 {
        return out;
    }
    for (i, o) in out.chunks_mut(m * n).enumerate() {
        // The rhs columns, gathered contiguous (k·n elements: small).
        let cols: Vec<Vec<T>> = (0..n)
            .map(|c| {
                (0..k)
                    .map(|p| b[(ob.starts[i] + p as isize * ob.rs + c as isize * ob.cs) as usize])
                    .collect()
            })
            .collect();
        let rows = Rows {
            a,
            start: oa.starts[i],
            rs: oa.rs,
            k,
        };
        match n {
            1 => columns::<T, 1>(&rows, &cols, o),
            2 => columns::<T, 2>(&rows, &cols, o),
            3 => columns::<T, 3>(&rows, &cols, o),
            _ => columns::<T, 4>(&rows, &cols, o),
        }
    }
    out
}

/// The lhs rows of one matrix of the batch.
struct Rows<'a, T> {
    a: &'a [T],
    start: isize,
    rs: isize,
    k: usize,
}

impl<T> Rows<'_, T> {
    fn row(&self, r: usize) -> &[T] {
        let s = (self.start + r as isize * self.rs) as usize;
        &self.a[s..s + self.k]
    }
}

const ROWS_PER_TASK: usize = 256;

fn columns<T: num_traits::Float + Send + Sync, const N: usize>(
    rows: &Rows<T>,
    cols: &[Vec<T>],
    out: &mut [T],
) {
    let cols: [&[T]; N] = std::array::from_fn(|c| cols[c].as_slice());
    let fma = has_fma();
    out.par_chunks_mut(ROWS_PER_TASK * N)
        .enumerate()
        .for_each(|(blk, o)| {
            let first = blk * ROWS_PER_TASK;
            #[cfg(target_arch = "x86_64")]
            if fma {
                // SAFETY: the CPU has AVX2 and FMA (checked above).
                unsafe { block_fma::<T, N>(rows, &cols, first, o) };
                return;
            }
            let _ = fma;
            block::<T, N, false>(rows, &cols, first, o);
        });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_fma<T: num_traits::Float, const N: usize>(
    rows: &Rows<T>,
    cols: &[&[T]; N],
    first: usize,
    out: &mut [T],
) {
    block::<T, N, true>(rows, cols, first, out)
}

/// Rows `first..` of the block into `out` (N values per row).
#[inline(always)]
fn block<T: num_traits::Float, const N: usize, const FMA: bool>(
    rows: &Rows<T>,
    cols: &[&[T]; N],
    first: usize,
    out: &mut [T],
) {
    let madd = |x: T, y: T, acc: T| if FMA { x.mul_add(y, acc) } else { acc + x * y };
    for (r, o) in out.chunks_mut(N).enumerate() {
        let row = rows.row(first + r);
        let mut acc = [[T::zero(); 8]; N];
        let full = row.len() / 8 * 8;
        for p in (0..full).step_by(8) {
            let x = &row[p..p + 8];
            for c in 0..N {
                let y = &cols[c][p..p + 8];
                for l in 0..8 {
                    acc[c][l] = madd(x[l], y[l], acc[c][l]);
                }
            }
        }
        for p in full..row.len() {
            for c in 0..N {
                acc[c][p - full] = madd(row[p], cols[c][p], acc[c][p - full]);
            }
        }
        for c in 0..N {
            let s = &acc[c];
            o[c] = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
        }
    }
}

/// One vector times a wide matrix with contiguous rows (v @ B, no batch) is a stream
/// over B's memory in order: blocks of `WIDE_ROWS` rows, each scaled by v's elements
/// and summed into a partial vector on rayon, the partials then added in order. gemm
/// took [2500] @ [2500, 4000] in 2.9–4.1 ms (f64) and 1.3–1.9 (f32), this 2.5–2.9 and
/// 0.9–1.1 (NumPy 1.7–1.9 and 0.6–0.8; 2026-12-07). Blocks of 256 columns, each summed
/// over all rows, measured slower than gemm (3.9–4.8 ms f64): each task read rows 32 KB
/// apart.
fn wide(ob: &Operand, (batch, m, k, n): (usize, usize, usize, usize)) -> bool {
    batch == 1 && m == 1 && k >= 2 * WIDE_ROWS && n >= 256 && ob.cs == 1 && ob.rs == n as isize
}

/// Rows of B per partial sum of `scaled_rows`: a fixed size, so that no bit depends on
/// the thread count.
const WIDE_ROWS: usize = 128;

/// `wide`'s product: each output element the sum over the blocks of rows, in order, of
/// each block's own sum of v[p]·B[p, j] in order from +0 (fused multiply-adds where
/// the CPU has AVX2 and FMA, as `row_dots`).
fn scaled_rows<T: num_traits::Float + Element + Send + Sync>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (_, _, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    let fma = has_fma();
    let (va, vs) = (oa.starts[0], oa.cs);
    let rows = &b[ob.starts[0] as usize..][..k * n];
    let partials: Vec<Vec<T>> = rows
        .par_chunks(WIDE_ROWS * n)
        .enumerate()
        .map(|(blk, block)| {
            let v: Vec<T> = (0..block.len() / n)
                .map(|p| a[(va + (blk * WIDE_ROWS + p) as isize * vs) as usize])
                .collect();
            let mut acc = vec![T::zero(); n];
            #[cfg(target_arch = "x86_64")]
            if fma {
                // SAFETY: the CPU has AVX2 and FMA (checked above).
                unsafe { scaled_block_fma(&v, block, &mut acc) };
                return acc;
            }
            let _ = fma;
            scaled_block::<T, false>(&v, block, &mut acc);
            acc
        })
        .collect();
    // Every element is written: the first partial, then the others added in order.
    let mut out = super::output::<T>(n);
    out.par_chunks_mut(4096).enumerate().for_each(|(c, o)| {
        let first = c * 4096;
        o.copy_from_slice(&partials[0][first..first + o.len()]);
        for part in &partials[1..] {
            for (x, &y) in o.iter_mut().zip(&part[first..]) {
                *x = *x + y;
            }
        }
    });
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn scaled_block_fma<T: num_traits::Float>(v: &[T], block: &[T], acc: &mut [T]) {
    scaled_block::<T, true>(v, block, acc)
}

/// acc[j] += v[p]·block[p, j] for the block's rows p in order. (Passes over 1024
/// columns at a time, to keep the sums in the L1 cache, measured slower: 3.2–4.9 ms
/// against 2.5–2.6 for [2500] @ [2500, 4000] f64, 2026-12-07.)
#[inline(always)]
fn scaled_block<T: num_traits::Float, const FMA: bool>(v: &[T], block: &[T], acc: &mut [T]) {
    for (&x, row) in v.iter().zip(block.chunks(acc.len())) {
        for (s, &y) in acc.iter_mut().zip(row) {
            *s = if FMA { x.mul_add(y, *s) } else { *s + x * y };
        }
    }
}

fn int_loop<T>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T>
where
    T: Element + Zero + WrappingAdd + WrappingMul + Send + Sync,
{
    // Every row is zeroed, then accumulated, by its task.
    let mut out = super::output::<T>(batch * m * n);
    if n == 0 {
        return out;
    }
    let at = |o: &Operand, i: usize, r: usize, c: usize| {
        (o.starts[i] + r as isize * o.rs + c as isize * o.cs) as usize
    };
    out.par_chunks_mut(n).enumerate().for_each(|(row, o)| {
        o.fill(T::zero());
        let (i, r) = (row / m, row % m);
        for p in 0..k {
            let x = a[at(oa, i, r, p)];
            for (c, o) in o.iter_mut().enumerate() {
                *o = o.wrapping_add(&x.wrapping_mul(&b[at(ob, i, p, c)]));
            }
        }
    });
    out
}

/// The interpreter's matmul: the textbook triple loop, accumulating in the dtype.
pub fn naive((a, sa): (&Data, &Shape), (b, sb): (&Data, &Shape)) -> Result<Data, RuntimeError> {
    let (batch, m, k, n) = dims(sa, sb);
    macro_rules! textbook {
        ($x:expr, $y:expr, $add:expr, $mul:expr) => {{
            let mut out = Vec::with_capacity(batch * m * n);
            for i in 0..batch {
                for r in 0..m {
                    for c in 0..n {
                        let mut acc = Zero::zero();
                        for p in 0..k {
                            acc = $add(acc, $mul($x[(i * m + r) * k + p], $y[(i * k + p) * n + c]));
                        }
                        out.push(acc);
                    }
                }
            }
            out
        }};
    }
    macro_rules! float {
        ($x:expr, $y:expr) => {
            textbook!($x, $y, |s, t| s + t, |s, t| s * t)
        };
    }
    macro_rules! int {
        ($x:expr, $y:expr) => {
            textbook!(
                $x,
                $y,
                |s: _, t| WrappingAdd::wrapping_add(&s, &t),
                |s: _, t| WrappingMul::wrapping_mul(&s, &t)
            )
        };
    }
    Ok(match (a, b) {
        (Data::F32(x), Data::F32(y)) => Data::F32(float!(x, y)),
        (Data::F64(x), Data::F64(y)) => Data::F64(float!(x, y)),
        (Data::C64(x), Data::C64(y)) => Data::C64(float!(x, y)),
        (Data::C128(x), Data::C128(y)) => Data::C128(float!(x, y)),
        (Data::I8(x), Data::I8(y)) => Data::I8(int!(x, y)),
        (Data::I16(x), Data::I16(y)) => Data::I16(int!(x, y)),
        (Data::I32(x), Data::I32(y)) => Data::I32(int!(x, y)),
        (Data::I64(x), Data::I64(y)) => Data::I64(int!(x, y)),
        (Data::U8(x), Data::U8(y)) => Data::U8(int!(x, y)),
        (Data::U16(x), Data::U16(y)) => Data::U16(int!(x, y)),
        (Data::U32(x), Data::U32(y)) => Data::U32(int!(x, y)),
        (Data::U64(x), Data::U64(y)) => Data::U64(int!(x, y)),
        _ => return Err(mismatch(a, b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// v @ B for wide B against the textbook sums: v's elements 3 apart, B starting
    /// past the buffer's start, a last block of rows cut short.
    #[test]
    fn scaled_rows_match_the_textbook_sums() {
        for (k, n) in [(256, 256), (300, 1000), (1000, 777)] {
            let a: Vec<f64> = (0..k * 3).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
            let b: Vec<f64> = (0..k * n + 2)
                .map(|i| ((i * 13) % 17) as f64 * 0.25 - 2.0)
                .collect();
            let oa = Operand {
                starts: vec![0],
                rs: 0,
                cs: 3,
            };
            let ob = Operand {
                starts: vec![2],
                rs: n as isize,
                cs: 1,
            };
            let d = (1, 1, k, n);
            assert!(wide(&ob, d));
            let want: Vec<f64> = (0..n)
                .map(|j| (0..k).fold(0.0, |s, p| s + a[3 * p] * b[2 + p * n + j]))
                .collect();
            // small integers and quarters: every sum is exact, in any order, fused or not
            assert_eq!(scaled_rows(&a, &oa, &b, &ob, d), want, "[{k}] @ [{k}, {n}]");
        }
    }

    /// A Gram product (`a.T @ a`, `a @ a.T`) computed by panels above the diagonal
    /// and mirrored has the bits of the full product, on pools of 1, 2 and 3 threads,
    /// in f64 and f32, for one matrix and a batch of two starting past the buffer's
    /// start; k of 64 or less (gemm's unblocked path) and k over several of gemm's
    /// blocks; n at the least for panels and between multiples of 32.
    #[test]
    fn gram_products_match_the_full_product() {
        fn check<T: Element + Zero + One + Send + Sync + 'static + num_traits::Float>(
            v: &[T],
            (batch, n, k): (usize, usize, usize),
        ) {
            let start = 5;
            let starts: Vec<isize> = (0..batch).map(|i| (start + i * n * k) as isize).collect();
            // a.T @ a with a [k, n], then a @ a.T with a [n, k]
            let pairs = [
                ((1, n as isize), (n as isize, 1)),
                ((k as isize, 1), (1, k as isize)),
            ];
            for ((ars, acs), (brs, bcs)) in pairs {
                let oa = Operand {
                    starts: starts.clone(),
                    rs: ars,
                    cs: acs,
                };
                let ob = Operand {
                    starts: starts.clone(),
                    rs: brs,
                    cs: bcs,
                };
                let d = (batch, n, k, n);
                assert!(gram(true, &oa, &ob, d), "{d:?}");
                for threads in [1, 2, 3] {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap();
                    let (full, half) = pool.install(|| {
                        (
                            with_gemm(v, &oa, v, &ob, d, false),
                            with_gemm(v, &oa, v, &ob, d, true),
                        )
                    });
                    let first = full
                        .iter()
                        .zip(&half)
                        .position(|(x, y)| x.integer_decode() != y.integer_decode());
                    assert!(
                        first.is_none(),
                        "{d:?}, strides {ars},{acs}, {threads} threads: first at {first:?}"
                    );
                }
            }
        }
        for (batch, n, k) in [
            (1, 192, 1000),
            (1, 257, 3000),
            (1, 500, 600),
            (2, 300, 40),
            (1, 1000, 70),
            (1, 700, 2100),
            (1, 600, 1), // gemm's outer-product path for k = 1 and 2 (`gevv`)
            (1, 400, 2),
        ] {
            // fractions whose sums round: a different order would change bits
            let v: Vec<f64> = (0..5 + batch * n * k)
                .map(|i| ((i * 7919) % 1013) as f64 / 997.0 - 0.37)
                .collect();
            check(&v, (batch, n, k));
            let w: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            check(&w, (batch, n, k));
        }
        // not a Gram product: other buffers, other starts, an untransposed rhs, too
        // small
        let op = |start, rs, cs| Operand {
            starts: vec![start],
            rs,
            cs,
        };
        let (oa, ob) = (op(0, 1, 300), op(0, 300, 1));
        assert!(!gram(false, &oa, &ob, (1, 300, 500, 300)));
        assert!(!gram(true, &oa, &op(1, 300, 1), (1, 300, 500, 300)));
        assert!(!gram(true, &oa, &op(0, 1, 300), (1, 300, 500, 300)));
        assert!(!gram(true, &oa, &ob, (1, 150, 500, 150)));
    }

    /// The panels of a Gram product cover each matrix's diagonal and everything above
    /// it once, with more than 64 rows and columns per call.
    #[test]
    fn gram_panels_cover_the_upper_triangle() {
        for n in [192, 193, 500, 1000, 4000] {
            for threads in [1, 2, 3, 8, 64] {
                let ps = gram_panels(2, n, threads);
                for i in 0..2 {
                    let mut rows = 0;
                    for p in ps.iter().filter(|p| p.batch == i) {
                        assert_eq!(p.rows.start, rows, "{n} on {threads}");
                        assert_eq!((p.cols.start, p.cols.end), (p.rows.start, n));
                        assert!(p.rows.len() > 64 && p.cols.len() > 64, "{p:?}");
                        rows = p.rows.end;
                    }
                    assert_eq!(rows, n);
                }
            }
        }
    }

    /// The blocks of every matrix tile it exactly, and every cut block keeps more than
    /// 64 rows or columns along the cut side (the condition for unchanged bits).
    #[test]
    fn blocks_tile_each_matrix_and_keep_cut_sides_over_64() {
        for (batch, m, k, n) in [
            (1, 500, 20_000, 500),
            (1, 40, 300, 500),
            (3, 300, 90, 70),
            (1, 70, 1000, 7),
            (1, 257, 64, 3000),
            (5, 1000, 1000, 1000),
            (1, 10, 10, 10),
        ] {
            for threads in [1, 2, 3, 8, 64] {
                let bs = blocks(batch, m, k, n, threads);
                for i in 0..batch {
                    let mine: Vec<&Block> = bs.iter().filter(|b| b.batch == i).collect();
                    let cells: usize = mine.iter().map(|b| b.rows.len() * b.cols.len()).sum();
                    assert_eq!(cells, m * n, "{batch}×{m}×{k}×{n} on {threads}");
                    for b in &mine {
                        assert!(b.rows.end <= m && b.cols.end <= n);
                        if b.rows.len() < m {
                            assert!(b.rows.len() > 64, "{b:?} of {m}×{n}");
                        }
                        if b.cols.len() < n {
                            assert!(b.cols.len() > 64, "{b:?} of {m}×{n}");
                        }
                    }
                    for w in mine.windows(2) {
                        assert!(
                            w[0].rows.end <= w[1].rows.start || w[0].cols.end <= w[1].cols.start
                        );
                    }
                }
                if threads == 1 || batch >= threads {
                    assert_eq!(bs.len(), batch);
                }
            }
        }
        assert_eq!(blocks(1, 500, 20_000, 500, 2).len(), 2);
    }
}
