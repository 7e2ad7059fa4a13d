//! Operator overloads on arrays and Rust scalars. Each returns `Result<Array>`, as
//! candle's do, so a shape or dtype mistake is an `Err` at the line that wrote it:
//! `let y = ((&a + &b)? * 2.0)?;`.

use crate::array::Array;
use crate::elementwise::{binary, unary};
use crate::error::Result;
use crate::operand::Operand;
use kiln_ir::{BinaryOp, UnaryOp};
use num_complex::Complex64;
use std::ops;
use std::panic::Location;

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $op:ident; $($scalar:ty),*) => {
        impl ops::$trait<&Array> for &Array {
            type Output = Result<Array>;
            #[track_caller]
            fn $method(self, rhs: &Array) -> Result<Array> {
                binary(BinaryOp::$op, self.into(), rhs.into(), Location::caller())
            }
        }
        impl ops::$trait<Array> for &Array {
            type Output = Result<Array>;
            #[track_caller]
            fn $method(self, rhs: Array) -> Result<Array> {
                binary(BinaryOp::$op, self.into(), rhs.into(), Location::caller())
            }
        }
        impl ops::$trait<&Array> for Array {
            type Output = Result<Array>;
            #[track_caller]
            fn $method(self, rhs: &Array) -> Result<Array> {
                binary(BinaryOp::$op, self.into(), rhs.into(), Location::caller())
            }
        }
        impl ops::$trait<Array> for Array {
            type Output = Result<Array>;
            #[track_caller]
            fn $method(self, rhs: Array) -> Result<Array> {
                binary(BinaryOp::$op, self.into(), rhs.into(), Location::caller())
            }
        }
        $(
            impl ops::$trait<$scalar> for &Array {
                type Output = Result<Array>;
                #[track_caller]
                fn $method(self, rhs: $scalar) -> Result<Array> {
                    binary(BinaryOp::$op, self.into(), Operand::from(rhs), Location::caller())
                }
            }
            impl ops::$trait<$scalar> for Array {
                type Output = Result<Array>;
                #[track_caller]
                fn $method(self, rhs: $scalar) -> Result<Array> {
                    binary(BinaryOp::$op, self.into(), Operand::from(rhs), Location::caller())
                }
            }
            impl ops::$trait<&Array> for $scalar {
                type Output = Result<Array>;
                #[track_caller]
                fn $method(self, rhs: &Array) -> Result<Array> {
                    binary(BinaryOp::$op, Operand::from(self), rhs.into(), Location::caller())
                }
            }
            impl ops::$trait<Array> for $scalar {
                type Output = Result<Array>;
                #[track_caller]
                fn $method(self, rhs: Array) -> Result<Array> {
                    binary(BinaryOp::$op, Operand::from(self), rhs.into(), Location::caller())
                }
            }
        )*
    };
}

macro_rules! all_operators {
    ($($scalar:ty),*) => {
        binary_operator!(Add, add, Add; $($scalar),*);
        binary_operator!(Sub, sub, Subtract; $($scalar),*);
        binary_operator!(Mul, mul, Multiply; $($scalar),*);
        binary_operator!(Div, div, Divide; $($scalar),*);
        binary_operator!(Rem, rem, Remainder; $($scalar),*);
        binary_operator!(BitAnd, bitand, BitwiseAnd; $($scalar),*);
        binary_operator!(BitOr, bitor, BitwiseOr; $($scalar),*);
        binary_operator!(BitXor, bitxor, BitwiseXor; $($scalar),*);
        binary_operator!(Shl, shl, BitwiseLeftShift; $($scalar),*);
        binary_operator!(Shr, shr, BitwiseRightShift; $($scalar),*);
    };
}
// One Rust type per scalar kind: with several float (or integer) types, `&x * 2.0`
// could not infer its output before the literal's type falls back, and `?` would fail
// to type-check. The value is weak anyway: it takes the array's dtype.
all_operators!(bool, i64, f64, Complex64);

impl ops::Neg for &Array {
    type Output = Result<Array>;
    #[track_caller]
    fn neg(self) -> Result<Array> {
        unary(UnaryOp::Negative, self, Location::caller())
    }
}
impl ops::Neg for Array {
    type Output = Result<Array>;
    #[track_caller]
    fn neg(self) -> Result<Array> {
        unary(UnaryOp::Negative, &self, Location::caller())
    }
}

/// `!x`: bitwise NOT for integers, logical NOT for bools (the standard's `~`).
impl ops::Not for &Array {
    type Output = Result<Array>;
    #[track_caller]
    fn not(self) -> Result<Array> {
        unary(UnaryOp::BitwiseInvert, self, Location::caller())
    }
}
impl ops::Not for Array {
    type Output = Result<Array>;
    #[track_caller]
    fn not(self) -> Result<Array> {
        unary(UnaryOp::BitwiseInvert, &self, Location::caller())
    }
}
