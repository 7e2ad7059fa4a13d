//! Discrete Fourier transforms: the `fft` extension of the standard
//! (`kiln::fft::fft`, `rfftn`, `fftfreq`, `fftshift`, ...).
//!
//! Every transform is one `LibCall::Fft` node per transformed axis (a one-dimensional
//! transform along that axis, run by `rustfft`); the n-dimensional functions chain
//! them, which is exact since the DFT is separable. The call itself pads or trims the
//! axis to `n`, promotes real input of `fft`/`ifft`/`irfft`/`hfft` to complex of the
//! same precision, conjugates for `hfft`/`ihfft` and applies the norm factor, while
//! each lane is in a scratch buffer, so none of these costs another pass over memory.
//! `fftfreq`/`rfftfreq` are `arange` compositions and `fftshift`/`ifftshift` are
//! `roll`s, which fuse.
//!
//! ```
//! use kiln::fft::{self, FftNorm, FftOpts};
//! let x = kiln::asarray([1.0f64, 2.0, 3.0, 4.0], ())?;
//! let spectrum = fft::rfft(&x, ())?;                      // 4/2+1 = 3 values, complex128
//! let back = fft::irfft(&spectrum, FftOpts::new().n(4))?;
//! assert_eq!(back.shape(), &[4]);
//! let z = fft::fft(&x, FftOpts::new().norm(FftNorm::Ortho))?;
//! assert_eq!(z.dtype(), kiln::DType::C128);
//! # Ok::<(), kiln::Error>(())
//! ```

use crate::array::Array;
use crate::elementwise::{binary, where_};
use crate::error::{Error, Result};
use crate::operand::Operand;
use crate::options::{AxisArg, CreateOpts};
use kiln_ir::library::{FftCall, FftKind};
use kiln_ir::{normalize_axis, BinaryOp, DType, IrError, LibCall, Loc, Op, Scalar};
use std::panic::Location;

pub use kiln_ir::library::FftNorm;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Options of the one-dimensional transforms (`fft`, `ifft`, `rfft`, `irfft`, `hfft`,
/// `ihfft`): the standard's `n`, `axis` (default -1) and `norm` (default backward).
/// `()` gives the defaults, an `FftNorm` sets only the norm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FftOpts {
    /// Transform length (the output length of `irfft`/`hfft`); `None`: from the input.
    pub n: Option<usize>,
    /// The axis to transform; negative counts from the end (default -1, the last).
    pub axis: i64,
    /// Which direction is scaled, and by what: by default (`Backward`) the inverse
    /// transforms by 1/n, with `Ortho` both by 1/√n, with `Forward` the forward ones by
    /// 1/n.
    pub norm: FftNorm,
}

impl Default for FftOpts {
    fn default() -> FftOpts {
        FftOpts {
            n: None,
            axis: -1,
            norm: FftNorm::Backward,
        }
    }
}

impl FftOpts {
    /// The defaults: `n` from the input, the last axis, the backward norm.
    pub fn new() -> FftOpts {
        FftOpts::default()
    }
    /// Set the transform length: the input is padded with zeros or trimmed along the
    /// axis to fit it (for `irfft`/`hfft`, it is the output length). 0 is an error at
    /// the transform's call.
    pub fn n(mut self, n: usize) -> FftOpts {
        self.n = Some(n);
        self
    }
    /// Set the axis to transform (negative counts from the end).
    pub fn axis(mut self, axis: i64) -> FftOpts {
        self.axis = axis;
        self
    }
    /// Set the normalisation (see the `norm` field).
    pub fn norm(mut self, norm: FftNorm) -> FftOpts {
        self.norm = norm;
        self
    }
}

impl From<()> for FftOpts {
    fn from(_: ()) -> FftOpts {
        FftOpts::default()
    }
}

impl From<FftNorm> for FftOpts {
    fn from(norm: FftNorm) -> FftOpts {
        FftOpts::new().norm(norm)
    }
}

/// Options of the n-dimensional transforms (`fftn`, `ifftn`, `rfftn`, `irfftn`): the
/// standard's `s` (one length per axis in `axes`, -1 for the default), `axes` (default:
/// all) and `norm`. Giving `s` requires `axes`, as the standard says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FftnOpts {
    /// Transform length per axis of `axes`, in the same order (the output length for
    /// `irfftn`'s last axis); -1 keeps that axis' default. `None`: every default.
    pub s: Option<Vec<i64>>,
    /// The axes to transform, in order; negative counts from the end. `None`: all.
    pub axes: Option<Vec<i64>>,
    /// Which direction is scaled, and by what, as for [`FftOpts`].
    pub norm: FftNorm,
}

impl FftnOpts {
    /// The defaults: every axis, lengths from the input, the backward norm.
    pub fn new() -> FftnOpts {
        FftnOpts::default()
    }
    /// Set the transform lengths, one per axis of `axes` (which must be given too),
    /// each at least 1, or -1 for the default. `s` without `axes`, or with another
    /// number of entries, is an error at the transform's call.
    pub fn s(mut self, s: impl IntoIterator<Item = i64>) -> FftnOpts {
        self.s = Some(s.into_iter().collect());
        self
    }
    /// Set the axes to transform (negative counts from the end). An empty list or a
    /// repeated axis is an error at the transform's call.
    pub fn axes(mut self, axes: impl IntoIterator<Item = i64>) -> FftnOpts {
        self.axes = Some(axes.into_iter().collect());
        self
    }
    /// Set the normalisation (as for [`FftOpts`]).
    pub fn norm(mut self, norm: FftNorm) -> FftnOpts {
        self.norm = norm;
        self
    }
}

impl From<()> for FftnOpts {
    fn from(_: ()) -> FftnOpts {
        FftnOpts::default()
    }
}

impl From<FftNorm> for FftnOpts {
    fn from(norm: FftNorm) -> FftnOpts {
        FftnOpts::new().norm(norm)
    }
}

/// One transform along `axis` (normalised) of length `n`: a library-call node.
fn along(
    func: &'static str,
    kind: FftKind,
    x: &Array,
    axis: usize,
    n: usize,
    norm: FftNorm,
    at: Loc,
) -> Result<Array> {
    let call = LibCall::Fft(FftCall {
        kind,
        axis,
        n,
        norm,
    });
    Array::node(func, Op::Library { call, output: 0 }, &[x], at)
}

/// The standard's default transform length for an axis of `m` input values:
/// `2*(m-1)` for the complex-to-real kinds, else `m` (0 is rejected by inference).
fn default_n(kind: FftKind, m: usize) -> usize {
    if kind.complex_to_real() {
        2 * m.saturating_sub(1)
    } else {
        m
    }
}

fn one_axis(func: &'static str, kind: FftKind, x: &Array, o: FftOpts, at: Loc) -> Result<Array> {
    let axis = normalize_axis(func, o.axis, x.ndim()).map_err(|e| err(e, at))?;
    let n = o.n.unwrap_or_else(|| default_n(kind, x.shape()[axis]));
    along(func, kind, x, axis, n, o.norm, at)
}

/// One-dimensional discrete Fourier transform (`X[k] = Σ x[j]·exp(-2πi·jk/n)`), of
/// floating input (real input is promoted to complex of its precision).
///
/// ```
/// use kiln::fft::{self, FftOpts};
/// let x = kiln::asarray([1.0f64, 0.0, 0.0], ())?;
/// let z = fft::fft(&x, FftOpts::new().n(4))?;       // padded with one zero
/// assert_eq!(z.to_vec::<kiln::Complex64>()?, vec![kiln::Complex64::new(1.0, 0.0); 4]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn fft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    one_axis("fft", FftKind::Forward, x, opts.into(), Location::caller())
}

/// One-dimensional inverse transform (`x[j] = 1/n Σ X[k]·exp(2πi·jk/n)` by default).
///
/// ```
/// let x = kiln::asarray([kiln::Complex64::new(4.0, 0.0); 4], ())?;
/// let y = kiln::fft::ifft(&x, ())?;
/// assert_eq!(y.to_vec::<kiln::Complex64>()?[0], kiln::Complex64::new(4.0, 0.0));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn ifft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    one_axis("ifft", FftKind::Inverse, x, opts.into(), Location::caller())
}

/// Transform of real input: the `n/2 + 1` non-negative frequencies, complex of the
/// input's precision.
///
/// ```
/// let x = kiln::asarray([1.0f32, 1.0, 1.0, 1.0, 1.0], ())?;
/// let z = kiln::fft::rfft(&x, ())?;
/// assert_eq!(z.shape(), &[3]);
/// assert_eq!(z.dtype(), kiln::DType::C64);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn rfft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    one_axis(
        "rfft",
        FftKind::RealForward,
        x,
        opts.into(),
        Location::caller(),
    )
}

/// Inverse of `rfft`: `n` real values (default `2*(m-1)`) from the non-negative
/// frequencies of a Hermitian spectrum (the imaginary parts of the zero term, and of
/// the Nyquist term of an even `n`, are ignored).
///
/// ```
/// use kiln::fft::{self, FftOpts};
/// let x = kiln::asarray([1.0f64, 2.0, 3.0], ())?;
/// let y = fft::irfft(&fft::rfft(&x, ())?, FftOpts::new().n(3))?;
/// let v = y.to_vec::<f64>()?;
/// assert!((v[2] - 3.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn irfft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    one_axis(
        "irfft",
        FftKind::RealInverse,
        x,
        opts.into(),
        Location::caller(),
    )
}

/// Transform of a signal with Hermitian symmetry given by its first `n/2 + 1` values:
/// real output of length `n` (default `2*(m-1)`); NumPy's
/// `irfft(conj(x), n)` with the norm's direction swapped.
///
/// ```
/// let x = kiln::asarray([kiln::Complex64::new(1.0, 0.0), kiln::Complex64::new(0.0, 0.0)], ())?;
/// assert_eq!(kiln::fft::hfft(&x, ())?.to_vec::<f64>()?, vec![1.0, 1.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn hfft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    let at = Location::caller();
    one_axis("hfft", FftKind::HermitianForward, x, opts.into(), at)
}

/// Inverse of `hfft` for real input: `conj(rfft(x))/n` by default, `n/2 + 1` values.
///
/// ```
/// let x = kiln::asarray([2.0f64, 2.0], ())?;
/// let z = kiln::fft::ihfft(&x, ())?;
/// assert_eq!(z.to_vec::<kiln::Complex64>()?[0], kiln::Complex64::new(2.0, 0.0));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn ihfft(x: &Array, opts: impl Into<FftOpts>) -> Result<Array> {
    let at = Location::caller();
    one_axis("ihfft", FftKind::HermitianInverse, x, opts.into(), at)
}

/// The axes of an n-dimensional transform (in the given order) and each one's length
/// (`None`: the default).
fn plan_axes(
    func: &'static str,
    x: &Array,
    o: &FftnOpts,
    at: Loc,
) -> Result<Vec<(usize, Option<usize>)>> {
    let invalid = |msg: String| err(IrError::invalid(func, msg), at);
    let axes: Vec<i64> = match (&o.axes, &o.s) {
        (Some(a), _) => a.clone(),
        (None, None) => (0..x.ndim() as i64).collect(),
        (None, Some(s)) => {
            return Err(invalid(format!(
                "s {s:?} was given without axes; the standard requires both"
            )))
        }
    };
    let s = o.s.clone().unwrap_or_else(|| vec![-1; axes.len()]);
    if s.len() != axes.len() {
        return Err(invalid(format!(
            "s {s:?} and axes {axes:?} must have one entry per transformed axis"
        )));
    }
    if axes.is_empty() {
        return Err(invalid(format!(
            "needs at least one axis to transform, got axes [] for shape {:?}",
            x.shape()
        )));
    }
    let mut out: Vec<(usize, Option<usize>)> = Vec::with_capacity(axes.len());
    for (&a, &len) in axes.iter().zip(&s) {
        let axis = normalize_axis(func, a, x.ndim()).map_err(|e| err(e, at))?;
        // Repeated axes are unspecified by the standard; refusing them is clearer than
        // NumPy's repeated transforms.
        if out.iter().any(|&(b, _)| b == axis) {
            return Err(err(
                IrError::DuplicateAxis {
                    func,
                    axes: axes.clone(),
                },
                at,
            ));
        }
        let len = match len {
            -1 => None,
            l if l >= 1 => Some(l as usize),
            l => {
                return Err(invalid(format!(
                    "transform lengths in s must be at least 1 (or -1 for the input's), \
                     got {l} in s {s:?}"
                )))
            }
        };
        out.push((axis, len));
    }
    Ok(out)
}

/// Chain one-dimensional transforms of `kind` over `axes`.
fn chain(
    func: &'static str,
    kind: FftKind,
    x: &Array,
    axes: &[(usize, Option<usize>)],
    norm: FftNorm,
    at: Loc,
) -> Result<Array> {
    let mut y = x.clone();
    for &(axis, len) in axes {
        let n = len.unwrap_or_else(|| default_n(kind, y.shape()[axis]));
        y = along(func, kind, &y, axis, n, norm, at)?;
    }
    Ok(y)
}

/// n-dimensional discrete Fourier transform over `axes` (default all).
///
/// ```
/// use kiln::fft::{self, FftnOpts};
/// let x = kiln::ones([2, 3], kiln::DType::F64)?;
/// let z = fft::fftn(&x, FftnOpts::new().axes([0, 1]).s([2, 4]))?;
/// assert_eq!(z.shape(), &[2, 4]);
/// assert_eq!(z.to_vec::<kiln::Complex64>()?[0], kiln::Complex64::new(6.0, 0.0));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn fftn(x: &Array, opts: impl Into<FftnOpts>) -> Result<Array> {
    let (func, at, o) = ("fftn", Location::caller(), opts.into());
    let axes = plan_axes(func, x, &o, at)?;
    chain(func, FftKind::Forward, x, &axes, o.norm, at)
}

/// n-dimensional inverse transform over `axes` (default all).
///
/// ```
/// let x = kiln::asarray([[kiln::Complex64::new(1.0, 0.0); 2]; 2], ())?;
/// let y = kiln::fft::ifftn(&x, ())?;
/// assert_eq!(y.to_vec::<kiln::Complex64>()?[0], kiln::Complex64::new(1.0, 0.0));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn ifftn(x: &Array, opts: impl Into<FftnOpts>) -> Result<Array> {
    let (func, at, o) = ("ifftn", Location::caller(), opts.into());
    let axes = plan_axes(func, x, &o, at)?;
    chain(func, FftKind::Inverse, x, &axes, o.norm, at)
}

/// n-dimensional transform of real input: `rfft` over the last of `axes`, then `fft`
/// over the others.
///
/// ```
/// let x = kiln::ones([3, 4], kiln::DType::F32)?;
/// let z = kiln::fft::rfftn(&x, ())?;
/// assert_eq!(z.shape(), &[3, 3]);
/// assert_eq!(z.to_vec::<kiln::Complex32>()?[0], kiln::Complex32::new(12.0, 0.0));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn rfftn(x: &Array, opts: impl Into<FftnOpts>) -> Result<Array> {
    let (func, at, o) = ("rfftn", Location::caller(), opts.into());
    let axes = plan_axes(func, x, &o, at)?;
    let (last, rest) = axes
        .split_last()
        .expect("plan_axes returns at least one axis");
    let y = chain(func, FftKind::RealForward, x, &[*last], o.norm, at)?;
    chain(func, FftKind::Forward, &y, rest, o.norm, at)
}

/// Inverse of `rfftn`: `ifft` over all but the last of `axes`, then `irfft` over the
/// last (whose default output length is `2*(m-1)`).
///
/// ```
/// use kiln::fft::{self, FftnOpts};
/// let x = kiln::ones([3, 5], kiln::DType::F64)?;
/// let y = fft::irfftn(&fft::rfftn(&x, ())?, FftnOpts::new().axes([0, 1]).s([3, 5]))?;
/// assert!((y.to_vec::<f64>()?[7] - 1.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn irfftn(x: &Array, opts: impl Into<FftnOpts>) -> Result<Array> {
    let (func, at, o) = ("irfftn", Location::caller(), opts.into());
    let axes = plan_axes(func, x, &o, at)?;
    let (last, rest) = axes
        .split_last()
        .expect("plan_axes returns at least one axis");
    let y = chain(func, FftKind::Inverse, x, rest, o.norm, at)?;
    chain(func, FftKind::RealInverse, &y, &[*last], o.norm, at)
}

/// `0, 1, ..., len - 1` scaled by `1/(d·n)`, in a real floating dtype (default
/// float64): the shared part of `fftfreq` and `rfftfreq`.
fn frequencies(
    func: &'static str,
    n: usize,
    len: usize,
    d: f64,
    opts: CreateOpts,
    at: Loc,
) -> Result<(Array, Scalar)> {
    let dtype = opts.dtype.unwrap_or(DType::DEFAULT_FLOAT);
    if !dtype.is_real_floating() {
        return Err(err(
            IrError::invalid(func, format!("makes real floating values, not {dtype}")),
            at,
        ));
    }
    if n == 0 {
        return Err(err(
            IrError::invalid(func, "the window length n must be at least 1, got 0"),
            at,
        ));
    }
    let mut create = CreateOpts::new().dtype(dtype);
    create.device = opts.device;
    let i = crate::arange(0, len as i64, 1, create)?;
    Ok((i, Scalar::Float(1.0 / (d * n as f64))))
}

/// Sample frequencies of a transform of length `n` with sample spacing `d`:
/// `[0, 1, ..., ceil(n/2) - 1, -floor(n/2), ..., -1] / (d·n)`.
///
/// ```
/// let f = kiln::fft::fftfreq(4, 0.5, ())?;
/// assert_eq!(f.to_vec::<f64>()?, vec![0.0, 0.5, -1.0, -0.5]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn fftfreq(n: usize, d: f64, opts: impl Into<CreateOpts>) -> Result<Array> {
    let (func, at) = ("fftfreq", Location::caller());
    let (i, scale) = frequencies(func, n, n, d, opts.into(), at)?;
    // Indices from ceil(n/2) on stand for the negative frequencies i - n.
    let half = Scalar::Float(n.div_ceil(2) as f64);
    let negative = binary(BinaryOp::GreaterEqual, (&i).into(), half.into(), at)?;
    let wrapped = binary(
        BinaryOp::Subtract,
        (&i).into(),
        Scalar::Float(n as f64).into(),
        at,
    )?;
    let k = where_(&negative, &wrapped, &i)?;
    binary(BinaryOp::Multiply, k.into(), Operand::Scalar(scale), at)
}

/// Sample frequencies of `rfft` of length `n`: `[0, 1, ..., floor(n/2)] / (d·n)`.
///
/// ```
/// let f = kiln::fft::rfftfreq(5, 1.0, kiln::DType::F32)?;
/// assert_eq!(f.to_vec::<f32>()?, vec![0.0, 0.2, 0.4]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn rfftfreq(n: usize, d: f64, opts: impl Into<CreateOpts>) -> Result<Array> {
    let (func, at) = ("rfftfreq", Location::caller());
    let (i, scale) = frequencies(func, n, n / 2 + 1, d, opts.into(), at)?;
    binary(BinaryOp::Multiply, i.into(), Operand::Scalar(scale), at)
}

/// Roll each of `axes` (all with `()`) by `sign·floor(len/2)`.
fn shift_half(func: &'static str, x: &Array, axes: AxisArg, sign: i64, at: Loc) -> Result<Array> {
    let axes: Vec<i64> = match axes.0 {
        Some(list) => list,
        None => (0..x.ndim() as i64).collect(),
    };
    let mut shifts = Vec::with_capacity(axes.len());
    for &a in &axes {
        let axis = normalize_axis(func, a, x.ndim()).map_err(|e| err(e, at))?;
        shifts.push(sign * (x.shape()[axis] / 2) as i64);
    }
    crate::roll(x, shifts, axes)
}

/// Move the zero-frequency term to the middle: roll each of `axes` (all with `()`) by
/// half its length. A repeated axis is rolled twice (as NumPy does).
///
/// ```
/// let f = kiln::fft::fftfreq(5, 1.0, ())?;
/// let s = kiln::fft::fftshift(&f, ())?;
/// assert_eq!(s.to_vec::<f64>()?, vec![-0.4, -0.2, 0.0, 0.2, 0.4]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn fftshift(x: &Array, axes: impl Into<AxisArg>) -> Result<Array> {
    shift_half("fftshift", x, axes.into(), 1, Location::caller())
}

/// Inverse of `fftshift` (the two differ by one place for odd lengths).
///
/// ```
/// let x = kiln::asarray([0.0f64, 1.0, 2.0, 3.0, 4.0], ())?;
/// let y = kiln::fft::ifftshift(&kiln::fft::fftshift(&x, 0)?, 0)?;
/// assert_eq!(y.to_vec::<f64>()?, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn ifftshift(x: &Array, axes: impl Into<AxisArg>) -> Result<Array> {
    shift_half("ifftshift", x, axes.into(), -1, Location::caller())
}
