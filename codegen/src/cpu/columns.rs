//! Column reductions: a reduction over outer axes only, such as `sum(x, axis=0)` or
//! `mean(x, axis=0)` of a C-order matrix, where the reduced axes move by a stride and
//! the innermost kept axis by one element (see `vector::column_plan`).
//!
//! Walking each output's reduced axes in turn would read one element per cache line;
//! instead the kernel takes the innermost kept axis in blocks of `COLUMN_BLOCK`
//! positions and, for each block, walks the reduced axes outside and the block inside,
//! in vectors: every lane accumulates its own output in an L1-resident scratch area,
//! and memory is read row after row, in order, as NumPy does. Sums accumulate in f64
//! (f32 lanes are widened), one term at a time in the order of the reduced axes, so
//! the result depends on the shape only. Var makes a second walk for the squared
//! deviations from each column's mean.

use super::clif_math::{bitcast, splat};
use super::emit::{mem, Emitter, PARTIAL_BYTES};
use super::ops::Unsupported;
use super::vector::{self, VectorPlan};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    types, ConstantData, InstBuilder, StackSlotData, StackSlotKind, Value,
};
use kiln_ir::{DType, ReduceOp};

/// Kept positions per block: each reduction's scratch is two regions of this many
/// 8-byte slots (the accumulator, and var's sum of squared deviations), 8 KiB.
pub const COLUMN_BLOCK: i64 = 512;

/// Bytes of one reduction's scratch (its two regions).
const REGION: i64 = COLUMN_BLOCK * 8;

/// What a walk over the reduced axes accumulates.
#[derive(Clone, Copy, PartialEq)]
enum Walk {
    /// Every reduction: sums (var's too), maxima, minima.
    Values,
    /// Var only: squared deviations from the column's mean (stored over its sum).
    Deviations,
}

impl Emitter<'_, '_> {
    /// A column reduction. With one kept axis the function has two bodies, chosen by
    /// whether the caller passes a partials buffer: without one, [begin, end) is a
    /// range of kept positions and each gets its final value; with one, it is a range
    /// of rows of loop axis 1 (the outermost reduced axis), every kept position is
    /// walked, and each writes its partial state (as a full reduction's chunk does) to
    /// record `position · reductions + reduction` of the buffer, for the runtime to
    /// combine. A reduction to a few outputs (`mean(x, axis=0)` of [10M, 4]) then runs
    /// on every core.
    pub(super) fn emit_columns(&mut self, plan: &VectorPlan) -> Result<(), Unsupported> {
        if self.k.rank - self.k.reduced != 1 {
            return self.emit_columns_body(plan, false);
        }
        let split = self.b.create_block();
        let whole = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(self.partials, split, &[], whole, &[]);
        self.b.switch_to_block(whole);
        self.emit_columns_body(plan, false)?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(split);
        self.chunked = 1;
        self.emit_columns_body(plan, true)?;
        self.chunked = 0;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    fn emit_columns_body(&mut self, plan: &VectorPlan, split: bool) -> Result<(), Unsupported> {
        let axis = plan.axis;
        let bytes = 2 * REGION as u32 * self.k.reductions.len() as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            bytes,
            4,
        ));
        let scratch = self.b.ins().stack_addr(types::I64, slot, 0);
        // Elements reduced into each output (each partial state, when split).
        let mut count = self.b.ins().iconst(types::I64, 1);
        for a in axis + 1..self.k.rank {
            let (lo, hi) = self.bounds(a);
            let n = self.b.ins().isub(hi, lo);
            count = self.b.ins().imul(count, n);
        }
        let bases = self.root_bases();
        self.nest(0, axis, bases, &mut |e, addrs| {
            let (lo, hi) = e.bounds(axis);
            e.for_loop_step(lo, hi, COLUMN_BLOCK, |e, j0| {
                let j1 = e.b.ins().iadd_imm_s(j0, COLUMN_BLOCK);
                let j1 = e.b.ins().smin(j1, hi);
                let width = e.b.ins().isub(j1, j0);
                let at = e.advance(addrs, axis, j0);
                let first = split.then_some(j0);
                e.column_block(plan, scratch, count, &at, width, first)
            })
        })
    }

    /// One block of `width` kept positions starting at the addresses `at`; `split`:
    /// the block's first position, whose partial states go to the partials buffer.
    fn column_block(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        count: Value,
        at: &[Value],
        width: Value,
        split: Option<Value>,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        let has_var = k.reductions.iter().any(|r| r.op == ReduceOp::Var);
        // Identities, a vector at a time (writing up to lanes - 1 slots past `width`,
        // still inside the region).
        let lanes = plan.lanes as i64;
        self.for_loop_step_imm0(width, lanes, |e, j| {
            for (i, r) in k.reductions.iter().enumerate() {
                let init = match r.op {
                    ReduceOp::Max => f64::NEG_INFINITY,
                    ReduceOp::Min => f64::INFINITY,
                    // The float sum's identity (see `Emitter::reset_accs`).
                    ReduceOp::Sum | ReduceOp::Mean => -0.0,
                    _ => 0.0,
                };
                let regions: &[i64] = if r.op == ReduceOp::Var { &[0, 1] } else { &[0] };
                for &region in regions {
                    for (p, ty) in e.slots(plan, scratch, i, region, j, r.op) {
                        let c = if ty == types::F32X4 {
                            e.b.ins().f32const(init as f32)
                        } else {
                            e.b.ins().f64const(init)
                        };
                        let v = splat(e.b, ty, c);
                        e.b.ins().store(mem(), v, p, 0);
                    }
                }
            }
            Ok(())
        })?;
        self.column_walk(plan, scratch, at, width, Walk::Values)?;
        if has_var {
            // Sums to means, in place.
            let n = self.b.ins().fcvt_from_sint(types::F64, count);
            let nv = splat(self.b, types::F64X2, n);
            self.for_loop_step_imm0(width, lanes, |e, j| {
                for (i, r) in k.reductions.iter().enumerate() {
                    if r.op == ReduceOp::Var {
                        for (p, ty) in e.slots(plan, scratch, i, 0, j, r.op) {
                            let s = e.b.ins().load(ty, mem(), p, 0);
                            let m = e.b.ins().fdiv(s, nv);
                            e.b.ins().store(mem(), m, p, 0);
                        }
                    }
                }
                Ok(())
            })?;
            self.column_walk(plan, scratch, at, width, Walk::Deviations)?;
        }
        if let Some(first) = split {
            return self.column_partials(scratch, count, width, first);
        }
        // Final values, one position at a time.
        self.for_loop_step_imm0(width, 1, |e, j| {
            let out = e.advance(at, plan.axis, j);
            for (i, r) in k.reductions.iter().enumerate() {
                let dtype = k.dtype(r.value);
                let v = match r.op {
                    ReduceOp::Max | ReduceOp::Min => {
                        let p = e.slot_address(scratch, i, 0, j, dtype.size_bytes() as i64);
                        let ty = super::ops::clif_type(dtype)?;
                        let v = e.b.ins().load(ty, mem(), p, 0);
                        // NaN as the interpreter writes it (the add that carried it
                        // kept an input NaN's sign and payload).
                        let nan = e.ops_constant(dtype, kiln_ir::Scalar::Float(f64::NAN))?;
                        let is_nan = e.b.ins().fcmp(FloatCC::Unordered, v, v);
                        e.b.ins().select(is_nan, nan, v)
                    }
                    ReduceOp::Sum | ReduceOp::Mean => {
                        let p = e.slot_address(scratch, i, 0, j, 8);
                        let s = e.b.ins().load(types::F64, mem(), p, 0);
                        let s = if r.op == ReduceOp::Mean {
                            e.mean_from(s, count)
                        } else {
                            e.empty_sum_positive(s, count)
                        };
                        e.narrow_f64(dtype, s)
                    }
                    ReduceOp::Var => {
                        let p = e.slot_address(scratch, i, 1, j, 8);
                        let m2 = e.b.ins().load(types::F64, mem(), p, 0);
                        let v = e.variance_from(m2, count, f64::from_bits(r.correction_bits));
                        e.narrow_f64(dtype, v)
                    }
                    _ => unreachable!("excluded by column_plan"),
                };
                e.store(r.access, out[r.access], v);
            }
            Ok(())
        })
    }

    /// Each position's partial state of every reduction, in the layout of a full
    /// reduction's chunk record (`Emitter::write_partials`): sum and mean (sum, count),
    /// var (count, mean, M2, 0), max and min (the value as f64, count).
    fn column_partials(
        &mut self,
        scratch: Value,
        count: Value,
        width: Value,
        first: Value,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        let n = k.reductions.len() as i64;
        self.for_loop_step_imm0(width, 1, |e, j| {
            let position = e.b.ins().iadd(first, j);
            let record = e.b.ins().imul_imm_s(position, n * PARTIAL_BYTES as i64);
            let record = e.b.ins().iadd(e.partials, record);
            for (i, r) in k.reductions.iter().enumerate() {
                let dtype = k.dtype(r.value);
                let base =
                    e.b.ins()
                        .iadd_imm_s(record, i as i64 * PARTIAL_BYTES as i64);
                match r.op {
                    ReduceOp::Max | ReduceOp::Min => {
                        let p = e.slot_address(scratch, i, 0, j, dtype.size_bytes() as i64);
                        let ty = super::ops::clif_type(dtype)?;
                        let v = e.b.ins().load(ty, mem(), p, 0);
                        let v = e.widen_f64(dtype, v);
                        e.b.ins().store(mem(), v, base, 0);
                        e.b.ins().store(mem(), count, base, 8);
                    }
                    ReduceOp::Sum | ReduceOp::Mean => {
                        let p = e.slot_address(scratch, i, 0, j, 8);
                        let s = e.b.ins().load(types::F64, mem(), p, 0);
                        e.b.ins().store(mem(), s, base, 0);
                        e.b.ins().store(mem(), count, base, 8);
                    }
                    ReduceOp::Var => {
                        let mean = e.slot_address(scratch, i, 0, j, 8);
                        let mean = e.b.ins().load(types::F64, mem(), mean, 0);
                        let m2 = e.slot_address(scratch, i, 1, j, 8);
                        let m2 = e.b.ins().load(types::F64, mem(), m2, 0);
                        let c = e.b.ins().fcvt_from_sint(types::F64, count);
                        e.b.ins().store(mem(), c, base, 0);
                        e.b.ins().store(mem(), mean, base, 8);
                        e.b.ins().store(mem(), m2, base, 16);
                        // No correction to the mean (see `Emitter::write_partials`).
                        let zero = e.b.ins().f64const(0.0);
                        e.b.ins().store(mem(), zero, base, 24);
                    }
                    _ => unreachable!("excluded by column_plan"),
                }
            }
            Ok(())
        })
    }

    /// Walk the reduced axes; at each point, the block's positions in vectors, then the
    /// ones past the last whole vector one at a time.
    fn column_walk(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        at: &[Value],
        width: Value,
        walk: Walk,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        let axis = plan.axis;
        self.needed = self.needs(
            k.reductions
                .iter()
                .filter(|r| walk == Walk::Values || r.op == ReduceOp::Var)
                .map(|r| r.value),
        );
        self.nest(axis + 1, k.rank, at.to_vec(), &mut |e, addrs| {
            let lanes = plan.lanes as i64;
            let whole = e.b.ins().band_imm_s(width, -lanes);
            e.for_loop_step_imm0(whole, lanes, |e, j| {
                let p = e.advance(addrs, axis, j);
                let vals = vector::body(e, plan, &p)?;
                for (i, r) in k.reductions.iter().enumerate() {
                    let x = vals[r.value.0 as usize][0];
                    e.column_accumulate(plan, scratch, i, r.op, walk, j, x)?;
                }
                Ok(())
            })?;
            e.for_loop(whole, width, |e, j| {
                let p = e.advance(addrs, axis, j);
                let vals = e.body(&p)?;
                for (i, r) in k.reductions.iter().enumerate() {
                    let x = vals[r.value.0 as usize];
                    e.column_accumulate(plan, scratch, i, r.op, walk, j, x)?;
                }
                Ok(())
            })
        })
    }

    /// `x` into reduction `i`'s scratch: a vector (positions j..j + lanes) or, in the
    /// tail, one element (position j).
    #[allow(clippy::too_many_arguments)]
    fn column_accumulate(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        op: ReduceOp,
        walk: Walk,
        j: Value,
        x: Value,
    ) -> Result<(), Unsupported> {
        let vector = self.b.func.dfg.value_type(x).is_vector();
        match (op, walk) {
            (ReduceOp::Max | ReduceOp::Min, Walk::Values) => {
                let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
                let max = op == ReduceOp::Max;
                let next = if vector {
                    let a = self.b.ins().load(plan.fty, mem(), p, 0);
                    let extreme = self.lane_extreme(max, a, x);
                    // A NaN on either side makes the position NaN for good.
                    let nan = self.b.ins().fcmp(FloatCC::Unordered, a, x);
                    let nan = bitcast(self.b, plan.fty, nan);
                    let either = self.b.ins().fadd(a, x);
                    self.b.ins().bitselect(nan, either, extreme)
                } else {
                    let ty = super::ops::clif_type(plan.dtype)?;
                    let a = self.b.ins().load(ty, mem(), p, 0);
                    if max {
                        self.b.ins().fmax(a, x)
                    } else {
                        self.b.ins().fmin(a, x)
                    }
                };
                self.b.ins().store(mem(), next, p, 0);
            }
            (ReduceOp::Var, Walk::Deviations) => {
                let sum_at = self.slot_address(scratch, i, 0, j, 8);
                let m2_at = self.slot_address(scratch, i, 1, j, 8);
                for (c, x) in self.widened(plan, x).into_iter().enumerate() {
                    let (ty, off) = (self.b.func.dfg.value_type(x), 16 * c as i32);
                    let m = self.b.ins().load(ty, mem(), sum_at, off);
                    let d = self.b.ins().fsub(x, m);
                    let m2 = self.b.ins().load(ty, mem(), m2_at, off);
                    let m2 = self.b.ins().fma(d, d, m2);
                    self.b.ins().store(mem(), m2, m2_at, off);
                }
            }
            (_, Walk::Deviations) => {}
            (_, Walk::Values) => {
                let p = self.slot_address(scratch, i, 0, j, 8);
                for (c, x) in self.widened(plan, x).into_iter().enumerate() {
                    let (ty, off) = (self.b.func.dfg.value_type(x), 16 * c as i32);
                    let a = self.b.ins().load(ty, mem(), p, off);
                    let a = self.b.ins().fadd(a, x);
                    self.b.ins().store(mem(), a, p, off);
                }
            }
        }
        Ok(())
    }

    /// `x` in f64: a vector of the kernel's dtype as f64 vectors (itself for f64, its
    /// low and high halves widened for f32), an element as one f64.
    fn widened(&mut self, plan: &VectorPlan, x: Value) -> Vec<Value> {
        if !self.b.func.dfg.value_type(x).is_vector() {
            return vec![self.widen_f64(plan.dtype, x)];
        }
        if plan.dtype == DType::F64 {
            return vec![x];
        }
        let low = self.b.ins().fvpromote_low(x);
        let bytes = bitcast(self.b, types::I8X16, x);
        let high_first: Vec<u8> = (8..16).chain(8..16).collect();
        let mask = self
            .b
            .func
            .dfg
            .immediates
            .push(ConstantData::from(high_first));
        let high = self.b.ins().shuffle(bytes, bytes, mask);
        let high = bitcast(self.b, types::F32X4, high);
        let high = self.b.ins().fvpromote_low(high);
        vec![low, high]
    }

    /// Address of position `j`'s slot in region `region` (0: accumulator, 1: var's
    /// squared deviations) of reduction `i`, with `size`-byte slots.
    fn slot_address(
        &mut self,
        scratch: Value,
        i: usize,
        region: i64,
        j: Value,
        size: i64,
    ) -> Value {
        let off = self.b.ins().imul_imm_s(j, size);
        let base = self
            .b
            .ins()
            .iadd_imm_s(scratch, (2 * i as i64 + region) * REGION);
        self.b.ins().iadd(base, off)
    }

    /// The vector slots (address and vector type) holding positions j..j + lanes of a
    /// region: accumulators of sums are f64 (two vectors for f32 lanes), of max/min
    /// the kernel's dtype.
    fn slots(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        region: i64,
        j: Value,
        op: ReduceOp,
    ) -> Vec<(Value, cranelift_codegen::ir::Type)> {
        if matches!(op, ReduceOp::Max | ReduceOp::Min) {
            let p = self.slot_address(scratch, i, region, j, plan.dtype.size_bytes() as i64);
            return vec![(p, plan.fty)];
        }
        let p = self.slot_address(scratch, i, region, j, 8);
        if plan.dtype == DType::F32 {
            let q = self.b.ins().iadd_imm_s(p, 16);
            vec![(p, types::F64X2), (q, types::F64X2)]
        } else {
            vec![(p, types::F64X2)]
        }
    }

    /// `for j in (0..hi).step_by(step)`.
    fn for_loop_step_imm0(
        &mut self,
        hi: Value,
        step: i64,
        body: impl FnMut(&mut Self, Value) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let zero = self.b.ins().iconst(types::I64, 0);
        self.for_loop_step(zero, hi, step, body)
    }
}
