//! Creation functions: asarray (from Rust data, nested arrays, Vecs, ndarray), zeros,
//! ones, full, empty, arange, linspace, eye, the `*_like` family, tril, triu, meshgrid.
//!
//! Data given by the user becomes a `Constant`; everything else is built lazily from
//! `Fill` and `Iota` leaves, so a grid made by `linspace` fuses into what consumes it.

use crate::array::Array;
use crate::elementwise::binary;
use crate::error::{Error, Result};
use crate::manipulation::reshape_at;
use crate::operand::{broadcast, cast, fill, Operand};
use crate::options::CreateOpts;
use kiln_ir::{
    result_type, BinaryOp, DType, Data, Device, Element, Expr, IrError, Literal, Loc, Meta, Op,
    Scalar, Shape,
};
use std::panic::Location;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Rust data that `asarray` accepts: scalars, arrays, slices and Vecs of them, nested to
/// any depth (ragged nesting is an error), and `ndarray` arrays.
pub trait ArrayData {
    /// The element type at the bottom of the nesting: the array's dtype unless
    /// `asarray`'s options name another.
    type Elem: Element;
    /// Append the shape (outermost first) and the elements in row-major order.
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<Self::Elem>,
    ) -> std::result::Result<(), String>;
}

macro_rules! scalar_data {
    ($($t:ty),*) => {$(
        impl ArrayData for $t {
            type Elem = $t;
            fn flatten(&self, _: &mut Vec<usize>, out: &mut Vec<$t>) -> std::result::Result<(), String> {
                out.push(*self);
                Ok(())
            }
        }
    )*};
}
scalar_data!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    num_complex::Complex32,
    num_complex::Complex64
);

fn flatten_seq<U: ArrayData>(
    items: &[U],
    shape: &mut Vec<usize>,
    out: &mut Vec<U::Elem>,
) -> std::result::Result<(), String> {
    shape.push(items.len());
    let depth = shape.len();
    let mut first_shape: Option<Vec<usize>> = None;
    for item in items {
        let mut s = Vec::new();
        item.flatten(&mut s, out)?;
        match &first_shape {
            None => first_shape = Some(s),
            Some(f) if *f != s => {
                return Err(format!(
                    "ragged data: items at depth {depth} have shapes {f:?} and {s:?}"
                ))
            }
            _ => {}
        }
    }
    // An empty sequence has no inner shape: its elements are taken as scalars.
    if let Some(s) = first_shape {
        shape.extend(s);
    }
    Ok(())
}

impl<U: ArrayData> ArrayData for Vec<U> {
    type Elem = U::Elem;
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<U::Elem>,
    ) -> std::result::Result<(), String> {
        flatten_seq(self, shape, out)
    }
}
impl<U: ArrayData> ArrayData for &[U] {
    type Elem = U::Elem;
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<U::Elem>,
    ) -> std::result::Result<(), String> {
        flatten_seq(self, shape, out)
    }
}
impl<U: ArrayData, const N: usize> ArrayData for [U; N] {
    type Elem = U::Elem;
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<U::Elem>,
    ) -> std::result::Result<(), String> {
        flatten_seq(self, shape, out)
    }
}
impl<U: ArrayData> ArrayData for &Vec<U> {
    type Elem = U::Elem;
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<U::Elem>,
    ) -> std::result::Result<(), String> {
        flatten_seq(self, shape, out)
    }
}
impl<U: ArrayData, const N: usize> ArrayData for &[U; N] {
    type Elem = U::Elem;
    fn flatten(
        &self,
        shape: &mut Vec<usize>,
        out: &mut Vec<U::Elem>,
    ) -> std::result::Result<(), String> {
        flatten_seq(*self, shape, out)
    }
}

#[cfg(feature = "ndarray")]
impl<T: Element, S: ndarray::Data<Elem = T>, D: ndarray::Dimension> ArrayData
    for ndarray::ArrayBase<S, D>
{
    type Elem = T;
    fn flatten(&self, shape: &mut Vec<usize>, out: &mut Vec<T>) -> std::result::Result<(), String> {
        shape.extend_from_slice(self.shape());
        out.extend(self.iter().copied());
        Ok(())
    }
}

/// An array of the user's data. Large host data goes onto huge pages once, here
/// (kernels read it many times; `huge_pages` with `collapse` copies it there).
pub(crate) fn constant(
    func: &'static str,
    data: Data,
    shape: Shape,
    device: Device,
    at: Loc,
) -> Result<Array> {
    kiln_runtime::huge_pages(&data, true);
    derived_constant(func, data, shape, device, at)
}

/// An array of data kiln computed for one use (the positions of `nonzero`, the parts
/// of `unique_*`, `repeat`'s index): left where it is, as moving it onto huge pages
/// would copy it for nothing (a third of `mask_select`'s time over 10M elements when
/// it listed positions, measured 2026-12-02).
pub(crate) fn derived_constant(
    func: &'static str,
    data: Data,
    shape: Shape,
    device: Device,
    at: Loc,
) -> Result<Array> {
    let meta = Meta {
        shape,
        dtype: data.dtype(),
        device,
    };
    Expr::leaf(func, Op::Constant(Literal::new(data)), meta, at)
        .map(Array::from_expr)
        .map_err(|e| err(e, at))
}

/// An array holding `data` (a scalar, a nested array/Vec/slice, or an ndarray), in the
/// data's own dtype unless `opts` names another (converted as `astype` would).
///
/// ```
/// use kiln::DType;
/// let x = kiln::asarray([[1i32, 2, 3], [4, 5, 6]], ())?;
/// assert_eq!(x.shape(), &[2, 3]);
/// assert_eq!(x.dtype(), DType::I32);
/// let y = kiln::asarray(vec![0.5f64, -2.0], DType::F32)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![0.5, -2.0]);
/// assert!(kiln::asarray(vec![vec![1, 2], vec![3]], ()).is_err()); // ragged
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn asarray<D: ArrayData>(data: D, opts: impl Into<CreateOpts>) -> Result<Array> {
    let at = Location::caller();
    let opts = opts.into();
    let mut shape = Vec::new();
    let mut values = Vec::new();
    data.flatten(&mut shape, &mut values)
        .map_err(|m| err(IrError::invalid("asarray", m), at))?;
    let a = constant(
        "asarray",
        D::Elem::into_data(values),
        Shape::from(shape),
        opts.device.unwrap_or_default(),
        at,
    )?;
    match opts.dtype {
        Some(d) if d != a.dtype() => crate::manipulation::astype(&a, d),
        _ => Ok(a),
    }
}

/// An array of `shape` from a flat row-major Vec (its length must match the shape).
#[track_caller]
pub fn from_vec<T: Element>(values: Vec<T>, shape: impl AsRef<[usize]>) -> Result<Array> {
    let at = Location::caller();
    let shape = Shape::new(shape.as_ref());
    if values.len() != shape.size() {
        return Err(err(
            IrError::invalid(
                "from_vec",
                format!(
                    "{} values cannot fill shape {shape} ({} elements)",
                    values.len(),
                    shape.size()
                ),
            ),
            at,
        ));
    }
    constant("from_vec", T::into_data(values), shape, Device::Cpu, at)
}

fn full_at(
    func: &'static str,
    shape: &[usize],
    value: Scalar,
    opts: CreateOpts,
    at: Loc,
) -> Result<Array> {
    let dtype = match opts.dtype {
        None => value.default_dtype(),
        Some(d) => {
            // The value must be representable in the dtype, as for a weak scalar.
            value.resolve(func, d).map_err(|e| err(e, at))?;
            d
        }
    };
    fill(
        func,
        value,
        Shape::new(shape),
        dtype,
        opts.device.unwrap_or_default(),
        at,
    )
}

/// An array of `shape` filled with `value`; the dtype defaults to the value's kind
/// (bool, int64, float64, complex128).
#[track_caller]
pub fn full(
    shape: impl AsRef<[usize]>,
    value: impl Into<Scalar>,
    opts: impl Into<CreateOpts>,
) -> Result<Array> {
    full_at(
        "full",
        shape.as_ref(),
        value.into(),
        opts.into(),
        Location::caller(),
    )
}

/// 0 or 1 as a fill value every dtype accepts (bool takes false and true).
fn unit(one: bool, opts: &CreateOpts) -> Scalar {
    match opts.dtype {
        Some(DType::Bool) => Scalar::Bool(one),
        _ => Scalar::Int(one as i128),
    }
}

fn float_default(opts: CreateOpts) -> CreateOpts {
    CreateOpts {
        dtype: Some(opts.dtype.unwrap_or(DType::DEFAULT_FLOAT)),
        ..opts
    }
}

/// Zeros of `shape` (float64 unless `opts` says otherwise).
#[track_caller]
pub fn zeros(shape: impl AsRef<[usize]>, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = float_default(opts.into());
    full_at(
        "zeros",
        shape.as_ref(),
        unit(false, &opts),
        opts,
        Location::caller(),
    )
}

/// Ones of `shape` (float64 unless `opts` says otherwise).
#[track_caller]
pub fn ones(shape: impl AsRef<[usize]>, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = float_default(opts.into());
    full_at(
        "ones",
        shape.as_ref(),
        unit(true, &opts),
        opts,
        Location::caller(),
    )
}

/// An array of `shape` whose contents are unspecified. kiln fills it with zeros: lazy
/// fills cost nothing until used, and unspecified must not mean uninitialised memory.
#[track_caller]
pub fn empty(shape: impl AsRef<[usize]>, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = float_default(opts.into());
    full_at(
        "empty",
        shape.as_ref(),
        unit(false, &opts),
        opts,
        Location::caller(),
    )
}

fn like(x: &Array, opts: CreateOpts) -> CreateOpts {
    CreateOpts {
        dtype: Some(opts.dtype.unwrap_or(x.dtype())),
        device: Some(opts.device.unwrap_or(x.device())),
    }
}

/// Zeros with the shape (and, by default, dtype and device) of `x`.
#[track_caller]
pub fn zeros_like(x: &Array, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = like(x, opts.into());
    full_at(
        "zeros_like",
        x.shape(),
        unit(false, &opts),
        opts,
        Location::caller(),
    )
}

/// Ones with the shape (and, by default, dtype and device) of `x`.
#[track_caller]
pub fn ones_like(x: &Array, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = like(x, opts.into());
    full_at(
        "ones_like",
        x.shape(),
        unit(true, &opts),
        opts,
        Location::caller(),
    )
}

/// Like [`empty`], with the shape (and, by default, dtype and device) of `x`.
#[track_caller]
pub fn empty_like(x: &Array, opts: impl Into<CreateOpts>) -> Result<Array> {
    let opts = like(x, opts.into());
    full_at(
        "empty_like",
        x.shape(),
        unit(false, &opts),
        opts,
        Location::caller(),
    )
}

/// `value` everywhere, with the shape (and, by default, dtype and device) of `x`.
#[track_caller]
pub fn full_like(
    x: &Array,
    value: impl Into<Scalar>,
    opts: impl Into<CreateOpts>,
) -> Result<Array> {
    full_at(
        "full_like",
        x.shape(),
        value.into(),
        like(x, opts.into()),
        Location::caller(),
    )
}

fn iota(
    func: &'static str,
    shape: &[usize],
    axis: usize,
    dtype: DType,
    device: Device,
    at: Loc,
) -> Result<Array> {
    let meta = Meta {
        shape: Shape::new(shape),
        dtype,
        device,
    };
    Expr::leaf(func, Op::Iota { axis }, meta, at)
        .map(Array::from_expr)
        .map_err(|e| err(e, at))
}

/// `start, start + step, ...` up to but excluding `stop`. The dtype defaults to int64
/// when all three are integers, else float64.
#[track_caller]
pub fn arange(
    start: impl Into<Scalar>,
    stop: impl Into<Scalar>,
    step: impl Into<Scalar>,
    opts: impl Into<CreateOpts>,
) -> Result<Array> {
    let at = Location::caller();
    let func = "arange";
    let (start, stop, step) = (start.into(), stop.into(), step.into());
    let opts = opts.into();
    let all_int = [start, stop, step]
        .iter()
        .all(|s| matches!(s, Scalar::Int(_)));
    let dtype = opts.dtype.unwrap_or(if all_int {
        DType::DEFAULT_INT
    } else {
        DType::DEFAULT_FLOAT
    });
    if !(dtype.is_integer() || dtype.is_real_floating()) {
        return Err(err(
            IrError::invalid(func, format!("makes real numbers, not {dtype}")),
            at,
        ));
    }
    let len = match (start, stop, step) {
        (_, _, Scalar::Int(0)) => None,
        (Scalar::Int(a), Scalar::Int(b), Scalar::Int(s)) => {
            // ceil((b - a) / s) in exact integer arithmetic (i128, which no bound of
            // a 64-bit type overflows), with a positive divisor.
            let (num, den) = if s > 0 { (b - a, s) } else { (a - b, -s) };
            let n = (num + den - 1).div_euclid(den);
            Some(usize::try_from(n.max(0)).unwrap_or(usize::MAX))
        }
        _ => {
            let (a, b, s) = (start.as_f64(), stop.as_f64(), step.as_f64());
            let n = ((b - a) / s).ceil();
            // Saturates far beyond any array's length; `Expr` rejects such shapes.
            (s != 0.0 && n.is_finite()).then(|| n.max(0.0) as usize)
        }
    }
    .ok_or_else(|| {
        err(
            IrError::invalid(
                func,
                format!("step {step} gives no finite length from {start} to {stop}"),
            ),
            at,
        )
    })?;
    for v in [start, step] {
        v.resolve(func, dtype).map_err(|e| err(e, at))?;
    }
    let device = opts.device.unwrap_or_default();
    let i = iota(func, &[len], 0, dtype, device, at)?;
    let scaled = binary(BinaryOp::Multiply, i.into(), Operand::Scalar(step), at)?;
    binary(BinaryOp::Add, scaled.into(), Operand::Scalar(start), at)
}

/// `num` evenly spaced values from `start` to `stop` (included when `endpoint`),
/// float64 unless `opts` names another floating dtype (complex128 when a bound is
/// complex, as the standard says). With the endpoint, the last value is exactly `stop`.
/// float32 and complex64 values are computed in double precision and rounded once, as
/// NumPy computes them.
#[track_caller]
pub fn linspace(
    start: impl Into<Scalar>,
    stop: impl Into<Scalar>,
    num: usize,
    endpoint: bool,
    opts: impl Into<CreateOpts>,
) -> Result<Array> {
    let at = Location::caller();
    let func = "linspace";
    let (start, stop) = (start.into(), stop.into());
    let opts = opts.into();
    let complex_bound = matches!(start, Scalar::Complex(..)) || matches!(stop, Scalar::Complex(..));
    let dtype = opts.dtype.unwrap_or(if complex_bound {
        DType::DEFAULT_COMPLEX
    } else {
        DType::DEFAULT_FLOAT
    });
    if !(dtype.is_real_floating() || dtype.is_complex()) || (complex_bound && !dtype.is_complex()) {
        return Err(err(
            IrError::invalid(
                func,
                format!("makes floating-point values (complex for a complex bound), not {dtype}"),
            ),
            at,
        ));
    }
    let parts = |s: Scalar| match s {
        Scalar::Complex(re, im) => (re, im),
        other => (other.as_f64(), 0.0),
    };
    // A scalar of the output's kind (the imaginary part is 0 for real bounds).
    let value = |(re, im): (f64, f64)| match dtype.is_complex() {
        true => Scalar::Complex(re, im),
        false => Scalar::Float(re),
    };
    let device = opts.device.unwrap_or_default();
    // Computed in the widest type of the kind and rounded once at the end, as NumPy
    // does: in f32, start + i·step loses the low bits of a value near zero between
    // bounds of opposite signs (2.3e-6 off in -0.0149939 from 6.3696 to -9.5919).
    let wide = if dtype.is_complex() {
        DType::C128
    } else {
        DType::F64
    };
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let ((a, b), (c, d)) = (parts(start), parts(stop));
    let step = if div > 0 {
        ((c - a) / div as f64, (d - b) / div as f64)
    } else {
        (0.0, 0.0)
    };
    let i = iota(func, &[num], 0, wide, device, at)?;
    let scaled = binary(
        BinaryOp::Multiply,
        i.clone().into(),
        Operand::Scalar(value(step)),
        at,
    )?;
    let y = binary(
        BinaryOp::Add,
        scaled.into(),
        Operand::Scalar(value((a, b))),
        at,
    )?;
    let y = if endpoint && num > 1 {
        let last = binary(
            BinaryOp::Equal,
            i.into(),
            Operand::Scalar(Scalar::Int(num as i128 - 1)),
            at,
        )?;
        crate::elementwise::where_(&last, value((c, d)), &y)?
    } else {
        y
    };
    match dtype == wide {
        true => Ok(y),
        false => cast(func, &y, dtype, at),
    }
}

/// Ones on the k-th diagonal of an n_rows × n_cols matrix, zeros elsewhere.
#[track_caller]
pub fn eye(
    n_rows: usize,
    n_cols: Option<usize>,
    k: i64,
    opts: impl Into<CreateOpts>,
) -> Result<Array> {
    let at = Location::caller();
    let func = "eye";
    let opts = float_default(opts.into());
    let shape = [n_rows, n_cols.unwrap_or(n_rows)];
    let device = opts.device.unwrap_or_default();
    let diag = diagonal_offset(func, &shape, device, at)?;
    let on = binary(
        BinaryOp::Equal,
        diag.into(),
        Operand::Scalar(Scalar::Int(k as i128)),
        at,
    )?;
    cast(func, &on, opts.dtype.expect("float_default sets it"), at)
}

/// col - row for every element of a `[rows, cols]` matrix, as int64.
fn diagonal_offset(
    func: &'static str,
    shape: &[usize; 2],
    device: Device,
    at: Loc,
) -> Result<Array> {
    let row = iota(func, shape, 0, DType::I64, device, at)?;
    let col = iota(func, shape, 1, DType::I64, device, at)?;
    binary(BinaryOp::Subtract, col.into(), row.into(), at)
}

fn triangle(func: &'static str, x: &Array, k: i64, keep: BinaryOp, at: Loc) -> Result<Array> {
    let n = x.ndim();
    if n < 2 {
        return Err(err(
            IrError::invalid(func, format!("needs rank ≥ 2, got shape {:?}", x.shape())),
            at,
        ));
    }
    let diag = diagonal_offset(func, &[x.shape()[n - 2], x.shape()[n - 1]], x.device(), at)?;
    let mask = binary(
        keep,
        diag.into(),
        Operand::Scalar(Scalar::Int(k as i128)),
        at,
    )?;
    let mask = broadcast(func, &mask, &Shape::new(x.shape()), at)?;
    let zero = fill(
        func,
        Scalar::Int(0),
        Shape::new(x.shape()),
        x.dtype(),
        x.device(),
        at,
    )?;
    Array::node(func, Op::Where, &[&mask, x, &zero], at)
}

/// The lower triangle of the last two axes: elements with col - row ≤ k, zeros above.
#[track_caller]
pub fn tril(x: &Array, k: i64) -> Result<Array> {
    triangle("tril", x, k, BinaryOp::LessEqual, Location::caller())
}

/// The upper triangle of the last two axes: elements with col - row ≥ k, zeros below.
#[track_caller]
pub fn triu(x: &Array, k: i64) -> Result<Array> {
    triangle("triu", x, k, BinaryOp::GreaterEqual, Location::caller())
}

/// How meshgrid orders its first two output axes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Indexing {
    /// Cartesian: the first two axes are swapped (NumPy's default).
    #[default]
    Xy,
    /// Matrix: output axis i follows input array i.
    Ij,
}

/// Coordinate grids from 1-d arrays: output i repeats array i along its own axis.
#[track_caller]
pub fn meshgrid(arrays: &[&Array], indexing: Indexing) -> Result<Vec<Array>> {
    let at = Location::caller();
    let func = "meshgrid";
    if arrays.is_empty() {
        return Ok(Vec::new()); // as NumPy's meshgrid(): no arrays in, none out
    }
    if let Some(bad) = arrays.iter().find(|a| a.ndim() != 1) {
        return Err(err(
            IrError::invalid(
                func,
                format!("takes 1-d arrays, got shape {:?}", bad.shape()),
            ),
            at,
        ));
    }
    let dtypes: Vec<DType> = arrays.iter().map(|a| a.dtype()).collect();
    let dtype = result_type(&dtypes).ok_or_else(|| {
        err(
            IrError::invalid(func, format!("no common dtype of {dtypes:?}")),
            at,
        )
    })?;
    let n = arrays.len();
    let axis_of = |i: usize| match (indexing, i) {
        (Indexing::Xy, 0) if n > 1 => 1,
        (Indexing::Xy, 1) => 0,
        _ => i,
    };
    let mut shape = vec![0usize; n];
    for (i, a) in arrays.iter().enumerate() {
        shape[axis_of(i)] = a.shape()[0];
    }
    arrays
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut s = vec![1i64; n];
            s[axis_of(i)] = -1;
            let a = cast(func, a, dtype, at)?;
            let r = reshape_at(func, &a, &s, at)?;
            broadcast(func, &r, &Shape::new(&shape), at)
        })
        .collect()
}
