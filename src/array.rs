//! `Array`: a cheap handle to a lazy graph node, and the ways to get values out of it.

use crate::error::{Error, Result};
use kiln_ir::{DType, Data, Device, Element, Expr, ExprRef, Graph, Literal, Loc, Op};
use kiln_runtime::{ExecStats, Mode};
use std::fmt;

/// A lazy n-dimensional array. Cloning is cheap (a reference count). Shape, dtype and
/// device are known as soon as it exists; its values exist after `compute()` or `eval()`.
#[derive(Clone)]
pub struct Array {
    pub(crate) expr: ExprRef,
}

impl Array {
    pub(crate) fn from_expr(expr: ExprRef) -> Array {
        Array { expr }
    }

    /// Build a node; errors carry the user's source location `at`.
    pub(crate) fn node(func: &'static str, op: Op, inputs: &[&Array], at: Loc) -> Result<Array> {
        let inputs = inputs.iter().map(|a| a.expr.clone()).collect();
        Expr::new(func, op, inputs, at)
            .map(Array::from_expr)
            .map_err(|e| Error::build(e, at))
    }

    /// The size of each axis, outermost first (empty for a 0-d array). Known without
    /// computing.
    pub fn shape(&self) -> &[usize] {
        self.expr.meta().shape.dims()
    }
    /// The element type (`DType::F32`, ...). Known without computing.
    pub fn dtype(&self) -> DType {
        self.expr.meta().dtype
    }
    /// The device whose memory holds (or will hold) the values.
    pub fn device(&self) -> Device {
        self.expr.meta().device
    }
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }
    /// Whether the values have been computed (or were given as data).
    pub fn is_evaluated(&self) -> bool {
        self.expr.value().is_some()
    }

    /// Compute this array's values (once; later calls are free) and return the handle.
    pub fn compute(&self) -> Result<Array> {
        eval(&[self])?;
        Ok(self.clone())
    }

    /// Compute in a given mode (fused, eager or the reference interpreter).
    pub fn compute_with(&self, mode: Mode) -> Result<Array> {
        eval_with(&[self], mode)?;
        Ok(self.clone())
    }

    /// The values in row-major order. Computes the array if needed. `T` must be the
    /// element type of the array's dtype (`f32` for float32, ...).
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let data = self.data("to_vec")?;
        T::slice(&data)
            .map(|s| s.to_vec())
            .ok_or_else(|| Error::Data {
                func: "to_vec",
                msg: format!(
                    "the array has dtype {}, not {}; convert with kiln::astype first",
                    self.dtype(),
                    T::DTYPE
                ),
            })
    }

    /// The single value of a one-element array (any rank), as `T`.
    pub fn item<T: Element>(&self) -> Result<T> {
        if self.size() != 1 {
            return Err(Error::Data {
                func: "item",
                msg: format!(
                    "only an array of one element has an item; this one has shape {:?}",
                    self.shape()
                ),
            });
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// The computed data (computing if needed).
    pub(crate) fn data(&self, func: &'static str) -> Result<std::sync::Arc<Data>> {
        self.compute()?;
        self.expr
            .value()
            .map(|l| l.0.clone())
            .ok_or_else(|| Error::Data {
                func,
                msg: "the array has no value after compute".into(),
            })
    }

    /// The graph that computing this array would run, one node per line with its op,
    /// dtype, shape and the line of user code that built it.
    pub fn explain(&self) -> String {
        Graph::from_exprs(&[&self.expr]).explain()
    }

    /// The same graph in Graphviz DOT.
    pub fn to_dot(&self) -> String {
        Graph::from_exprs(&[&self.expr]).to_dot()
    }

    /// The values as an `ndarray::ArrayD`.
    #[cfg(feature = "ndarray")]
    pub fn to_ndarray<T: Element>(&self) -> Result<ndarray::ArrayD<T>> {
        let v = self.to_vec::<T>()?;
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(self.shape()), v).map_err(|e| Error::Data {
            func: "to_ndarray",
            msg: e.to_string(),
        })
    }
}

/// Compute several arrays together: work they share is done once. Runs in the
/// default mode (`default_mode`).
pub fn eval(arrays: &[&Array]) -> Result<()> {
    eval_with(arrays, default_mode()).map(|_| ())
}

thread_local! {
    /// The mode `with_mode` set for this thread, if any.
    static SCOPED_MODE: std::cell::Cell<Option<Mode>> = const { std::cell::Cell::new(None) };
}

/// The mode in which `compute()`, `eval()`, `to_vec()` and the graph boundaries of the
/// functions with data-dependent shapes (`nonzero`, `mask_select`, the `unique_*`
/// functions) compute: the one `with_mode` set on this thread, else the one
/// `KILN_MODE` names (fused | eager | interpreter), else fused.
pub fn default_mode() -> Mode {
    SCOPED_MODE.with(|m| m.get()).unwrap_or_else(Mode::from_env)
}

/// Run `f` with `mode` as this thread's default mode (`default_mode`), then restore
/// the one before, also when `f` panics. Calls that name their mode (`compute_with`,
/// `eval_with`) are unaffected.
///
/// ```
/// use kiln::Mode;
/// let x = kiln::from_vec(vec![0.0, 2.0, 0.0, 3.0], [4])?;
/// // nonzero computes its input now (its output's length depends on the values):
/// // here through the reference interpreter.
/// let idx = kiln::with_mode(Mode::Interpreter, || kiln::nonzero(&x))?;
/// assert_eq!(idx[0].to_vec::<i64>()?, vec![1, 3]);
/// assert_eq!(kiln::with_mode(Mode::Eager, kiln::default_mode), Mode::Eager);
/// # Ok::<(), kiln::Error>(())
/// ```
pub fn with_mode<R>(mode: Mode, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Mode>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED_MODE.with(|m| m.set(self.0));
        }
    }
    let _restore = Restore(SCOPED_MODE.with(|m| m.replace(Some(mode))));
    f()
}

/// Compute several arrays in a given mode, and report what it took (kernels launched,
/// kernels compiled, compile time). Arrays already computed are not recomputed.
pub fn eval_with(arrays: &[&Array], mode: Mode) -> Result<ExecStats> {
    let mut pending: Vec<&ExprRef> = Vec::new();
    for a in arrays {
        if a.expr.value().is_none() && !pending.iter().any(|p| p.id() == a.expr.id()) {
            pending.push(&a.expr);
        }
    }
    if pending.is_empty() {
        return Ok(ExecStats::default());
    }
    let graph = Graph::from_exprs(&pending);
    let (values, stats) = kiln_runtime::execute(&graph, mode)?;
    for (e, v) in pending.into_iter().zip(values) {
        e.set_value(Literal(v));
    }
    Ok(stats)
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Prints like NumPy's repr: `array([[1., 2.], [3., 4.]], dtype=float32)`, abbreviated
/// with `...` beyond 1000 elements. An array not yet computed says so instead of
/// computing (printing has no side effects).
impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(value) = self.expr.value() else {
            return write!(
                f,
                "array(<unevaluated {} at {}:{}>, shape={:?}, dtype={})",
                self.expr.func(),
                self.expr.loc().file(),
                self.expr.loc().line(),
                self.shape(),
                self.dtype()
            );
        };
        crate::display::write_array(f, value.data(), self.shape())
    }
}
