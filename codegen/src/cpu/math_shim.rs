//! Math-library functions not written yet: kernels using them are refused with an
//! error naming the op (never a panic, never a silent fallback). Removed once the math
//! library covers every transcendental.
#![allow(unused)]
use crate::math::MathBuilder;
pub use crate::math::*;
use kiln_ir::{BinaryOp, UnaryOp};

macro_rules! pending1 { ($($n:ident),*) => {$( pub fn $n<B: MathBuilder>(_b: &mut B, _x: B::V) -> B::V { unreachable!("refused by pending()") } )*} }
macro_rules! pending2 { ($($n:ident),*) => {$( pub fn $n<B: MathBuilder>(_b: &mut B, _x: B::V, _y: B::V) -> B::V { unreachable!("refused by pending()") } )*} }
pending1!(sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh);
pending2!(pow, atan2, hypot, logaddexp);

/// Ops whose math-library function is not written yet.
pub fn pending_unary(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(
        op,
        Sinh | Cosh | Tanh | Asin | Acos | Atan | Asinh | Acosh | Atanh
    )
}

pub fn pending_binary(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(op, Pow | Atan2 | Hypot | Logaddexp)
}
