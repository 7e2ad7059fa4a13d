//! The math builder over several unrolled vectors at once: every primitive operation
//! is emitted once per copy, back to back, so a transcendental's long dependency chains
//! for the copies interleave instruction by instruction and the out-of-order core
//! always has independent work at hand. Emitting one copy's whole function before the
//! next (the builder over single values) leaves the scheduler full of operations that
//! wait on the previous one. The special-case test of a function is also done once for
//! all copies: one branch instead of one per copy.

use super::clif_math::{cold_branch, rejoin, ClifMath32, ClifMath64};
use crate::math::{Cold, MathBuilder};
use cranelift_codegen::ir::{Type, Value};
use cranelift_frontend::FunctionBuilder;

/// The most copies one value can have (the vector loop unrolls by at most this).
pub const MAX_COPIES: usize = 4;

/// One value per unrolled copy.
#[derive(Clone, Copy)]
pub struct Lanes {
    v: [Value; MAX_COPIES],
    n: usize,
}

impl Lanes {
    pub fn new(copies: &[Value]) -> Lanes {
        assert!(
            !copies.is_empty() && copies.len() <= MAX_COPIES,
            "1..={MAX_COPIES} copies, not {}",
            copies.len()
        );
        let mut v = [copies[0]; MAX_COPIES];
        v[..copies.len()].copy_from_slice(copies);
        Lanes { v, n: copies.len() }
    }

    pub fn as_slice(&self) -> &[Value] {
        &self.v[..self.n]
    }
}

/// Each argument's values (`args[j]`, all of one length) cut into runs of at most `per`:
/// for each run, one `Lanes` per argument. The parts that go through lockstep code or
/// one helper call together.
pub fn parts(args: &[&[Value]], per: usize) -> Vec<Vec<Lanes>> {
    let n = args[0].len();
    (0..n)
        .step_by(per)
        .map(|s| {
            (args.iter())
                .map(|a| Lanes::new(&a[s..(s + per).min(n)]))
                .collect()
        })
        .collect()
}

/// A single-value Cranelift math builder that `Lockstep` can drive.
pub trait ClifBase<'f>: MathBuilder<V = Value, I = Value, M = Value> {
    fn fb(&mut self) -> &mut FunctionBuilder<'f>;
    /// The value type (F32, F64, F32X4 or F64X2).
    fn ty(&self) -> Type;
}

impl<'f> ClifBase<'f> for ClifMath32<'_, 'f> {
    fn fb(&mut self) -> &mut FunctionBuilder<'f> {
        self.0.b
    }
    fn ty(&self) -> Type {
        self.0.fty
    }
}

impl<'f> ClifBase<'f> for ClifMath64<'_, 'f> {
    fn fb(&mut self) -> &mut FunctionBuilder<'f> {
        self.0.b
    }
    fn ty(&self) -> Type {
        self.0.fty
    }
}

/// Emits the cold code of the math library out of line (`library::MathCalls`).
pub trait Outline {
    /// A call of `math::cold(c, args)` on `ty` values, one per copy.
    fn cold(&self, b: &mut FunctionBuilder, c: Cold, ty: Type, args: &[Lanes]) -> Lanes;
}

/// Emits each operation for `n` copies (see the module docs); with `outline`, the cold
/// parts as calls.
pub struct Lockstep<'o, B> {
    pub base: B,
    pub n: usize,
    pub outline: Option<&'o dyn Outline>,
}

impl<'f, B: ClifBase<'f>> Lockstep<'_, B> {
    fn map1(&mut self, a: Lanes, f: impl Fn(&mut B, Value) -> Value) -> Lanes {
        let mut r = a;
        for c in 0..self.n {
            r.v[c] = f(&mut self.base, a.v[c]);
        }
        r
    }

    fn map2(&mut self, a: Lanes, b: Lanes, f: impl Fn(&mut B, Value, Value) -> Value) -> Lanes {
        let mut r = a;
        for c in 0..self.n {
            r.v[c] = f(&mut self.base, a.v[c], b.v[c]);
        }
        r
    }

    fn map3(
        &mut self,
        a: Lanes,
        b: Lanes,
        d: Lanes,
        f: impl Fn(&mut B, Value, Value, Value) -> Value,
    ) -> Lanes {
        let mut r = a;
        for c in 0..self.n {
            r.v[c] = f(&mut self.base, a.v[c], b.v[c], d.v[c]);
        }
        r
    }

    /// A constant: one value shared by every copy.
    fn shared(&mut self, v: Value) -> Lanes {
        Lanes {
            v: [v; MAX_COPIES],
            n: self.n,
        }
    }
}

impl<'f, B: ClifBase<'f>> MathBuilder for Lockstep<'_, B> {
    type V = Lanes;
    type I = Lanes;
    type M = Lanes;
    const BITS: u32 = B::BITS;

    fn cold(&mut self, c: Cold, args: &[Lanes], inline: impl FnOnce(&mut Self) -> Lanes) -> Lanes {
        match self.outline {
            Some(o) => {
                let ty = self.base.ty();
                o.cold(self.base.fb(), c, ty, args)
            }
            None => inline(self),
        }
    }

    fn c(&mut self, v: f64) -> Lanes {
        let x = self.base.c(v);
        self.shared(x)
    }
    fn ci(&mut self, v: i64) -> Lanes {
        let x = self.base.ci(v);
        self.shared(x)
    }
    fn add(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.add(x, y))
    }
    fn sub(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.sub(x, y))
    }
    fn mul(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.mul(x, y))
    }
    fn div(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.div(x, y))
    }
    fn fma(&mut self, a: Lanes, b: Lanes, c: Lanes) -> Lanes {
        self.map3(a, b, c, |m, x, y, z| m.fma(x, y, z))
    }
    fn neg(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.neg(x))
    }
    fn abs(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.abs(x))
    }
    fn sqrt(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.sqrt(x))
    }
    fn floor(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.floor(x))
    }
    fn ceil(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.ceil(x))
    }
    fn trunc(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.trunc(x))
    }
    fn round_even(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.round_even(x))
    }
    fn copysign(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.copysign(x, y))
    }
    fn lt(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.lt(x, y))
    }
    fn le(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.le(x, y))
    }
    fn gt(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.gt(x, y))
    }
    fn ge(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.ge(x, y))
    }
    fn nlt(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.nlt(x, y))
    }
    fn ngt(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.ngt(x, y))
    }
    fn nle(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.nle(x, y))
    }
    fn nge(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.nge(x, y))
    }
    fn eq(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.eq(x, y))
    }
    fn is_nan(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.is_nan(x))
    }
    fn and(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.and(x, y))
    }
    fn or(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.or(x, y))
    }
    fn xor(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.xor(x, y))
    }
    fn not(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.not(x))
    }
    fn select(&mut self, s: Lanes, a: Lanes, b: Lanes) -> Lanes {
        self.map3(s, a, b, |m, s, x, y| m.select(s, x, y))
    }
    fn lookup<const K: usize>(&mut self, table: &'static [[f64; K]], i: Lanes) -> [Lanes; K] {
        let mut r = [i; K];
        for c in 0..self.n {
            let row = self.base.lookup(table, i.v[c]);
            for (col, v) in r.iter_mut().zip(row) {
                col.v[c] = v;
            }
        }
        r
    }
    fn select_i(&mut self, s: Lanes, a: Lanes, b: Lanes) -> Lanes {
        self.map3(s, a, b, |m, s, x, y| m.select_i(s, x, y))
    }
    fn to_bits(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.to_bits(x))
    }
    fn from_bits(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.from_bits(x))
    }
    fn iadd(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.iadd(x, y))
    }
    fn imul(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.imul(x, y))
    }
    fn isub(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.isub(x, y))
    }
    fn iand(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.iand(x, y))
    }
    fn ior(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.ior(x, y))
    }
    fn shl(&mut self, a: Lanes, amount: u32) -> Lanes {
        self.map1(a, |m, x| m.shl(x, amount))
    }
    fn sshr(&mut self, a: Lanes, amount: u32) -> Lanes {
        self.map1(a, |m, x| m.sshr(x, amount))
    }
    fn ushr(&mut self, a: Lanes, amount: u32) -> Lanes {
        self.map1(a, |m, x| m.ushr(x, amount))
    }
    fn ieq(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.ieq(x, y))
    }
    fn ilt(&mut self, a: Lanes, b: Lanes) -> Lanes {
        self.map2(a, b, |m, x, y| m.ilt(x, y))
    }
    fn to_int(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.to_int(x))
    }
    fn to_float(&mut self, a: Lanes) -> Lanes {
        self.map1(a, |m, x| m.to_float(x))
    }

    /// One test of all copies' masks together; the slow path fixes every copy.
    fn unless_any(
        &mut self,
        m: Lanes,
        fast: Lanes,
        slow: impl FnOnce(&mut Self, Lanes) -> Lanes,
    ) -> Lanes {
        let n = self.n;
        let mut any = m.v[0];
        for c in 1..n {
            any = self.base.or(any, m.v[c]);
        }
        let join = cold_branch(self.base.fb(), any, fast.as_slice());
        let v = slow(self, fast);
        let vals = rejoin(self.base.fb(), join, v.as_slice());
        Lanes::new(&vals)
    }
}
