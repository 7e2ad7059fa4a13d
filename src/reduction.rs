//! Reductions and cumulative operations of the standard (statistical and utility
//! functions): axis handling, default dtypes and keepdims live here; the reduction
//! itself is one `Reduce` or `Scan` node.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::manipulation::reshape_at;
use crate::operand::cast;
use crate::options::{CumulativeOpts, ReduceOpts};
use kiln_ir::{normalize_axes, normalize_axis, IrError, Loc, Op, ReduceOp, ScanOp};
use std::panic::Location;

fn build_err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Reject options the function does not take, so a typo is an error, not a silent no-op.
fn check_opts(
    func: &'static str,
    opts: &ReduceOpts,
    dtype_ok: bool,
    correction_ok: bool,
    at: Loc,
) -> Result<()> {
    if opts.dtype.is_some() && !dtype_ok {
        return Err(build_err(
            IrError::invalid(func, "takes no dtype option"),
            at,
        ));
    }
    if opts.correction != 0.0 && !correction_ok {
        return Err(build_err(
            IrError::invalid(func, "takes no correction option"),
            at,
        ));
    }
    Ok(())
}

fn reduce_at(
    func: &'static str,
    op: ReduceOp,
    x: &Array,
    opts: ReduceOpts,
    at: Loc,
) -> Result<Array> {
    let is_sum_like = matches!(op, ReduceOp::Sum | ReduceOp::Prod);
    check_opts(func, &opts, is_sum_like, op == ReduceOp::Var, at)?;
    let rank = x.ndim();
    let axes = match &opts.axis {
        None => (0..rank).collect(),
        Some(list) => normalize_axes(func, list, rank).map_err(|e| build_err(e, at))?,
    };
    // sum/prod: widen small integers to the default integer (standard), or obey dtype.
    let input = if is_sum_like {
        // The category check belongs to the input as given, before any cast.
        kiln_ir::op::check_category(func, "x", x.dtype(), op.info().accepts)
            .map_err(|e| build_err(e, at))?;
        let dtype = opts.dtype.unwrap_or_else(|| x.dtype().accumulation_dtype());
        cast(func, x, dtype, at)?
    } else {
        x.clone()
    };
    let op = Op::Reduce {
        op,
        axes,
        keepdims: opts.keepdims,
        correction_bits: opts.correction.to_bits(),
    };
    Array::node(func, op, &[&input], at)
}

macro_rules! reductions {
    ($($(#[$attr:meta])* $name:ident => $op:ident: $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = concat!("`", stringify!($name), "` of the Array API standard; options: [`ReduceOpts`] (axes, keepdims).")]
        $(#[$attr])*
        #[track_caller]
        pub fn $name(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
            reduce_at(stringify!($name), ReduceOp::$op, x, opts.into(), Location::caller())
        }
    )*};
}

reductions! {
    ///
    /// ```
    /// use kiln::{DType, ReduceOpts};
    /// let x = kiln::asarray([[1i32, 2, 3], [4, 5, 6]], ())?;
    /// let total = kiln::sum(&x, ())?; // every axis; int32 sums in int64
    /// assert_eq!(total.dtype(), DType::I64);
    /// assert_eq!(total.item::<i64>()?, 21);
    /// let rows = kiln::sum(&x, ReduceOpts::new().axis(1).keepdims(true))?;
    /// assert_eq!(rows.shape(), &[2, 1]);
    /// assert_eq!(rows.to_vec::<i64>()?, vec![6, 15]);
    /// let cols = kiln::sum(&x, ReduceOpts::new().axis(0).dtype(DType::F64))?;
    /// assert_eq!(cols.to_vec::<f64>()?, vec![5.0, 7.0, 9.0]);
    /// # Ok::<(), kiln::Error>(())
    /// ```
    sum => Sum: "Sum over axes, accumulated pairwise (accurate, not naive). Integers narrower than 64 bits sum in int64/uint64 unless `dtype` says otherwise; the empty sum is 0.";
    prod => Prod: "Product over axes; small integers widen as in `sum`; the empty product is 1.";
    max => Max: "Maximum over axes; NaN propagates. Reducing zero elements is an error (there is no identity).";
    min => Min: "Minimum over axes; NaN propagates. Reducing zero elements is an error.";
    mean => Mean: "Arithmetic mean over axes (floating-point input); NaN over zero elements.";
    any => Any: "Whether any element over the axes is nonzero; false over zero elements.";
    all => All: "Whether every element over the axes is nonzero; true over zero elements.";
}

/// Variance over axes with divisor N - correction (NaN when that is ≤ 0), computed in
/// two passes (mean, then squared deviations), never as a difference of sums of squares.
#[track_caller]
pub fn var(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
    reduce_at("var", ReduceOp::Var, x, opts.into(), Location::caller())
}

/// Standard deviation: the square root of [`var`] with the same options.
#[track_caller]
pub fn std(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
    let at = Location::caller();
    let v = reduce_at("std", ReduceOp::Var, x, opts.into(), at)?;
    crate::elementwise::unary(kiln_ir::UnaryOp::Sqrt, &v, at)
}

fn arg_reduce(
    func: &'static str,
    op: ReduceOp,
    x: &Array,
    opts: ReduceOpts,
    at: Loc,
) -> Result<Array> {
    check_opts(func, &opts, false, false, at)?;
    match opts.axis.as_deref() {
        None => {
            // Over the flattened array; keepdims keeps every axis as size 1.
            let flat = reshape_at(func, x, &[x.size() as i64], at)?;
            let r = reduce_at(func, op, &flat, ReduceOpts::new().axis(0), at)?;
            if opts.keepdims {
                reshape_at(func, &r, &vec![1; x.ndim()], at)
            } else {
                Ok(r)
            }
        }
        Some([axis]) => {
            let axis = normalize_axis(func, *axis, x.ndim()).map_err(|e| build_err(e, at))?;
            let opts = ReduceOpts::new().axis(axis as i64).keepdims(opts.keepdims);
            reduce_at(func, op, x, opts, at)
        }
        Some(many) => Err(build_err(
            IrError::invalid(func, format!("takes one axis or none, got {many:?}")),
            at,
        )),
    }
}

/// Index of the first maximum along one axis (or over the flattened array), as int64.
/// NaN counts as the maximum. Zero elements along the axis is an error.
#[track_caller]
pub fn argmax(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
    arg_reduce(
        "argmax",
        ReduceOp::ArgMax,
        x,
        opts.into(),
        Location::caller(),
    )
}

/// Index of the first minimum along one axis (or over the flattened array), as int64.
#[track_caller]
pub fn argmin(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
    arg_reduce(
        "argmin",
        ReduceOp::ArgMin,
        x,
        opts.into(),
        Location::caller(),
    )
}

fn scan_at(
    func: &'static str,
    op: ScanOp,
    x: &Array,
    opts: CumulativeOpts,
    at: Loc,
) -> Result<Array> {
    let axis = match (opts.axis, x.ndim()) {
        (_, 0) => {
            return Err(build_err(
                IrError::invalid(
                    func,
                    "a 0-d array has no axis to accumulate along; reshape it to 1-d",
                ),
                at,
            ))
        }
        (None, 1) => 0,
        (None, n) => {
            return Err(build_err(
                IrError::invalid(
                    func,
                    format!("an array of rank {n} needs an axis (CumulativeOpts::axis)"),
                ),
                at,
            ))
        }
        (Some(a), n) => normalize_axis(func, a, n).map_err(|e| build_err(e, at))?,
    };
    kiln_ir::op::check_category(func, "x", x.dtype(), op.info().accepts)
        .map_err(|e| build_err(e, at))?;
    let dtype = opts.dtype.unwrap_or_else(|| x.dtype().accumulation_dtype());
    let input = cast(func, x, dtype, at)?;
    let op = Op::Scan {
        op,
        axis,
        include_initial: opts.include_initial,
    };
    Array::node(func, op, &[&input], at)
}

/// Running sums along an axis (required for rank > 1); small integers widen as in `sum`.
#[track_caller]
pub fn cumulative_sum(x: &Array, opts: impl Into<CumulativeOpts>) -> Result<Array> {
    scan_at(
        "cumulative_sum",
        ScanOp::CumSum,
        x,
        opts.into(),
        Location::caller(),
    )
}

/// Running products along an axis (required for rank > 1).
#[track_caller]
pub fn cumulative_prod(x: &Array, opts: impl Into<CumulativeOpts>) -> Result<Array> {
    scan_at(
        "cumulative_prod",
        ScanOp::CumProd,
        x,
        opts.into(),
        Location::caller(),
    )
}
