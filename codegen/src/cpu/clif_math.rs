//! The math builder over Cranelift values: kiln's math library becomes inline
//! Cranelift IR, on scalars (F32/F64) or on 128-bit vectors (F32X4/F64X2).

use crate::math::MathBuilder;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, Block, ConstantData, InstBuilder, InstructionData, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

/// Emits primitive float operations of one type into a function.
pub struct ClifMath<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
    /// F32, F64, F32X4 or F64X2.
    pub fty: Type,
}

macro_rules! clif_math {
    ($name:ident, $bits:expr) => {
        /// The builder for one float width (the trait fixes `BITS` statically).
        pub struct $name<'a, 'b>(pub ClifMath<'a, 'b>);

        impl<'a, 'b> $name<'a, 'b> {
            pub fn new(b: &'a mut FunctionBuilder<'b>, fty: Type) -> Self {
                debug_assert_eq!(fty.lane_bits(), $bits);
                $name(ClifMath { b, fty })
            }
        }

        impl MathBuilder for $name<'_, '_> {
            type V = Value;
            type I = Value;
            type M = Value;
            const BITS: u32 = $bits;

            fn c(&mut self, v: f64) -> Value {
                self.0.fconst(v)
            }
            fn ci(&mut self, v: i64) -> Value {
                self.0.iconst(v)
            }
            fn add(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().fadd(a, b)
            }
            fn sub(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().fsub(a, b)
            }
            fn mul(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().fmul(a, b)
            }
            fn div(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().fdiv(a, b)
            }
            fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
                self.0.b.ins().fma(a, b, c)
            }
            fn neg(&mut self, a: Value) -> Value {
                self.0.neg(a)
            }
            fn abs(&mut self, a: Value) -> Value {
                self.0.abs(a)
            }
            fn sqrt(&mut self, a: Value) -> Value {
                self.0.b.ins().sqrt(a)
            }
            fn floor(&mut self, a: Value) -> Value {
                self.0.b.ins().floor(a)
            }
            fn ceil(&mut self, a: Value) -> Value {
                self.0.b.ins().ceil(a)
            }
            fn trunc(&mut self, a: Value) -> Value {
                self.0.b.ins().trunc(a)
            }
            fn round_even(&mut self, a: Value) -> Value {
                self.0.b.ins().nearest(a)
            }
            fn copysign(&mut self, a: Value, b: Value) -> Value {
                self.0.copysign(a, b)
            }
            fn lt(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::LessThan, a, b)
            }
            fn le(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::LessThanOrEqual, a, b)
            }
            fn gt(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::GreaterThan, a, b)
            }
            fn ge(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::GreaterThanOrEqual, a, b)
            }
            fn nlt(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::UnorderedOrGreaterThanOrEqual, a, b)
            }
            fn ngt(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::UnorderedOrLessThanOrEqual, a, b)
            }
            fn nle(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::UnorderedOrGreaterThan, a, b)
            }
            fn nge(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::UnorderedOrLessThan, a, b)
            }
            fn eq(&mut self, a: Value, b: Value) -> Value {
                self.0.fcmp(FloatCC::Equal, a, b)
            }
            fn is_nan(&mut self, a: Value) -> Value {
                self.0.fcmp(FloatCC::Unordered, a, a)
            }
            fn and(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().band(a, b)
            }
            fn or(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().bor(a, b)
            }
            fn xor(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().bxor(a, b)
            }
            fn not(&mut self, a: Value) -> Value {
                self.0.mask_not(a)
            }
            fn select(&mut self, m: Value, a: Value, b: Value) -> Value {
                self.0.select(m, a, b)
            }
            fn unless_any(
                &mut self,
                m: Value,
                fast: Value,
                slow: impl FnOnce(&mut Self, Value) -> Value,
            ) -> Value {
                let join = cold_branch(self.0.b, m, &[fast]);
                let v = slow(self, fast);
                rejoin(self.0.b, join, &[v])[0]
            }
            fn lookup<const K: usize>(
                &mut self,
                table: &'static [[f64; K]],
                i: Value,
            ) -> [Value; K] {
                self.0.lookup(table, i)
            }
            fn select_i(&mut self, m: Value, a: Value, b: Value) -> Value {
                self.0.select(m, a, b)
            }
            fn to_bits(&mut self, a: Value) -> Value {
                self.0.bits_of(a)
            }
            fn from_bits(&mut self, a: Value) -> Value {
                self.0.float_of_bits(a)
            }
            fn iadd(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().iadd(a, b)
            }
            fn imul(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().imul(a, b)
            }
            fn isub(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().isub(a, b)
            }
            fn iand(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().band(a, b)
            }
            fn ior(&mut self, a: Value, b: Value) -> Value {
                self.0.b.ins().bor(a, b)
            }
            fn shl(&mut self, a: Value, n: u32) -> Value {
                self.0.b.ins().ishl_imm_s(a, n as i64)
            }
            fn sshr(&mut self, a: Value, n: u32) -> Value {
                self.0.b.ins().sshr_imm_s(a, n as i64)
            }
            fn ushr(&mut self, a: Value, n: u32) -> Value {
                self.0.b.ins().ushr_imm_s(a, n as i64)
            }
            fn ieq(&mut self, a: Value, b: Value) -> Value {
                self.0.icmp(IntCC::Equal, a, b)
            }
            fn ilt(&mut self, a: Value, b: Value) -> Value {
                self.0.icmp(IntCC::SignedLessThan, a, b)
            }
            fn to_int(&mut self, a: Value) -> Value {
                self.0.float_to_int(a)
            }
            fn to_float(&mut self, a: Value) -> Value {
                self.0.int_to_float(a)
            }
        }
    };
}

clif_math!(ClifMath32, 32);
clif_math!(ClifMath64, 64);

/// `splat(ty, scalar)`, but a constant scalar becomes a `vconst`: one load from the
/// constant pool where a splat costs a move to a general register, a move to a vector
/// register and a shuffle (x64), all repeated at every use since kernels compile
/// without Cranelift's optimiser. In transcendental code the shuffles alone saturated
/// the one shuffle port.
pub fn splat(b: &mut FunctionBuilder, ty: Type, scalar: Value) -> Value {
    let lane_bytes = ty.lane_bits() as usize / 8;
    match constant_bits(b, scalar) {
        Some(bits) => {
            let lane = &bits.to_le_bytes()[..lane_bytes];
            let bytes: Vec<u8> = (0..ty.lane_count()).flat_map(|_| lane.to_vec()).collect();
            vector_constant(b, ty, bytes)
        }
        None => b.ins().splat(ty, scalar),
    }
}

/// The bits of `v` when the function defines it as a constant (`iconst`, `f32const`,
/// `f64const`; an integer's as its i64 sign-extended).
pub fn constant_bits(b: &FunctionBuilder, v: Value) -> Option<u64> {
    let inst = b.func.dfg.value_def(v).inst()?;
    match b.func.dfg.insts[inst] {
        InstructionData::UnaryIeee32 { imm, .. } => Some(imm.bits() as u64),
        InstructionData::UnaryIeee64 { imm, .. } => Some(imm.bits()),
        InstructionData::UnaryImm { imm, .. } => Some(imm.bits() as u64),
        _ => None,
    }
}

/// A vector constant of type `ty` from its little-endian bytes (a `vconst`: one load
/// from the constant pool).
pub fn vector_constant(b: &mut FunctionBuilder, ty: Type, bytes: Vec<u8>) -> Value {
    let handle = b.func.dfg.constants.insert(ConstantData::from(bytes));
    b.ins().vconst(ty, handle)
}

/// The branch of `unless_any`: to a new cold block where any lane of `m` is set (the
/// builder continues there), otherwise straight to the returned join block with `fast`.
pub fn cold_branch(b: &mut FunctionBuilder, m: Value, fast: &[Value]) -> Block {
    let any = if b.func.dfg.value_type(m).is_vector() {
        b.ins().vany_true(m)
    } else {
        m
    };
    let slow_block = b.create_block();
    let join = b.create_block();
    for &v in fast {
        let ty = b.func.dfg.value_type(v);
        b.append_block_param(join, ty);
    }
    b.set_cold_block(slow_block);
    let args: Vec<_> = fast.iter().map(|&v| v.into()).collect();
    b.ins().brif(any, slow_block, &[], join, &args);
    b.switch_to_block(slow_block);
    b.seal_block(slow_block);
    join
}

/// The end of the cold block: on to `join` with `slow`; continues in `join` and
/// returns its values (fast or slow, whichever path ran).
pub fn rejoin(b: &mut FunctionBuilder, join: Block, slow: &[Value]) -> Vec<Value> {
    let args: Vec<_> = slow.iter().map(|&v| v.into()).collect();
    b.ins().jump(join, &args);
    b.switch_to_block(join);
    b.seal_block(join);
    b.block_params(join).to_vec()
}

/// Reinterpret `v`'s bits as `ty` (a comparison's integer lane mask as floats, float
/// bits as integers, ...); nothing when it already has that type.
pub fn bitcast(b: &mut FunctionBuilder, ty: Type, v: Value) -> Value {
    if b.func.dfg.value_type(v) == ty {
        return v;
    }
    let mut flags = cranelift_codegen::ir::MemFlagsData::new();
    if ty.is_vector() {
        flags.set_endianness(cranelift_codegen::ir::Endianness::Little);
    }
    b.ins().bitcast(ty, flags, v)
}

/// The 16 bytes `order` picks from x's bytes (0-15) and y's (16-31), as a `ty` vector.
pub fn shuffle_bytes(
    b: &mut FunctionBuilder,
    ty: Type,
    x: Value,
    y: Value,
    order: [u8; 16],
) -> Value {
    let (x, y) = (bitcast(b, types::I8X16, x), bitcast(b, types::I8X16, y));
    let imm = b
        .func
        .dfg
        .immediates
        .push(ConstantData::from(order.to_vec()));
    let r = b.ins().shuffle(x, y, imm);
    bitcast(b, ty, r)
}

/// An F32X4 vector's lanes 0-1 and 2-3, each pair widened exactly to an F64X2.
pub fn widen_halves(b: &mut FunctionBuilder, v: Value) -> [Value; 2] {
    // the vector's high half moved to the low one
    let order = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
    let high = shuffle_bytes(b, types::F32X4, v, v, order);
    [b.ins().fvpromote_low(v), b.ins().fvpromote_low(high)]
}

/// Two F64X2 halves rounded to f32 and side by side in one F32X4 (`widen_halves`'s
/// inverse, but for the rounding).
pub fn join_halves(b: &mut FunctionBuilder, lo: Value, hi: Value) -> Value {
    let (lo, hi) = (b.ins().fvdemote(lo), b.ins().fvdemote(hi));
    let order = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    shuffle_bytes(b, types::F32X4, lo, hi, order)
}

impl ClifMath<'_, '_> {
    pub fn is_vector(&self) -> bool {
        self.fty.is_vector()
    }

    /// The integer type of the same shape as the float type.
    pub fn ity(&self) -> Type {
        match (self.fty.lane_bits(), self.fty.lane_count()) {
            (32, 1) => types::I32,
            (64, 1) => types::I64,
            (32, 4) => types::I32X4,
            (64, 2) => types::I64X2,
            other => panic!("no integer type for {other:?}"),
        }
    }

    pub fn fconst(&mut self, v: f64) -> Value {
        let scalar = if self.fty.lane_bits() == 32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        };
        if self.is_vector() {
            splat(self.b, self.fty, scalar)
        } else {
            scalar
        }
    }

    pub fn iconst(&mut self, v: i64) -> Value {
        let ity = self.ity();
        let scalar = self.b.ins().iconst(ity.lane_type(), v);
        if self.is_vector() {
            splat(self.b, ity, scalar)
        } else {
            scalar
        }
    }

    /// Comparisons give an i8 (0/1) on scalars and an all-ones/zeros lane mask on
    /// vectors; `select` and `mask_not` accept either.
    pub fn fcmp(&mut self, cc: FloatCC, a: Value, b: Value) -> Value {
        self.b.ins().fcmp(cc, a, b)
    }

    pub fn icmp(&mut self, cc: IntCC, a: Value, b: Value) -> Value {
        self.b.ins().icmp(cc, a, b)
    }

    pub fn mask_not(&mut self, m: Value) -> Value {
        if self.is_vector() {
            self.b.ins().bnot(m)
        } else {
            self.b.ins().bxor_imm_s(m, 1)
        }
    }

    pub fn select(&mut self, m: Value, a: Value, b: Value) -> Value {
        if self.is_vector() {
            // The mask's lanes may be typed as integers; bitselect wants one type.
            let ty = self.b.func.dfg.value_type(a);
            let m = self.bitcast(ty, m);
            self.b.ins().bitselect(m, a, b)
        } else {
            self.b.ins().select(m, a, b)
        }
    }

    pub fn bitcast(&mut self, ty: Type, v: Value) -> Value {
        bitcast(self.b, ty, v)
    }

    pub fn bits_of(&mut self, a: Value) -> Value {
        let ity = self.ity();
        self.bitcast(ity, a)
    }

    pub fn float_of_bits(&mut self, a: Value) -> Value {
        let fty = self.fty;
        self.bitcast(fty, a)
    }

    /// The sign bit of every lane, as an integer vector constant.
    fn sign_mask(&mut self) -> Value {
        let sign = if self.fty.lane_bits() == 32 {
            i32::MIN as i64
        } else {
            i64::MIN
        };
        self.iconst(sign)
    }

    /// -a. On vectors an `xor` with a constant sign mask: Cranelift's `fneg` builds the
    /// mask at every use (all-ones, then a shift: two more vector-port operations, and
    /// transcendental kernels are bound by those ports).
    pub fn neg(&mut self, a: Value) -> Value {
        if !self.is_vector() {
            return self.b.ins().fneg(a);
        }
        let mask = self.sign_mask();
        let bits = self.bits_of(a);
        let r = self.b.ins().bxor(bits, mask);
        self.float_of_bits(r)
    }

    /// |a|. On vectors an `and-not` with a constant sign mask (as `neg`).
    pub fn abs(&mut self, a: Value) -> Value {
        if !self.is_vector() {
            return self.b.ins().fabs(a);
        }
        let mask = self.sign_mask();
        let bits = self.bits_of(a);
        let r = self.b.ins().band_not(bits, mask);
        self.float_of_bits(r)
    }

    /// The magnitude of a with the sign bit of b, with bit operations (x64 has no
    /// vector copysign).
    pub fn copysign(&mut self, a: Value, b: Value) -> Value {
        if !self.is_vector() {
            return self.b.ins().fcopysign(a, b);
        }
        let mask = self.sign_mask();
        let ab = self.bits_of(a);
        let bb = self.bits_of(b);
        let mag = self.b.ins().band_not(ab, mask);
        let sgn = self.b.ins().band(bb, mask);
        let r = self.b.ins().bor(mag, sgn);
        self.float_of_bits(r)
    }

    /// Row `i` of a table of f64 constants (see `MathBuilder::lookup`). The table is a
    /// Rust static, addressed by its absolute address (kernels run in this process); a
    /// vector index is read lane by lane (x64 has no gather before AVX2, and Cranelift
    /// none at all). F64X2 rows of two or more columns are read two columns per load
    /// (`lookup_pairs`); otherwise each lane's row is loaded value by value and the
    /// columns built lane by lane.
    pub fn lookup<const K: usize>(&mut self, table: &'static [[f64; K]], i: Value) -> [Value; K] {
        let base = self.b.ins().iconst(types::I64, table.as_ptr() as i64);
        let lanes = self.fty.lane_count() as u8;
        let narrow = self.fty.lane_bits() == 32;
        let flags = MemFlagsData::new().with_notrap().with_readonly();
        if self.fty == types::F64X2 && K >= 2 {
            return self.lookup_pairs(base, i, flags);
        }
        let mut cols: [Option<Value>; K] = [None; K];
        for lane in 0..lanes {
            let row = self.row_address::<K>(base, i, lane);
            for (k, col) in cols.iter_mut().enumerate() {
                let v = self.b.ins().load(types::F64, flags, row, 8 * k as i32);
                let v = if narrow {
                    self.b.ins().fdemote(types::F32, v)
                } else {
                    v
                };
                *col = Some(match *col {
                    None if self.is_vector() => self.b.ins().scalar_to_vector(self.fty, v),
                    None => v,
                    Some(acc) => self.b.ins().insertlane(acc, v, lane),
                });
            }
        }
        cols.map(|c| c.expect("at least one lane"))
    }

    /// The address of the row of a table of `K`-column rows at `base` indexed by lane
    /// `lane` of `i` (by `i` itself in a scalar builder).
    fn row_address<const K: usize>(&mut self, base: Value, i: Value, lane: u8) -> Value {
        let idx = if self.is_vector() {
            self.b.ins().extractlane(i, lane)
        } else {
            i
        };
        let idx = if self.fty.lane_bits() == 32 {
            self.b.ins().uextend(types::I64, idx)
        } else {
            idx
        };
        let row_bytes = 8 * K as u64;
        let off = if row_bytes.is_power_of_two() {
            // a shift (by up to 3 it folds into the load's address)
            self.b
                .ins()
                .ishl_imm_s(idx, row_bytes.trailing_zeros() as i64)
        } else {
            self.b.ins().imul_imm_s(idx, row_bytes as i64)
        };
        self.b.ins().iadd(base, off)
    }

    /// `lookup` for F64X2 and rows of K >= 2 columns: columns c and c + 1 of both
    /// lanes' rows come from one 16-byte load per lane (within the row), and the two
    /// loads interleave into the two columns (`unpcklpd`/`unpckhpd`): per pair of
    /// columns two loads and two shuffles, where value by value takes four loads,
    /// two zeroings, two merges and two lane inserts (Cranelift cannot fold a load
    /// into `scalar_to_vector` when the column's value has several uses). An odd last
    /// column comes from the load of the last two columns.
    fn lookup_pairs<const K: usize>(
        &mut self,
        base: Value,
        i: Value,
        flags: MemFlagsData,
    ) -> [Value; K] {
        let rows = [
            self.row_address::<K>(base, i, 0),
            self.row_address::<K>(base, i, 1),
        ];
        let mut mask = |order: [u8; 16]| {
            let data = ConstantData::from(order.to_vec());
            self.b.func.dfg.immediates.push(data)
        };
        let low = mask(std::array::from_fn(|j| if j < 8 { j } else { j + 8 } as u8));
        let high = mask(std::array::from_fn(
            |j| if j < 8 { j + 8 } else { j + 16 } as u8,
        ));
        let mut cols: [Option<Value>; K] = [None; K];
        let mut first = 0;
        while first < K {
            let c = first.min(K - 2);
            let [a, b] = rows.map(|row| self.b.ins().load(types::I8X16, flags, row, 8 * c as i32));
            for (col, order) in [(c, low), (c + 1, high)] {
                if cols[col].is_none() {
                    let v = self.b.ins().shuffle(a, b, order);
                    cols[col] = Some(self.bitcast(types::F64X2, v));
                }
            }
            first = c + 2;
        }
        cols.map(|c| c.expect("every column is read"))
    }

    pub fn float_to_int(&mut self, a: Value) -> Value {
        let ity = self.ity();
        self.b.ins().fcvt_to_sint_sat(ity, a)
    }

    pub fn int_to_float(&mut self, a: Value) -> Value {
        let fty = self.fty;
        self.b.ins().fcvt_from_sint(fty, a)
    }
}
