//! The operations of kiln's graph, each with its shape and dtype rule.
//!
//! This is the one place that says what an op accepts and what it returns: the builder
//! calls `Op::infer` when a node is made, so a wrong shape or dtype is an error at the
//! user's call, and no backend repeats these rules. Elementwise ops are tables
//! (`UnaryOp::info`, `BinaryOp::info`) rather than branches.
//!
//! Binary ops and `Where` take operands of one shape and dtype: the namespace layer makes
//! promotion and broadcasting explicit (`Cast` and `Broadcast` nodes), so a kernel never
//! has to guess them.

use crate::data::Literal;
use crate::device::Device;
use crate::dtype::{Category, DType};
use crate::error::IrError;
use crate::library::LibCall;
use crate::scalar::Scalar;
use crate::shape::{broadcasts_to, Shape};
use smallvec::SmallVec;
use std::fmt;

/// Shape, dtype and device of a node: everything known before anything runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Meta {
    pub shape: Shape,
    pub dtype: DType,
    pub device: Device,
}

/// Axis list of a reduction or permutation.
pub type Axes = SmallVec<[usize; 4]>;

/// What an elementwise op returns, given its (common) input dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultRule {
    /// The input dtype.
    Same,
    /// bool.
    Bool,
    /// The real dtype of the same precision (complex64 → float32; reals unchanged).
    Real,
}

impl ResultRule {
    fn apply(self, dtype: DType) -> DType {
        match self {
            ResultRule::Same => dtype,
            ResultRule::Bool => DType::Bool,
            ResultRule::Real => dtype.real_part(),
        }
    }
}

/// Static facts about an elementwise op.
#[derive(Clone, Copy, Debug)]
pub struct OpInfo {
    /// The standard's function name.
    pub name: &'static str,
    /// Dtypes the op accepts.
    pub accepts: Category,
    /// Dtype of the result.
    pub result: ResultRule,
}

const fn info(name: &'static str, accepts: Category, result: ResultRule) -> OpInfo {
    OpInfo {
        name,
        accepts,
        result,
    }
}

macro_rules! op_table {
    ($(#[$m:meta])* $enum:ident { $($variant:ident => $name:literal, $cat:ident, $rule:ident;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum { $($variant),* }

        impl $enum {
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];

            pub fn info(self) -> OpInfo {
                match self {
                    $($enum::$variant => info($name, Category::$cat, ResultRule::$rule)),*
                }
            }

            pub fn name(self) -> &'static str {
                self.info().name
            }
        }
    };
}

op_table! {
    /// Elementwise functions of one argument, named as in the standard.
    UnaryOp {
        Abs => "abs", Numeric, Real;
        Acos => "acos", Floating, Same;
        Acosh => "acosh", Floating, Same;
        Asin => "asin", Floating, Same;
        Asinh => "asinh", Floating, Same;
        Atan => "atan", Floating, Same;
        Atanh => "atanh", Floating, Same;
        BitwiseInvert => "bitwise_invert", IntegerOrBool, Same;
        Ceil => "ceil", RealNumeric, Same;
        Conj => "conj", Numeric, Same;
        Cos => "cos", Floating, Same;
        Cosh => "cosh", Floating, Same;
        Exp => "exp", Floating, Same;
        Expm1 => "expm1", Floating, Same;
        Floor => "floor", RealNumeric, Same;
        Imag => "imag", Numeric, Real;
        IsFinite => "isfinite", Numeric, Bool;
        IsInf => "isinf", Numeric, Bool;
        IsNan => "isnan", Numeric, Bool;
        Log => "log", Floating, Same;
        Log1p => "log1p", Floating, Same;
        Log2 => "log2", Floating, Same;
        Log10 => "log10", Floating, Same;
        LogicalNot => "logical_not", Bool, Bool;
        Negative => "negative", Numeric, Same;
        Positive => "positive", Numeric, Same;
        Real => "real", Numeric, Real;
        Reciprocal => "reciprocal", Floating, Same;
        Round => "round", Numeric, Same;
        Sign => "sign", Numeric, Same;
        Signbit => "signbit", RealFloating, Bool;
        Sin => "sin", Floating, Same;
        Sinh => "sinh", Floating, Same;
        Square => "square", Numeric, Same;
        Sqrt => "sqrt", Floating, Same;
        Tan => "tan", Floating, Same;
        Tanh => "tanh", Floating, Same;
        Trunc => "trunc", RealNumeric, Same;
    }
}

impl UnaryOp {
    /// Whether the op is a few machine instructions (no transcendental, root or
    /// reciprocal): the planner recomputes such values rather than storing them, and
    /// `Kernel::work_per_point` counts them as one unit.
    pub fn is_cheap(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Abs | BitwiseInvert
                | Ceil
                | Conj
                | Floor
                | Imag
                | IsFinite
                | IsInf
                | IsNan
                | LogicalNot
                | Negative
                | Positive
                | Real
                | Round
                | Sign
                | Signbit
                | Square
                | Trunc
        )
    }
}

op_table! {
    /// Elementwise functions of two arguments, named as in the standard.
    BinaryOp {
        Add => "add", Numeric, Same;
        Atan2 => "atan2", RealFloating, Same;
        BitwiseAnd => "bitwise_and", IntegerOrBool, Same;
        BitwiseLeftShift => "bitwise_left_shift", Integer, Same;
        BitwiseOr => "bitwise_or", IntegerOrBool, Same;
        BitwiseRightShift => "bitwise_right_shift", Integer, Same;
        BitwiseXor => "bitwise_xor", IntegerOrBool, Same;
        Copysign => "copysign", RealFloating, Same;
        Divide => "divide", Floating, Same;
        Equal => "equal", Any, Bool;
        FloorDivide => "floor_divide", RealNumeric, Same;
        Greater => "greater", RealNumeric, Bool;
        GreaterEqual => "greater_equal", RealNumeric, Bool;
        Hypot => "hypot", RealFloating, Same;
        Less => "less", RealNumeric, Bool;
        LessEqual => "less_equal", RealNumeric, Bool;
        Logaddexp => "logaddexp", RealFloating, Same;
        LogicalAnd => "logical_and", Bool, Bool;
        LogicalOr => "logical_or", Bool, Bool;
        LogicalXor => "logical_xor", Bool, Bool;
        Maximum => "maximum", RealNumeric, Same;
        Minimum => "minimum", RealNumeric, Same;
        Multiply => "multiply", Numeric, Same;
        Nextafter => "nextafter", RealFloating, Same;
        NotEqual => "not_equal", Any, Bool;
        Pow => "pow", Numeric, Same;
        Remainder => "remainder", RealNumeric, Same;
        Subtract => "subtract", Numeric, Same;
    }
}

impl BinaryOp {
    /// Whether the op is a transcendental function of two arguments (costly).
    pub fn is_function(self) -> bool {
        use BinaryOp::*;
        matches!(self, Pow | Atan2 | Hypot | Logaddexp)
    }
}

op_table! {
    /// Reductions over a set of axes.
    ReduceOp {
        Sum => "sum", Numeric, Same;
        Prod => "prod", Numeric, Same;
        Max => "max", RealNumeric, Same;
        Min => "min", RealNumeric, Same;
        Mean => "mean", Floating, Same;
        Var => "var", RealFloating, Same;
        Any => "any", Any, Bool;
        All => "all", Any, Bool;
        ArgMax => "argmax", RealNumeric, Same;
        ArgMin => "argmin", RealNumeric, Same;
    }
}

op_table! {
    /// Cumulative operations along one axis.
    ScanOp {
        CumSum => "cumulative_sum", Numeric, Same;
        CumProd => "cumulative_prod", Numeric, Same;
    }
}

impl ReduceOp {
    /// Whether the reduction has no value over zero elements (the standard lets a
    /// library raise; kiln raises when the graph is built, since sizes are static).
    pub fn needs_elements(self) -> bool {
        matches!(
            self,
            ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
        )
    }
}

/// One axis of a strided slice: output element `i` reads input index `start + i*step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SliceDim {
    pub start: usize,
    pub step: isize,
    pub len: usize,
}

/// A graph operation. Leaves (`Constant`, `Fill`, `Iota`) get their `Meta` from the
/// builder; every other op's `Meta` follows from its inputs by `Op::infer`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Host data.
    Constant(Literal),
    /// Every element is the scalar, converted to the node's dtype.
    Fill(Scalar),
    /// Every element is its own index along `axis`, converted to the node's dtype.
    Iota {
        axis: usize,
    },
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// `where(cond, x, y)`: inputs cond (bool), x, y of one shape; x and y of one dtype.
    Where,
    /// `a·b + c` rounded once (a fused multiply-add): inputs a, b, c of one shape and
    /// one real floating dtype. Not a namespace function: the complex lowering builds
    /// it for products of complex numbers that keep each part accurate (`cmul`).
    Fma,
    /// Convert elements to the dtype.
    Cast(DType),
    /// Same elements in row-major order, new shape.
    Reshape(Shape),
    /// Output axis `i` is input axis `perm[i]`.
    Permute(Axes),
    /// Stretch size-1 axes and add leading axes to reach the shape.
    Broadcast(Shape),
    /// Strided sub-array; a negative step walks an axis backwards.
    Slice(SmallVec<[SliceDim; 4]>),
    /// Inputs joined along `axis`.
    Concat {
        axis: usize,
    },
    Reduce {
        op: ReduceOp,
        axes: Axes,
        keepdims: bool,
        /// Degrees-of-freedom correction of `Var`, as f64 bits (0 for other ops).
        correction_bits: u64,
    },
    Scan {
        op: ScanOp,
        axis: usize,
        include_initial: bool,
    },
    /// Output `output` of a library routine (a plan step of its own; see `library`).
    Library {
        call: LibCall,
        output: u8,
    },
}

impl Op {
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Constant(_) | Op::Fill(_) | Op::Iota { .. })
    }

    /// Elementwise ops: one output element depends only on the input elements at the
    /// same index.
    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Fma | Op::Cast(_)
        )
    }

    /// Views: ops that only re-index their input.
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Op::Reshape(_) | Op::Permute(_) | Op::Broadcast(_) | Op::Slice(_)
        )
    }

    /// The `Meta` of this op applied to inputs with the given metas. `func` names the
    /// user-facing function in errors.
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Meta, IrError> {
        let device = common_device(func, inputs)?;
        let first = inputs.first().copied();
        let input = || first.expect("non-leaf ops have inputs");
        let meta = |shape: Shape, dtype: DType| Meta {
            shape,
            dtype,
            device,
        };
        match self {
            Op::Constant(_) | Op::Fill(_) | Op::Iota { .. } => Err(IrError::invalid(
                func,
                "a leaf's shape and dtype are given, not inferred",
            )),
            Op::Unary(op) => {
                let x = input();
                check_category(func, "x", x.dtype, op.info().accepts)?;
                Ok(meta(x.shape.clone(), op.info().result.apply(x.dtype)))
            }
            Op::Binary(op) => {
                let (a, b) = (inputs[0], inputs[1]);
                same_operands(func, a, b)?;
                check_category(func, "x1 and x2 (promoted)", a.dtype, op.info().accepts)?;
                Ok(meta(a.shape.clone(), op.info().result.apply(a.dtype)))
            }
            Op::Where => {
                let (c, x, y) = (inputs[0], inputs[1], inputs[2]);
                check_category(func, "condition", c.dtype, Category::Bool)?;
                same_operands(func, x, y)?;
                if c.shape != x.shape {
                    return Err(IrError::Broadcast {
                        func,
                        shapes: vec![c.shape.clone(), x.shape.clone()],
                    });
                }
                Ok(meta(x.shape.clone(), x.dtype))
            }
            Op::Fma => {
                let (a, b, c) = (inputs[0], inputs[1], inputs[2]);
                same_operands(func, a, b)?;
                same_operands(func, a, c)?;
                check_category(func, "a, b and c", a.dtype, Category::RealFloating)?;
                Ok(meta(a.shape.clone(), a.dtype))
            }
            Op::Cast(to) => Ok(meta(input().shape.clone(), *to)),
            Op::Reshape(shape) => {
                let x = input();
                if x.shape.size() != shape.size() {
                    return Err(IrError::invalid(
                        func,
                        format!(
                            "cannot reshape an array of shape {} ({} elements) to {} ({} elements)",
                            x.shape,
                            x.shape.size(),
                            shape,
                            shape.size()
                        ),
                    ));
                }
                Ok(meta(shape.clone(), x.dtype))
            }
            Op::Permute(perm) => {
                let x = input();
                check_permutation(func, perm, x.shape.rank())?;
                let shape = Shape(perm.iter().map(|&p| x.shape.0[p]).collect());
                Ok(meta(shape, x.dtype))
            }
            Op::Broadcast(to) => {
                let x = input();
                if !broadcasts_to(&x.shape, to) {
                    return Err(IrError::BroadcastTo {
                        func,
                        from: x.shape.clone(),
                        to: to.clone(),
                    });
                }
                Ok(meta(to.clone(), x.dtype))
            }
            Op::Slice(dims) => {
                let x = input();
                check_slice(func, dims, &x.shape)?;
                Ok(meta(Shape(dims.iter().map(|d| d.len).collect()), x.dtype))
            }
            Op::Concat { axis } => infer_concat(func, *axis, inputs).map(|(s, d)| meta(s, d)),
            Op::Reduce {
                op, axes, keepdims, ..
            } => {
                let x = input();
                let (shape, dtype) = infer_reduce(func, *op, axes, *keepdims, x)?;
                Ok(meta(shape, dtype))
            }
            Op::Scan {
                op,
                axis,
                include_initial,
            } => {
                let x = input();
                check_category(func, "x", x.dtype, op.info().accepts)?;
                if *axis >= x.shape.rank() {
                    return Err(IrError::Axis {
                        func,
                        axis: *axis as i64,
                        rank: x.shape.rank(),
                    });
                }
                let mut shape = x.shape.clone();
                shape.0[*axis] += *include_initial as usize;
                Ok(meta(shape, x.dtype))
            }
            Op::Library { call, output } => {
                let outs = call.infer(func, inputs)?;
                let (shape, dtype) = outs.into_iter().nth(*output as usize).ok_or_else(|| {
                    IrError::invalid(func, format!("{call} has no output {output}"))
                })?;
                Ok(meta(shape, dtype))
            }
        }
    }
}

fn common_device(func: &'static str, inputs: &[&Meta]) -> Result<Device, IrError> {
    let device = inputs.first().map(|m| m.device).unwrap_or_default();
    if inputs.iter().any(|m| m.device != device) {
        return Err(IrError::Device {
            func,
            devices: inputs.iter().map(|m| m.device).collect(),
        });
    }
    Ok(device)
}

pub fn check_category(
    func: &'static str,
    arg: &'static str,
    dtype: DType,
    expected: Category,
) -> Result<(), IrError> {
    if expected.contains(dtype) {
        Ok(())
    } else {
        Err(IrError::DType {
            func,
            arg,
            dtype,
            expected,
        })
    }
}

/// Operands promoted to one dtype by the namespace layer (an internal contract, still
/// an error rather than a panic).
pub(crate) fn same_dtype(func: &'static str, a: &Meta, b: &Meta) -> Result<(), IrError> {
    if a.dtype != b.dtype {
        return Err(IrError::invalid(
            func,
            format!(
                "operands must have one dtype here, got {} and {} (promotion happens before)",
                a.dtype, b.dtype
            ),
        ));
    }
    Ok(())
}

fn same_operands(func: &'static str, a: &Meta, b: &Meta) -> Result<(), IrError> {
    same_dtype(func, a, b)?;
    if a.shape != b.shape {
        return Err(IrError::Broadcast {
            func,
            shapes: vec![a.shape.clone(), b.shape.clone()],
        });
    }
    Ok(())
}

fn check_permutation(func: &'static str, perm: &[usize], rank: usize) -> Result<(), IrError> {
    let mut seen = vec![false; rank];
    let ok = perm.len() == rank
        && perm
            .iter()
            .all(|&p| p < rank && !std::mem::replace(&mut seen[p], true));
    if ok {
        Ok(())
    } else {
        Err(IrError::invalid(
            func,
            format!("axes {perm:?} are not a permutation of 0..{rank}"),
        ))
    }
}

fn check_slice(func: &'static str, dims: &[SliceDim], shape: &Shape) -> Result<(), IrError> {
    if dims.len() != shape.rank() {
        return Err(IrError::invalid(
            func,
            format!(
                "slice has {} axes but the array {} has rank {}",
                dims.len(),
                shape,
                shape.rank()
            ),
        ));
    }
    for (axis, (d, &n)) in dims.iter().zip(shape.dims()).enumerate() {
        if d.len == 0 {
            continue;
        }
        let last = d.start as i128 + (d.len as i128 - 1) * d.step as i128;
        if d.start >= n || last < 0 || last >= n as i128 {
            return Err(IrError::invalid(
                func,
                format!("slice {d:?} reads outside axis {axis} of size {n} (shape {shape})"),
            ));
        }
    }
    Ok(())
}

fn infer_concat(
    func: &'static str,
    axis: usize,
    inputs: &[&Meta],
) -> Result<(Shape, DType), IrError> {
    let first = inputs
        .first()
        .ok_or_else(|| IrError::invalid(func, "needs at least one array"))?;
    let rank = first.shape.rank();
    if axis >= rank {
        return Err(IrError::Axis {
            func,
            axis: axis as i64,
            rank,
        });
    }
    let mut shape = first.shape.clone();
    shape.0[axis] = 0;
    for m in inputs {
        let same_rest = m.shape.rank() == rank
            && (0..rank).all(|i| i == axis || m.shape.0[i] == first.shape.0[i]);
        if !same_rest || m.dtype != first.dtype {
            return Err(IrError::invalid(
                func,
                format!(
                    "arrays must match in dtype and in every axis but {axis}: got {} {} and {} {}",
                    first.shape, first.dtype, m.shape, m.dtype
                ),
            ));
        }
        shape.0[axis] += m.shape.0[axis];
    }
    Ok((shape, first.dtype))
}

fn infer_reduce(
    func: &'static str,
    op: ReduceOp,
    axes: &[usize],
    keepdims: bool,
    x: &Meta,
) -> Result<(Shape, DType), IrError> {
    check_category(func, "x", x.dtype, op.info().accepts)?;
    let rank = x.shape.rank();
    if axes.iter().any(|&a| a >= rank) || axes.windows(2).any(|w| w[0] >= w[1]) {
        return Err(IrError::invalid(
            func,
            format!("axes {axes:?} must be sorted, distinct and below the rank {rank}"),
        ));
    }
    let reduced: usize = axes.iter().map(|&a| x.shape.0[a]).product();
    if op.needs_elements() && reduced == 0 {
        return Err(IrError::EmptyReduction {
            func,
            what: "an array",
            shape: x.shape.clone(),
            axes: axes.to_vec(),
            why: "the reduced axes hold no elements and this reduction has no identity",
        });
    }
    let shape = Shape(
        (0..rank)
            .filter_map(|i| match (axes.contains(&i), keepdims) {
                (false, _) => Some(x.shape.0[i]),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect(),
    );
    let dtype = match op {
        ReduceOp::ArgMax | ReduceOp::ArgMin => DType::I64,
        _ => op.info().result.apply(x.dtype),
    };
    Ok((shape, dtype))
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Constant(l) => write!(f, "constant({} elements)", l.data().len()),
            Op::Fill(s) => write!(f, "fill({s})"),
            Op::Iota { axis } => write!(f, "iota(axis={axis})"),
            Op::Unary(op) => f.write_str(op.name()),
            Op::Binary(op) => f.write_str(op.name()),
            Op::Where => f.write_str("where"),
            Op::Fma => f.write_str("fma"),
            Op::Cast(d) => write!(f, "astype({d})"),
            Op::Reshape(s) => write!(f, "reshape({s})"),
            Op::Permute(p) => write!(f, "permute_dims({:?})", p.as_slice()),
            Op::Broadcast(s) => write!(f, "broadcast_to({s})"),
            Op::Slice(dims) => {
                let parts: Vec<String> = dims
                    .iter()
                    .map(|d| format!("{}:{}:{}", d.start, d.len, d.step))
                    .collect();
                write!(f, "slice[{}]", parts.join(", "))
            }
            Op::Concat { axis } => write!(f, "concat(axis={axis})"),
            Op::Reduce {
                op,
                axes,
                keepdims,
                correction_bits,
            } => {
                write!(f, "{}(axes={:?}", op.name(), axes.as_slice())?;
                if *keepdims {
                    write!(f, ", keepdims")?;
                }
                if *op == ReduceOp::Var {
                    write!(f, ", correction={}", f64::from_bits(*correction_bits))?;
                }
                write!(f, ")")
            }
            Op::Scan {
                op,
                axis,
                include_initial,
            } => {
                write!(f, "{}(axis={axis}", op.name())?;
                if *include_initial {
                    write!(f, ", include_initial")?;
                }
                write!(f, ")")
            }
            Op::Library { call, output } => {
                write!(f, "{call}")?;
                if *output > 0 {
                    write!(f, "[{output}]")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Op;
    use crate::testing::meta;
    use crate::DType::*;

    #[test]
    fn fma_takes_three_real_floats_of_one_shape() {
        let (a, b) = (meta(&[2, 3], F32), meta(&[2, 3], F32));
        let out = Op::Fma.infer("fma", &[&a, &b, &a]).unwrap();
        assert_eq!((out.shape.0.as_slice(), out.dtype), (&[2usize, 3][..], F32));
        let err = |m: &[&super::Meta]| Op::Fma.infer("fma", m).unwrap_err().to_string();
        assert!(err(&[&a, &b, &meta(&[3], F32)]).contains("fma"));
        assert!(err(&[&a, &b, &meta(&[2, 3], F64)]).contains("fma"));
        let ints = meta(&[2], I32);
        assert!(err(&[&ints, &ints, &ints]).contains("real-valued floating-point"));
        let z = meta(&[2], C64);
        assert!(Op::Fma.infer("fma", &[&z, &z, &z]).is_err());
    }
}
