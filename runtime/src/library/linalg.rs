//! Factorisations of the `linalg` extension through the `faer` crate: each call walks
//! the batch, views one row-major matrix as a faer `MatRef`, factorises it, and writes
//! the results back row-major. float32, float64, complex64 and complex128.
//!
//! Value-dependent failures (a singular matrix in `inv`/`solve`, a matrix that is not
//! positive definite in `cholesky`, an iteration that does not converge) are errors
//! naming the function and the matrix of the batch, as NumPy's `LinAlgError` is.

use super::Args;
use crate::error::RuntimeError;
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::lu::partial_pivoting::{factor, inverse, solve as lu_solve};
use faer::perm::PermRef;
use faer::traits::ComplexField;
use faer::{Conj, Mat, MatMut, MatRef, Par, Side};
use kiln_ir::library::LinalgCall;
use kiln_ir::{Data, Element, Shape};
use num_complex::{Complex32, Complex64};
use num_traits::{Float, One, ToPrimitive, Zero};
use rayon::prelude::*;

pub fn run(call: &LinalgCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match args[0].0 {
        Data::F32(_) => run_typed::<f32>(call, args),
        Data::F64(_) => run_typed::<f64>(call, args),
        Data::C64(_) => run_typed::<Complex32>(call, args),
        Data::C128(_) => run_typed::<Complex64>(call, args),
        other => Err(RuntimeError::Unsupported {
            what: format!("{} of {}", call.func(), other.dtype()),
        }),
    }
}

fn run_typed<T: Field>(call: &LinalgCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    let x = Stack::<T>::new(call, args[0])?;
    if x.rows == 0 || x.cols == 0 {
        return Ok(without_elements(call, &x));
    }
    match *call {
        LinalgCall::Cholesky { upper } => cholesky(&x, upper),
        LinalgCall::Det => det(&x),
        LinalgCall::Eigh { vectors } => eigh(&x, vectors),
        LinalgCall::Inv => inv(&x),
        LinalgCall::Qr { complete } => qr(&x, complete),
        LinalgCall::Slogdet => slogdet(&x),
        LinalgCall::Solve => solve(&x, &Stack::new(call, args[1])?),
        LinalgCall::Svd { full_matrices } => svd(&x, full_matrices),
        LinalgCall::Svdvals => svdvals(&x, false),
        LinalgCall::RankValues => svdvals(&x, true),
    }
}

/// The element types faer factorises, with the few scalar operations the routines here
/// need beyond faer's own.
trait Field:
    Element + ComplexField + num_traits::Num + std::ops::Neg<Output = Self> + Send + Sync
{
    /// The real type of the same precision (eigenvalues, singular values, log|det|).
    type R: Element + Float;
    fn modulus(self) -> Self::R;
    fn conjugate(self) -> Self;
    fn from_real(r: Self::R) -> Self;
    /// faer's real type for `Self` is `Self::R`; the compiler cannot see it generically.
    fn from_faer_real(r: <Self as ComplexField>::Real) -> Self::R;
    fn real_part(self) -> Self::R;
    fn is_finite(self) -> bool;
    /// `a`'s singular values computed in double precision and rounded back, for the
    /// single-precision fields (`None` for the double ones, and where the SVD fails).
    fn singular_values_in_double(a: MatRef<'_, Self>) -> Option<Vec<Self::R>>;
}

macro_rules! real_field {
    ($t:ty, $wide:expr) => {
        impl Field for $t {
            type R = $t;
            fn modulus(self) -> $t {
                self.abs()
            }
            fn conjugate(self) -> $t {
                self
            }
            fn from_real(r: $t) -> $t {
                r
            }
            fn from_faer_real(r: $t) -> $t {
                r
            }
            fn real_part(self) -> $t {
                self
            }
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn singular_values_in_double(a: MatRef<'_, $t>) -> Option<Vec<$t>> {
                $wide(a)
            }
        }
    };
}
real_field!(f32, |a: MatRef<'_, f32>| {
    let wide = Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] as f64);
    let values = wide.singular_values().ok()?;
    Some(values.into_iter().map(|v| v as f32).collect())
});
real_field!(f64, |_| None);

macro_rules! complex_field {
    ($t:ty, $r:ty, $wide:expr) => {
        impl Field for $t {
            type R = $r;
            fn modulus(self) -> $r {
                self.norm()
            }
            fn conjugate(self) -> $t {
                self.conj()
            }
            fn from_real(r: $r) -> $t {
                <$t>::new(r, 0.0)
            }
            fn from_faer_real(r: $r) -> $r {
                r
            }
            fn real_part(self) -> $r {
                self.re
            }
            fn is_finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
            fn singular_values_in_double(a: MatRef<'_, $t>) -> Option<Vec<$r>> {
                $wide(a)
            }
        }
    };
}
complex_field!(Complex32, f32, |a: MatRef<'_, Complex32>| {
    let wide = Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        let z = a[(i, j)];
        Complex64::new(z.re as f64, z.im as f64)
    });
    let values = wide.singular_values().ok()?;
    Some(values.into_iter().map(|v| v as f32).collect())
});
complex_field!(Complex64, f64, |_| None);

/// A contiguous row-major stack of `count` matrices of `rows` × `cols`.
struct Stack<'a, T> {
    func: &'static str,
    data: &'a [T],
    count: usize,
    rows: usize,
    cols: usize,
}

impl<'a, T: Field> Stack<'a, T> {
    fn new(call: &LinalgCall, (data, shape): (&'a Data, &Shape)) -> Result<Self, RuntimeError> {
        let func = call.func();
        let data = T::slice(data).ok_or_else(|| RuntimeError::Unsupported {
            what: format!("{func} of operands of different dtypes"),
        })?;
        let r = shape.rank();
        let (rows, cols) = (shape.0[r - 2], shape.0[r - 1]);
        Ok(Stack {
            func,
            data,
            count: shape.0[..r - 2].iter().product(),
            rows,
            cols,
        })
    }

    fn matrix(&self, i: usize) -> MatRef<'a, T> {
        let size = self.rows * self.cols;
        MatRef::from_row_major_slice(&self.data[i * size..(i + 1) * size], self.rows, self.cols)
    }

    /// `f` of every matrix of the stack, the matrices in parallel on rayon: the results
    /// in batch order, or the error of the first failing matrix in batch order (the
    /// same error on any number of threads).
    fn each<R: Send>(
        &self,
        f: impl Fn(usize, MatRef<'a, T>) -> Result<R, RuntimeError> + Sync,
    ) -> Result<Vec<R>, RuntimeError> {
        let results: Vec<Result<R, RuntimeError>> = (0..self.count)
            .into_par_iter()
            .map(|i| f(i, self.matrix(i)))
            .collect();
        results.into_iter().collect()
    }

    /// `f` of every matrix of the stack into its `len` elements of one output, the
    /// matrices in parallel on rayon, each thread with its own state from `init` (an
    /// `Lu`'s buffers): the output, or the error of the first failing matrix in batch
    /// order.
    fn each_into<S, R: Clone + Send + Sync>(
        &self,
        len: usize,
        fill: R,
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, usize, MatRef<'a, T>, &mut [R]) -> Result<(), RuntimeError> + Sync,
    ) -> Result<Vec<R>, RuntimeError> {
        // Every matrix is visited (and may fail) even when its result is empty
        // (`solve` with no right-hand side): chunks of at least one slot.
        let chunk = len.max(1);
        let mut out = vec![fill; self.count * chunk];
        let results: Vec<Result<(), RuntimeError>> = out
            .par_chunks_mut(chunk)
            .enumerate()
            .map_init(&init, |s, (i, c)| f(s, i, self.matrix(i), &mut c[..len]))
            .collect();
        results.into_iter().collect::<Result<(), _>>()?;
        out.truncate(self.count * len);
        Ok(out)
    }

    /// A value-dependent failure of matrix `i` of the batch.
    fn failure(&self, i: usize, what: &str) -> RuntimeError {
        let at = if self.count > 1 {
            format!("matrix {i} of the batch")
        } else {
            "the matrix".into()
        };
        RuntimeError::Value {
            func: self.func,
            msg: format!("{at} {what}"),
        }
    }
}

/// The outputs for matrices with no elements, which faer does not always accept: the
/// empty product (det 1, log|det| 0) and identity factors where a factor has size.
fn without_elements<T: Field>(call: &LinalgCall, x: &Stack<T>) -> Vec<Data> {
    let identities = |n: usize| -> Data {
        let mut out = Vec::with_capacity(x.count * n * n);
        for _ in 0..x.count {
            out.extend((0..n * n).map(|i| {
                if i % (n + 1) == 0 {
                    T::one()
                } else {
                    T::zero()
                }
            }));
        }
        T::into_data(out)
    };
    let empty = || T::into_data(Vec::new());
    let empty_real = || T::R::into_data(Vec::new());
    match *call {
        LinalgCall::Det => vec![T::into_data(vec![T::one(); x.count])],
        LinalgCall::Slogdet => vec![
            T::into_data(vec![T::one(); x.count]),
            T::R::into_data(vec![T::R::zero(); x.count]),
        ],
        LinalgCall::Qr { complete: true } => vec![identities(x.rows), empty()],
        LinalgCall::Qr { complete: false } => vec![empty(), empty()],
        LinalgCall::Svd {
            full_matrices: true,
        } => vec![identities(x.rows), empty_real(), identities(x.cols)],
        LinalgCall::Svd {
            full_matrices: false,
        } => vec![empty(), empty_real(), empty()],
        LinalgCall::Eigh { vectors: true } => vec![empty_real(), empty()],
        LinalgCall::Eigh { vectors: false } | LinalgCall::Svdvals | LinalgCall::RankValues => {
            vec![empty_real()]
        }
        LinalgCall::Cholesky { .. } | LinalgCall::Inv | LinalgCall::Solve => vec![empty()],
    }
}

/// The entries a routine reads: all, or (eigh, faer's `Side::Lower`) the lower
/// triangle with the diagonal.
fn entries<'m, T: Field>(m: MatRef<'m, T>, lower: bool) -> impl Iterator<Item = T> + 'm {
    (0..m.ncols()).flat_map(move |j| {
        let first = if lower { j } else { 0 };
        (first..m.nrows()).map(move |i| m[(i, j)])
    })
}

/// Whether every entry read is finite. The iterative decompositions (eigh, svd) do
/// not converge on an infinity or NaN; such a matrix's outputs are all NaN instead, as
/// NaN propagates through the elementwise functions.
fn all_finite<T: Field>(m: MatRef<'_, T>, lower: bool) -> bool {
    entries(m, lower).all(|v| v.is_finite())
}

/// `a` scaled into the range where the iterative decompositions neither overflow nor
/// lose digits to underflow, as LAPACK's drivers do: a copy times a power of two `f`
/// when the largest magnitude read lies outside [sqrt(min positive)/eps, its inverse]
/// (9.1e-13 to 1.1e12 in f32), and 1/f to multiply the singular values or eigenvalues
/// by (faer's f32 SVD fails to converge on a matrix of norm 1e20, which squares past
/// f32's range).
///
/// Magnitudes are taken of halved entries: a complex entry's modulus can pass the
/// largest float when both its parts are finite (|MAX + MAX·i|), which had made the
/// exponent below infinite and panicked (found by `tools/conform.py --seed 8049`, a
/// complex128 `matrix_norm` with ord 2); half of every modulus is finite.
fn in_range<T: Field>(a: MatRef<'_, T>, lower: bool) -> (Option<Mat<T>>, T::R) {
    let two = T::R::one() + T::R::one();
    let half = T::from_real(T::R::one() / two);
    let largest_half = entries(a, lower)
        .map(|v| (v * half).modulus())
        .fold(T::R::zero(), |m, v| if v > m { v } else { m });
    let small = T::R::min_positive_value().sqrt() / T::R::epsilon();
    let big = T::R::one() / small;
    let target = if largest_half > big / two {
        big
    } else if largest_half > T::R::zero() && largest_half < small / two {
        small
    } else {
        return (None, T::R::one());
    };
    // A power of two near target / largest: the scaling and its inverse are exact.
    // (|k| < 620 in f64, 110 in f32: 2^k and 2^-k are normal numbers.) Entries that
    // are not all finite never come here (`all_finite`); were one to, it is left
    // unscaled rather than panicking.
    let Some(k) = (target / two / largest_half).log2().round().to_i32() else {
        return (None, T::R::one());
    };
    let f = two.powi(k);
    let scaled = Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] * T::from_real(f));
    (Some(scaled), T::R::one() / f)
}

fn nans<T: Element + Float>(len: usize) -> Vec<T> {
    vec![T::nan(); len]
}

/// A matrix in row-major order, conjugate-transposed when `adjoint`.
fn rows_of<T: Field>(m: MatRef<'_, T>, adjoint: bool) -> Vec<T> {
    let mut out = Vec::with_capacity(m.nrows() * m.ncols());
    if adjoint {
        for j in 0..m.ncols() {
            out.extend((0..m.nrows()).map(|i| m[(i, j)].conjugate()));
        }
    } else {
        for i in 0..m.nrows() {
            out.extend((0..m.ncols()).map(|j| m[(i, j)]));
        }
    }
    out
}

fn cholesky<T: Field>(x: &Stack<T>, upper: bool) -> Result<Vec<Data>, RuntimeError> {
    let parts = x.each(|i, a| {
        let llt = a
            .llt(Side::Lower)
            .map_err(|_| x.failure(i, "is not positive definite"))?;
        Ok(rows_of(llt.L(), upper))
    })?;
    Ok(vec![T::into_data(parts.concat())])
}

/// The largest matrices `Lu` factorises without faer's own parallelism.
const SMALL: usize = 32;

/// The LU with partial pivoting of one n × n matrix after another, factorised in place
/// in buffers of its own (faer's `lu_in_place`), so that a batch allocates nothing
/// per matrix: faer's `PartialPivLu` allocated its factors, two permutations and a
/// scratch for every one, and `inverse` an output and another scratch ([100000, 3,
/// 3]: docs/benchmarks.md). The unit lower and the upper factor share one matrix;
/// faer's triangular routines read only their own triangle. Matrices up to
/// `SMALL` rows factorise on their thread (`Par::Seq`; a batch runs across rayon),
/// larger ones let faer parallelise within them: the choice depends on n only, so a
/// matrix gives the same bits alone and in a batch.
struct Lu<T: Field> {
    lu: Mat<T>,
    /// An n × k result in faer's column-major layout (an inverse, a solution), copied
    /// to the row-major output after (faer's routines are slower on row-major
    /// matrices).
    work: Mat<T>,
    forward: Vec<usize>,
    inverse: Vec<usize>,
    mem: MemBuffer,
    par: Par,
    transpositions: usize,
}

impl<T: Field> Lu<T> {
    /// Buffers for n × n matrices and results of `k` columns.
    fn new(n: usize, k: usize, par: Par) -> Lu<T> {
        let req = StackReq::any_of(&[
            factor::lu_in_place_scratch::<usize, T>(n, n, par, Default::default()),
            lu_solve::solve_in_place_scratch::<usize, T>(n, k, par),
            inverse::inverse_scratch::<usize, T>(n, par),
        ]);
        Lu {
            lu: Mat::zeros(n, n),
            work: Mat::zeros(n, k),
            forward: vec![0; n],
            inverse: vec![0; n],
            mem: MemBuffer::new(req),
            par,
            transpositions: 0,
        }
    }

    /// The parallelism of the factorisation of an n × n matrix.
    fn par_for(n: usize) -> Par {
        if n <= SMALL {
            Par::Seq
        } else {
            faer::get_global_parallelism()
        }
    }

    fn factor(&mut self, a: MatRef<'_, T>) {
        self.lu.copy_from(a);
        let (info, _) = factor::lu_in_place(
            self.lu.as_mut(),
            &mut self.forward,
            &mut self.inverse,
            self.par,
            MemStack::new(&mut self.mem),
            Default::default(),
        );
        self.transpositions = info.transposition_count;
    }

    /// Matrix `i` of `x` (`a`) factorised, refused if singular, then `op` of its
    /// factors (L and U in one matrix), row permutation, parallelism and scratch into
    /// the work matrix, which is copied to `out` row-major.
    fn solve_into(
        &mut self,
        x: &Stack<T>,
        i: usize,
        a: MatRef<'_, T>,
        out: &mut [T],
        op: impl FnOnce(MatRef<'_, T>, PermRef<'_, usize>, Par, &mut MemStack, MatMut<'_, T>),
    ) -> Result<(), RuntimeError> {
        self.factor(a);
        self.nonsingular(x, i)?;
        let n = self.forward.len();
        // SAFETY: `lu_in_place` wrote a permutation and its inverse of length n.
        let perm = unsafe { PermRef::new_unchecked(&self.forward, &self.inverse, n) };
        let stack = MemStack::new(&mut self.mem);
        op(self.lu.as_ref(), perm, self.par, stack, self.work.as_mut());
        MatMut::from_row_major_slice_mut(out, n, self.work.ncols()).copy_from(&self.work);
        Ok(())
    }

    /// The diagonal of U.
    fn pivots(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.lu.nrows()).map(|p| self.lu[(p, p)])
    }

    /// det(P): +1 for an even number of row transpositions.
    fn sign(&self) -> T {
        if self.transpositions.is_multiple_of(2) {
            T::one()
        } else {
            -T::one()
        }
    }

    /// Refuses an exactly zero pivot (LAPACK's getrf test) of matrix `i` of `x`.
    fn nonsingular(&self, x: &Stack<T>, i: usize) -> Result<(), RuntimeError> {
        match self.pivots().position(|d| d == T::zero()) {
            Some(p) => Err(x.failure(i, &format!("is singular (pivot {p} is zero)"))),
            None => Ok(()),
        }
    }
}

fn det<T: Field>(x: &Stack<T>) -> Result<Vec<Data>, RuntimeError> {
    let par = Lu::<T>::par_for(x.rows);
    let out = x.each_into(
        1,
        T::zero(),
        || Lu::new(x.rows, 0, par),
        |lu, _, a, out| {
            lu.factor(a);
            out[0] = lu.pivots().fold(lu.sign(), |d, p| d * p);
            Ok(())
        },
    )?;
    Ok(vec![T::into_data(out)])
}

/// sign(det) and ln|det| from the LU's diagonal, so that neither overflows.
fn slogdet<T: Field>(x: &Stack<T>) -> Result<Vec<Data>, RuntimeError> {
    let par = Lu::<T>::par_for(x.rows);
    let fill = (T::zero(), T::R::zero());
    let pairs = x.each_into(
        1,
        fill,
        || Lu::new(x.rows, 0, par),
        |lu, _, a, out| {
            lu.factor(a);
            let mut sign = lu.sign();
            let mut log = T::R::zero();
            for d in lu.pivots() {
                let m = d.modulus();
                sign = sign * d / T::from_real(m);
                log = log + m.ln();
            }
            if log == T::R::neg_infinity() {
                sign = T::zero();
            }
            out[0] = (sign, log);
            Ok(())
        },
    )?;
    let (signs, logs): (Vec<T>, Vec<T::R>) = pairs.into_iter().unzip();
    Ok(vec![T::into_data(signs), T::R::into_data(logs)])
}

fn inv<T: Field>(x: &Stack<T>) -> Result<Vec<Data>, RuntimeError> {
    let (n, par) = (x.rows, Lu::<T>::par_for(x.rows));
    let out = x.each_into(
        n * n,
        T::zero(),
        || Lu::new(n, n, par),
        |lu, i, a, out| {
            lu.solve_into(x, i, a, out, |factors, perm, par, stack, work| {
                inverse::inverse(work, factors, factors, perm, par, stack)
            })
        },
    )?;
    Ok(vec![T::into_data(out)])
}

fn solve<T: Field>(a: &Stack<T>, b: &Stack<T>) -> Result<Vec<Data>, RuntimeError> {
    let (n, k, par) = (a.rows, b.cols, Lu::<T>::par_for(a.rows));
    let out = a.each_into(
        n * k,
        T::zero(),
        || Lu::new(n, k, par),
        |lu, i, m, out| {
            lu.work.copy_from(b.matrix(i));
            lu.solve_into(a, i, m, out, |factors, perm, par, stack, rhs| {
                lu_solve::solve_in_place_with_conj(
                    factors,
                    factors,
                    perm,
                    Conj::No,
                    rhs,
                    par,
                    stack,
                )
            })
        },
    )?;
    Ok(vec![T::into_data(out)])
}

fn eigh<T: Field>(x: &Stack<T>, vectors: bool) -> Result<Vec<Data>, RuntimeError> {
    let no_convergence = |i| x.failure(i, "did not converge");
    let n = x.rows;
    let parts = x.each(|i, a| {
        if !all_finite(a, true) {
            let basis = if vectors {
                vec![T::from_real(T::R::nan()); n * n]
            } else {
                Vec::new()
            };
            return Ok((nans(n), basis));
        }
        let (scaled, back) = in_range(a, true);
        let a = scaled.as_ref().map_or(a, |m| m.as_ref());
        if vectors {
            let evd = a
                .self_adjoint_eigen(Side::Lower)
                .map_err(|_| no_convergence(i))?;
            let s = evd.S().column_vector();
            let values: Vec<T::R> = (0..s.nrows()).map(|p| s[p].real_part() * back).collect();
            Ok((values, rows_of(evd.U(), false)))
        } else {
            let s = a
                .self_adjoint_eigenvalues(Side::Lower)
                .map_err(|_| no_convergence(i))?;
            Ok((
                s.into_iter().map(|v| T::from_faer_real(v) * back).collect(),
                Vec::new(),
            ))
        }
    })?;
    let (values, basis): (Vec<Vec<T::R>>, Vec<Vec<T>>) = parts.into_iter().unzip();
    let mut outs = vec![T::R::into_data(values.concat())];
    if vectors {
        outs.push(T::into_data(basis.concat()));
    }
    Ok(outs)
}

fn qr<T: Field>(x: &Stack<T>, complete: bool) -> Result<Vec<Data>, RuntimeError> {
    let parts = x.each(|_, a| {
        let f = a.qr();
        Ok(if complete {
            // faer keeps R as min(M, N) × N; the complete R has M rows, zero below.
            let mut r = rows_of(f.R(), false);
            let missing = x.rows - f.R().nrows();
            r.extend(std::iter::repeat_n(T::zero(), missing * x.cols));
            (rows_of(f.compute_Q().as_ref(), false), r)
        } else {
            (
                rows_of(f.compute_thin_Q().as_ref(), false),
                rows_of(f.thin_R(), false),
            )
        })
    })?;
    let (q, r): (Vec<Vec<T>>, Vec<Vec<T>>) = parts.into_iter().unzip();
    Ok(vec![T::into_data(q.concat()), T::into_data(r.concat())])
}

fn svd<T: Field>(x: &Stack<T>, full_matrices: bool) -> Result<Vec<Data>, RuntimeError> {
    let (m, n) = (x.rows, x.cols);
    let k = m.min(n);
    let parts = x.each(|i, a| {
        if !all_finite(a, false) {
            let (uc, vr) = if full_matrices { (m, n) } else { (k, k) };
            let nan = T::from_real(T::R::nan());
            return Ok((vec![nan; m * uc], nans(k), vec![nan; vr * n]));
        }
        let (scaled, back) = in_range(a, false);
        let a = scaled.as_ref().map_or(a, |m| m.as_ref());
        let f = if full_matrices { a.svd() } else { a.thin_svd() }
            .map_err(|_| x.failure(i, "did not converge"))?;
        let d = f.S().column_vector();
        let mut s: Vec<T::R> = (0..d.nrows()).map(|p| d[p].real_part() * back).collect();
        // A single-precision singular value of a matrix with entries near the largest
        // float can round past it when scaled back (the f32 2-norm of a matrix holding
        // -3.4e38 came out inf, conformance seed 8070): such values are computed again in
        // double precision, which rounds to the float the exact value is nearest.
        if s.iter().any(|v| !v.is_finite()) {
            if let Some(wide) = T::singular_values_in_double(a) {
                s = wide.into_iter().map(|v| v * back).collect();
            }
        }
        Ok((rows_of(f.U(), false), s, rows_of(f.V(), true)))
    })?;
    let (mut u, mut s, mut vh) = (Vec::new(), Vec::new(), Vec::new());
    for (pu, ps, pv) in parts {
        u.extend(pu);
        s.extend(ps);
        vh.extend(pv);
    }
    Ok(vec![T::into_data(u), T::R::into_data(s), T::into_data(vh)])
}

/// The singular values; a matrix with an infinity or NaN gives NaN, or with
/// `finite_only` (matrix_rank's) an error.
fn svdvals<T: Field>(x: &Stack<T>, finite_only: bool) -> Result<Vec<Data>, RuntimeError> {
    let k = x.rows.min(x.cols);
    let parts = x.each(|i, a| {
        if !all_finite(a, false) {
            if finite_only {
                return Err(x.failure(i, "has an infinity or NaN: its rank is undefined"));
            }
            return Ok(nans(k));
        }
        let (scaled, back) = in_range(a, false);
        let a = scaled.as_ref().map_or(a, |m| m.as_ref());
        let values = a
            .singular_values()
            .map_err(|_| x.failure(i, "did not converge"))?;
        Ok(values
            .into_iter()
            .map(|v| T::from_faer_real(v) * back)
            .collect::<Vec<T::R>>())
    })?;
    Ok(vec![T::R::into_data(parts.concat())])
}

#[cfg(test)]
mod tests {
    use super::run;
    use kiln_ir::library::LinalgCall;
    use kiln_ir::{DType, Data, Device, Meta, Shape};

    /// Every routine must fill exactly the buffers its `infer` promised: a compiled
    /// consumer indexes them by the inferred shape.
    #[test]
    fn outputs_have_the_inferred_sizes() {
        let calls = [
            LinalgCall::Qr { complete: false },
            LinalgCall::Qr { complete: true },
            LinalgCall::Svd {
                full_matrices: false,
            },
            LinalgCall::Svd {
                full_matrices: true,
            },
            LinalgCall::Svdvals,
            LinalgCall::RankValues,
        ];
        let square = [
            LinalgCall::Cholesky { upper: true },
            LinalgCall::Det,
            LinalgCall::Eigh { vectors: true },
            LinalgCall::Eigh { vectors: false },
            LinalgCall::Inv,
            LinalgCall::Slogdet,
        ];
        let shapes: [&[usize]; 7] = [
            &[2, 5, 3],
            &[3, 2, 4],
            &[1, 1],
            &[0, 2, 2],
            &[3, 0],
            &[2, 0, 0],
            &[4, 4],
        ];
        for dims in shapes {
            let r = dims.len();
            let is_square = dims[r - 1] == dims[r - 2];
            // Diagonally dominant, so Cholesky and the LU succeed.
            let size: usize = dims.iter().product();
            let n = dims[r - 1].max(1);
            let values: Vec<f64> = (0..size)
                .map(|i| if i % n == (i / n) % n { 10.0 } else { 0.5 })
                .collect();
            for dtype in [DType::F64, DType::C64] {
                let data = match dtype {
                    DType::F64 => Data::F64(values.clone()),
                    _ => Data::C64(
                        values
                            .iter()
                            .map(|&v| num_complex::Complex32::new(v as f32, 0.0))
                            .collect(),
                    ),
                };
                let shape = Shape::new(dims);
                let meta = Meta {
                    shape: shape.clone(),
                    dtype,
                    device: Device::default(),
                };
                let list: Vec<LinalgCall> = calls
                    .iter()
                    .chain(if is_square { &square[..] } else { &[] })
                    .copied()
                    .collect();
                for call in list {
                    let want = call.infer("test", &[&meta]).unwrap();
                    let got = run(&call, &[(&data, &shape)]).unwrap();
                    assert_eq!(got.len(), want.len(), "{call:?}");
                    for (g, (s, d)) in got.iter().zip(&want) {
                        assert_eq!((g.len(), g.dtype()), (s.size(), *d), "{call:?} {dims:?}");
                    }
                }
            }
        }
    }
}
