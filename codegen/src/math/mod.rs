//! kiln's math library: transcendental functions written once, over an abstract
//! builder of primitive floating-point operations, and emitted inline by every backend.
//!
//! Each function (`exp`, `log`, `sin`, ...) is generic over [`MathBuilder`]: it never
//! computes, it asks the builder for primitive operations (add, fma, bit casts,
//! selects, ...). The Cranelift emitter implements the builder over SIMD vectors, so
//! `exp` becomes inline vector code; [`scalar::Eval32`] / [`scalar::Eval64`] implement
//! it over plain `f32`/`f64`, so accuracy is measured in fast, ordinary Rust tests.
//! Coefficients and range reductions are chosen per width (`MathBuilder::BITS`).
//!
//! Special values (NaN, ±inf, ±0) follow the Array API standard's special-case tables;
//! measured accuracy per function is in docs/accuracy.md.

pub mod scalar;

pub mod binary;
mod common;
pub(crate) use common::sign_bit;
pub mod exp_log;
pub mod hyperbolic;
pub mod inverse_trig;
pub mod pow;
mod pow_tables;
pub mod product;
#[cfg(test)]
pub(crate) mod testutil;
pub mod trig;

pub use binary::{floor_divide, hypot, logaddexp};
pub use exp_log::{exp, expm1, log, log10, log1p, log2};
pub use hyperbolic::{acosh, asinh, atanh, cosh, sinh, tanh};
pub use inverse_trig::{acos, asin, atan, atan2};
pub use pow::{pow, pow_f32_in_f64};
pub use trig::{cos, sin, tan, trig_f32_in_f64, Trig};

/// The cold code of the math library: the rare side of a function's branch, large and
/// seldom run, which a builder may emit out of line (`MathBuilder::cold`). Only code
/// for arguments that real data rarely holds belongs here: pow's general path (x <= 0,
/// zeros, overflow) was cold for a while and made `x ** 3` over signed data 20–40%
/// slower (docs/architecture.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cold {
    /// sin, cos or tan of arguments beyond the Cody–Waite range (`trig::trig_huge`);
    /// arguments x and the fast path's result.
    TrigHuge(Trig),
    /// sin, cos or tan of f32 arguments in f64 lanes beyond the f32 fast range
    /// (`trig::trig_f32_wide`); arguments x and the fast path's result.
    TrigF32Wide(Trig),
}

impl Cold {
    pub fn name(self) -> &'static str {
        match self {
            Cold::TrigHuge(Trig::Sin) => "sin of huge arguments",
            Cold::TrigHuge(Trig::Cos) => "cos of huge arguments",
            Cold::TrigHuge(Trig::Tan) => "tan of huge arguments",
            Cold::TrigF32Wide(Trig::Sin) => "sin of large f32 arguments",
            Cold::TrigF32Wide(Trig::Cos) => "cos of large f32 arguments",
            Cold::TrigF32Wide(Trig::Tan) => "tan of large f32 arguments",
        }
    }

    /// Whether 32-bit builders use it (the f32 route of `TrigF32Wide` runs in f64).
    pub fn f32_ok(self) -> bool {
        !matches!(self, Cold::TrigF32Wide(_))
    }

    /// Every cold code.
    pub const ALL: [Cold; 6] = [
        Cold::TrigHuge(Trig::Sin),
        Cold::TrigHuge(Trig::Cos),
        Cold::TrigHuge(Trig::Tan),
        Cold::TrigF32Wide(Trig::Sin),
        Cold::TrigF32Wide(Trig::Cos),
        Cold::TrigF32Wide(Trig::Tan),
    ];
}

/// The cold code `c` computed from its two arguments alone: what a builder that
/// emits it out of line calls (the same values as the inline side of the branch).
pub fn cold<B: MathBuilder>(b: &mut B, c: Cold, a: &[B::V]) -> B::V {
    match c {
        Cold::TrigHuge(kind) => trig::trig_huge(b, kind, a[0], a[1]),
        Cold::TrigF32Wide(kind) => trig::trig_f32_wide(b, kind, a[0], a[1]),
    }
}

/// Primitive operations on floating-point values of one width (32 or 64 bits), on the
/// integers of the same width, and on comparison masks.
///
/// Semantics are IEEE 754 round-to-nearest for every float operation; `fma` is fused
/// (one rounding). Integer operations wrap. Shifts take a constant amount.
#[allow(clippy::wrong_self_convention)] // from_bits builds a value in the builder, it takes &mut self
pub trait MathBuilder {
    /// A float value (one number, or one vector of numbers: lanes are independent).
    type V: Copy;
    /// A signed integer of the same width as the float.
    type I: Copy;
    /// The result of a comparison.
    type M: Copy;

    /// 32 or 64.
    const BITS: u32;

    /// A float constant (rounded to the width).
    fn c(&mut self, v: f64) -> Self::V;
    /// An integer constant (wrapped to the width).
    fn ci(&mut self, v: i64) -> Self::I;

    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn div(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// a * b + c with one rounding.
    fn fma(&mut self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn neg(&mut self, a: Self::V) -> Self::V;
    fn abs(&mut self, a: Self::V) -> Self::V;
    fn sqrt(&mut self, a: Self::V) -> Self::V;
    fn floor(&mut self, a: Self::V) -> Self::V;
    fn ceil(&mut self, a: Self::V) -> Self::V;
    fn trunc(&mut self, a: Self::V) -> Self::V;
    /// Round to nearest, ties to even.
    fn round_even(&mut self, a: Self::V) -> Self::V;
    /// The magnitude of a with the sign bit of b.
    fn copysign(&mut self, a: Self::V, b: Self::V) -> Self::V;

    fn lt(&mut self, a: Self::V, b: Self::V) -> Self::M;
    fn le(&mut self, a: Self::V, b: Self::V) -> Self::M;
    fn gt(&mut self, a: Self::V, b: Self::V) -> Self::M;
    fn ge(&mut self, a: Self::V, b: Self::V) -> Self::M;
    /// !(a < b): a ≥ b or either is NaN (one unordered comparison, where
    /// `not(lt(a, b))` would take a comparison and a negation).
    fn nlt(&mut self, a: Self::V, b: Self::V) -> Self::M;
    /// !(a > b): a ≤ b or either is NaN.
    fn ngt(&mut self, a: Self::V, b: Self::V) -> Self::M;
    /// !(a ≤ b): a > b or either is NaN.
    fn nle(&mut self, a: Self::V, b: Self::V) -> Self::M;
    /// !(a ≥ b): a < b or either is NaN.
    fn nge(&mut self, a: Self::V, b: Self::V) -> Self::M;
    /// Ordered equality (false if either is NaN).
    fn eq(&mut self, a: Self::V, b: Self::V) -> Self::M;
    fn is_nan(&mut self, a: Self::V) -> Self::M;
    fn and(&mut self, a: Self::M, b: Self::M) -> Self::M;
    fn or(&mut self, a: Self::M, b: Self::M) -> Self::M;
    /// Lanes where exactly one of a and b holds.
    fn xor(&mut self, a: Self::M, b: Self::M) -> Self::M;
    fn not(&mut self, a: Self::M) -> Self::M;
    /// if m { a } else { b }, lane by lane.
    fn select(&mut self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    fn select_i(&mut self, m: Self::M, a: Self::I, b: Self::I) -> Self::I;

    /// The float's bits as an integer, and back.
    fn to_bits(&mut self, a: Self::V) -> Self::I;
    fn from_bits(&mut self, a: Self::I) -> Self::V;
    fn iadd(&mut self, a: Self::I, b: Self::I) -> Self::I;
    /// The low half of the product (wrapping).
    fn imul(&mut self, a: Self::I, b: Self::I) -> Self::I;
    fn isub(&mut self, a: Self::I, b: Self::I) -> Self::I;
    fn iand(&mut self, a: Self::I, b: Self::I) -> Self::I;
    fn ior(&mut self, a: Self::I, b: Self::I) -> Self::I;
    fn shl(&mut self, a: Self::I, amount: u32) -> Self::I;
    /// Arithmetic (sign-filling) right shift.
    fn sshr(&mut self, a: Self::I, amount: u32) -> Self::I;
    /// Logical (zero-filling) right shift.
    fn ushr(&mut self, a: Self::I, amount: u32) -> Self::I;
    fn ieq(&mut self, a: Self::I, b: Self::I) -> Self::M;
    /// Signed less-than.
    fn ilt(&mut self, a: Self::I, b: Self::I) -> Self::M;
    /// Float → integer, truncating toward zero (only used on values known to fit).
    fn to_int(&mut self, a: Self::V) -> Self::I;
    /// Integer → float, rounding to nearest.
    fn to_float(&mut self, a: Self::I) -> Self::V;

    /// Row `i` of a table of constants, each column as a value of this width (a
    /// 32-bit builder rounds the entries). Every lane of `i` must be a row of the table:
    /// callers mask their indices into range.
    fn lookup<const K: usize>(&mut self, table: &'static [[f64; K]], i: Self::I) -> [Self::V; K];

    /// `fast` where no lane of `m` is set; otherwise `slow(self, fast)`, which must
    /// give the right value for every lane. Emitted as a branch around the slow code, so
    /// the special-case fixups of a function cost one test when no input needs them.
    fn unless_any(
        &mut self,
        m: Self::M,
        fast: Self::V,
        slow: impl FnOnce(&mut Self, Self::V) -> Self::V,
    ) -> Self::V;

    /// Cold code `c` (the rare side of a function's branch): `inline` emits it in
    /// place, with the values at hand; a builder may instead emit a call of code that
    /// computes the same from `args` alone (`cold`), compiled elsewhere.
    fn cold(
        &mut self,
        c: Cold,
        args: &[Self::V],
        inline: impl FnOnce(&mut Self) -> Self::V,
    ) -> Self::V
    where
        Self: Sized,
    {
        let _ = (c, args);
        inline(self)
    }
}
