//! A kernel program → one Cranelift function that walks its loop nest.
//!
//! Signature (C ABI): `fn(args: *const *mut u8, params: *const i64, begin: i64,
//! end: i64, partials: *mut u8)`. `params` holds the loop sizes, then for each access
//! its offset and one stride per axis (all in elements). The outermost loop runs over
//! `[begin, end)`, so a caller can split it into chunks; every other loop runs over its
//! whole size. A reduction with no kept axes writes its per-chunk state to `partials`
//! (`PARTIAL_BYTES` per reduction, see `write_partials`) for the caller to combine.
//!
//! The innermost loop is vectorised when every value of the kernel fits one 128-bit
//! vector shape and every store moves by 1 element along it (loads by 0, 1 or a
//! gathered stride; see `vector.rs`); otherwise it runs one element at a time. Column
//! reductions vectorise the innermost kept axis instead (`columns.rs`).

use super::clif_math::{bitcast, splat, ClifMath64};
use super::ops::{clif_type, unsupported, Libcalls, Ops, Unsupported};
use super::vector::{self, VectorPlan};
use crate::math::product;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, FuncRef, InstBuilder, MemFlagsData, Type, Value};
use cranelift_codegen::packed_option::ReservedValue;
use cranelift_frontend::{FunctionBuilder, Variable};
use kiln_ir::kernel::{Instr, Kernel, Store, Stride};
use kiln_ir::{DType, ReduceOp};

/// What runs at each point of a loop nest: given the addresses of every access.
type Leaf<'e, 'a, 'b> = dyn FnMut(&mut Emitter<'a, 'b>, &[Value]) -> Result<(), Unsupported> + 'e;

/// Bytes of one reduction's state in the partials buffer.
pub const PARTIAL_BYTES: usize = 32;

/// Distance in bytes between the points where a vector loop primes its input streams
/// (`prime`): one 4 KiB page, the span the hardware's stream prefetcher follows.
const PRIME_BYTES: i64 = 4096;

/// Cache lines touched at each priming point: two consecutive lines are the pattern
/// that starts the L2 stream prefetcher on a page.
const PRIME_LINES: i64 = 2;

pub(crate) struct Emitter<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
    pub k: &'a Kernel,
    pub libcalls: &'a Libcalls,
    pub dims: Vec<Value>,
    /// Per access: offset and strides (in elements).
    pub offsets: Vec<Value>,
    pub strides: Vec<Vec<Value>>,
    /// Per kernel argument: the base pointer.
    pub arg_ptrs: Vec<Value>,
    pub begin: Value,
    pub end: Value,
    pub partials: Value,
    /// Results of reductions finished in an earlier phase of a row-local kernel, at
    /// the current kept point (read by `Instr::Reduced`).
    pub row_values: Vec<Option<Value>>,
    /// Those of `row_values` the current vector loop reads, splat once before it
    /// (reduction, vector type, splat): with Cranelift's optimiser off (`CpuCompiler::
    /// new`) nothing else would hoist them, and every iteration would splat each once
    /// per unrolled copy.
    pub row_splats: Vec<(usize, Type, Value)>,
    /// Which instructions the current pass needs (others are not emitted).
    pub needed: Vec<bool>,
    /// Stores made during the current reduction phase (stashed values).
    pub stash: Vec<Store>,
    /// The loop axis whose range is the chunk [begin, end): 0, except in a column
    /// reduction split along its reduced rows (`columns.rs`).
    pub chunked: usize,
    /// In a column reduction's walk, the index along the reduced axis of the current
    /// row (what argmax and argmin record).
    pub column_row: Option<Value>,
    /// Whether the host allows vector kernels (`CpuCompiler::vectors`).
    pub vectors: bool,
    /// The helper with which the current pass, a second one over a row or a full
    /// reduction's chunk, prefetches the next row or chunk (`prefetch_next_row`), if
    /// it does: `prefetch_l2`, into L2.
    pub prefetch_next: Option<FuncRef>,
    /// A row kernel's deferred store pass (`Carry`), where it has one.
    pub carry: Option<Carry>,
    /// Whether the current pass also runs the previous row's store pass (`Carry`).
    pub carry_now: bool,
    /// The current pass's float products run fast (`FastProducts`); None: every
    /// factor takes `math::product`'s exact step.
    pub fast_products: Option<FastProducts>,
}

/// Float products, the fast way: plain multiplies, which round as `math::product`'s
/// scaled ones do as long as no partial product leaves the normal range. That holds
/// while every factor lies in [1/PRODUCT_BOUND, PRODUCT_BOUND] and at most
/// `PRODUCT_RUN` of them multiply into a value after it was renormalised (to [1, 2)):
/// the pass checks the first as it goes, and the row or chunk is reduced again the
/// exact way where a factor fails it (zeros, infinities and NaN included).
#[derive(Clone, Copy)]
pub(crate) struct FastProducts {
    /// i8: 1 while every factor of the scalar loop has been in bounds.
    ok: Variable,
    /// The same for the vector loop's lanes (a mask of `lanes_type`).
    ok_lanes: Option<Variable>,
    /// A column walk's rows multiplied in since its products were last renormalised
    /// (i64): never more than `PRODUCT_RUN` (`columns.rs`, `renormalise_if_due`).
    rows: Option<Variable>,
}

impl FastProducts {
    /// Fresh flags (all factors in bounds so far), a lane mask of `lanes` if given,
    /// and a row count if `rows`.
    pub(super) fn new(b: &mut FunctionBuilder, lanes: Option<Type>, rows: bool) -> Self {
        let ok = b.declare_var(types::I8);
        let yes = b.ins().iconst(types::I8, 1);
        b.def_var(ok, yes);
        let ok_lanes = lanes.map(|ty| {
            let v = b.declare_var(ty);
            let ones = b.ins().iconst(types::I64, -1);
            let ones = splat(b, ty, ones);
            b.def_var(v, ones);
            v
        });
        let rows = rows.then(|| {
            let v = b.declare_var(types::I64);
            let zero = b.ins().iconst(types::I64, 0);
            b.def_var(v, zero);
            v
        });
        FastProducts { ok, ok_lanes, rows }
    }

    /// Whether every factor so far was in bounds (an i8).
    pub(super) fn all_fit(&self, b: &mut FunctionBuilder) -> Value {
        let mut fine = b.use_var(self.ok);
        if let Some(v) = self.ok_lanes {
            let lanes = b.use_var(v);
            let all = b.ins().vall_true(lanes);
            fine = b.ins().band(fine, all);
        }
        fine
    }

    /// Whether a column walk's products must be renormalised before its next `rows`
    /// rows (an i8): the rows multiplied in since the last renormalisation and these
    /// would pass `PRODUCT_RUN`.
    pub(super) fn due_before(&self, b: &mut FunctionBuilder, rows: i64) -> Value {
        let count = self.rows.expect("a column walk counts its rows");
        let n = b.use_var(count);
        b.ins()
            .icmp_imm_s(IntCC::SignedGreaterThan, n, PRODUCT_RUN - rows)
    }

    /// Counts `rows` more rows multiplied in (after a renormalisation: `restart` first).
    pub(super) fn count_rows(&self, b: &mut FunctionBuilder, rows: i64) {
        let count = self.rows.expect("a column walk counts its rows");
        let n = b.use_var(count);
        let n = b.ins().iadd_imm_s(n, rows);
        b.def_var(count, n);
    }

    /// The count after a renormalisation: none.
    pub(super) fn restart(&self, b: &mut FunctionBuilder) {
        let count = self.rows.expect("a column walk counts its rows");
        let zero = b.ins().iconst(types::I64, 0);
        b.def_var(count, zero);
    }

    /// Records whether `x`'s lanes fit (`fits`, from `Emitter::in_product_bounds`).
    pub(super) fn record(&self, b: &mut FunctionBuilder, fits: Value) {
        let var = if b.func.dfg.value_type(fits).is_vector() {
            self.ok_lanes.expect("a vector loop has lane flags")
        } else {
            self.ok
        };
        let all = b.use_var(var);
        let all = b.ins().band(all, fits);
        b.def_var(var, all);
    }
}

/// Factors of a fast product lie in [1/PRODUCT_BOUND, PRODUCT_BOUND] (`FastProducts`).
const PRODUCT_BOUND: f64 = 32768.0;

/// Plain multiplies into a fast product between renormalisations: PRODUCT_RUN factors
/// within the bound move it by at most 2^±960 from [1, 2).
pub(super) const PRODUCT_RUN: i64 = 64;

/// The same for f32 factors, which need no bounds: nonzero finite ones lie in
/// [2^-149, 2^128), so four of them keep a product within 2^±600 of [1, 2) (a zero,
/// inf or NaN makes the product what the exact way makes it).
const F32_PRODUCT_RUN: i64 = 4;

/// A row kernel's store pass, deferred by one row: row j's store pass runs inside the
/// first pass of row j + 1's last phase, step for step (softmax: the division and the
/// stores of row j beside the exponentials of row j + 1), and the chunk's last row's
/// after the rows. The store pass of a row reads only what its earlier passes left
/// (the stashed values, its inputs, its reductions' results), and writes only its own
/// row, so moving it changes no value; what it gains is overlap: one pass's division
/// and stores run on other units than the next pass's arithmetic.
#[derive(Clone)]
pub struct Carry {
    /// Per access, the previous row's base.
    bases: Vec<Variable>,
    /// Per reduction, the previous row's result.
    values: Vec<Variable>,
    /// Whether a previous row waits for its store pass (an i8, 0 or 1).
    pending: Variable,
}

/// Accumulator variables of one reduction.
struct Acc {
    /// Index of the reduction in `Kernel::reductions`.
    r: usize,
    a: Variable,
    b: Variable,
    count: Variable,
    /// Var: Σ(x - mean) in the second pass, about the mean of the first (f64).
    residual: Variable,
    /// Type of `a` (f64 for float sums, the dtype for max/min and integer sums).
    ty: Type,
}

/// `n` rounded down to a whole number of `step`s, and at least one step.
fn whole_steps(n: i64, step: i64) -> i64 {
    n.max(step) / step * step
}

/// The plan of one vector per step, where `plan` unrolls and the kernel has rows
/// (rank 2 or more): a row's whole vectors past its last unrolled step take single
/// steps before the scalar tail, so that a row shorter than a step (softmax over ten
/// classes, f32 steps of sixteen) still runs in vectors. A rank-1 kernel's row is its
/// whole chunk, whose tail is negligible: it keeps the smaller code (compile time).
fn single_vectors(k: &Kernel, plan: &VectorPlan) -> Option<VectorPlan> {
    (plan.unroll > 1 && k.rank >= 2).then(|| VectorPlan {
        unroll: 1,
        ..plan.clone()
    })
}

/// Accesses cannot trap (the runtime sized every buffer) but need not be aligned.
pub(super) fn mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl<'a, 'b> Emitter<'a, 'b> {
    pub fn elem_bytes(dtype: DType) -> i64 {
        dtype.size_bytes() as i64
    }

    /// `for i in lo..hi { body(i) }` with the counter in a variable.
    pub(super) fn for_loop(
        &mut self,
        lo: Value,
        hi: Value,
        body: impl FnMut(&mut Self, Value) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        self.for_loop_step(lo, hi, 1, body)
    }

    /// Bounds of loop axis `axis`: the chunk for the chunked axis (axis 0 but in a
    /// split column reduction), the whole size otherwise.
    pub(super) fn bounds(&mut self, axis: usize) -> (Value, Value) {
        if axis == self.chunked {
            (self.begin, self.end)
        } else {
            let zero = self.b.ins().iconst(types::I64, 0);
            (zero, self.dims[axis])
        }
    }

    /// Element addresses of every access one level deeper: base + i * stride[axis].
    /// The access pattern (part of the cache key) says which strides are 0 or 1, so
    /// those axes cost nothing or one add instead of a multiply by the run-time stride.
    pub(super) fn advance(&mut self, bases: &[Value], axis: usize, i: Value) -> Vec<Value> {
        (0..bases.len())
            .map(|a| match self.k.accesses[a].strides[axis] {
                Stride::Zero => bases[a],
                Stride::Unit => self.b.ins().iadd(bases[a], i),
                Stride::Other => {
                    let step = self.b.ins().imul(i, self.strides[a][axis]);
                    self.b.ins().iadd(bases[a], step)
                }
            })
            .collect()
    }

    /// Walk loop axes `from..to`, calling `leaf` with the addresses at each point.
    pub(super) fn nest(
        &mut self,
        from: usize,
        to: usize,
        bases: Vec<Value>,
        leaf: &mut Leaf<'_, 'a, 'b>,
    ) -> Result<(), Unsupported> {
        if from == to {
            return leaf(self, &bases);
        }
        let (lo, hi) = self.bounds(from);
        self.for_loop(lo, hi, |e, i| {
            let next = e.advance(&bases, from, i);
            e.nest(from + 1, to, next, leaf)
        })
    }

    /// The machine address of element `addr` of access `a`.
    pub(super) fn address(&mut self, access: usize, addr: Value) -> Value {
        let arg = self.k.accesses[access].arg;
        let bytes = Self::elem_bytes(self.k.args[arg].dtype);
        // A shift (element sizes are powers of two), which x86-64 folds into the
        // load's or store's addressing mode.
        let off = self
            .b
            .ins()
            .ishl_imm_s(addr, i64::from(bytes.trailing_zeros()));
        self.b.ins().iadd(self.arg_ptrs[arg], off)
    }

    /// Evaluate the body at one point, one element at a time.
    pub(super) fn body(&mut self, addrs: &[Value]) -> Result<Vec<Value>, Unsupported> {
        let mut vals: Vec<Value> = Vec::with_capacity(self.k.instrs.len());
        for (i, (instr, dtype)) in self.k.instrs.iter().enumerate() {
            let dtype = *dtype;
            if !self.needed[i] {
                vals.push(Value::reserved_value());
                continue;
            }
            let v = match instr {
                Instr::Reduced { reduction } => {
                    self.row_values[*reduction].expect("reductions of earlier phases are finished")
                }
                Instr::Load { access } => {
                    let p = self.address(*access, addrs[*access]);
                    self.b.ins().load(clif_type(dtype)?, mem(), p, 0)
                }
                Instr::Const(s) => self.ops().constant(dtype, *s)?,
                Instr::Index { access } => {
                    let idx = addrs[*access];
                    self.ops().cast(DType::I64, dtype, idx)?
                }
                Instr::Unary(op, x) => {
                    let in_dtype = self.k.dtype(*x);
                    self.ops().unary(*op, in_dtype, vals[x.0 as usize])?
                }
                Instr::Binary(op, x, y) => {
                    let in_dtype = self.k.dtype(*x);
                    self.ops()
                        .binary(*op, in_dtype, vals[x.0 as usize], vals[y.0 as usize])?
                }
                Instr::Select(c, x, y) => {
                    let (c, x, y) = (vals[c.0 as usize], vals[x.0 as usize], vals[y.0 as usize]);
                    self.b.ins().select(c, x, y)
                }
                Instr::Fma(a, b, c) => {
                    let (a, b, c) = (vals[a.0 as usize], vals[b.0 as usize], vals[c.0 as usize]);
                    self.b.ins().fma(a, b, c)
                }
                Instr::Cast(x) => {
                    let from = self.k.dtype(*x);
                    self.ops().cast(from, dtype, vals[x.0 as usize])?
                }
            };
            vals.push(v);
        }
        Ok(vals)
    }

    pub(crate) fn ops_constant(
        &mut self,
        dtype: DType,
        s: kiln_ir::Scalar,
    ) -> Result<Value, Unsupported> {
        self.ops().constant(dtype, s)
    }

    pub(super) fn ops(&mut self) -> Ops<'_, 'b> {
        Ops {
            b: self.b,
            libcalls: self.libcalls,
        }
    }

    pub(super) fn store(&mut self, access: usize, addr: Value, v: Value) {
        let p = self.address(access, addr);
        self.b.ins().store(mem(), v, p, 0);
    }

    /// Offsets of every access at the root of the nest.
    pub(super) fn root_bases(&self) -> Vec<Value> {
        self.offsets.clone()
    }

    /// Mark the instructions `roots` depend on.
    pub(super) fn needs(
        &self,
        roots: impl IntoIterator<Item = kiln_ir::kernel::Value>,
    ) -> Vec<bool> {
        let mut need = vec![false; self.k.instrs.len()];
        for v in roots {
            need[v.0 as usize] = true;
        }
        for i in (0..need.len()).rev() {
            if !need[i] {
                continue;
            }
            for x in self.k.instrs[i].0.operands() {
                need[x.0 as usize] = true;
            }
        }
        need
    }

    pub fn emit(&mut self) -> Result<(), Unsupported> {
        self.needed = vec![true; self.k.instrs.len()];
        self.row_values = vec![None; self.k.reductions.len()];
        self.row_splats = Vec::new();
        if self.k.reductions.is_empty() {
            self.emit_elementwise()
        } else {
            self.emit_reduction()
        }
    }

    fn emit_elementwise(&mut self) -> Result<(), Unsupported> {
        let rank = self.k.rank;
        let bases = self.root_bases();
        if rank == 0 {
            return self.store_point(&bases);
        }
        if let Some(plan) = self.vector_plan() {
            if rank >= 2 && self.gathers(plan.axis) {
                // An operand strided along the innermost axis (a transposed one):
                // the last two axes in tiles (see `tiles`).
                return self.nest(0, rank - 2, bases, &mut |e, addrs| e.tiles(&plan, addrs));
            }
            // Outer axes one by one, the innermost one in vectors.
            return self.nest(0, rank - 1, bases, &mut |e, addrs| {
                e.vector_inner(&plan, addrs)
            });
        }
        self.nest(0, rank, bases, &mut |e, addrs| e.store_point(addrs))
    }

    fn store_point(&mut self, addrs: &[Value]) -> Result<(), Unsupported> {
        let vals = self.body(addrs)?;
        for s in self.k.stores.iter().filter(|s| s.phase.is_none()) {
            self.store(s.access, addrs[s.access], vals[s.value.0 as usize]);
        }
        Ok(())
    }

    /// In a tile's row `i` (columns [j0, j1)), for every transposed load (a run-time
    /// stride along the columns, one element along the rows): when `i` is a multiple
    /// of a cache line's elements, prefetch the lines that rows `i + line..` will read,
    /// one per column (in the tile's last line column, lines of rows the loop reaches
    /// only after the other tiles of the row band: harmless, and measured better than
    /// fetching the next tile's first lines there instead). Each such line serves
    /// `line` rows of the tile and comes from a different page, so no hardware
    /// prefetcher follows them; without this every new line column waited on memory
    /// (4000 × 2500 f64 `exp(x.T)`: see architecture.md).
    fn prefetch_columns(&mut self, bases: &[Value], i: Value, j0: Value, j1: Value) {
        let (rows, cols) = (self.k.rank - 2, self.k.rank - 1);
        let loads = self.loads_where(false, |st| {
            st[cols] == Stride::Other && st[rows] == Stride::Unit
        });
        for a in loads {
            let bytes = Self::elem_bytes(self.k.args[self.k.accesses[a].arg].dtype);
            let line = 64 / bytes;
            let at_line = self.b.ins().band_imm_s(i, line - 1);
            let fetch = self.b.create_block();
            let done = self.b.create_block();
            self.b.ins().brif(at_line, done, &[], fetch, &[]);
            self.b.switch_to_block(fetch);
            let ahead = self.b.ins().iadd_imm_s(i, line);
            let row = self.b.ins().iadd(bases[a], ahead);
            let col = self.b.ins().imul(j0, self.strides[a][cols]);
            let at = self.b.ins().iadd(row, col);
            let p = self.address(a, at);
            let stride = self.b.ins().imul_imm_s(self.strides[a][cols], bytes);
            let count = self.b.ins().isub(j1, j0);
            self.b
                .ins()
                .call(self.libcalls.prefetch_strided, &[p, stride, count]);
            self.b.ins().jump(done, &[]);
            self.b.switch_to_block(done);
        }
    }

    /// Whether some load moves by a run-time stride along loop axis `axis`.
    fn gathers(&self, axis: usize) -> bool {
        self.k.instrs.iter().any(|(instr, _)| {
            matches!(instr, Instr::Load { access }
                if self.k.accesses[*access].strides[axis] == Stride::Other)
        })
    }

    /// The last two axes in tiles of `TILE_ROWS` × `TILE_COLS`, each walked row by row
    /// with the innermost axis in vectors. A transposed operand then reads a few cache
    /// lines of each of `TILE_COLS` of its rows per tile, and the tile's pages stay in
    /// the TLB, where whole rows touch one page per element (4000 × 2500 f64 `x.T + 1`:
    /// 29 → 12 ms; 32 × 128 against 16–64 × 32–512 measured here, 2026-12-01).
    fn tiles(&mut self, plan: &VectorPlan, bases: &[Value]) -> Result<(), Unsupported> {
        const TILE_ROWS: i64 = 32;
        const TILE_COLS: i64 = 128;
        let (rows, cols) = (self.k.rank - 2, self.k.rank - 1);
        let (lo, hi) = self.bounds(rows);
        let n = self.dims[cols];
        self.for_loop_step(lo, hi, TILE_ROWS, |e, i0| {
            let i1 = e.b.ins().iadd_imm_s(i0, TILE_ROWS);
            let i1 = e.b.ins().smin(i1, hi);
            let zero = e.b.ins().iconst(types::I64, 0);
            e.for_loop_step(zero, n, TILE_COLS, |e, j0| {
                let j1 = e.b.ins().iadd_imm_s(j0, TILE_COLS);
                let j1 = e.b.ins().smin(j1, n);
                e.for_loop(i0, i1, |e, i| {
                    e.prefetch_columns(bases, i, j0, j1);
                    let addrs = e.advance(bases, rows, i);
                    e.vector_span(plan, &addrs, j0, j1)
                })
            })
        })
    }

    /// The innermost axis in vectors of `plan.lanes`, unrolled, then single vectors
    /// (`single_vectors`), then a scalar tail.
    fn vector_inner(&mut self, plan: &VectorPlan, bases: &[Value]) -> Result<(), Unsupported> {
        let (lo, hi) = self.bounds(self.k.rank - 1);
        self.vector_span(plan, bases, lo, hi)
    }

    /// Positions [lo, hi) of the innermost axis in vectors, unrolled, then single
    /// vectors (`single_vectors`), then a scalar tail.
    fn vector_span(
        &mut self,
        plan: &VectorPlan,
        bases: &[Value],
        lo: Value,
        hi: Value,
    ) -> Result<(), Unsupported> {
        let saved = vector::hoist_row_splats(self, plan);
        self.vector_span_loops(plan, bases, lo, hi)?;
        vector::restore_row_splats(self, saved);
        Ok(())
    }

    fn vector_span_loops(
        &mut self,
        plan: &VectorPlan,
        bases: &[Value],
        lo: Value,
        hi: Value,
    ) -> Result<(), Unsupported> {
        let axis = self.k.rank - 1;
        let step = (plan.lanes * plan.unroll) as i64;
        // Vector part: i in [lo, vec_end), the whole vectors: unrolled steps, then
        // single vectors in the last page (`single_vectors`), then the scalar tail.
        let single = single_vectors(self.k, plan);
        let n = self.b.ins().isub(hi, lo);
        let whole = self.steps_within(n, single.as_ref().map_or(step, |p| p.lanes as i64));
        let vec_end = self.b.ins().iadd(lo, whole);
        // Without single vectors, [from, to) is whole steps already.
        let steps = |e: &mut Self, from: Value, to: Value| {
            let mid = match &single {
                Some(_) => {
                    let span = e.b.ins().isub(to, from);
                    let unrolled = e.steps_within(span, step);
                    e.b.ins().iadd(from, unrolled)
                }
                None => to,
            };
            e.for_loop_step(from, mid, step, |e, i| {
                let addrs = e.advance(bases, axis, i);
                vector::emit_unrolled(e, plan, &addrs)
            })?;
            match &single {
                Some(single) => e.for_loop_step(mid, to, single.lanes as i64, |e, i| {
                    let addrs = e.advance(bases, axis, i);
                    vector::emit_unrolled(e, single, &addrs)
                }),
                None => Ok(()),
            }
        };
        let streams = self.streams(axis);
        if streams.is_empty() && self.prefetch_next.is_none() {
            steps(self, lo, vec_end)?;
        } else {
            // Page by page, each priming the next one's prefetch (and fetching the
            // same page of the next row).
            let page = whole_steps(PRIME_BYTES / self.widest(&streams, plan), step);
            let last = self.b.ins().iadd_imm_s(hi, -1);
            self.for_loop_step(lo, vec_end, page, |e, p| {
                let p_end = e.b.ins().iadd_imm_s(p, page);
                let p_end = e.b.ins().smin(p_end, vec_end);
                if !streams.is_empty() {
                    e.prime(&streams, bases, p_end, false, last);
                }
                if let Some(helper) = e.prefetch_next {
                    e.prefetch_next_row(helper, bases, p, page);
                }
                steps(e, p, p_end)
            })?;
        }
        // Scalar tail.
        self.for_loop(vec_end, hi, |e, i| {
            let addrs = e.advance(bases, axis, i);
            e.store_point(&addrs)
        })
    }

    /// The loads that read consecutive elements along loop axis `axis` (the input
    /// streams) of the current pass, when it computes a transcendental: the loops that
    /// do enough arithmetic per byte for the hardware prefetcher to fall behind
    /// (`prime`). A memory-bound loop keeps it busy on its own, and touches there only
    /// cost: a sum over 100M f32 took 16 -> 24 ms with them.
    fn streams(&self, axis: usize) -> Vec<usize> {
        if !self.computes_function() {
            return Vec::new();
        }
        self.loads_where(true, |st| st[axis] == Stride::Unit)
    }

    /// The element size in bytes of the widest of `streams` (the plan's without any):
    /// a page of that stream spans the fewest elements, so priming once per that many
    /// elements reaches every page of every stream (an f64 stream of a split f32 plan,
    /// an i64 one of an f32 plan, primed by the plan's element size, missed every other
    /// page).
    fn widest(&self, streams: &[usize], plan: &VectorPlan) -> i64 {
        streams
            .iter()
            .map(|&a| Self::elem_bytes(self.k.args[self.k.accesses[a].arg].dtype))
            .max()
            .unwrap_or_else(|| Self::elem_bytes(plan.dtype))
    }

    /// The accesses the kernel loads through (only those the current pass needs, with
    /// `needed_only`) whose strides pass `keep`, sorted, each once.
    fn loads_where(&self, needed_only: bool, keep: impl Fn(&[Stride]) -> bool) -> Vec<usize> {
        let mut loads: Vec<usize> = self
            .k
            .instrs
            .iter()
            .enumerate()
            .filter_map(|(i, (instr, _))| match instr {
                Instr::Load { access }
                    if (!needed_only || self.needed[i])
                        && keep(&self.k.accesses[*access].strides) =>
                {
                    Some(*access)
                }
                _ => None,
            })
            .collect();
        loads.sort_unstable();
        loads.dedup();
        loads
    }

    /// Prefetch elements [j, j + n) of the innermost axis, for every stream the kernel
    /// reads along it, at the same point of the next row or chunk, with `helper` (the
    /// pass's `prefetch_next`). A row kernel (one reduced axis, the last): the next
    /// row, one step along the last kept axis (past the last row this asks for lines
    /// the kernel never reads, which is harmless), into L2 from a second reduction pass
    /// (softmax's exp and sum, var's deviations), whose row and stashed values already
    /// fill a 32 KiB L1 (a 4096-long f32 row and its stashed exp are 32 KiB), so that a
    /// fetch into L1 evicted what the pass had yet to read (docs/architecture.md,
    /// *Fetching the next row*; a row's store pass, which fetched the next row into L1,
    /// now runs inside the next row's last pass, `Carry`). A full reduction whose
    /// second pass re-reads its chunk from L1 (var): the next chunk, `end - begin`
    /// steps further along the chunked axis, the chunk a thread usually runs next
    /// (rayon hands each thread a run of neighbouring chunks), into L2. Memory keeps
    /// streaming while the pass runs.
    fn prefetch_next_row(&mut self, helper: FuncRef, bases: &[Value], j: Value, n: i64) {
        let rank = self.k.rank;
        // The axis to step along and how far (None: one step).
        let (axis, steps) = if self.k.reduced == rank {
            let len = self.b.ins().isub(self.end, self.begin);
            (self.chunked, Some(len))
        } else if self.k.reduced == 1 && rank >= 2 {
            (rank - 2, None)
        } else {
            return;
        };
        let streams = self.loads_where(false, |st| {
            st[rank - 1] == Stride::Unit && st[axis] != Stride::Zero
        });
        for a in streams {
            let base = bases[a];
            let next = match (self.k.accesses[a].strides[axis], steps) {
                (Stride::Unit, None) => self.b.ins().iadd_imm_s(base, 1),
                (_, None) => self.b.ins().iadd(base, self.strides[a][axis]),
                (Stride::Unit, Some(len)) => self.b.ins().iadd(base, len),
                (_, Some(len)) => {
                    let ahead = self.b.ins().imul(len, self.strides[a][axis]);
                    self.b.ins().iadd(base, ahead)
                }
            };
            let at = self.b.ins().iadd(next, j);
            let p = self.address(a, at);
            let bytes = n * Self::elem_bytes(self.k.args[self.k.accesses[a].arg].dtype);
            let bytes = self.b.ins().iconst(types::I64, bytes);
            self.b.ins().call(helper, &[p, bytes]);
        }
    }

    /// Whether the values this pass needs include a transcendental function.
    pub(super) fn computes_function(&self) -> bool {
        self.any_function(&self.needed)
    }

    /// Whether the instructions marked in `needed` include a transcendental function.
    fn any_function(&self, needed: &[bool]) -> bool {
        (0..self.k.instrs.len()).any(|i| needed[i] && vector::is_function(&self.k.instrs[i].0))
    }

    /// Touch `PRIME_LINES` cache lines of every stream (`streams`: loads that move by
    /// one element along the loop axis, so element j of the loop is `bases[a] + j`)
    /// from loop position `at` (with `page_ahead`, from a page of that stream's elements
    /// past `at`), clamped to `last`, the loop's last position: every
    /// address touched is one the loop reads. Cranelift has no prefetch instruction,
    /// so these are plain loads whose values go unused (a load that may trap is never
    /// removed). Why: on the machine of docs/benchmarks.md the hardware prefetcher
    /// falls behind a loop that does much arithmetic per byte, whose reads then wait on
    /// memory each time they enter a new page; a touch a page ahead starts the
    /// prefetcher there in time. Over 4096² f32 (2026-12-02, alternating A/B): exp
    /// 9.3 -> 6.5 ms, log 18.5 -> 11.4, tanh 11.6 -> 7.6, a row sum of exp 15.4 -> 8.3.
    /// Touching whole pages instead cost chain 24%: each touch that misses holds up
    /// retirement.
    fn prime(
        &mut self,
        streams: &[usize],
        bases: &[Value],
        at: Value,
        page_ahead: bool,
        last: Value,
    ) {
        for &a in streams {
            let bytes = Self::elem_bytes(self.k.args[self.k.accesses[a].arg].dtype);
            let (line, from) = (64 / bytes, page_ahead as i64 * (PRIME_BYTES / bytes));
            for l in 0..PRIME_LINES {
                let j = self.b.ins().iadd_imm_s(at, from + l * line);
                let j = self.b.ins().smin(j, last);
                let addr = self.b.ins().iadd(bases[a], j);
                let p = self.address(a, addr);
                self.b.ins().load(types::I8, MemFlagsData::new(), p, 0);
            }
        }
    }

    // ---- reductions -------------------------------------------------------------

    /// The kernel's vector plan, if it has one and the host allows vectors.
    fn vector_plan(&self) -> Option<VectorPlan> {
        self.vectors.then(|| vector::plan(self.k)).flatten()
    }

    fn acc_type(&self, op: ReduceOp, dtype: DType) -> Result<Type, Unsupported> {
        Ok(match op {
            ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Mean | ReduceOp::Var
                if dtype.is_real_floating() =>
            {
                types::F64
            }
            ReduceOp::Any | ReduceOp::All => types::I8,
            _ => clif_type(dtype)?,
        })
    }

    fn emit_reduction(&mut self) -> Result<(), Unsupported> {
        for r in &self.k.reductions {
            let dtype = self.k.dtype(r.value);
            if dtype.is_complex() {
                return Err(unsupported(format!("{} of {dtype}", r.op.name())));
            }
        }
        if let Some(plan) = self.vectors.then(|| vector::column_plan(self.k)).flatten() {
            return self.emit_columns(&plan);
        }
        let kept = self.k.rank - self.k.reduced;
        let bases = self.root_bases();
        self.carry = if self.carries(kept) {
            Some(self.new_carry()?)
        } else {
            None
        };
        self.nest(0, kept, bases, &mut |e, addrs| e.reduce_point(kept, addrs))?;
        if self.carry.is_some() {
            self.carried_store(None)?;
            self.carry = None;
        }
        Ok(())
    }

    /// Whether a reduction kernel defers its store pass by one row (`Carry`): a row
    /// kernel (one reduced axis, the last, at least one kept) in vectors, with a store
    /// pass.
    fn carries(&self, kept: usize) -> bool {
        kept >= 1
            && self.k.reduced == 1
            && self.vector_plan().is_some()
            && self.k.stores.iter().any(|s| s.phase.is_none())
    }

    fn new_carry(&mut self) -> Result<Carry, Unsupported> {
        let bases = (0..self.k.accesses.len())
            .map(|_| self.b.declare_var(types::I64))
            .collect();
        let mut values = Vec::new();
        for r in &self.k.reductions {
            let ty = clif_type(self.k.args[self.k.accesses[r.access].arg].dtype)?;
            values.push(self.b.declare_var(ty));
        }
        let pending = self.b.declare_var(types::I8);
        let no = self.b.ins().iconst(types::I8, 0);
        self.b.def_var(pending, no);
        Ok(Carry {
            bases,
            values,
            pending,
        })
    }

    /// The previous row's store pass, if one waits: at position `at` of the reduced
    /// axis (`Some((plan, i, vector))`: the vectors at i, or the element at i), or the
    /// whole row (`None`, after the last row of the chunk).
    fn carried_store(&mut self, at: Option<(&VectorPlan, Value, bool)>) -> Result<(), Unsupported> {
        let carry = self.carry.clone().expect("a carrying kernel");
        let go = self.b.create_block();
        let done = self.b.create_block();
        let waits = self.b.use_var(carry.pending);
        self.b.ins().brif(waits, go, &[], done, &[]);
        self.b.switch_to_block(go);
        let bases: Vec<Value> = carry.bases.iter().map(|&v| self.b.use_var(v)).collect();
        let values = carry
            .values
            .iter()
            .map(|&v| Some(self.b.use_var(v)))
            .collect();
        let needed = self.store_needed();
        let saved_values = std::mem::replace(&mut self.row_values, values);
        let saved_needed = std::mem::replace(&mut self.needed, needed);
        let saved_splats = std::mem::take(&mut self.row_splats);
        let saved_prefetch = self.prefetch_next.take();
        let axis = self.k.rank - 1;
        let result = match at {
            Some((plan, i, true)) => {
                let addrs = self.advance(&bases, axis, i);
                vector::emit_unrolled(self, plan, &addrs)
            }
            Some((_, i, false)) => {
                let addrs = self.advance(&bases, axis, i);
                self.store_point(&addrs)
            }
            None => {
                let plan = self.vector_plan().expect("a carrying kernel is vectorised");
                self.vector_inner(&plan, &bases)
            }
        };
        self.row_values = saved_values;
        self.needed = saved_needed;
        self.row_splats = saved_splats;
        self.prefetch_next = saved_prefetch;
        result?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// The instructions the store pass (the stores of no phase) needs.
    fn store_needed(&self) -> Vec<bool> {
        self.needs(
            self.k
                .stores
                .iter()
                .filter(|s| s.phase.is_none())
                .map(|s| s.value),
        )
    }

    /// Whether the store pass (the stores of no phase) computes a transcendental.
    fn store_computes_function(&self) -> bool {
        self.any_function(&self.store_needed())
    }

    /// Hand this row's store pass to the next row (`Carry`).
    fn defer_store(&mut self, bases: &[Value]) {
        let carry = self.carry.clone().expect("a carrying kernel");
        for (&v, &x) in carry.bases.iter().zip(bases) {
            self.b.def_var(v, x);
        }
        for (r, &v) in carry.values.iter().enumerate() {
            let x = self.row_values[r].expect("every phase is finished");
            self.b.def_var(v, x);
        }
        let yes = self.b.ins().iconst(types::I8, 1);
        self.b.def_var(carry.pending, yes);
    }

    /// All kept indices fixed: reduce over the trailing axes, phase by phase (a
    /// row-local kernel's later phases read earlier results), write the results, then,
    /// if the kernel also stores elementwise values, walk the row once more to store.
    fn reduce_point(&mut self, kept: usize, bases: &[Value]) -> Result<(), Unsupported> {
        let rank = self.k.rank;
        let vplan = self.vector_plan();
        let phases = self
            .k
            .reductions
            .iter()
            .map(|r| r.phase + 1)
            .max()
            .unwrap_or(0);
        // The first pass over the row reads it from memory; the later ones find it in
        // cache (for rows that fit), so the second fetches the next row meanwhile.
        let mut passes = 0;
        for phase in 0..phases {
            let sel: Vec<usize> = (0..self.k.reductions.len())
                .filter(|&i| self.k.reductions[i].phase == phase)
                .collect();
            let stash: Vec<Store> = self
                .k
                .stores
                .iter()
                .filter(|s| s.phase == Some(phase))
                .cloned()
                .collect();
            self.needed = self.needs(
                sel.iter()
                    .map(|&i| self.k.reductions[i].value)
                    .chain(stash.iter().map(|s| s.value)),
            );
            self.stash = stash;
            let accs = self.init_accs(&sel)?;
            // The pass that carries the previous row's store pass (`Carry`) emits that
            // body too, at the pass's unroll: two where either computes a function.
            let carries_here = self.carry.is_some() && phase + 1 == phases;
            let function =
                self.computes_function() || carries_here && self.store_computes_function();
            let pass_plan = vplan.as_ref().map(|p| vector::for_pass(p, function));
            // Pass 1: every reduction (var accumulates its sum here).
            self.prefetch_next = (passes == 1).then_some(self.libcalls.prefetch_l2);
            passes += 1;
            self.carry_now = carries_here;
            let pass = self.first_pass(kept, bases, &accs, pass_plan.as_ref());
            self.carry_now = false;
            pass?;
            // Pass 2 for var: squared deviations from this chunk's (or row's) mean,
            // over data that pass 1 just brought into cache.
            if accs
                .iter()
                .any(|a| self.k.reductions[a.r].op == ReduceOp::Var)
            {
                // The centre of the deviations: the f64 mean, or, when the vector
                // lanes are f32, that mean rounded to f32, so that the vector part and
                // the scalar tail take their deviations from one value.
                let f32_lanes = pass_plan.as_ref().is_some_and(|p| p.dtype == DType::F32);
                let means: Vec<Option<(Value, Value)>> = accs
                    .iter()
                    .map(|acc| {
                        (self.k.reductions[acc.r].op == ReduceOp::Var).then(|| {
                            let mean = self.mean_of(acc);
                            let centre = if f32_lanes {
                                let m = self.b.ins().fdemote(types::F32, mean);
                                self.b.ins().fpromote(types::F64, m)
                            } else {
                                mean
                            };
                            (mean, centre)
                        })
                    })
                    .collect();
                let centres: Vec<Option<Value>> = means.iter().map(|m| m.map(|m| m.1)).collect();
                self.prefetch_next = (passes == 1).then_some(self.libcalls.prefetch_l2);
                passes += 1;
                self.reduce_pass(kept, bases, &accs, Some(&centres), pass_plan.as_ref())?;
                for (acc, m) in accs.iter().zip(&means) {
                    if let Some((mean, centre)) = *m {
                        self.correct_m2(acc);
                        self.recentre_residual(acc, mean, centre);
                    }
                }
            }
            if kept == 0 {
                self.write_partials(&accs)?;
            } else {
                self.finish_accs(&accs, bases)?;
            }
        }
        self.stash = Vec::new();
        self.prefetch_next = None;
        if self.carry.is_some() {
            self.defer_store(bases);
        } else if self.k.stores.iter().any(|s| s.phase.is_none()) {
            self.needed = self.store_needed();
            // A full reduction's store pass fetches its next chunk into L2, as its
            // reduction passes do. (A vector row kernel's store pass is deferred into
            // the next row's last pass, `Carry`, and fetches nothing.)
            self.prefetch_next =
                (passes == 1 && self.k.reduced == rank).then_some(self.libcalls.prefetch_l2);
            match &vplan {
                Some(plan) => self.nest(kept, rank - 1, bases.to_vec(), &mut |e, addrs| {
                    e.vector_inner(plan, addrs)
                })?,
                None => self.nest(kept, rank, bases.to_vec(), &mut |e, addrs| {
                    e.store_point(addrs)
                })?,
            }
            self.prefetch_next = None;
        }
        Ok(())
    }

    /// Pass 1 over the reduced axes. With float products, the fast way first
    /// (`FastProducts`), and where a factor turns out to be out of bounds, the whole
    /// pass again the exact way (its stashed values are written again, the same; the
    /// previous row's carried store pass is not run again).
    fn first_pass(
        &mut self,
        kept: usize,
        bases: &[Value],
        accs: &[Acc],
        plan: Option<&VectorPlan>,
    ) -> Result<(), Unsupported> {
        let products: Vec<DType> = accs
            .iter()
            .map(|acc| &self.k.reductions[acc.r])
            .filter(|r| r.op == ReduceOp::Prod && self.k.dtype(r.value).is_real_floating())
            .map(|r| self.k.dtype(r.value))
            .collect();
        if products.is_empty() {
            return self.reduce_pass(kept, bases, accs, None, plan);
        }
        let fast = FastProducts::new(self.b, plan.map(|p| p.fty.as_int()), false);
        self.fast_products = Some(fast);
        let pass = self.reduce_pass(kept, bases, accs, None, plan);
        self.fast_products = None;
        pass?;
        // f32 products have no bounds to check (`F32_PRODUCT_RUN`) and no vector
        // lanes (`vector::plan`).
        if plan.is_none() && products.iter().all(|&d| d == DType::F32) {
            return Ok(());
        }
        self.unless_all_fit(fast, |e| {
            e.reset_accs(accs);
            // The fast pass ran to its end, so the previous row's carried store pass
            // is done: run again, it would read back values that pass already
            // replaced (a stashed exponential divided twice by its row's product).
            let carry_now = std::mem::replace(&mut e.carry_now, false);
            let pass = e.reduce_pass(kept, bases, accs, None, plan);
            e.carry_now = carry_now;
            pass
        })
    }

    /// `again` (the exact way), as cold code run where one of a fast product's
    /// factors failed its bounds (`FastProducts::all_fit`).
    pub(super) fn unless_all_fit(
        &mut self,
        fast: FastProducts,
        again: impl FnOnce(&mut Self) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let fine = fast.all_fit(self.b);
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, fine, 0);
        self.when(failed, true, again)
    }

    /// `body` where the i8 `cond` is nonzero (`cold`: rarely), then on.
    pub(super) fn when(
        &mut self,
        cond: Value,
        cold: bool,
        body: impl FnOnce(&mut Self) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let then = self.b.create_block();
        let done = self.b.create_block();
        if cold {
            self.b.set_cold_block(then);
        }
        self.b.ins().brif(cond, then, &[], done, &[]);
        self.b.switch_to_block(then);
        body(self)?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// Whether each lane of `x` (f32 or f64, scalar or vector) lies in the bounds of a
    /// fast product's factors (`FastProducts`): false for 0, inf and NaN. The bounds
    /// are powers of two, exact in f32.
    pub(super) fn in_product_bounds(&mut self, x: Value) -> Value {
        let ty = self.b.func.dfg.value_type(x);
        let t = self.b.ins().fabs(x);
        let (mut hi, mut lo) = if ty.lane_type() == types::F32 {
            (
                self.b.ins().f32const(PRODUCT_BOUND as f32),
                self.b.ins().f32const((1.0 / PRODUCT_BOUND) as f32),
            )
        } else {
            (
                self.b.ins().f64const(PRODUCT_BOUND),
                self.b.ins().f64const(1.0 / PRODUCT_BOUND),
            )
        };
        if ty.is_vector() {
            hi = splat(self.b, ty, hi);
            lo = splat(self.b, ty, lo);
        }
        let below = self.b.ins().fcmp(FloatCC::LessThanOrEqual, t, hi);
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, t, lo);
        self.b.ins().band(below, above)
    }

    /// One pass over the reduced axes: pass 1 (`means` None) accumulates every
    /// reduction; pass 2 accumulates var's squared deviations.
    fn reduce_pass(
        &mut self,
        kept: usize,
        bases: &[Value],
        accs: &[Acc],
        means: Option<&[Option<Value>]>,
        vplan: Option<&VectorPlan>,
    ) -> Result<(), Unsupported> {
        let rank = self.k.rank;
        match vplan {
            Some(plan) => self.nest(kept, rank - 1, bases.to_vec(), &mut |e, addrs| {
                e.vector_reduce_row(plan, accs, means, addrs)
            }),
            None => self.nest(kept, rank, bases.to_vec(), &mut |e, addrs| {
                let vals = e.body(addrs)?;
                if means.is_none() {
                    e.stash_point(addrs, &vals);
                }
                e.accumulate_point(accs, &vals, means)
            }),
        }
    }

    /// Stores of this phase (values the final pass reads back), at one point.
    fn stash_point(&mut self, addrs: &[Value], vals: &[Value]) {
        for st in self.stash.clone() {
            self.store(st.access, addrs[st.access], vals[st.value.0 as usize]);
        }
    }

    fn accumulate_point(
        &mut self,
        accs: &[Acc],
        vals: &[Value],
        means: Option<&[Option<Value>]>,
    ) -> Result<(), Unsupported> {
        match means {
            None => self.accumulate(accs, vals),
            Some(means) => {
                for (acc, mean) in accs.iter().zip(means) {
                    let r = &self.k.reductions[acc.r];
                    if let Some(mean) = mean {
                        let x = self.widen_f64(self.k.dtype(r.value), vals[r.value.0 as usize]);
                        let d = self.b.ins().fsub(x, *mean);
                        let res = self.b.use_var(acc.residual);
                        let res = self.b.ins().fadd(res, d);
                        self.b.def_var(acc.residual, res);
                        let sq = self.b.ins().fmul(d, d);
                        let m2 = self.b.use_var(acc.b);
                        let m2 = self.b.ins().fadd(m2, sq);
                        self.b.def_var(acc.b, m2);
                    }
                }
                Ok(())
            }
        }
    }

    /// The innermost reduced axis in vectors: `plan.unroll` vector accumulators per
    /// reduction, flushed into the f64 accumulator every `BLOCK` elements (so each
    /// lane adds at most BLOCK / (lanes·unroll) terms in the input precision: blocked,
    /// near-pairwise accuracy), then single vectors, each flushed at once
    /// (`single_vectors`), then a scalar tail.
    fn vector_reduce_row(
        &mut self,
        plan: &VectorPlan,
        accs: &[Acc],
        means: Option<&[Option<Value>]>,
        bases: &[Value],
    ) -> Result<(), Unsupported> {
        let saved = vector::hoist_row_splats(self, plan);
        self.vector_reduce_row_loops(plan, accs, means, bases)?;
        vector::restore_row_splats(self, saved);
        Ok(())
    }

    fn vector_reduce_row_loops(
        &mut self,
        plan: &VectorPlan,
        accs: &[Acc],
        means: Option<&[Option<Value>]>,
        bases: &[Value],
    ) -> Result<(), Unsupported> {
        const BLOCK: i64 = 256;
        let axis = self.k.rank - 1;
        let (lo, hi) = self.bounds(axis);
        let step = (plan.lanes * plan.unroll) as i64;
        // A fast product's lanes take BLOCK / step factors between flushes.
        debug_assert!(self.fast_products.is_none() || BLOCK / step <= PRODUCT_RUN);
        // Whole vectors up to `vec_end`: unrolled steps, then single vectors in the
        // last block (`single_vectors`), then the scalar tail.
        let single = single_vectors(self.k, plan);
        let n = self.b.ins().isub(hi, lo);
        let whole = self.steps_within(n, step);
        let step_end = self.b.ins().iadd(lo, whole);
        let vec_end = match &single {
            Some(p) => {
                let whole = self.steps_within(n, p.lanes as i64);
                self.b.ins().iadd(lo, whole)
            }
            None => step_end,
        };
        // Vector accumulators, one set per reduction.
        // Any/all: lane masks, integer lanes of the plan's width.
        let vaccs: Vec<Vec<Variable>> = accs
            .iter()
            .map(|acc| {
                let ty = if vector::is_logic(self.k.reductions[acc.r].op) {
                    plan.fty.as_int()
                } else {
                    plan.fty
                };
                (0..plan.unroll).map(|_| self.b.declare_var(ty)).collect()
            })
            .collect();
        // Products the exact way: each lane's exponent beside its value
        // (`math::product`). The fast way (`FastProducts`) has none: its lanes hold
        // plain products.
        let exact = self.fast_products.is_none();
        let vexps: Vec<Option<Vec<Variable>>> = accs
            .iter()
            .map(|acc| {
                let prod = self.k.reductions[acc.r].op == ReduceOp::Prod;
                (prod && means.is_none() && exact).then(|| {
                    (0..plan.unroll)
                        .map(|_| self.b.declare_var(plan.fty.as_int()))
                        .collect()
                })
            })
            .collect();
        // Argmax/argmin: the vector lanes keep the block's extreme only (NaNs aside);
        // `arg_block` finds where it is.
        let is_arg: Vec<bool> = accs
            .iter()
            .map(|acc| {
                let op = self.k.reductions[acc.r].op;
                means.is_none() && matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin)
            })
            .collect();
        // Integer lanes (sums, max, min, argmax, argmin): exact, no NaNs to track.
        let integers = vector::is_integer(plan.dtype);
        // Max/min (argmax/argmin: per block): a lane mask of NaNs seen, one per
        // reduction (see `lane_extreme`).
        let nans: Vec<Option<Variable>> = accs
            .iter()
            .map(|acc| {
                let r = &self.k.reductions[acc.r];
                let extreme = matches!(
                    r.op,
                    ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
                );
                (means.is_none() && extreme && !integers).then(|| {
                    let v = self.b.declare_var(plan.fty);
                    let zero = self.vconst(plan, 0.0);
                    self.b.def_var(v, zero);
                    v
                })
            })
            .collect();
        let reset = |e: &mut Self, per_block_only: bool| {
            for (((acc, vs), nan), exps) in accs.iter().zip(&vaccs).zip(&nans).zip(&vexps) {
                let r = &e.k.reductions[acc.r];
                let per_block = matches!(
                    r.op,
                    ReduceOp::Sum
                        | ReduceOp::Prod
                        | ReduceOp::Mean
                        | ReduceOp::Var
                        | ReduceOp::ArgMax
                        | ReduceOp::ArgMin
                ) || means.is_some();
                if per_block_only && !per_block {
                    continue;
                }
                let init = match (r.op, means.is_some()) {
                    (ReduceOp::Max | ReduceOp::ArgMax, false) => f64::NEG_INFINITY,
                    (ReduceOp::Min | ReduceOp::ArgMin, false) => f64::INFINITY,
                    (ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Var, false) => -0.0,
                    (ReduceOp::Prod, false) => 1.0,
                    _ => 0.0,
                };
                for &v in vs {
                    let c = if vector::is_logic(r.op) {
                        e.logic_identity(plan.fty.as_int(), r.op)
                    } else if integers {
                        e.int_identity(plan, r.op, e.k.dtype(r.value))
                    } else {
                        e.vconst(plan, init)
                    };
                    e.b.def_var(v, c);
                }
                for &v in exps.iter().flatten() {
                    let zero = e.b.ins().iconst(types::I64, 0);
                    let zero = splat(e.b, plan.fty.as_int(), zero);
                    e.b.def_var(v, zero);
                }
                if let (Some(nan), ReduceOp::ArgMax | ReduceOp::ArgMin) = (nan, r.op) {
                    let zero = e.vconst(plan, 0.0);
                    e.b.def_var(*nan, zero);
                }
            }
        };
        reset(self, false);
        // Var's second pass: lanes of Σ(x - mean) beside those of Σ(x - mean)² (see
        // `correct_m2`).
        let residuals: Vec<Option<Vec<Variable>>> = (0..accs.len())
            .map(|k| {
                means.and_then(|m| m[k]).map(|_| {
                    (0..plan.unroll)
                        .map(|_| self.b.declare_var(plan.fty))
                        .collect()
                })
            })
            .collect();
        let reset_residuals = |e: &mut Self| {
            for &v in residuals.iter().flatten().flatten() {
                let zero = e.vconst(plan, 0.0);
                e.b.def_var(v, zero);
            }
        };
        reset_residuals(self);
        // Var's second pass: each mean as a vector, once per row rather than at every
        // step (kernels compile without Cranelift's loop-invariant code motion).
        let mean_vectors: Vec<Option<Value>> = (0..accs.len())
            .map(|k| {
                means.and_then(|m| m[k]).map(|mean| {
                    let m = self.narrow_f64(plan.dtype, mean);
                    splat(self.b, plan.fty, m)
                })
            })
            .collect();
        // Blocks of BLOCK elements (the last one partial), each a vector loop.
        let block_step = whole_steps(BLOCK, step);
        // The first pass over a row reads it from memory: prime the page ahead of each
        // block (var's second pass re-reads the row from cache).
        let streams = if means.is_none() {
            self.streams(axis)
        } else {
            Vec::new()
        };
        let last = self.b.ins().iadd_imm_s(hi, -1);
        // One step of `plan.unroll` vectors at `i`.
        let reduce_at = |e: &mut Self, plan: &VectorPlan, i: Value| {
            let addrs = e.advance(bases, axis, i);
            let vals = vector::body(e, plan, &addrs)?;
            if means.is_none() {
                let stash = e.stash.clone();
                vector::store_copies(e, plan, &addrs, &stash, &vals);
            }
            for ((acc, vs), k) in accs.iter().zip(&vaccs).zip(0..) {
                let r = &e.k.reductions[acc.r];
                let mean = means.and_then(|m| m[k]);
                if means.is_some() && mean.is_none() {
                    continue;
                }
                for (c, &v) in vs[..plan.unroll].iter().enumerate() {
                    let x = vals[r.value.0 as usize][c];
                    let a = e.b.use_var(v);
                    let next = match (r.op, mean) {
                        (ReduceOp::Any | ReduceOp::All, None) => {
                            let m = vector::nonzero_mask(e, plan, r.value, x);
                            e.any_all(r.op, a, m)
                        }
                        (ReduceOp::Max | ReduceOp::ArgMax, None) if integers => {
                            let unsigned = e.k.dtype(r.value).is_unsigned_integer();
                            vector::int_extreme(e, unsigned, true, a, x)
                        }
                        (ReduceOp::Min | ReduceOp::ArgMin, None) if integers => {
                            let unsigned = e.k.dtype(r.value).is_unsigned_integer();
                            vector::int_extreme(e, unsigned, false, a, x)
                        }
                        (_, None) if integers => e.b.ins().iadd(a, x),
                        (_, Some(_)) => {
                            let m = mean_vectors[k].expect("var has a mean");
                            let d = e.b.ins().fsub(x, m);
                            let res = residuals[k].as_ref().expect("var has residuals")[c];
                            let sum = e.b.use_var(res);
                            let sum = e.b.ins().fadd(sum, d);
                            e.b.def_var(res, sum);
                            // One rounding fewer, and one instruction: kiln's own
                            // accumulation, not a user's multiply and add.
                            e.b.ins().fma(d, d, a)
                        }
                        (ReduceOp::Max | ReduceOp::Min, None) => {
                            e.lane_extreme(r.op == ReduceOp::Max, a, x)
                        }
                        // Which of two equal values (-0 and +0) stays does not
                        // matter: `arg_block` looks for the first element equal
                        // to the block's extreme.
                        (ReduceOp::ArgMax, None) => e.pick_extreme(true, x, a),
                        (ReduceOp::ArgMin, None) => e.pick_extreme(false, x, a),
                        (ReduceOp::Prod, None) => match &vexps[k] {
                            Some(exps) => {
                                let ex = e.b.use_var(exps[c]);
                                let (m, ex) = e.product_step(a, ex, x);
                                e.b.def_var(exps[c], ex);
                                m
                            }
                            None => {
                                let fast = e.fast_products.expect("a fast pass");
                                let fits = e.in_product_bounds(x);
                                fast.record(e.b, fits);
                                e.b.ins().fmul(a, x)
                            }
                        },
                        _ => e.b.ins().fadd(a, x),
                    };
                    e.b.def_var(v, next);
                }
                if let Some(nan) = nans[k] {
                    let mut seen = e.b.use_var(nan);
                    for &x in &vals[r.value.0 as usize][..plan.unroll] {
                        let unordered = e.b.ins().fcmp(FloatCC::Unordered, x, x);
                        let unordered = bitcast(e.b, plan.fty, unordered);
                        seen = e.b.ins().bor(seen, unordered);
                    }
                    e.b.def_var(nan, seen);
                }
            }
            if e.carry_now {
                e.carried_store(Some((plan, i, true)))?;
            }
            Ok(())
        };
        // Flush the sums of the block [j, j_end) into the f64 accumulators, and the
        // best of argmax/argmin's lanes into its scalar state.
        let flush = |e: &mut Self, plan: &VectorPlan, j: Value, j_end: Value| {
            let done = e.b.ins().isub(j_end, j);
            for ((acc, vs), k) in accs.iter().zip(&vaccs).zip(0..) {
                let vs = &vs[..plan.unroll];
                let r = &e.k.reductions[acc.r];
                if is_arg[k] {
                    e.arg_block(plan, acc, vs, nans[k], bases, j, j_end)?;
                }
                let sum_like = matches!(r.op, ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Var);
                if integers && sum_like {
                    // Wrapping adds: the lanes' total is the scalar loop's, bit for bit.
                    e.fold_lanes(plan, vs, acc.a, |b, a, x| b.ins().iadd(a, x));
                } else if means.is_none() && sum_like {
                    let total = e.hsum_f64(plan, vs);
                    let a = e.b.use_var(acc.a);
                    let a = e.b.ins().fadd(a, total);
                    e.b.def_var(acc.a, a);
                } else if means.is_none() && r.op == ReduceOp::Prod {
                    // The block's lanes (f64: `vector::plan`) into the row's product.
                    // (Not in var's second pass, where a product beside it has no
                    // lanes: they had been multiplied in as zeros.)
                    let mut a = (e.b.use_var(acc.a), e.b.use_var(acc.b));
                    for (c, &v) in vs.iter().enumerate() {
                        let v = e.b.use_var(v);
                        // (Fast: each lane's plain product, its exponent 0.)
                        let ev = vexps[k].as_ref().map(|exps| e.b.use_var(exps[c]));
                        for lane in 0..plan.lanes {
                            let m = e.b.ins().extractlane(v, lane as u8);
                            let x = match ev {
                                Some(ev) => e.b.ins().extractlane(ev, lane as u8),
                                None => e.b.ins().iconst(types::I64, 0),
                            };
                            a = e.product_join(a, (m, x));
                        }
                    }
                    e.b.def_var(acc.a, a.0);
                    e.b.def_var(acc.b, a.1);
                } else if means.is_some() && r.op == ReduceOp::Var {
                    let total = e.hsum_f64(plan, vs);
                    let m2 = e.b.use_var(acc.b);
                    let m2 = e.b.ins().fadd(m2, total);
                    e.b.def_var(acc.b, m2);
                    if let Some(res) = &residuals[k] {
                        let total = e.hsum_f64(plan, &res[..plan.unroll]);
                        let r = e.b.use_var(acc.residual);
                        let r = e.b.ins().fadd(r, total);
                        e.b.def_var(acc.residual, r);
                    }
                }
                if means.is_none() {
                    let c = e.b.use_var(acc.count);
                    let c = e.b.ins().iadd(c, done);
                    e.b.def_var(acc.count, c);
                }
            }
            reset(e, true);
            reset_residuals(e);
            Ok(())
        };
        self.for_loop_step(lo, step_end, block_step, |e, j| {
            let j_end = e.b.ins().iadd_imm_s(j, block_step);
            let j_end = e.b.ins().smin(j_end, step_end);
            if !streams.is_empty() {
                e.prime(&streams, bases, j, true, last);
            }
            if let Some(helper) = e.prefetch_next {
                e.prefetch_next_row(helper, bases, j, block_step);
            }
            e.for_loop_step(j, j_end, step, |e, i| reduce_at(e, plan, i))?;
            flush(e, plan, j, j_end)
        })?;
        // The whole vectors past the last step, each a block of its own, flushed at
        // once: the unrolled steps' lanes keep their layout (a vector's lanes meet
        // only the same lanes of every `unroll`-th vector before their f64 sum).
        if let Some(single) = &single {
            let lanes = single.lanes as i64;
            self.for_loop_step(step_end, vec_end, lanes, |e, j| {
                let j_end = e.b.ins().iadd_imm_s(j, lanes);
                reduce_at(e, single, j)?;
                flush(e, single, j, j_end)
            })?;
        }
        // The folds of the lanes into the scalar accumulators, over the first `copies`
        // accumulators (the others hold identities).
        let fold_copies = |e: &mut Self, copies: usize| -> Result<(), Unsupported> {
            // Any/all: fold the lane masks into the scalar accumulator (a bool byte).
            for (acc, vs) in accs.iter().zip(&vaccs) {
                let vs = &vs[..copies];
                let op = e.k.reductions[acc.r].op;
                if means.is_some() || !vector::is_logic(op) {
                    continue;
                }
                let mut m = e.b.use_var(vs[0]);
                for &v in &vs[1..] {
                    let v = e.b.use_var(v);
                    m = e.any_all(op, m, v);
                }
                let t = if op == ReduceOp::Any {
                    e.b.ins().vany_true(m)
                } else {
                    e.b.ins().vall_true(m)
                };
                let a = e.b.use_var(acc.a);
                let a = e.any_all(op, a, t);
                e.b.def_var(acc.a, a);
            }
            // Max/min: fold the vector lanes into the scalar accumulator.
            if integers {
                for (acc, vs) in accs.iter().zip(&vaccs) {
                    let vs = &vs[..copies];
                    let r = &e.k.reductions[acc.r];
                    let unsigned = e.k.dtype(r.value).is_unsigned_integer();
                    match (r.op, unsigned) {
                        (ReduceOp::Max, false) => {
                            e.fold_lanes(plan, vs, acc.a, |b, a, x| b.ins().smax(a, x))
                        }
                        (ReduceOp::Max, true) => {
                            e.fold_lanes(plan, vs, acc.a, |b, a, x| b.ins().umax(a, x))
                        }
                        (ReduceOp::Min, false) => {
                            e.fold_lanes(plan, vs, acc.a, |b, a, x| b.ins().smin(a, x))
                        }
                        (ReduceOp::Min, true) => {
                            e.fold_lanes(plan, vs, acc.a, |b, a, x| b.ins().umin(a, x))
                        }
                        _ => {}
                    }
                }
            } else if means.is_none() {
                for ((acc, vs), nan) in accs.iter().zip(&vaccs).zip(&nans) {
                    let vs = &vs[..copies];
                    let r = &e.k.reductions[acc.r];
                    if let (Some(nan), ReduceOp::Max | ReduceOp::Min) = (*nan, r.op) {
                        let mut a = e.b.use_var(acc.a);
                        for &v in vs {
                            let v = e.b.use_var(v);
                            for lane in 0..plan.lanes {
                                let x = e.b.ins().extractlane(v, lane as u8);
                                a = if r.op == ReduceOp::Max {
                                    e.b.ins().fmax(a, x)
                                } else {
                                    e.b.ins().fmin(a, x)
                                };
                            }
                        }
                        // A NaN seen in any lane makes the result NaN (the lanes' values
                        // are then meaningless).
                        let seen = e.b.use_var(nan);
                        let seen = bitcast(e.b, plan.fty.as_int(), seen);
                        let any = e.b.ins().vany_true(seen);
                        let nan = e.ops_constant(plan.dtype, kiln_ir::Scalar::Float(f64::NAN))?;
                        let a = e.b.ins().select(any, nan, a);
                        e.b.def_var(acc.a, a);
                    }
                }
            }
            Ok(())
        };
        // Only where a vector ran: a row shorter than one vector holds identities
        // there (its folds had cost each row of a [3.3M, 3] f32 max sixteen scalar
        // NaN-aware maxima), and a row that ran single vectors only folds their one
        // accumulator.
        let ran = self.b.ins().icmp(IntCC::SignedGreaterThan, vec_end, lo);
        let fold = self.b.create_block();
        let tail = self.b.create_block();
        self.b.ins().brif(ran, fold, &[], tail, &[]);
        self.b.switch_to_block(fold);
        if single.is_some() {
            let stepped = self.b.ins().icmp(IntCC::SignedGreaterThan, step_end, lo);
            let all = self.b.create_block();
            let first = self.b.create_block();
            self.b.ins().brif(stepped, all, &[], first, &[]);
            self.b.switch_to_block(first);
            fold_copies(self, 1)?;
            self.b.ins().jump(tail, &[]);
            self.b.switch_to_block(all);
        }
        fold_copies(self, plan.unroll)?;
        self.b.ins().jump(tail, &[]);
        self.b.switch_to_block(tail);
        // Scalar tail.
        self.for_loop(vec_end, hi, |e, i| {
            let addrs = e.advance(bases, axis, i);
            let vals = e.body(&addrs)?;
            if means.is_none() {
                e.stash_point(&addrs, &vals);
            }
            e.accumulate_point(accs, &vals, means)?;
            if e.carry_now {
                e.carried_store(Some((plan, i, false)))?;
            }
            Ok(())
        })
    }

    /// One step of a vector max (min) accumulator, NaNs aside: the caller tracks NaNs
    /// in a separate mask, so the chain through `a` is one `maxps`/`maxpd` and one
    /// `and` (Cranelift's NaN-propagating `fmax` is eight dependent instructions, and
    /// made f64 max 3.5× slower than summing, measured here on 2026-12-01).
    /// x86's max(p, q) is `p > q ? p : q`, so of two equal values it returns the
    /// second: taking it both ways round and combining the bits gives +0 for max(-0,
    /// +0) (`and`) and -0 for min (`or`), as the interpreter does; for unequal values
    /// both ways agree. (Cranelift matches `bitselect(p < q, q, p)`-style selects to
    /// single `maxp*`/`minp*` instructions.)
    pub(super) fn lane_extreme(&mut self, max: bool, a: Value, x: Value) -> Value {
        let one = self.pick_extreme(max, x, a);
        let other = self.pick_extreme(max, a, x);
        if max {
            self.b.ins().band(one, other)
        } else {
            self.b.ins().bor(one, other)
        }
    }

    /// max: `p > q ? p : q` (min: `p < q ? p : q`), lane by lane or on scalars: one
    /// `maxp*`/`minp*` (`maxs*`/`mins*`); q where either is NaN or they are equal.
    fn pick_extreme(&mut self, max: bool, p: Value, q: Value) -> Value {
        let ty = self.b.func.dfg.value_type(p);
        let cond = if max {
            self.b.ins().fcmp(FloatCC::LessThan, q, p)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, p, q)
        };
        if !ty.is_vector() {
            return self.b.ins().select(cond, p, q);
        }
        let cond = bitcast(self.b, ty, cond);
        self.b.ins().bitselect(cond, p, q)
    }

    /// Fold one block of argmax (argmin) into its scalar state (best value, index,
    /// and the count of elements before the block). The vector lanes (`vs`) hold the
    /// block's extreme, NaNs aside, and `nan` the lanes that saw a NaN. The block wins
    /// when the state is not NaN and either the block holds a NaN, or the state is
    /// empty or the block's extreme beats it strictly; only then is the block (in
    /// cache) walked again, one vector at a time, for the first NaN or the first
    /// element equal to the extreme: the first best overall, as the scalar loop
    /// keeps. Random data makes a new best in few blocks; sorted data in every block,
    /// at the cost of a second walk over cached data.
    #[allow(clippy::too_many_arguments)]
    fn arg_block(
        &mut self,
        plan: &VectorPlan,
        acc: &Acc,
        vs: &[Variable],
        nan: Option<Variable>,
        bases: &[Value],
        j: Value,
        j_end: Value,
    ) -> Result<(), Unsupported> {
        let r = &self.k.reductions[acc.r];
        let max = r.op == ReduceOp::ArgMax;
        // Integer lanes (`nan` None): no NaNs, the extreme by the value dtype's order
        // (8/16-bit values sit in i32 lanes extended by their own signedness, so the
        // dtype's order is the lanes').
        let integers = nan.is_none();
        let unsigned = self.k.dtype(r.value).is_unsigned_integer();
        let pick = |e: &mut Self, p: Value, q: Value| match (integers, max) {
            (true, _) => vector::int_extreme(e, unsigned, max, p, q),
            (false, _) => e.pick_extreme(max, p, q),
        };
        // The block's extreme over copies, then lanes.
        let mut m = self.b.use_var(vs[0]);
        for &v in &vs[1..] {
            let v = self.b.use_var(v);
            m = pick(self, v, m);
        }
        let mut extreme = self.b.ins().extractlane(m, 0);
        for lane in 1..plan.lanes as u8 {
            let x = self.b.ins().extractlane(m, lane);
            extreme = pick(self, x, extreme);
        }
        let ity = plan.fty.as_int();
        let any_nan = match nan {
            Some(nan) => {
                let seen = self.b.use_var(nan);
                let seen = bitcast(self.b, ity, seen);
                self.b.ins().vany_true(seen)
            }
            None => self.b.ins().iconst(types::I8, 0),
        };
        let count = self.b.use_var(acc.count);
        let empty = self.b.ins().icmp_imm_s(IntCC::Equal, count, 0);
        let best = self.b.use_var(acc.a);
        // The state holds an 8/16-bit value at its own width: the lane's low bits.
        let state_ty = self.b.func.dfg.value_type(best);
        let lane_value = extreme;
        let extreme = vector::narrow_from_lane(self, state_ty, extreme);
        let (gt, lt) = if unsigned {
            (IntCC::UnsignedGreaterThan, IntCC::UnsignedLessThan)
        } else {
            (IntCC::SignedGreaterThan, IntCC::SignedLessThan)
        };
        let beats = match (integers, max) {
            (true, true) => self.b.ins().icmp(gt, extreme, best),
            (true, false) => self.b.ins().icmp(lt, extreme, best),
            (false, true) => self.b.ins().fcmp(FloatCC::GreaterThan, extreme, best),
            (false, false) => self.b.ins().fcmp(FloatCC::LessThan, extreme, best),
        };
        let beats = self.b.ins().bor(beats, empty);
        let wins = self.b.ins().bor(beats, any_nan);
        let best_ok = if integers {
            self.b.ins().iconst(types::I8, 1)
        } else {
            self.b.ins().fcmp(FloatCC::Ordered, best, best)
        };
        let wins = self.b.ins().band(wins, best_ok);
        let walk = self.b.create_block();
        let join = self.b.create_block();
        self.b.set_cold_block(walk);
        self.b.ins().brif(wins, walk, &[], join, &[]);
        self.b.switch_to_block(walk);
        // Lanes to find: NaNs if the block has one, else those equal to the extreme.
        let all = self.b.ins().iconst(ity.lane_type(), -1);
        let none = self.b.ins().iconst(ity.lane_type(), 0);
        let nan_mode = self.b.ins().select(any_nan, all, none);
        let nan_mode = splat(self.b, ity, nan_mode);
        let target = splat(self.b, plan.fty, lane_value);
        let single = VectorPlan {
            unroll: 1,
            ..plan.clone()
        };
        let axis = self.k.rank - 1;
        // Vector after vector until one holds a hit (always before `j_end`; reaching
        // it would leave the state as it was).
        let header = self.b.create_block();
        let next = self.b.create_block();
        let found = self.b.create_block();
        let at = self.b.declare_var(types::I64);
        self.b.def_var(at, j);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let i = self.b.use_var(at);
        let addrs = self.advance(bases, axis, i);
        let x = vector::body(self, &single, &addrs)?[r.value.0 as usize][0];
        let hit = if integers {
            self.b.ins().icmp(IntCC::Equal, x, target)
        } else {
            let equal = self.b.ins().fcmp(FloatCC::Equal, x, target);
            let is_nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
            self.b.ins().bitselect(nan_mode, is_nan, equal)
        };
        let any = self.b.ins().vany_true(hit);
        self.b.ins().brif(any, found, &[], next, &[]);
        self.b.switch_to_block(next);
        let i_next = self.b.ins().iadd_imm_s(i, plan.lanes as i64);
        self.b.def_var(at, i_next);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, i_next, j_end);
        self.b.ins().brif(more, header, &[], join, &[]);
        self.b.switch_to_block(found);
        // The vector's first lane that hits.
        let mut first = i;
        for lane in (1..plan.lanes as u8).rev() {
            let l = self.b.ins().extractlane(hit, lane);
            let l = self.b.ins().icmp_imm_s(IntCC::NotEqual, l, 0);
            let here = self.b.ins().iadd_imm_s(i, lane as i64);
            first = self.b.ins().select(l, here, first);
        }
        let l0 = self.b.ins().extractlane(hit, 0);
        let l0 = self.b.ins().icmp_imm_s(IntCC::NotEqual, l0, 0);
        first = self.b.ins().select(l0, i, first);
        // Counted from the row's (chunk's) start, as the scalar loop counts.
        let offset = self.b.ins().isub(first, j);
        let index = self.b.ins().iadd(offset, count);
        let value = if integers {
            extreme
        } else {
            let nan_value = self.ops_constant(plan.dtype, kiln_ir::Scalar::Float(f64::NAN))?;
            self.b.ins().select(any_nan, nan_value, extreme)
        };
        self.b.def_var(acc.a, value);
        self.b.def_var(acc.b, index);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        Ok(())
    }

    /// Fold every lane of the vectors `vs` into the scalar accumulator `acc` with `f`
    /// (integer lanes: exact in any order).
    fn fold_lanes(
        &mut self,
        plan: &VectorPlan,
        vs: &[Variable],
        acc: Variable,
        f: impl Fn(&mut FunctionBuilder, Value, Value) -> Value,
    ) {
        let mut a = self.b.use_var(acc);
        let ty = self.b.func.dfg.value_type(a);
        for &v in vs {
            let v = self.b.use_var(v);
            for lane in 0..plan.lanes {
                let x = self.b.ins().extractlane(v, lane as u8);
                let x = vector::narrow_from_lane(self, ty, x);
                a = f(self.b, a, x);
            }
        }
        self.b.def_var(acc, a);
    }

    /// The identity of an integer reduction's lanes: 0 for sums, the least (greatest)
    /// value of `dtype` for max (min): of a u32 or u64 in signed lanes, 0 (all ones).
    pub(super) fn int_identity(&mut self, plan: &VectorPlan, op: ReduceOp, dtype: DType) -> Value {
        let lane = plan.fty.lane_type();
        // (an 8/16-bit dtype's least value, sign-extended to the lane as its values
        // are: a lane that sees no element folds into the result as that value)
        let bits = lane.bits().min(8 * dtype.size_bytes() as u32);
        let least = if dtype.is_unsigned_integer() {
            0
        } else {
            i64::MIN >> (64 - bits)
        };
        let v = match op {
            ReduceOp::Max | ReduceOp::ArgMax => least,
            ReduceOp::Min | ReduceOp::ArgMin => !least,
            _ => 0,
        };
        let s = self.b.ins().iconst(lane, v);
        splat(self.b, plan.fty, s)
    }

    fn vconst(&mut self, plan: &VectorPlan, v: f64) -> Value {
        let s = if plan.dtype == DType::F32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        };
        splat(self.b, plan.fty, s)
    }

    /// Σ of every lane of the vectors, in f64.
    fn hsum_f64(&mut self, plan: &VectorPlan, vs: &[Variable]) -> Value {
        let mut total = self.b.ins().f64const(-0.0);
        for &v in vs {
            let v = self.b.use_var(v);
            for lane in 0..plan.lanes {
                let x = self.b.ins().extractlane(v, lane as u8);
                let x = self.widen_f64(plan.dtype, x);
                total = self.b.ins().fadd(total, x);
            }
        }
        total
    }

    /// The largest multiple of `step` (> 0) at most `n`, or 0 where `n` < 0: the
    /// extent of the whole steps of a loop over `n` elements. A power-of-two step
    /// (vector widths, row groups) is a mask: Cranelift emits `sdiv` by a constant as
    /// a hardware division, which had cost each row of a [3.3M, 3] row sum an `idiv`.
    pub(super) fn steps_within(&mut self, n: Value, step: i64) -> Value {
        let zero = self.b.ins().iconst(types::I64, 0);
        let n = self.b.ins().smax(n, zero);
        if step > 0 && (step as u64).is_power_of_two() {
            self.b.ins().band_imm_s(n, -step)
        } else {
            let q = self.b.ins().udiv_imm_s(n, step);
            self.b.ins().imul_imm_s(q, step)
        }
    }

    /// `for i in (lo..hi).step_by(step) { body(i) }`.
    pub(super) fn for_loop_step(
        &mut self,
        lo: Value,
        hi: Value,
        step: i64,
        mut body: impl FnMut(&mut Self, Value) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let header = self.b.create_block();
        let inner = self.b.create_block();
        let exit = self.b.create_block();
        let i = self.b.declare_var(types::I64);
        self.b.def_var(i, lo);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let iv = self.b.use_var(i);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, iv, hi);
        self.b.ins().brif(more, inner, &[], exit, &[]);
        self.b.switch_to_block(inner);
        let iv = self.b.use_var(i);
        body(self, iv)?;
        let iv = self.b.use_var(i);
        let next = self.b.ins().iadd_imm_s(iv, step);
        self.b.def_var(i, next);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
        Ok(())
    }

    fn mean_of(&mut self, acc: &Acc) -> Value {
        let sum = self.b.use_var(acc.a);
        let n = self.b.use_var(acc.count);
        self.mean_from(sum, n)
    }

    /// An f64 sum over an i64 count.
    pub(super) fn mean_from(&mut self, sum: Value, count: Value) -> Value {
        let n = self.b.ins().fcvt_from_sint(types::F64, count);
        self.b.ins().fdiv(sum, n)
    }

    pub(super) fn widen_f64(&mut self, dtype: DType, x: Value) -> Value {
        if dtype == DType::F32 {
            self.b.ins().fpromote(types::F64, x)
        } else {
            x
        }
    }

    fn init_accs(&mut self, sel: &[usize]) -> Result<Vec<Acc>, Unsupported> {
        let mut accs = Vec::new();
        for &ri in sel {
            let r = &self.k.reductions[ri];
            let dtype = self.k.dtype(r.value);
            let ty = self.acc_type(r.op, dtype)?;
            let a = self.b.declare_var(ty);
            let bvar = self.b.declare_var(if r.op == ReduceOp::Var {
                types::F64
            } else {
                types::I64
            });
            let count = self.b.declare_var(types::I64);
            let residual = self.b.declare_var(types::F64);
            accs.push(Acc {
                r: ri,
                a,
                b: bvar,
                count,
                residual,
                ty,
            });
        }
        self.reset_accs(&accs);
        Ok(accs)
    }

    /// Every accumulator back to its reduction's identity.
    fn reset_accs(&mut self, accs: &[Acc]) {
        for acc in accs {
            let r = &self.k.reductions[acc.r];
            let dtype = self.k.dtype(r.value);
            let ty = acc.ty;
            let zero_r = self.b.ins().f64const(0.0);
            self.b.def_var(acc.residual, zero_r);
            let init = match r.op {
                // -0 is the float sum's identity (-0 + x is x, -0 + -0 is -0): a sum of
                // negative zeros is -0, as the interpreter's; an empty sum is made +0
                // where it is written.
                ReduceOp::Sum | ReduceOp::Mean if dtype.is_real_floating() => {
                    self.b.ins().f64const(-0.0)
                }
                ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Var | ReduceOp::Any => self.zero(ty),
                ReduceOp::Prod | ReduceOp::All => self.one(ty),
                ReduceOp::Max | ReduceOp::ArgMax => self.extreme(dtype, ty, false),
                ReduceOp::Min | ReduceOp::ArgMin => self.extreme(dtype, ty, true),
            };
            self.b.def_var(acc.a, init);
            let zero_b = if r.op == ReduceOp::Var {
                self.b.ins().f64const(0.0)
            } else {
                self.b.ins().iconst(types::I64, 0)
            };
            self.b.def_var(acc.b, zero_b);
            let zero = self.b.ins().iconst(types::I64, 0);
            self.b.def_var(acc.count, zero);
        }
    }

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    fn one(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(1.0),
            types::F64 => self.b.ins().f64const(1.0),
            t => self.b.ins().iconst(t, 1),
        }
    }

    /// The identity of max (`smallest`: false) or min (`smallest`: true) for a dtype.
    fn extreme(&mut self, dtype: DType, ty: Type, largest: bool) -> Value {
        match dtype {
            DType::F32 => self.b.ins().f32const(if largest {
                f32::INFINITY
            } else {
                f32::NEG_INFINITY
            }),
            DType::F64 => self.b.ins().f64const(if largest {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }),
            _ => {
                let (lo, hi) = dtype.int_range().unwrap_or((0, 1));
                self.b
                    .ins()
                    .iconst(ty, if largest { hi as i64 } else { lo as i64 })
            }
        }
    }

    /// The flat index of the current point within the reduced axes (for argmax/argmin,
    /// counting from the chunk start so chunks combine to global indices).
    fn reduced_index(&mut self, addrs_count: Variable) -> Value {
        self.b.use_var(addrs_count)
    }

    fn accumulate(&mut self, accs: &[Acc], vals: &[Value]) -> Result<(), Unsupported> {
        for acc in accs {
            let r = &self.k.reductions[acc.r];
            let dtype = self.k.dtype(r.value);
            let x = vals[r.value.0 as usize];
            let a = self.b.use_var(acc.a);
            let signed = dtype.is_signed_integer();
            let next = match r.op {
                ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Var => {
                    if dtype.is_real_floating() {
                        let x = self.widen_f64(dtype, x);
                        self.b.ins().fadd(a, x)
                    } else {
                        self.b.ins().iadd(a, x)
                    }
                }
                ReduceOp::Prod => {
                    if dtype.is_real_floating() {
                        let x = self.widen_f64(dtype, x);
                        self.product_factor(acc, a, x, dtype)
                    } else {
                        self.b.ins().imul(a, x)
                    }
                }
                ReduceOp::Max | ReduceOp::Min => {
                    let max = r.op == ReduceOp::Max;
                    match (dtype.is_real_floating(), max, signed) {
                        (true, _, _) => {
                            // Cranelift's fmax/fmin give x86's default NaN (sign bit
                            // set) where the interpreter gives the canonical +NaN.
                            let m = if max {
                                self.b.ins().fmax(a, x)
                            } else {
                                self.b.ins().fmin(a, x)
                            };
                            let nan = self.b.ins().fcmp(FloatCC::Unordered, m, m);
                            let canonical =
                                self.ops_constant(dtype, kiln_ir::Scalar::Float(f64::NAN))?;
                            self.b.ins().select(nan, canonical, m)
                        }
                        (false, true, true) => self.b.ins().smax(a, x),
                        (false, true, false) => self.b.ins().umax(a, x),
                        (false, false, true) => self.b.ins().smin(a, x),
                        (false, false, false) => self.b.ins().umin(a, x),
                    }
                }
                ReduceOp::Any | ReduceOp::All => {
                    let nz = self.nonzero(dtype, x);
                    self.any_all(r.op, a, nz)
                }
                ReduceOp::ArgMax | ReduceOp::ArgMin => {
                    let take = self.arg_better(r.op == ReduceOp::ArgMax, dtype, x, a, acc)?;
                    let idx = self.reduced_index(acc.count);
                    let best_idx = self.b.use_var(acc.b);
                    let best_idx = self.b.ins().select(take, idx, best_idx);
                    self.b.def_var(acc.b, best_idx);
                    self.b.ins().select(take, x, a)
                }
            };
            self.b.def_var(acc.a, next);
            let c = self.b.use_var(acc.count);
            let c = self.b.ins().iadd_imm_s(c, 1);
            self.b.def_var(acc.count, c);
        }
        Ok(())
    }

    /// Whether float x beats `best` for argmax (`max`) or argmin, scalars or vectors
    /// alike: strictly greater (smaller), or NaN where `best` is not (so the first
    /// maximum and the first NaN stay).
    pub(super) fn arg_wins(&mut self, max: bool, x: Value, best: Value) -> Value {
        let cc = if max {
            FloatCC::GreaterThan
        } else {
            FloatCC::LessThan
        };
        let strictly = self.b.ins().fcmp(cc, x, best);
        let x_nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        let best_ok = self.b.ins().fcmp(FloatCC::Ordered, best, best);
        let wins = self.b.ins().bor(strictly, x_nan);
        self.b.ins().band(wins, best_ok)
    }

    /// Whether x replaces the best so far: the first element always; then strictly
    /// better; NaN beats any number and the first NaN stays.
    fn arg_better(
        &mut self,
        max: bool,
        dtype: DType,
        x: Value,
        best: Value,
        acc: &Acc,
    ) -> Result<Value, Unsupported> {
        let first = {
            let c = self.b.use_var(acc.count);
            self.b.ins().icmp_imm_s(IntCC::Equal, c, 0)
        };
        let better = if dtype.is_real_floating() {
            self.arg_wins(max, x, best)
        } else {
            let signed = dtype.is_signed_integer();
            let cc = match (max, signed) {
                (true, true) => IntCC::SignedGreaterThan,
                (true, false) => IntCC::UnsignedGreaterThan,
                (false, true) => IntCC::SignedLessThan,
                (false, false) => IntCC::UnsignedLessThan,
            };
            self.b.ins().icmp(cc, x, best)
        };
        Ok(self.b.ins().bor(first, better))
    }

    /// Any's (all's) step: `a or x` (`a and x`), on flags or lane masks alike.
    pub(super) fn any_all(&mut self, op: ReduceOp, a: Value, x: Value) -> Value {
        if op == ReduceOp::Any {
            self.b.ins().bor(a, x)
        } else {
            self.b.ins().band(a, x)
        }
    }

    /// Any's (all's) identity as lane masks of type `ity`: none set (all set).
    pub(super) fn logic_identity(&mut self, ity: Type, op: ReduceOp) -> Value {
        let lane = self
            .b
            .ins()
            .iconst(ity.lane_type(), -i64::from(op == ReduceOp::All));
        splat(self.b, ity, lane)
    }

    pub(super) fn nonzero(&mut self, dtype: DType, x: Value) -> Value {
        if dtype.is_real_floating() {
            let zero = if dtype == DType::F32 {
                self.b.ins().f32const(0.0)
            } else {
                self.b.ins().f64const(0.0)
            };
            self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
        } else {
            self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0)
        }
    }

    /// Final value of each reduction, stored through its access.
    fn finish_accs(&mut self, accs: &[Acc], addrs: &[Value]) -> Result<(), Unsupported> {
        for acc in accs {
            let r = &self.k.reductions[acc.r];
            let dtype = self.k.dtype(r.value);
            let out_dtype = self.k.args[self.k.accesses[r.access].arg].dtype;
            let a = self.b.use_var(acc.a);
            let v = match r.op {
                ReduceOp::Sum if dtype.is_real_floating() => {
                    let count = self.b.use_var(acc.count);
                    let s = self.empty_sum_positive(a, count);
                    self.narrow_f64(dtype, s)
                }
                ReduceOp::Prod if dtype.is_real_floating() => {
                    let e = self.b.use_var(acc.b);
                    let p = self.product_finish(a, e);
                    self.narrow_f64(dtype, p)
                }
                ReduceOp::Mean => {
                    let m = self.mean_of(acc);
                    self.narrow_f64(dtype, m)
                }
                ReduceOp::Var => {
                    let v = self.variance(acc, f64::from_bits(r.correction_bits));
                    self.narrow_f64(dtype, v)
                }
                ReduceOp::ArgMax | ReduceOp::ArgMin => self.b.use_var(acc.b),
                _ => a,
            };
            let _ = out_dtype;
            self.store(r.access, addrs[r.access], v);
            self.row_values[acc.r] = Some(v);
        }
        Ok(())
    }

    /// Accumulator `acc`'s float product, whose value is now `a`, times the f64 `x`:
    /// its new value (the exponent in `acc.b`). Fast (`FastProducts`): a plain
    /// multiply, renormalised after every `PRODUCT_RUN`-th factor.
    fn product_factor(&mut self, acc: &Acc, a: Value, x: Value, dtype: DType) -> Value {
        let Some(fast) = self.fast_products else {
            let e = self.b.use_var(acc.b);
            let (m, e) = self.product_step(a, e, x);
            self.b.def_var(acc.b, e);
            return m;
        };
        // An f32 factor needs no bounds: F32_PRODUCT_RUN of them cannot take a
        // product out of range.
        let run = if dtype == DType::F32 {
            F32_PRODUCT_RUN
        } else {
            let fits = self.in_product_bounds(x);
            fast.record(self.b, fits);
            PRODUCT_RUN
        };
        let m = self.b.ins().fmul(a, x);
        self.b.def_var(acc.a, m);
        // (`acc.count` counts the factors before this one.)
        let count = self.b.use_var(acc.count);
        let phase = self.b.ins().band_imm_s(count, run - 1);
        let due = self.b.ins().icmp_imm_s(IntCC::Equal, phase, run - 1);
        self.when(due, false, |e| {
            let x = e.b.use_var(acc.b);
            let (m, x) = e.product_renormalise(m, x);
            e.b.def_var(acc.a, m);
            e.b.def_var(acc.b, x);
            Ok(())
        })
        .expect("a renormalisation always emits");
        self.b.use_var(acc.a)
    }

    /// The float product (m, e) times `x`, each an f64 (exponent i64) or a vector of
    /// them (`math::product`).
    pub(super) fn product_step(&mut self, m: Value, e: Value, x: Value) -> (Value, Value) {
        let ty = self.b.func.dfg.value_type(m);
        product::product_step(&mut ClifMath64::new(self.b, ty), m, e, x)
    }

    /// (m, e) with m's exponent moved into e (`math::product`).
    pub(super) fn product_renormalise(&mut self, m: Value, e: Value) -> (Value, Value) {
        let ty = self.b.func.dfg.value_type(m);
        product::product_renormalise(&mut ClifMath64::new(self.b, ty), m, e)
    }

    /// The product of two float products (`math::product`).
    pub(super) fn product_join(&mut self, a: (Value, Value), b: (Value, Value)) -> (Value, Value) {
        let ty = self.b.func.dfg.value_type(a.0);
        product::product_join(&mut ClifMath64::new(self.b, ty), a, b)
    }

    /// A float product's value, rounded once (`math::product`).
    pub(super) fn product_finish(&mut self, m: Value, e: Value) -> Value {
        let ty = self.b.func.dfg.value_type(m);
        product::product_finish(&mut ClifMath64::new(self.b, ty), m, e)
    }

    /// A float sum of `count` terms: +0 for no terms (the accumulators start at -0).
    pub(super) fn empty_sum_positive(&mut self, sum: Value, count: Value) -> Value {
        let zero = self.b.ins().f64const(0.0);
        let none = self.b.ins().icmp_imm_s(IntCC::Equal, count, 0);
        self.b.ins().select(none, zero, sum)
    }

    pub(super) fn narrow_f64(&mut self, dtype: DType, x: Value) -> Value {
        if dtype == DType::F32 {
            self.b.ins().fdemote(types::F32, x)
        } else {
            x
        }
    }

    /// The corrected two-pass M2 (Chan, Golub and LeVeque): the deviations were taken
    /// from a mean rounded to f64, so they sum to a small residual r rather than 0, and
    /// Σd² - r²/n is M2 about the exact mean.
    /// (Left as it is when r²/n is not finite: NaN or infinite data, whose M2 is NaN or
    /// infinite already.)
    fn correct_m2(&mut self, acc: &Acc) {
        let m2 = self.b.use_var(acc.b);
        let r = self.b.use_var(acc.residual);
        let shift = self.mean_correction(acc);
        let rr = self.b.ins().fmul(r, shift);
        let corrected = self.b.ins().fsub(m2, rr);
        let finite = self.is_finite_f64(rr);
        let m2 = self.b.ins().select(finite, corrected, m2);
        self.b.def_var(acc.b, m2);
    }

    /// The residual r = Σ(x - centre) as Σ(x - mean): r + n·(centre - mean), so that
    /// `mean_correction` is relative to the f64 mean written in the partial state.
    fn recentre_residual(&mut self, acc: &Acc, mean: Value, centre: Value) {
        let r = self.b.use_var(acc.residual);
        let count = self.b.use_var(acc.count);
        let n = self.b.ins().fcvt_from_sint(types::F64, count);
        let shift = self.b.ins().fsub(centre, mean);
        let r = self.b.ins().fma(n, shift, r);
        self.b.def_var(acc.residual, r);
    }

    /// r / n, what the f64 mean misses of the exact mean (0 for an empty row, and where
    /// it is not finite).
    fn mean_correction(&mut self, acc: &Acc) -> Value {
        let r = self.b.use_var(acc.residual);
        let count = self.b.use_var(acc.count);
        let n = self.b.ins().fcvt_from_sint(types::F64, count);
        let c = self.b.ins().fdiv(r, n);
        let zero = self.b.ins().f64const(0.0);
        let finite = self.is_finite_f64(c);
        self.b.ins().select(finite, c, zero)
    }

    /// |x| < inf (false for NaN).
    fn is_finite_f64(&mut self, x: Value) -> Value {
        let a = self.b.ins().fabs(x);
        let inf = self.b.ins().f64const(f64::INFINITY);
        self.b.ins().fcmp(FloatCC::LessThan, a, inf)
    }

    /// The variance of a row's accumulators (see `variance_from`).
    fn variance(&mut self, acc: &Acc, correction: f64) -> Value {
        let m2 = self.b.use_var(acc.b);
        let n = self.b.use_var(acc.count);
        self.variance_from(m2, n, correction)
    }

    /// M2 / (count - correction), NaN when count - correction ≤ 0.
    pub(super) fn variance_from(&mut self, m2: Value, count: Value, correction: f64) -> Value {
        let n = self.b.ins().fcvt_from_sint(types::F64, count);
        let c = self.b.ins().f64const(correction);
        let dof = self.b.ins().fsub(n, c);
        let zero = self.b.ins().f64const(0.0);
        let ok = self.b.ins().fcmp(FloatCC::GreaterThan, dof, zero);
        let v = self.b.ins().fdiv(m2, dof);
        let nan = self.b.ins().f64const(f64::NAN);
        self.b.ins().select(ok, v, nan)
    }

    /// Per-chunk state of each reduction, 32 bytes each: (a, b, c, d) as 8-byte slots.
    ///   sum/prod/max/min/any/all: a = the accumulator (f64, or the integer widened),
    ///   b = count; a float prod's c = its exponent (i64: the product is a·2^c, see
    ///   `math::product`); mean: a = sum, b = count; var: a = count, b = mean (f64), c = M2, d = what the
    ///   f64 mean misses of the exact mean (the chunk's mean is b + d);
    ///   argmax/argmin: a = best value (f64 or widened integer), b = index, c = count.
    fn write_partials(&mut self, accs: &[Acc]) -> Result<(), Unsupported> {
        for acc in accs {
            let (i, r) = (acc.r, &self.k.reductions[acc.r]);
            let dtype = self.k.dtype(r.value);
            let base = self
                .b
                .ins()
                .iadd_imm_s(self.partials, (i * PARTIAL_BYTES) as i64);
            let a = self.b.use_var(acc.a);
            let count = self.b.use_var(acc.count);
            let a64 = self.widen(r.op, dtype, acc.ty, a);
            match r.op {
                ReduceOp::Var => {
                    let n = self.b.ins().fcvt_from_sint(types::F64, count);
                    let mean = self.mean_of(acc);
                    let m2 = self.b.use_var(acc.b);
                    let correction = self.mean_correction(acc);
                    self.b.ins().store(mem(), n, base, 0);
                    self.b.ins().store(mem(), mean, base, 8);
                    self.b.ins().store(mem(), m2, base, 16);
                    self.b.ins().store(mem(), correction, base, 24);
                }
                ReduceOp::Mean => {
                    self.b.ins().store(mem(), a64, base, 0);
                    self.b.ins().store(mem(), count, base, 8);
                }
                ReduceOp::ArgMax | ReduceOp::ArgMin => {
                    let idx = self.b.use_var(acc.b);
                    self.b.ins().store(mem(), a64, base, 0);
                    self.b.ins().store(mem(), idx, base, 8);
                    self.b.ins().store(mem(), count, base, 16);
                }
                ReduceOp::Prod if dtype.is_real_floating() => {
                    // Renormalised: the runtime joins chunks' states (`product_join`).
                    let e = self.b.use_var(acc.b);
                    let (a64, e) = self.product_renormalise(a64, e);
                    self.b.ins().store(mem(), a64, base, 0);
                    self.b.ins().store(mem(), count, base, 8);
                    self.b.ins().store(mem(), e, base, 16);
                }
                _ => {
                    self.b.ins().store(mem(), a64, base, 0);
                    self.b.ins().store(mem(), count, base, 8);
                }
            }
        }
        Ok(())
    }

    /// An accumulator as 8 bytes: floats as f64, integers sign- or zero-extended.
    pub(super) fn widen(&mut self, op: ReduceOp, dtype: DType, ty: Type, a: Value) -> Value {
        match ty {
            types::F64 => a,
            types::F32 => self.b.ins().fpromote(types::F64, a),
            types::I64 => a,
            t if matches!(op, ReduceOp::Any | ReduceOp::All) || !dtype.is_signed_integer() => {
                let _ = t;
                self.b.ins().uextend(types::I64, a)
            }
            _ => self.b.ins().sextend(types::I64, a),
        }
    }
}
