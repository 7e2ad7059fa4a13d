//! The math builder over plain Rust floats: runs kiln's math library directly, for
//! accuracy tests and as the definition every vector backend must agree with.

use super::MathBuilder;

macro_rules! scalar_builder {
    ($name:ident, $f:ty, $i:ty, $u:ty, $bits:expr) => {
        /// Evaluates the math library on one
        #[doc = stringify!($f)]
        /// at a time.
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl MathBuilder for $name {
            type V = $f;
            type I = $i;
            type M = bool;
            const BITS: u32 = $bits;

            fn c(&mut self, v: f64) -> $f {
                v as $f
            }
            fn ci(&mut self, v: i64) -> $i {
                v as $i
            }
            fn add(&mut self, a: $f, b: $f) -> $f {
                a + b
            }
            fn sub(&mut self, a: $f, b: $f) -> $f {
                a - b
            }
            fn mul(&mut self, a: $f, b: $f) -> $f {
                a * b
            }
            fn div(&mut self, a: $f, b: $f) -> $f {
                a / b
            }
            fn fma(&mut self, a: $f, b: $f, c: $f) -> $f {
                a.mul_add(b, c)
            }
            fn neg(&mut self, a: $f) -> $f {
                -a
            }
            fn abs(&mut self, a: $f) -> $f {
                a.abs()
            }
            fn sqrt(&mut self, a: $f) -> $f {
                a.sqrt()
            }
            fn floor(&mut self, a: $f) -> $f {
                a.floor()
            }
            fn ceil(&mut self, a: $f) -> $f {
                a.ceil()
            }
            fn trunc(&mut self, a: $f) -> $f {
                a.trunc()
            }
            fn lookup<const K: usize>(&mut self, table: &'static [[f64; K]], i: $i) -> [$f; K] {
                table[i as usize].map(|v| v as $f)
            }
            fn round_even(&mut self, a: $f) -> $f {
                a.round_ties_even()
            }
            fn copysign(&mut self, a: $f, b: $f) -> $f {
                a.copysign(b)
            }
            fn lt(&mut self, a: $f, b: $f) -> bool {
                a < b
            }
            fn le(&mut self, a: $f, b: $f) -> bool {
                a <= b
            }
            fn gt(&mut self, a: $f, b: $f) -> bool {
                a > b
            }
            fn ge(&mut self, a: $f, b: $f) -> bool {
                a >= b
            }
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // true for NaN, on purpose
            fn nlt(&mut self, a: $f, b: $f) -> bool {
                !(a < b)
            }
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // true for NaN, on purpose
            fn ngt(&mut self, a: $f, b: $f) -> bool {
                !(a > b)
            }
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // true for NaN, on purpose
            fn nle(&mut self, a: $f, b: $f) -> bool {
                !(a <= b)
            }
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // true for NaN, on purpose
            fn nge(&mut self, a: $f, b: $f) -> bool {
                !(a >= b)
            }
            fn eq(&mut self, a: $f, b: $f) -> bool {
                a == b
            }
            fn is_nan(&mut self, a: $f) -> bool {
                a.is_nan()
            }
            fn and(&mut self, a: bool, b: bool) -> bool {
                a && b
            }
            fn or(&mut self, a: bool, b: bool) -> bool {
                a || b
            }
            fn xor(&mut self, a: bool, b: bool) -> bool {
                a != b
            }
            fn not(&mut self, a: bool) -> bool {
                !a
            }
            fn unless_any(
                &mut self,
                m: bool,
                fast: $f,
                slow: impl FnOnce(&mut Self, $f) -> $f,
            ) -> $f {
                if m {
                    slow(self, fast)
                } else {
                    fast
                }
            }
            fn select(&mut self, m: bool, a: $f, b: $f) -> $f {
                if m {
                    a
                } else {
                    b
                }
            }
            fn select_i(&mut self, m: bool, a: $i, b: $i) -> $i {
                if m {
                    a
                } else {
                    b
                }
            }
            fn to_bits(&mut self, a: $f) -> $i {
                a.to_bits() as $i
            }
            fn from_bits(&mut self, a: $i) -> $f {
                <$f>::from_bits(a as $u)
            }
            fn iadd(&mut self, a: $i, b: $i) -> $i {
                a.wrapping_add(b)
            }
            fn imul(&mut self, a: $i, b: $i) -> $i {
                a.wrapping_mul(b)
            }
            fn isub(&mut self, a: $i, b: $i) -> $i {
                a.wrapping_sub(b)
            }
            fn iand(&mut self, a: $i, b: $i) -> $i {
                a & b
            }
            fn ior(&mut self, a: $i, b: $i) -> $i {
                a | b
            }
            fn shl(&mut self, a: $i, amount: u32) -> $i {
                a.wrapping_shl(amount)
            }
            fn sshr(&mut self, a: $i, amount: u32) -> $i {
                a.wrapping_shr(amount)
            }
            fn ushr(&mut self, a: $i, amount: u32) -> $i {
                ((a as $u).wrapping_shr(amount)) as $i
            }
            fn ieq(&mut self, a: $i, b: $i) -> bool {
                a == b
            }
            fn ilt(&mut self, a: $i, b: $i) -> bool {
                a < b
            }
            fn to_int(&mut self, a: $f) -> $i {
                a as $i
            }
            fn to_float(&mut self, a: $i) -> $f {
                a as $f
            }
        }
    };
}

scalar_builder!(Eval32, f32, i32, u32, 32);
scalar_builder!(Eval64, f64, i64, u64, 64);
