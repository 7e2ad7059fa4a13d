//! The standard's elementwise functions. Each builds one node (plus the casts and
//! broadcasts that promotion makes explicit); dtype rules live in `kiln_ir::op`.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::operand::{broadcast, common_meta, unify, Operand};
use kiln_ir::{broadcast_pair, BinaryOp, DType, IrError, Loc, Op, Shape, UnaryOp};
use std::panic::Location;

pub(crate) fn unary(op: UnaryOp, x: &Array, at: Loc) -> Result<Array> {
    Array::node(op.name(), Op::Unary(op), &[x], at)
}

pub(crate) fn binary(op: BinaryOp, x1: Operand, x2: Operand, at: Loc) -> Result<Array> {
    binary_as(op.name(), op, x1, x2, at)
}

/// `binary` whose errors name `func` (the function the user called, e.g. `clip`).
pub(crate) fn binary_as(
    func: &'static str,
    op: BinaryOp,
    x1: Operand,
    x2: Operand,
    at: Loc,
) -> Result<Array> {
    let v = unify(func, &[x1, x2], at)?;
    Array::node(func, Op::Binary(op), &[&v[0], &v[1]], at)
}

macro_rules! unary_fns {
    ($($name:ident => $op:ident: $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = concat!("`", stringify!($name), "` of the Array API standard; builds a node, computes nothing.")]
        #[track_caller]
        pub fn $name(x: &Array) -> Result<Array> {
            unary(UnaryOp::$op, x, Location::caller())
        }

        impl Array {
            #[doc = concat!("Method form of [`", stringify!($name), "`](crate::", stringify!($name), ").")]
            #[track_caller]
            pub fn $name(&self) -> Result<Array> {
                unary(UnaryOp::$op, self, Location::caller())
            }
        }
    )*};
}

macro_rules! binary_fns {
    ($($(#[$attr:meta])* $name:ident => $op:ident: $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = concat!("`", stringify!($name), "` of the Array API standard. Either operand may be a Rust scalar, which takes the array's dtype; arrays promote and broadcast by the standard's rules.")]
        $(#[$attr])*
        #[track_caller]
        pub fn $name(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Array> {
            binary(BinaryOp::$op, x1.into(), x2.into(), Location::caller())
        }
    )*};
}

unary_fns! {
    abs => Abs: "Absolute value; for complex input, the modulus (a real array).";
    acos => Acos: "Inverse cosine, in radians.";
    acosh => Acosh: "Inverse hyperbolic cosine.";
    asin => Asin: "Inverse sine, in radians.";
    asinh => Asinh: "Inverse hyperbolic sine.";
    atan => Atan: "Inverse tangent, in radians.";
    atanh => Atanh: "Inverse hyperbolic tangent.";
    bitwise_invert => BitwiseInvert: "Bitwise NOT of integers; logical NOT of bools.";
    ceil => Ceil: "Smallest integer-valued number not less than x.";
    conj => Conj: "Complex conjugate (the identity on real input).";
    cos => Cos: "Cosine of x in radians.";
    cosh => Cosh: "Hyperbolic cosine.";
    exp => Exp: "e to the power x.";
    expm1 => Expm1: "exp(x) - 1, accurate for small x.";
    floor => Floor: "Greatest integer-valued number not greater than x.";
    imag => Imag: "Imaginary part (zeros for real input), as a real array.";
    isfinite => IsFinite: "Whether each element is finite (neither infinite nor NaN).";
    isinf => IsInf: "Whether each element is +infinity or -infinity.";
    isnan => IsNan: "Whether each element is NaN.";
    log => Log: "Natural logarithm.";
    log1p => Log1p: "log(1 + x), accurate for small x.";
    log2 => Log2: "Base-2 logarithm.";
    log10 => Log10: "Base-10 logarithm.";
    logical_not => LogicalNot: "Logical NOT of a bool array.";
    negative => Negative: "-x.";
    positive => Positive: "+x (a copy of x).";
    real => Real: "Real part, as a real array (the identity on real input).";
    reciprocal => Reciprocal: "1 / x.";
    round => Round: "Round to the nearest integer-valued number, halves to even.";
    sign => Sign: "-1, 0 or +1 by the sign of x (NaN stays NaN); z/|z| for complex z.";
    signbit => Signbit: "Whether the sign bit is set (true for -0.0 and negative NaN).";
    sin => Sin: "Sine of x in radians.";
    sinh => Sinh: "Hyperbolic sine.";
    square => Square: "x * x.";
    sqrt => Sqrt: "Square root (sqrt(-0.0) is -0.0).";
    tan => Tan: "Tangent of x in radians.";
    tanh => Tanh: "Hyperbolic tangent.";
    trunc => Trunc: "Round toward zero.";
}

binary_fns! {
    ///
    /// ```
    /// let x = kiln::asarray([[1i32, 2], [3, 4]], ())?;
    /// let y = kiln::asarray([10i32, 20], ())?;
    /// // [2, 2] + [2] broadcasts y along the rows.
    /// assert_eq!(kiln::add(&x, &y)?.to_vec::<i32>()?, vec![11, 22, 13, 24]);
    /// let z = kiln::add(&x, 1)?; // the scalar takes x's dtype
    /// assert_eq!(z.dtype(), kiln::DType::I32);
    /// assert_eq!(z.to_vec::<i32>()?, vec![2, 3, 4, 5]);
    /// assert!(kiln::add(&x, 0.5).is_err()); // a float scalar does not fit int32
    /// # Ok::<(), kiln::Error>(())
    /// ```
    add => Add: "x1 + x2.";
    atan2 => Atan2: "Angle of the point (x2, x1), in radians, with the quadrant from both signs.";
    bitwise_and => BitwiseAnd: "Bitwise AND of integers or bools.";
    bitwise_left_shift => BitwiseLeftShift: "x1 shifted left by x2 bits (counts outside [0, bits) give 0).";
    bitwise_or => BitwiseOr: "Bitwise OR of integers or bools.";
    bitwise_right_shift => BitwiseRightShift: "x1 shifted right (arithmetic for signed) by x2 bits.";
    bitwise_xor => BitwiseXor: "Bitwise XOR of integers or bools.";
    copysign => Copysign: "The magnitude of x1 with the sign of x2.";
    divide => Divide: "x1 / x2 (floating-point dtypes; use floor_divide for integers).";
    equal => Equal: "x1 == x2, as bool.";
    floor_divide => FloorDivide: "The floor of x1 / x2: for floats Python's `//` (the floor of the exact quotient, so 1.0 // 0.1 is 9, as NumPy), with the standard's special cases for infinite operands; integer division by zero gives 0, and MIN // -1 wraps to MIN.";
    greater => Greater: "x1 > x2, as bool.";
    greater_equal => GreaterEqual: "x1 >= x2, as bool.";
    hypot => Hypot: "sqrt(x1² + x2²) without undue overflow or underflow.";
    less => Less: "x1 < x2, as bool.";
    less_equal => LessEqual: "x1 <= x2, as bool.";
    logaddexp => Logaddexp: "log(exp(x1) + exp(x2)) without overflow.";
    logical_and => LogicalAnd: "Logical AND of bool arrays.";
    logical_or => LogicalOr: "Logical OR of bool arrays.";
    logical_xor => LogicalXor: "Logical XOR of bool arrays.";
    maximum => Maximum: "The larger of x1 and x2; NaN if either is NaN.";
    minimum => Minimum: "The smaller of x1 and x2; NaN if either is NaN.";
    multiply => Multiply: "x1 * x2.";
    nextafter => Nextafter: "The next representable value after x1 toward x2.";
    not_equal => NotEqual: "x1 != x2, as bool.";
    pow => Pow: "x1 raised to the power x2.";
    remainder => Remainder: "x1 modulo x2 with the sign of x2 (Python's %); by zero gives 0 for integers.";
    subtract => Subtract: "x1 - x2.";
}

/// Clamp each element of `x` to `[min, max]`; either bound may be absent (`None`), an
/// array or a scalar. NaN in x or a bound gives NaN.
#[track_caller]
pub fn clip(
    x: &Array,
    min: Option<impl Into<Operand>>,
    max: Option<impl Into<Operand>>,
) -> Result<Array> {
    let at = Location::caller();
    let mut y = x.clone();
    if let Some(lo) = min {
        y = binary_as("clip", BinaryOp::Maximum, y.into(), lo.into(), at)?;
    }
    if let Some(hi) = max {
        y = binary_as("clip", BinaryOp::Minimum, y.into(), hi.into(), at)?;
    }
    // Bounds of another dtype may promote; the standard keeps x's dtype.
    if y.dtype() != x.dtype() {
        return Err(Error::build(
            IrError::invalid(
                "clip",
                format!(
                    "bounds would change the dtype of x from {} to {}; give bounds of x's dtype",
                    x.dtype(),
                    y.dtype()
                ),
            ),
            at,
        ));
    }
    Ok(y)
}

/// `where(condition, x1, x2)`: x1 where the bool `condition` holds, else x2. x1 and x2
/// may be arrays or scalars; all three broadcast together.
#[track_caller]
pub fn r#where(condition: &Array, x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Array> {
    where_at(condition, x1.into(), x2.into(), Location::caller())
}

/// Same as [`r#where`](fn.where.html), under a name that needs no raw identifier.
#[track_caller]
pub fn where_(condition: &Array, x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Array> {
    where_at(condition, x1.into(), x2.into(), Location::caller())
}

fn where_at(condition: &Array, x1: Operand, x2: Operand, at: Loc) -> Result<Array> {
    let func = "where";
    if condition.dtype() != DType::Bool {
        return Err(Error::build(
            IrError::DType {
                func,
                arg: "condition",
                dtype: condition.dtype(),
                expected: kiln_ir::Category::Bool,
            },
            at,
        ));
    }
    let meta = common_meta(func, &[x1.clone(), x2.clone()], at)?;
    let cshape = Shape::new(condition.shape());
    let shape = broadcast_pair(&cshape, &meta.shape).ok_or_else(|| {
        Error::build(
            IrError::Broadcast {
                func,
                shapes: vec![cshape.clone(), meta.shape.clone()],
            },
            at,
        )
    })?;
    let values = unify(func, &[x1, x2], at)?;
    let c = broadcast(func, condition, &shape, at)?;
    let a = broadcast(func, &values[0], &shape, at)?;
    let b = broadcast(func, &values[1], &shape, at)?;
    Array::node(func, Op::Where, &[&c, &a, &b], at)
}
