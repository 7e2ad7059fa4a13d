//! Optional arguments, one idiom for the whole crate: each family of functions takes a
//! final `impl Into<...Opts>` argument. The options struct has `Default` and chainable
//! setters, and converts from the common shorthands, so the short forms read like the
//! standard's keyword arguments left at their defaults:
//!
//! ```
//! use kiln::{DType, ReduceOpts};
//! let x = kiln::ones([2, 3], DType::F64)?;
//! let total = kiln::sum(&x, ())?;                         // every axis
//! let rows = kiln::sum(&x, 1)?;                           // axis 1
//! let v = kiln::var(&x, ReduceOpts::new().axes([0, 1]).keepdims(true).correction(1.0))?;
//! let z = kiln::zeros([4], DType::F32)?;                  // CreateOpts from a dtype
//! # Ok::<(), kiln::Error>(())
//! ```

use kiln_ir::{DType, Device};

/// Which axes an operation works over: all of them (`()`), one (`1`, `-1`), or several
/// (`[0, 2]`, `vec![0, 2]`, `&[0, 2][..]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AxisArg(pub Option<Vec<i64>>);

impl From<()> for AxisArg {
    fn from(_: ()) -> AxisArg {
        AxisArg(None)
    }
}
impl From<Option<i64>> for AxisArg {
    fn from(a: Option<i64>) -> AxisArg {
        AxisArg(a.map(|a| vec![a]))
    }
}
macro_rules! axis_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for AxisArg {
            fn from(a: $t) -> AxisArg {
                AxisArg(Some(vec![a as i64]))
            }
        }
    )*};
}
axis_from_int!(i32, i64, isize, usize);
impl<const N: usize> From<[i64; N]> for AxisArg {
    fn from(a: [i64; N]) -> AxisArg {
        AxisArg(Some(a.to_vec()))
    }
}
impl<const N: usize> From<[i32; N]> for AxisArg {
    fn from(a: [i32; N]) -> AxisArg {
        AxisArg(Some(a.iter().map(|&x| x as i64).collect()))
    }
}
impl From<Vec<i64>> for AxisArg {
    fn from(a: Vec<i64>) -> AxisArg {
        AxisArg(Some(a))
    }
}
impl From<&[i64]> for AxisArg {
    fn from(a: &[i64]) -> AxisArg {
        AxisArg(Some(a.to_vec()))
    }
}

/// Options of the reductions (sum, prod, max, min, mean, var, std, any, all, argmax,
/// argmin). Each function reads the fields the standard gives it and rejects the others
/// when they are set (`dtype` only for sum/prod, `correction` only for var/std).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReduceOpts {
    /// Axes to reduce; `None` reduces all (argmax/argmin: over the flattened array).
    pub axis: Option<Vec<i64>>,
    /// Keep reduced axes as size 1, so the result broadcasts against the input.
    pub keepdims: bool,
    /// Result dtype of sum/prod (the input is cast first).
    pub dtype: Option<DType>,
    /// Degrees-of-freedom correction of var/std (divisor N - correction).
    pub correction: f64,
}

impl ReduceOpts {
    /// The defaults: every axis, reduced axes dropped, the default result dtype,
    /// correction 0.
    pub fn new() -> ReduceOpts {
        ReduceOpts::default()
    }
    /// Reduce over one axis (negative counts from the end).
    pub fn axis(mut self, axis: i64) -> ReduceOpts {
        self.axis = Some(vec![axis]);
        self
    }
    /// Reduce over these axes (negative counts from the end); none, if empty. A
    /// repeated axis is an error; argmax/argmin take exactly one.
    pub fn axes(mut self, axes: impl IntoIterator<Item = i64>) -> ReduceOpts {
        self.axis = Some(axes.into_iter().collect());
        self
    }
    /// Keep the reduced axes as size 1 (`true`) or drop them (`false`, the default).
    pub fn keepdims(mut self, keepdims: bool) -> ReduceOpts {
        self.keepdims = keepdims;
        self
    }
    /// Set the result dtype of sum/prod; the other reductions reject it.
    pub fn dtype(mut self, dtype: DType) -> ReduceOpts {
        self.dtype = Some(dtype);
        self
    }
    /// Set var/std's correction (1.0 for the sample variance); the other reductions
    /// reject a nonzero one.
    pub fn correction(mut self, correction: f64) -> ReduceOpts {
        self.correction = correction;
        self
    }
}

impl From<AxisArg> for ReduceOpts {
    fn from(a: AxisArg) -> ReduceOpts {
        ReduceOpts {
            axis: a.0,
            ..ReduceOpts::default()
        }
    }
}
macro_rules! reduce_from_axes {
    ($($t:ty),*) => {$(
        impl From<$t> for ReduceOpts {
            fn from(a: $t) -> ReduceOpts {
                AxisArg::from(a).into()
            }
        }
    )*};
}
reduce_from_axes!((), Option<i64>, i32, i64, isize, usize, Vec<i64>, &[i64]);
impl<const N: usize> From<[i64; N]> for ReduceOpts {
    fn from(a: [i64; N]) -> ReduceOpts {
        AxisArg::from(a).into()
    }
}
impl<const N: usize> From<[i32; N]> for ReduceOpts {
    fn from(a: [i32; N]) -> ReduceOpts {
        AxisArg::from(a).into()
    }
}

/// Options of cumulative_sum and cumulative_prod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CumulativeOpts {
    /// The axis; may be omitted only for 1-d input.
    pub axis: Option<i64>,
    /// Result dtype (the input is cast first).
    pub dtype: Option<DType>,
    /// Start the output with the identity (0 for sums, 1 for products).
    pub include_initial: bool,
}

impl CumulativeOpts {
    /// The defaults: no axis (enough for 1-d input only), the default result dtype, no
    /// initial identity.
    pub fn new() -> CumulativeOpts {
        CumulativeOpts::default()
    }
    /// Set the axis to accumulate along (negative counts from the end).
    pub fn axis(mut self, axis: i64) -> CumulativeOpts {
        self.axis = Some(axis);
        self
    }
    /// Set the result dtype (the input is cast to it first).
    pub fn dtype(mut self, dtype: DType) -> CumulativeOpts {
        self.dtype = Some(dtype);
        self
    }
    /// Whether the output starts with the identity, which makes the axis one longer.
    pub fn include_initial(mut self, include_initial: bool) -> CumulativeOpts {
        self.include_initial = include_initial;
        self
    }
}

impl From<()> for CumulativeOpts {
    fn from(_: ()) -> CumulativeOpts {
        CumulativeOpts::default()
    }
}
impl From<i64> for CumulativeOpts {
    fn from(axis: i64) -> CumulativeOpts {
        CumulativeOpts::new().axis(axis)
    }
}
impl From<i32> for CumulativeOpts {
    fn from(axis: i32) -> CumulativeOpts {
        CumulativeOpts::new().axis(axis as i64)
    }
}

/// Options of the creation functions: the dtype (default: the data's own type; float64
/// for float values, int64 for integers) and the device (default: cpu, or the input's
/// device for the `*_like` functions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CreateOpts {
    /// The element type; `None`: the function's default.
    pub dtype: Option<DType>,
    /// Where the array lives; `None`: the function's default.
    pub device: Option<Device>,
}

impl CreateOpts {
    /// The defaults: each function's own dtype and device.
    pub fn new() -> CreateOpts {
        CreateOpts::default()
    }
    /// Set the dtype: `asarray` converts its data to it as `astype` would, and the
    /// functions that fill in a value (`full`, `arange`, ...) reject one it cannot hold.
    pub fn dtype(mut self, dtype: DType) -> CreateOpts {
        self.dtype = Some(dtype);
        self
    }
    /// Set the device.
    pub fn device(mut self, device: Device) -> CreateOpts {
        self.device = Some(device);
        self
    }
}

impl From<()> for CreateOpts {
    fn from(_: ()) -> CreateOpts {
        CreateOpts::default()
    }
}
impl From<DType> for CreateOpts {
    fn from(dtype: DType) -> CreateOpts {
        CreateOpts::new().dtype(dtype)
    }
}
impl From<Device> for CreateOpts {
    fn from(device: Device) -> CreateOpts {
        CreateOpts::new().device(device)
    }
}
