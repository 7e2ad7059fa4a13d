//! Column reductions: a reduction over outer axes only, such as `sum(x, axis=0)` or
//! `mean(x, axis=0)` of a C-order matrix, where the reduced axes move by a stride and
//! the innermost kept axis by one element (see `vector::column_plan`).
//!
//! Walking each output's reduced axes in turn would read one element per cache line;
//! instead the kernel takes the innermost kept axis in blocks of positions
//! (`column_block`: 512 to 2048) and, for each block, walks the reduced axes outside
//! and the block inside, in vectors: every lane accumulates its own output in a stack
//! scratch (at most 64 KiB up to eight reductions, shared by the kernel's two bodies;
//! one reduction's accumulators fit L1), and memory is read row after row, in order,
//! as NumPy does. Rows come eight at a time where the body is light: each vector of
//! positions combines the eight rows in registers (a pairwise sum in the input's
//! precision, or the extreme), then updates the scratch once, instead of a load, an
//! add and a store per row (products multiply the group's rows into the scratch in
//! order, so that each position's product is the one a row at a time gives). The
//! scratch sums (multiplies) in f64 (f32 lanes are widened), group after group in the
//! order of the reduced axes, so the result depends on the shape only. Var makes a
//! second walk for the squared deviations from each column's mean (grouped too,
//! summed in f64).

use super::clif_math::{bitcast, splat};
use super::emit::{mem, Emitter, FastProducts, PARTIAL_BYTES};
use super::ops::Unsupported;
use super::vector::{self, is_logic, VectorPlan};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, ConstantData, InstBuilder, StackSlotData, StackSlotKind, Type, Value,
};
use kiln_ir::kernel::Kernel;
use kiln_ir::{DType, ReduceOp};

/// Most kept positions per block (`column_block`): each reduction's scratch is two
/// regions of this many 8-byte slots (the accumulator, and var's sum of squared
/// deviations or argmax's rows), 32 KiB.
const WIDEST_BLOCK: i64 = 2048;

/// Least kept positions per block, however many reductions share the scratch.
const NARROWEST_BLOCK: i64 = 512;

/// Bytes of scratch a block may take, all reductions together, before it is narrowed.
const SCRATCH_BUDGET: i64 = 64 << 10;

/// Rows combined in registers before each update of the scratch (`column_group`).
const ROW_GROUP: i64 = 8;

/// Kept positions per block of `k`'s column walk: the widest power of two from
/// `WIDEST_BLOCK` down to `NARROWEST_BLOCK` whose scratch fits `SCRATCH_BUDGET`. A wide
/// block reads long runs of each row, which the prefetchers follow better: 10M f32
/// `max(x, axis=0)` of 4000 × 2500 on 2 threads took 1.22–1.34 ms (min of 21, three
/// runs) in blocks of 2048 against 1.71–1.77 in blocks of 512 (2026-12-07, AMD EPYC).
/// A var walks twice, and its second walk measured no faster in wide blocks (1000 ×
/// 10000 f64: 3.2–4.3 ms in 512, 3.3–4.9 in 2048): it keeps `NARROWEST_BLOCK`.
pub fn column_block(k: &Kernel) -> i64 {
    if k.reductions.iter().any(|r| r.op == ReduceOp::Var) {
        return NARROWEST_BLOCK;
    }
    let n = k.reductions.len().max(1) as i64;
    let mut block = WIDEST_BLOCK;
    while block > NARROWEST_BLOCK && 2 * 8 * block * n > SCRATCH_BUDGET {
        block /= 2;
    }
    block
}

/// Whether a kernel has an argmax or argmin: a column walk then records, per
/// position, the best value (region 0) and the index of its row (region 1, i64), and
/// has no split body (indices would need each chunk's first row).
pub fn has_arg(k: &Kernel) -> bool {
    k.reductions.iter().any(|r| is_arg(r.op))
}

fn is_arg(op: ReduceOp) -> bool {
    matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin)
}

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
        // One scratch for both bodies (only one runs per call).
        let scratch = self.column_scratch();
        if self.k.rank - self.k.reduced != 1 || has_arg(self.k) {
            return self.emit_columns_body(plan, false, scratch);
        }
        let split = self.b.create_block();
        let whole = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(self.partials, split, &[], whole, &[]);
        self.b.switch_to_block(whole);
        self.emit_columns_body(plan, false, scratch)?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(split);
        self.chunked = 1;
        self.emit_columns_body(plan, true, scratch)?;
        self.chunked = 0;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// The address of a stack scratch of two regions of `column_block` 8-byte slots per
    /// reduction.
    fn column_scratch(&mut self) -> Value {
        let bytes = 2 * 8 * column_block(self.k) as u32 * self.k.reductions.len() as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            bytes,
            4,
        ));
        self.b.ins().stack_addr(types::I64, slot, 0)
    }

    fn emit_columns_body(
        &mut self,
        plan: &VectorPlan,
        split: bool,
        scratch: Value,
    ) -> Result<(), Unsupported> {
        let axis = plan.axis;
        let block = column_block(self.k);
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
            e.for_loop_step(lo, hi, block, |e, j0| {
                let j1 = e.b.ins().iadd_imm_s(j0, block);
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
        let lanes = plan.lanes as i64;
        self.column_identities(plan, scratch, width)?;
        self.column_values(plan, scratch, at, width)?;
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
            return self.column_partials(plan, scratch, count, width, first);
        }
        // Final values, one position at a time.
        self.for_loop_step_imm0(width, 1, |e, j| {
            let out = e.advance(at, plan.axis, j);
            for (i, r) in k.reductions.iter().enumerate() {
                let dtype = k.dtype(r.value);
                let v = match r.op {
                    _ if vector::is_integer(plan.dtype) && !is_logic(r.op) && !is_arg(r.op) => {
                        // (an 8/16-bit result narrowed from its lane)
                        let v = e.column_int(plan, scratch, i, j);
                        let ty = super::ops::clif_type(dtype)?;
                        vector::narrow_from_lane(e, ty, v)
                    }
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
                    ReduceOp::Prod => {
                        let p = e.slot_address(scratch, i, 0, j, 8);
                        let m = e.b.ins().load(types::F64, mem(), p, 0);
                        let q = e.slot_address(scratch, i, 1, j, 8);
                        let x = e.b.ins().load(types::I64, mem(), q, 0);
                        let v = e.product_finish(m, x);
                        e.narrow_f64(dtype, v)
                    }
                    ReduceOp::Var => {
                        let p = e.slot_address(scratch, i, 1, j, 8);
                        let m2 = e.b.ins().load(types::F64, mem(), p, 0);
                        let v = e.variance_from(m2, count, f64::from_bits(r.correction_bits));
                        e.narrow_f64(dtype, v)
                    }
                    ReduceOp::ArgMax | ReduceOp::ArgMin => {
                        let p = e.slot_address(scratch, i, 1, j, 8);
                        e.b.ins().load(types::I64, mem(), p, 0)
                    }
                    ReduceOp::Any | ReduceOp::All => e.column_flag(plan, scratch, i, j),
                };
                e.store(r.access, out[r.access], v);
            }
            Ok(())
        })
    }

    /// Every slot of the block's `width` positions set to its reduction's identity, a
    /// vector at a time (writing up to lanes - 1 slots past `width`, still inside the
    /// region).
    fn column_identities(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        width: Value,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        let lanes = plan.lanes as i64;
        self.for_loop_step_imm0(width, lanes, |e, j| {
            for (i, r) in k.reductions.iter().enumerate() {
                let init = match r.op {
                    ReduceOp::Max | ReduceOp::ArgMax => f64::NEG_INFINITY,
                    ReduceOp::Min | ReduceOp::ArgMin => f64::INFINITY,
                    // The float sum's identity (see `Emitter::reset_accs`).
                    ReduceOp::Sum | ReduceOp::Mean => -0.0,
                    ReduceOp::Prod => 1.0,
                    _ => 0.0,
                };
                // (A float product's exponents in region 1.)
                let float_prod = r.op == ReduceOp::Prod && !vector::is_integer(plan.dtype);
                let regions: &[i64] = if r.op == ReduceOp::Var || is_arg(r.op) || float_prod {
                    &[0, 1]
                } else {
                    &[0]
                };
                for &region in regions {
                    for (p, ty) in e.slots(plan, scratch, i, region, j, r.op) {
                        if vector::is_integer(plan.dtype) && !is_logic(r.op) && region == 0 {
                            let v = e.int_identity(plan, r.op, k.dtype(r.value));
                            e.b.ins().store(mem(), v, p, 0);
                            continue;
                        }
                        if is_logic(r.op) {
                            // Lane masks: none nonzero yet (any), all so far (all).
                            let v = e.logic_identity(ty.as_int(), r.op);
                            e.b.ins().store(mem(), v, p, 0);
                            continue;
                        }
                        let c = if ty == types::F32X4 {
                            e.b.ins().f32const(init as f32)
                        } else if ty == types::I64X2 {
                            // Argmax's index: the first row until a later one wins; a
                            // product's exponent.
                            e.b.ins().iconst(types::I64, 0)
                        } else {
                            e.b.ins().f64const(init)
                        };
                        let v = splat(e.b, ty, c);
                        e.b.ins().store(mem(), v, p, 0);
                    }
                }
            }
            Ok(())
        })
    }

    /// The walk over the values. Float products go the fast way first
    /// (`FastProducts`: plain multiplies, renormalised before the rows that would
    /// take them past `PRODUCT_RUN` factors), and where a factor fails its bounds, the
    /// block again the exact way.
    fn column_values(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        at: &[Value],
        width: Value,
    ) -> Result<(), Unsupported> {
        let products = !vector::is_integer(plan.dtype)
            && self.k.reductions.iter().any(|r| r.op == ReduceOp::Prod);
        if !products {
            return self.column_walk(plan, scratch, at, width, Walk::Values);
        }
        // the factors' bounds are checked on the rows' own lanes (`group_product`)
        let fast = FastProducts::new(self.b, Some(plan.fty.as_int()), true);
        self.fast_products = Some(fast);
        let walk = self.column_walk(plan, scratch, at, width, Walk::Values);
        self.fast_products = None;
        walk?;
        self.unless_all_fit(fast, |e| {
            e.column_identities(plan, scratch, width)?;
            e.column_walk(plan, scratch, at, width, Walk::Values)
        })
    }

    /// Every float product of the block's `width` positions renormalised (a fast
    /// product's value moved into [1, 2), its exponent into region 1).
    fn column_renormalise(&mut self, scratch: Value, width: Value) -> Result<(), Unsupported> {
        let k = self.k;
        self.for_loop_step_imm0(width, 1, |e, j| {
            for (i, r) in k.reductions.iter().enumerate() {
                if r.op != ReduceOp::Prod {
                    continue;
                }
                let p = e.slot_address(scratch, i, 0, j, 8);
                let q = e.slot_address(scratch, i, 1, j, 8);
                let m = e.b.ins().load(types::F64, mem(), p, 0);
                let x = e.b.ins().load(types::I64, mem(), q, 0);
                let (m, x) = e.product_renormalise(m, x);
                e.b.ins().store(mem(), m, p, 0);
                e.b.ins().store(mem(), x, q, 0);
            }
            Ok(())
        })
    }

    /// Each position's partial state of every reduction, in the layout of a full
    /// reduction's chunk record (`Emitter::write_partials`): sum and mean (sum, count),
    /// var (count, mean, M2, 0), max and min (the value as f64, count); integers (the
    /// value as i64, sign- or zero-extended by the dtype's signedness, count).
    fn column_partials(
        &mut self,
        plan: &VectorPlan,
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
                    _ if vector::is_integer(plan.dtype) && !is_logic(r.op) => {
                        // The integer widened as `Emitter::write_partials` writes it.
                        let v = e.column_int(plan, scratch, i, j);
                        let v = e.widen(r.op, dtype, plan.fty.lane_type(), v);
                        e.b.ins().store(mem(), v, base, 0);
                        e.b.ins().store(mem(), count, base, 8);
                    }
                    ReduceOp::Max | ReduceOp::Min => {
                        let p = e.slot_address(scratch, i, 0, j, dtype.size_bytes() as i64);
                        let ty = super::ops::clif_type(dtype)?;
                        let v = e.b.ins().load(ty, mem(), p, 0);
                        let v = e.widen_f64(dtype, v);
                        e.b.ins().store(mem(), v, base, 0);
                        e.b.ins().store(mem(), count, base, 8);
                    }
                    ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Prod => {
                        let p = e.slot_address(scratch, i, 0, j, 8);
                        let s = e.b.ins().load(types::F64, mem(), p, 0);
                        e.b.ins().store(mem(), count, base, 8);
                        if r.op == ReduceOp::Prod {
                            // Renormalised, with its exponent (`Emitter::write_partials`).
                            let q = e.slot_address(scratch, i, 1, j, 8);
                            let x = e.b.ins().load(types::I64, mem(), q, 0);
                            let (s, x) = e.product_renormalise(s, x);
                            e.b.ins().store(mem(), s, base, 0);
                            e.b.ins().store(mem(), x, base, 16);
                        } else {
                            e.b.ins().store(mem(), s, base, 0);
                        }
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
                    ReduceOp::Any | ReduceOp::All => {
                        let flag = e.column_flag(plan, scratch, i, j);
                        let flag = e.b.ins().uextend(types::I64, flag);
                        e.b.ins().store(mem(), flag, base, 0);
                        e.b.ins().store(mem(), count, base, 8);
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
        self.nest(axis + 1, k.rank - 1, at.to_vec(), &mut |e, addrs| {
            e.column_rows(plan, scratch, addrs, width, walk)
        })
    }

    /// The innermost reduced axis, the rows. When the body computes no
    /// transcendental, `ROW_GROUP` rows at a time: each vector of positions combines
    /// the group's rows in registers, then updates the scratch once (`column_group`);
    /// the rows past the last whole group one at a time.
    fn column_rows(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        addrs: &[Value],
        width: Value,
        walk: Walk,
    ) -> Result<(), Unsupported> {
        let rows = self.k.rank - 1;
        let (lo, hi) = self.bounds(rows);
        let mut rest = lo;
        if !self.computes_function() && !has_arg(self.k) {
            let n = self.b.ins().isub(hi, lo);
            let whole = self.steps_within(n, ROW_GROUP);
            rest = self.b.ins().iadd(lo, whole);
            self.for_loop_step(lo, rest, ROW_GROUP, |e, r| {
                e.renormalise_if_due(scratch, width, ROW_GROUP)?;
                let group: Vec<Vec<Value>> = (0..ROW_GROUP)
                    .map(|g| {
                        let row = e.b.ins().iadd_imm_s(r, g);
                        e.advance(addrs, rows, row)
                    })
                    .collect();
                e.column_group(plan, scratch, &group, width, walk)
            })?;
        }
        self.for_loop(rest, hi, |e, r| {
            e.renormalise_if_due(scratch, width, 1)?;
            let row = e.advance(addrs, rows, r);
            e.column_row = Some(r);
            e.column_group(plan, scratch, &[row], width, walk)
        })
    }

    /// On a fast walk with products, before `rows` more rows: renormalise the block's
    /// products if those rows would take them past `PRODUCT_RUN` factors since the
    /// last time, and count the rows.
    fn renormalise_if_due(
        &mut self,
        scratch: Value,
        width: Value,
        rows: i64,
    ) -> Result<(), Unsupported> {
        let Some(fast) = self.fast_products else {
            return Ok(());
        };
        let due = fast.due_before(self.b, rows);
        self.when(due, false, |e| {
            e.column_renormalise(scratch, width)?;
            fast.restart(e.b);
            Ok(())
        })?;
        fast.count_rows(self.b, rows);
        Ok(())
    }

    /// Positions [from, width) of one row, one at a time.
    fn column_row_tail(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        row: &[Value],
        from: Value,
        width: Value,
        walk: Walk,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        self.for_loop(from, width, |e, j| {
            let p = e.advance(row, plan.axis, j);
            let vals = e.body(&p)?;
            for (i, r) in k.reductions.iter().enumerate() {
                let x = vals[r.value.0 as usize];
                if is_logic(r.op) {
                    if walk == Walk::Values {
                        let flag = e.nonzero(k.dtype(r.value), x);
                        e.column_logic(plan, scratch, i, r.op, j, flag);
                    }
                    continue;
                }
                e.column_accumulate(plan, scratch, i, r.op, walk, j, x)?;
            }
            Ok(())
        })
    }

    /// The block's positions over the rows of `group` (each row's addresses: one row,
    /// or `ROW_GROUP`): per vector of positions, each reduction's values of the group
    /// combined as a balanced tree in the input's precision (sums: one rounding per
    /// add, as the vector lanes of a row sum do between flushes; extremes: exact), or
    /// var's squared deviations summed in f64 (`group_deviations`), then added to the
    /// scratch (a single row's values directly). The positions past the last whole
    /// vector take the group's rows one at a time.
    fn column_group(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        group: &[Vec<Value>],
        width: Value,
        walk: Walk,
    ) -> Result<(), Unsupported> {
        let k = self.k;
        let axis = plan.axis;
        let lanes = plan.lanes as i64;
        let whole = self.b.ins().band_imm_s(width, -lanes);
        self.for_loop_step_imm0(whole, lanes, |e, j| {
            let mut rows = Vec::with_capacity(group.len());
            for row in group {
                let p = e.advance(row, axis, j);
                rows.push(vector::body(e, plan, &p)?);
            }
            for (i, r) in k.reductions.iter().enumerate() {
                let xs: Vec<Value> = rows.iter().map(|v| v[r.value.0 as usize][0]).collect();
                if is_logic(r.op) {
                    if walk == Walk::Values {
                        // The group's lane masks, or'ed (and'ed) in registers.
                        let masks: Vec<Value> = xs
                            .iter()
                            .map(|&x| vector::nonzero_mask(e, plan, r.value, x))
                            .collect();
                        let m = masks[1..]
                            .iter()
                            .fold(masks[0], |m, &x| e.any_all(r.op, m, x));
                        e.column_logic(plan, scratch, i, r.op, j, m);
                    }
                    continue;
                }
                if let [x] = xs[..] {
                    e.column_accumulate(plan, scratch, i, r.op, walk, j, x)?;
                    continue;
                }
                if r.op == ReduceOp::Prod && !vector::is_integer(plan.dtype) {
                    if walk == Walk::Values {
                        e.group_product(plan, scratch, i, j, &xs);
                    }
                    continue;
                }
                match walk {
                    Walk::Values => {
                        let unsigned = k.dtype(r.value).is_unsigned_integer();
                        let x = e.combine_rows(r.op, unsigned, &xs);
                        e.column_accumulate(plan, scratch, i, r.op, walk, j, x)?;
                    }
                    Walk::Deviations if r.op == ReduceOp::Var => {
                        e.group_deviations(plan, scratch, i, j, &xs);
                    }
                    Walk::Deviations => {}
                }
            }
            Ok(())
        })?;
        for row in group {
            self.column_row_tail(plan, scratch, row, whole, width, walk)?;
        }
        Ok(())
    }

    /// A float product's factors at one vector of positions (or, in the tail, one
    /// position) over the rows of a group or a single row (`xs`), multiplied into the
    /// scratch in the rows' order, in f64: the product of each position is the one a
    /// row at a time gives, bit for bit (the interpreter's), with one load and one
    /// store of the scratch per group instead of per row. The fast way
    /// (`FastProducts`) multiplies plainly and checks each factor's bounds; the exact
    /// way takes `math::product`'s step per factor.
    fn group_product(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        j: Value,
        xs: &[Value],
    ) {
        let p = self.slot_address(scratch, i, 0, j, 8);
        let q = self.slot_address(scratch, i, 1, j, 8);
        if let Some(fast) = self.fast_products {
            // before widening: four f32 lanes per comparison (widening is exact)
            for &x in xs {
                let fits = self.in_product_bounds(x);
                fast.record(self.b, fits);
            }
        }
        for (ty, off, factors) in self.halves(plan, xs) {
            let mut a = self.b.ins().load(ty, mem(), p, off);
            match self.fast_products {
                Some(_) => {
                    for x in factors {
                        a = self.b.ins().fmul(a, x);
                    }
                }
                None => {
                    // The exponent in region 1 (`math::product`).
                    let mut ex = self.b.ins().load(ty.as_int(), mem(), q, off);
                    for x in factors {
                        (a, ex) = self.product_step(a, ex, x);
                    }
                    self.b.ins().store(mem(), ex, q, off);
                }
            }
            self.b.ins().store(mem(), a, p, off);
        }
    }

    /// The rows' values `xs` as f64 (`widened`), half by half: each half's type, its
    /// byte offset within a position's slots, and every row's value of that half.
    fn halves(&mut self, plan: &VectorPlan, xs: &[Value]) -> Vec<(Type, i32, Vec<Value>)> {
        let rows: Vec<Vec<Value>> = xs.iter().map(|&x| self.widened(plan, x)).collect();
        (0..rows[0].len())
            .map(|c| {
                let ty = self.b.func.dfg.value_type(rows[0][c]);
                (ty, 16 * c as i32, rows.iter().map(|r| r[c]).collect())
            })
            .collect()
    }

    /// Var's squared deviations from the column means (region 0 of reduction `i`'s
    /// scratch) of one vector of positions over the rows of a group (`xs`), in f64:
    /// squares paired by one fma, the pairs summed pairwise, added to region 1 once.
    fn group_deviations(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        j: Value,
        xs: &[Value],
    ) {
        let sum_at = self.slot_address(scratch, i, 0, j, 8);
        let m2_at = self.slot_address(scratch, i, 1, j, 8);
        for (ty, off, values) in self.halves(plan, xs) {
            let m = self.b.ins().load(ty, mem(), sum_at, off);
            let d: Vec<Value> = values.iter().map(|&x| self.b.ins().fsub(x, m)).collect();
            let mut level: Vec<Value> = d
                .chunks(2)
                .map(|p| {
                    let sq = self.b.ins().fmul(p[0], p[0]);
                    match p {
                        [_, b] => self.b.ins().fma(*b, *b, sq),
                        _ => sq,
                    }
                })
                .collect();
            while level.len() > 1 {
                level = level
                    .chunks(2)
                    .map(|p| match p {
                        [a, b] => self.b.ins().fadd(*a, *b),
                        _ => p[0],
                    })
                    .collect();
            }
            let m2 = self.b.ins().load(ty, mem(), m2_at, off);
            let m2 = self.b.ins().fadd(m2, level[0]);
            self.b.ins().store(mem(), m2, m2_at, off);
        }
    }

    /// Vectors of one reduction's values at the same positions of several rows as
    /// one, pairwise: a sum (sum, mean, var's first walk), or for max and min the
    /// extreme, or where any lane of a pair is NaN the pair's sum (a NaN, as
    /// `column_accumulate` makes one). Integer extremes compare `unsigned` or signed.
    fn combine_rows(&mut self, op: ReduceOp, unsigned: bool, xs: &[Value]) -> Value {
        if self.b.func.dfg.value_type(xs[0]).lane_type().is_int() {
            // Integers: wrapping sums and extremes, exact in any order.
            return xs[1..]
                .iter()
                .fold(xs[0], |a, &x| self.int_combine(op, unsigned, a, x));
        }
        let extreme = matches!(op, ReduceOp::Max | ReduceOp::Min);
        // (value, sum, NaN mask) per subtree.
        let mut level: Vec<(Value, Value, Option<Value>)> =
            xs.iter().map(|&x| (x, x, None)).collect();
        while level.len() > 1 {
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            for pair in level.chunks(2) {
                let [(a, sa, na), (b, sb, nb)] = match pair {
                    [a, b] => [*a, *b],
                    _ => {
                        next.push(pair[0]);
                        continue;
                    }
                };
                let sum = self.b.ins().fadd(sa, sb);
                if !extreme {
                    next.push((sum, sum, None));
                    continue;
                }
                let value = self.lane_extreme(op == ReduceOp::Max, a, b);
                let nan = self.b.ins().fcmp(FloatCC::Unordered, a, b);
                let nan = [na, nb]
                    .into_iter()
                    .flatten()
                    .fold(nan, |m, n| self.b.ins().bor(m, n));
                next.push((value, sum, Some(nan)));
            }
            level = next;
        }
        match level[0] {
            (value, sum, Some(nan)) => {
                let ty = self.b.func.dfg.value_type(value);
                let nan = bitcast(self.b, ty, nan);
                self.b.ins().bitselect(nan, sum, value)
            }
            (value, _, None) => value,
        }
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
        if vector::is_integer(plan.dtype) {
            // Integer lanes, wrapping: exact in any order.
            let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
            let dtype = self.k.dtype(self.k.reductions[i].value);
            let unsigned = dtype.is_unsigned_integer();
            // An 8/16-bit element of the tail extended to the lanes' width, as the
            // vector loads hold it (the slot is a lane wide).
            let x = if vector {
                x
            } else {
                vector::extend_to_lane(self, dtype, plan.fty.lane_type(), x)
            };
            let ty = self.b.func.dfg.value_type(x);
            let a = self.b.ins().load(ty, mem(), p, 0);
            if is_arg(op) {
                // As the scalar loop: a strictly better value takes the position,
                // with the row's index (no NaNs among integers).
                let (lo, hi) = if op == ReduceOp::ArgMax {
                    (a, x)
                } else {
                    (x, a)
                };
                let take = vector::int_less(self, unsigned, lo, hi, false);
                let v = if vector {
                    self.b.ins().bitselect(take, x, a)
                } else {
                    self.b.ins().select(take, x, a)
                };
                self.b.ins().store(mem(), v, p, 0);
                self.column_arg_index(plan, scratch, i, j, take);
                return Ok(());
            }
            let a = self.int_combine(op, unsigned, a, x);
            self.b.ins().store(mem(), a, p, 0);
            return Ok(());
        }
        match (op, walk) {
            (ReduceOp::ArgMax | ReduceOp::ArgMin, Walk::Values) => {
                // As the scalar loop: a strictly better value, or the first NaN, takes
                // the position (`Emitter::arg_wins`), with the row's index.
                let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
                let max = op == ReduceOp::ArgMax;
                let ty = if vector {
                    plan.fty
                } else {
                    super::ops::clif_type(plan.dtype)?
                };
                let best = self.b.ins().load(ty, mem(), p, 0);
                let take = self.arg_wins(max, x, best);
                let v = if vector {
                    let take_f = bitcast(self.b, plan.fty, take);
                    self.b.ins().bitselect(take_f, x, best)
                } else {
                    self.b.ins().select(take, x, best)
                };
                self.b.ins().store(mem(), v, p, 0);
                let take = if vector {
                    bitcast(self.b, plan.fty.as_int(), take)
                } else {
                    take
                };
                self.column_arg_index(plan, scratch, i, j, take);
            }
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
                for (ty, off, x) in self.halves(plan, &[x]) {
                    let m = self.b.ins().load(ty, mem(), sum_at, off);
                    let d = self.b.ins().fsub(x[0], m);
                    let m2 = self.b.ins().load(ty, mem(), m2_at, off);
                    let m2 = self.b.ins().fma(d, d, m2);
                    self.b.ins().store(mem(), m2, m2_at, off);
                }
            }
            (_, Walk::Deviations) => {}
            (ReduceOp::Prod, Walk::Values) => self.group_product(plan, scratch, i, j, &[x]),
            (_, Walk::Values) => {
                let p = self.slot_address(scratch, i, 0, j, 8);
                for (ty, off, x) in self.halves(plan, &[x]) {
                    let a = self.b.ins().load(ty, mem(), p, off);
                    let a = self.b.ins().fadd(a, x[0]);
                    self.b.ins().store(mem(), a, p, off);
                }
            }
        }
        Ok(())
    }

    /// Argmax's (argmin's) row index into reduction `i`'s index slots where `take`
    /// holds: a lane mask of the plan's integer lanes (positions j..j + lanes), or in
    /// the tail one position's flag.
    fn column_arg_index(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        j: Value,
        take: Value,
    ) {
        let row = self.column_row.expect("column walks set the row");
        let q = self.slot_address(scratch, i, 1, j, 8);
        if !self.b.func.dfg.value_type(take).is_vector() {
            let idx = self.b.ins().load(types::I64, mem(), q, 0);
            let idx = self.b.ins().select(take, row, idx);
            self.b.ins().store(mem(), idx, q, 0);
            return;
        }
        // The lanes' masks as i64 lanes: itself for 64-bit lanes, each half widened
        // (sign-extended: all ones stay all ones) for 32-bit ones.
        let masks = if plan.lanes == 2 {
            vec![take]
        } else {
            vec![
                self.b.ins().swiden_low(take),
                self.b.ins().swiden_high(take),
            ]
        };
        let rows = splat(self.b, types::I64X2, row);
        for (c, m) in masks.into_iter().enumerate() {
            let off = 16 * c as i32;
            let idx = self.b.ins().load(types::I64X2, mem(), q, off);
            let idx = self.b.ins().bitselect(m, rows, idx);
            self.b.ins().store(mem(), idx, q, off);
        }
    }

    /// An integer sum, max or min of two values (vectors or elements); the extremes of
    /// `unsigned` values compare unsigned (8/16-bit values, zero-extended in i32
    /// lanes, compare alike either way). Every other op adds: integer products never
    /// come here, as `vector::int_lanes_reduce` keeps them off integer lanes (lifting
    /// that needs a multiply here).
    fn int_combine(&mut self, op: ReduceOp, unsigned: bool, a: Value, x: Value) -> Value {
        match op {
            ReduceOp::Max => vector::int_extreme(self, unsigned, true, a, x),
            ReduceOp::Min => vector::int_extreme(self, unsigned, false, a, x),
            _ => self.b.ins().iadd(a, x),
        }
    }

    /// An integer reduction's value at position j, a lane wide (the plan's lane type:
    /// an 8/16-bit value in i32, which its callers narrow or widen).
    fn column_int(&mut self, plan: &VectorPlan, scratch: Value, i: usize, j: Value) -> Value {
        let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
        self.b.ins().load(plan.fty.lane_type(), mem(), p, 0)
    }

    /// Any's (all's) lane mask `m` of positions j..j + lanes, or in the tail one
    /// position's flag (an i8 0 or 1), or'ed (and'ed) into reduction `i`'s scratch:
    /// a lane mask per position, of the plan's lane width.
    fn column_logic(
        &mut self,
        plan: &VectorPlan,
        scratch: Value,
        i: usize,
        op: ReduceOp,
        j: Value,
        m: Value,
    ) {
        let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
        let ity = plan.fty.as_int();
        let (ty, m) = if self.b.func.dfg.value_type(m).is_vector() {
            (ity, m)
        } else {
            // 0 or 1 -> 0 or all ones (a plan of bytes has i8 lanes already).
            let lane = ity.lane_type();
            let wide = if self.b.func.dfg.value_type(m) == lane {
                m
            } else {
                self.b.ins().uextend(lane, m)
            };
            (ity.lane_type(), self.b.ins().ineg(wide))
        };
        let a = self.b.ins().load(ty, mem(), p, 0);
        let a = self.any_all(op, a, m);
        self.b.ins().store(mem(), a, p, 0);
    }

    /// Any's (all's) result at position j: whether its lane mask is set (an i8).
    fn column_flag(&mut self, plan: &VectorPlan, scratch: Value, i: usize, j: Value) -> Value {
        let p = self.slot_address(scratch, i, 0, j, plan.dtype.size_bytes() as i64);
        let lane = plan.fty.as_int().lane_type();
        let m = self.b.ins().load(lane, mem(), p, 0);
        self.b.ins().icmp_imm_s(IntCC::NotEqual, m, 0)
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
    /// squared deviations, argmax's row, a product's exponent) of reduction `i`, with
    /// `size`-byte slots.
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
            .iadd_imm_s(scratch, (2 * i as i64 + region) * 8 * column_block(self.k));
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
        if matches!(op, ReduceOp::Max | ReduceOp::Min)
            || is_logic(op)
            || vector::is_integer(plan.dtype) && !is_arg(op)
            || is_arg(op) && region == 0
        {
            let p = self.slot_address(scratch, i, region, j, plan.dtype.size_bytes() as i64);
            return vec![(p, plan.fty)];
        }
        if is_arg(op) {
            // Indices: i64 slots, one vector per two lanes.
            let p = self.slot_address(scratch, i, region, j, 8);
            return (0..plan.lanes as i64 / 2)
                .map(|c| (self.b.ins().iadd_imm_s(p, 16 * c), types::I64X2))
                .collect();
        }
        let p = self.slot_address(scratch, i, region, j, 8);
        // A product's exponents (region 1) are i64.
        let ty = if op == ReduceOp::Prod && region == 1 {
            types::I64X2
        } else {
            types::F64X2
        };
        if plan.dtype == DType::F32 {
            let q = self.b.ins().iadd_imm_s(p, 16);
            vec![(p, ty), (q, ty)]
        } else {
            vec![(p, ty)]
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
