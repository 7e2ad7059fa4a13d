//! The vectorised innermost loop: each value becomes a 128-bit vector (F32X4 or F64X2,
//! comparisons lane masks), `unroll` independent vectors per iteration emitted in
//! lockstep so their latencies overlap.
//!
//! A kernel qualifies when its values are floats (f32 and f64 may meet through
//! casts), bools used as masks and integers loaded for conversions or comparisons (see
//! `vector_dtype`), or integers and masks only (I32X4/I64X2 lanes, `int_ok`); every
//! store moves by 1 element along the vector axis (or, for the plan's own floats and
//! an f64 plan's f32 values, by a run-time stride: scattered a lane at a time), and
//! every op has a vector form.
//! Loads that move by 0 are splat, by 1 loaded whole, by a run-time stride gathered a
//! lane at a time. The vector axis is the innermost one, or for a column
//! reduction the innermost kept axis (`column_plan`). Others run the scalar loop
//! (`emit.rs`).

use super::clif_math;
use super::clif_math::{
    bitcast, cold_branch, rejoin, splat, vector_constant, ClifMath, ClifMath32, ClifMath64,
};
use super::emit::{mem, Emitter};
use super::library::MathFn;
use super::lockstep::{parts, Lanes, Lockstep};
use super::ops::{float_cc, Unsupported};
use crate::math::MathBuilder;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, Type, Value};
use cranelift_codegen::packed_option::ReservedValue;
use kiln_ir::kernel::{Instr, Kernel, Store, Stride};
use kiln_ir::{BinaryOp, DType, ReduceOp, UnaryOp};

#[derive(Clone, Debug)]
pub struct VectorPlan {
    pub dtype: DType,
    pub fty: Type,
    pub lanes: usize,
    pub unroll: usize,
    /// The loop axis walked in vectors: the innermost one, or for a column
    /// reduction the innermost kept axis.
    pub axis: usize,
}

fn unary_ok(op: UnaryOp) -> bool {
    use UnaryOp::*;
    !matches!(op, BitwiseInvert | LogicalNot | Imag)
}

fn binary_ok(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        Add | Subtract
            | Multiply
            | Divide
            | Maximum
            | Minimum
            | Copysign
            | FloorDivide
            | Remainder
            | Pow
            | Atan2
            | Hypot
            | Logaddexp
    ) || is_comparison(op)
}

/// Whether an instruction is a transcendental function (see `for_pass`).
pub(crate) fn is_function(instr: &Instr) -> bool {
    match *instr {
        Instr::Unary(op, _) => MathFn::Unary(op).is_library(),
        Instr::Binary(op, _, _) => MathFn::Binary(op).is_library(),
        _ => false,
    }
}

/// Whether the kernel calls `pow`, whose logarithm and exponential are long chains of
/// dependent operations: four vectors in flight instead of two hide their latency
/// despite the spills (10M elements, with the double-word pow of 2026-12-01: f32 42 ->
/// 38 ms, f64 92 -> 77 ms; with the table-driven f64 pow of 2026-12-02: 33-34 -> 30
/// ms; f32 pow, computed in f64 halves, is 19-20 ms at one to four). For the other
/// functions two are faster (chain, exp and log1p lose 10-40% to spills at four), and
/// pow dominates the cost of any kernel it is in. Not right for every kernel
/// (2026-12-03, 2M elements): a 20-op f64 kernel of sin, cos, pow and atan2 ran in 168
/// ms at four against 112 at two (its f32 twin 42 against 54; pmodel's f64 kernels 141
/// against 182), and four copies of such a body take 63 ms to compile against 25 at
/// two (docs/benchmarks.md, *Compile time of the costliest functions*).
fn calls_pow(k: &Kernel) -> bool {
    k.instrs
        .iter()
        .any(|(instr, _)| matches!(instr, Instr::Binary(BinaryOp::Pow, _, _)))
}

/// The plan of one pass of a row reduction over the reduced axis (a phase's
/// accumulation, var's squared deviations): its accumulators' adds (max's `maxps` and
/// `and`) are chains of dependent operations, 4-5 cycles each, so a pass computing no
/// transcendental keeps four vectors in flight instead of two; one that does keeps the
/// kernel's plan (four copies of a function's body overflow the sixteen vector
/// registers). Over 4096² f32 (2026-12-02, A/B): max of all elements 2.4 -> 1.9 ms,
/// the row sums of exp(x - max(x)) (a max pass, then an exp pass) 10.9 -> 9.5 ms.
pub fn for_pass(plan: &VectorPlan, computes_function: bool) -> VectorPlan {
    let mut p = plan.clone();
    if !computes_function {
        p.unroll = 4;
    }
    p
}

/// Whether (and how) the kernel's innermost loop vectorises.
pub fn plan(k: &Kernel) -> Option<VectorPlan> {
    if k.rank == 0 {
        return None;
    }
    if !k.reductions.is_empty() {
        // The innermost loop must walk a reduced axis, and every reduction must have a
        // vector accumulator.
        if k.reduced == 0 || !k.reductions.iter().all(|r| has_vector_accumulator(r.op)) {
            return None;
        }
    }
    let float = vector_dtype(k, k.rank - 1)?;
    // Products multiply in f64 lanes only: an f32 lane's partial product of a block
    // could overflow (or underflow) where the scalar loop's f64 product does not.
    if float != DType::F64 && k.reductions.iter().any(|r| r.op == ReduceOp::Prod) {
        return None;
    }
    if is_integer(float) && !k.reductions.iter().all(|r| int_lanes_reduce(r.op)) {
        return None;
    }
    Some(VectorPlan::new(
        float,
        if calls_pow(k) { 4 } else { 2 },
        k.rank - 1,
    ))
}

/// The plan of a "column" reduction: one over outer axes only, whose innermost loop
/// axis (a reduced one) moves by a stride while the innermost *kept* axis moves by
/// one element (`sum(x, axis=0)` of a C-order matrix). The kernel then walks the
/// reduced axes outside and a block of kept positions inside, in vectors, each lane
/// accumulating its own output (see `columns.rs`). Only plain reductions qualify: one
/// phase, no elementwise stores, every reduction sum-like, a product or max/min.
pub fn column_plan(k: &Kernel) -> Option<VectorPlan> {
    let kept = k.rank - k.reduced;
    // Some load moves by a run-time stride along the innermost loop axis (a reduced
    // one) and by one element along the innermost kept axis: walking the kept axis in
    // vectors turns its reads into runs of whole cache lines. Every load must move by
    // 0 or 1 along the kept axis (a gather across rows at each step would touch a line
    // and a page per lane: the row loop, with its own gathers, streams better).
    let loads: Vec<usize> = k
        .instrs
        .iter()
        .filter_map(|(instr, _)| match instr {
            Instr::Load { access } => Some(*access),
            _ => None,
        })
        .collect();
    let along = |a: usize, axis: usize| k.accesses[a].strides[axis];
    let strided_inner = kept >= 1
        && k.reduced >= 1
        && loads
            .iter()
            .any(|&a| along(a, k.rank - 1) == Stride::Other && along(a, kept - 1) == Stride::Unit)
        && loads.iter().all(|&a| along(a, kept - 1) != Stride::Other);
    if k.reductions.is_empty()
        || k.reduced == 0
        || kept == 0
        || !k.stores.is_empty()
        || !strided_inner
        || !k
            .reductions
            .iter()
            .all(|r| has_vector_accumulator(r.op) && r.phase == 0)
        || k.instrs
            .iter()
            .any(|(i, _)| matches!(i, Instr::Reduced { .. }))
    {
        return None;
    }
    let axis = kept - 1;
    let float = vector_dtype(k, axis)?;
    if is_integer(float) && !k.reductions.iter().all(|r| int_lanes_reduce(r.op)) {
        return None;
    }
    // Each reduction's output moves along the walked axis (by one element, or by a
    // stride when the planner put the kept axes in the input's memory order: the
    // results are written one position at a time); argmax's and argmin's are int64
    // indices along their one reduced axis, any's and all's bools.
    for r in &k.reductions {
        let a = &k.accesses[r.access];
        let arg = matches!(r.op, ReduceOp::ArgMax | ReduceOp::ArgMin);
        let dtype = match r.op {
            _ if arg => DType::I64,
            _ if is_logic(r.op) => DType::Bool,
            _ => float,
        };
        // (u32 and u64 results are the lanes of i32 and i64, `signless`; 8/16-bit
        // ones are held in i32 lanes, `lane_int`, and narrowed when written)
        let out = k.args[a.arg].dtype;
        let held = signless(out) == dtype || dtype == DType::I32 && is_narrow(out);
        if a.strides[axis] == Stride::Zero || !held || arg && k.reduced != 1 {
            return None;
        }
    }
    Some(VectorPlan::new(float, 1, axis))
}

/// Whether integer lanes (rows, columns) run reduction `op`: sums (wrapping, exact in
/// any order), max, min, argmax, argmin (signed or unsigned, `int_extreme`,
/// `int_less`), any, all; products, means and variances stay in the scalar loop.
fn int_lanes_reduce(op: ReduceOp) -> bool {
    matches!(
        op,
        ReduceOp::Sum
            | ReduceOp::Max
            | ReduceOp::Min
            | ReduceOp::ArgMax
            | ReduceOp::ArgMin
            | ReduceOp::Any
            | ReduceOp::All
    )
}

/// Whether a kernel of bools alone runs in their bytes (a plan of sixteen 8-bit lanes,
/// `VectorPlan::new(DType::Bool, ..)`): loads that move by 0 or 1 element along loop axis `axis`,
/// negations and logic between them, stores, and any/all as its only reductions.
/// 10M bools: `any(a)` 0.92 -> 0.35 ms, `a & ~b` 2.0 -> 1.15 (docs/architecture.md).
fn in_bytes(k: &Kernel, axis: usize) -> bool {
    k.reductions.iter().all(|r| is_logic(r.op))
        && k.instrs.iter().all(|(instr, _)| match instr {
            Instr::Load { access } => k.accesses[*access].strides[axis] != Stride::Other,
            Instr::Unary(..) | Instr::Binary(..) => true,
            _ => false,
        })
}

/// Whether a reduction has vector accumulators: sum-like, products (rows: of f64
/// lanes only, see `plan`), max/min, argmax/argmin's best and index, or any/all's lane
/// masks (`is_logic`).
fn has_vector_accumulator(op: ReduceOp) -> bool {
    use ReduceOp::*;
    matches!(
        op,
        Sum | Prod | Mean | Var | Max | Min | ArgMax | ArgMin | Any | All
    )
}

/// Whether a reduction is any or all: its vector accumulators are lane masks of
/// "some (every) element so far was nonzero" (`nonzero_mask`).
pub(crate) fn is_logic(op: ReduceOp) -> bool {
    matches!(op, ReduceOp::Any | ReduceOp::All)
}

/// The dtype a kernel's vectors are planned for when loop axis `axis` is walked in
/// vectors (a float, or i32/i64 for a kernel of integers: `int_ok`), or None. Every
/// value must be a float (f32 or f64), a bool lane mask or an integer loaded for a
/// conversion or a comparison, every op must have a vector form, accesses must move by
/// 0 or 1 element along the axis (loads also by a run-time stride: gathered), stores
/// by 1 (stores of the plan's floats, and of an f64 plan's f32 values, also by a
/// run-time stride: scattered).
///
/// f32 and f64 may meet through casts (`astype(x, float64)` of f32 data, a result
/// cast back to f32), as may i64 values converted to floats and floats converted to
/// i32 or i64: the plan is then f64's, two lanes (except for i64 loads only converted
/// to f32, `only_to_f32`, and f64 steps between f32 values, `split_f64`, which keep
/// f32's four lanes), and f32 (i32) values use the low half of an F32X4
/// (I32X4), loaded and stored 8 bytes at a time. Reductions in an f64 plan must be
/// over f64 values (in a split f32 plan, over f32 ones). Bools (loaded, stored, or
/// cast from and to floats) need no mixing: their masks take the width of the floats (or integers) they compare, or of the plan's
/// lanes. Integer loads may also be compared (`where(labels == k, x, 0)`): 10M, `where(z == 7, y32, 1)` of i32
/// z and f32 y 5.4/5.4 -> 3.3/3.1 ms, A/B alternated twice (2026-12-02).
fn vector_dtype(k: &Kernel, axis: usize) -> Option<DType> {
    let float = |d: DType| matches!(d, DType::F32 | DType::F64);
    // In float plans, integers as loads converted to floats (`astype(counts,
    // float64)`: i32, i64 and 8/16-bit integers, see `load_narrow`, to either float),
    // compared into masks, computed on in between as integer plans compute (i32 and i64
    // arithmetic, `int_ok`), or made from floats (`astype(floor(x), int64)`); kernels
    // of integers alone get integer plans.
    let int = is_integer;
    let floats: Vec<DType> = k
        .instrs
        .iter()
        .map(|(_, d)| *d)
        .filter(|&d| float(d))
        .collect();
    // i64 loads read only to become f32 (`astype(arange(n), float32)`) do not make the
    // plan f64's: an f32 plan loads them four lanes at a time (`load_i64_as_f32`).
    let wide_int = k
        .instrs
        .iter()
        .enumerate()
        .any(|(i, (_, d))| *d == DType::U64 || *d == DType::I64 && !only_to_f32(k, i));
    let plan_dtype = if !wide_int && split_f64(k, axis) {
        DType::F32
    } else if floats.contains(&DType::F64) || (wide_int && !floats.is_empty()) {
        DType::F64
    } else if let Some(&f) = floats.first() {
        f
    } else if k.instrs.iter().all(|(_, d)| *d == DType::Bool) {
        // Bools only (logic over bool inputs): masks of sixteen 8-bit lanes, the bools'
        // own bytes, where `in_bytes` allows; else of four 32-bit lanes.
        if in_bytes(k, axis) {
            DType::Bool
        } else {
            DType::F32
        }
    } else if k
        .instrs
        .iter()
        .all(|(_, d)| plan_int(*d) || *d == DType::Bool)
    {
        // Integer arithmetic (see `int_ok`): i64's two lanes if any value is i64
        // (i32 values, and the 8- and 16-bit integers held as i32, then in half
        // registers), else i32's four, which also hold 8- and 16-bit integers
        // (`lane_int`).
        if wide_int {
            DType::I64
        } else {
            DType::I32
        }
    } else {
        return None;
    };
    let integers = int(plan_dtype);
    // Loads that move by a run-time stride are gathered a lane at a time; a column
    // walk writes its results a position at a time (`column_plan`); everything else
    // moves by 0 or 1 element.
    // Stores of the plan's floats that move by a run-time stride are scattered a lane
    // at a time (`scatter`): a complex result's parts, written at stride 2 into
    // interleaved storage, or any concat along the last axis.
    // f32 values of an f64 plan (the low halves of F32X4 vectors) too: complex64
    // results computed in complex128 (pow).
    let scattered = |s: &Store| {
        let d = k.dtype(s.value);
        k.accesses[s.access].strides[axis] == Stride::Other
            && ((d == plan_dtype && float(d)) || (d == DType::F32 && plan_dtype == DType::F64))
    };
    for (i, a) in k.accesses.iter().enumerate() {
        let loaded = k.instrs.iter().any(|(instr, _)| {
            matches!(instr, Instr::Load { access } | Instr::Index { access } if *access == i)
        });
        let result = k.reductions.iter().any(|r| r.access == i);
        let stored = k.stores.iter().any(|s| s.access == i && scattered(s));
        if a.strides[axis] == Stride::Other && !loaded && !result && !stored {
            return None;
        }
    }
    for s in &k.stores {
        let arg = k.accesses[s.access].arg;
        let dtype = k.dtype(s.value);
        if k.accesses[s.access].strides[axis] != Stride::Unit && !scattered(s)
            || !(float(dtype)
                || dtype == DType::Bool
                || int(dtype)
                || (integers || float(plan_dtype)) && lane_int(dtype)
                || integers && plan_int(dtype))
            || k.args[arg].dtype != dtype
        {
            return None;
        }
    }
    // Any/all may also reduce bools (their masks): `any(x > 0.99, axis=1)`.
    // Unsigned integers reduce in their signed twin's lanes (`signless`), compared
    // unsigned where order matters (`int_extreme`, `arg_block`).
    for r in &k.reductions {
        let value = k.dtype(r.value);
        let lanes_match = value == plan_dtype
            || integers && signless(value) == plan_dtype
            // 8/16-bit max, min, argmax and argmin in the i32 lanes that hold them
            // (`lane_int`)
            || integers
                && plan_dtype == DType::I32
                && is_narrow(value)
                && matches!(
                    r.op,
                    ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
                );
        if !(lanes_match || is_logic(r.op) && value == DType::Bool) {
            return None;
        }
    }
    for (instr, dtype) in &k.instrs {
        if integers {
            if !int_ok(k, instr, *dtype) {
                return None;
            }
            continue;
        }
        let ok = match instr {
            // (A u32 load may only be converted to the plan's float, `u32_to_float`, and
            // a u64 load to f64, `u64_to_f64`: no other float-plan rule below takes a
            // u32 or u64 operand.)
            Instr::Load { access } => {
                (float(*dtype)
                    || *dtype == DType::Bool
                    || int(*dtype)
                    || is_narrow(*dtype)
                    || matches!(*dtype, DType::U32 | DType::U64))
                    && k.args[k.accesses[*access].arg].dtype == *dtype
            }
            // Integer constants only meet integer loads in comparisons (below).
            Instr::Const(_) => float(*dtype) || int(*dtype),
            // An iota of floats (`linspace`, a float `arange`): the lanes' addresses.
            Instr::Index { .. } => float(*dtype),
            Instr::Unary(op, x) if k.dtype(*x) == DType::Bool => is_mask_not(*op),
            // Integer arithmetic between integer loads and their conversion or
            // comparison, in integer lanes as an integer plan does it (`int_ok`):
            // `count_nonzero(z % 7)`, `astype(z * 3 + 1, float64)`.
            Instr::Unary(_, x) if int(k.dtype(*x)) => int_ok(k, instr, *dtype),
            Instr::Unary(op, x) => {
                let input = k.dtype(*x);
                float(input)
                    && unary_ok(*op)
                    && (*dtype == input
                        || (*dtype == DType::Bool
                            && matches!(
                                op,
                                UnaryOp::IsNan
                                    | UnaryOp::IsInf
                                    | UnaryOp::IsFinite
                                    | UnaryOp::Signbit
                            )))
            }
            Instr::Binary(op, x, _) => {
                let input = k.dtype(*x);
                (float(input) && binary_ok(*op))
                    // `where(labels == k, x, 0)`: masks of the integers' width.
                    || (int(input) && is_comparison(*op))
                    || (int(input) && int(*dtype) && int_ok(k, instr, *dtype))
                    || (input == DType::Bool && is_mask_logic(*op))
            }
            Instr::Select(c, x, _) => k.dtype(*c) == DType::Bool && float(k.dtype(*x)),
            Instr::Fma(..) => float(*dtype),
            Instr::Cast(x) => {
                let from = k.dtype(*x);
                from == *dtype
                    || (float(from) || from == DType::Bool)
                        && (float(*dtype) || *dtype == DType::Bool)
                    || ((from == DType::I32 || is_narrow(from)) && float(*dtype))
                    || (from == DType::I64 && float(*dtype))
                    || (from == DType::U32 && *dtype == plan_dtype)
                    || (from == DType::U64 && *dtype == DType::F64)
                    || (float(from) && int(*dtype))
                    || (float(from) && is_narrow(*dtype) && plan_dtype == from)
            }
            Instr::Reduced { .. } => *dtype == plan_dtype,
        };
        if !ok {
            return None;
        }
    }
    Some(plan_dtype)
}

/// Whether the f64 values of a kernel that also computes in f32 can run split in an f32
/// plan (`is_split`): each f64 value as two F64X2 halves of a four-lane vector, so that
/// the f32 work keeps its four lanes. In an f64 plan every f32 operation runs on two
/// lanes (the low half of an F32X4): `exp(-linspace(0, 4, n, float32))`, whose grid is
/// computed in f64 and rounded once, took 10.9 ms there against 5.7 with its grid in f32
/// (10M elements). The f64 values must be loads (contiguous or broadcast along the
/// vector axis), iotas, constants, conversions from f32, negations, the four arithmetic
/// operations and selects by masks of f64 comparisons, read only by each other, by
/// those comparisons and by conversions to f32, and stored only contiguously and as
/// final values (not a phase's stash): no f64 function, reduction, gathered load or
/// scattered store.
fn split_f64(k: &Kernel, axis: usize) -> bool {
    let f64_value = |v: kiln_ir::kernel::Value| k.dtype(v) == DType::F64;
    let compares_f64 = |instr: &Instr| matches!(instr, Instr::Binary(op, x, _) if is_comparison(*op) && f64_value(*x));
    let has = |dtype| k.instrs.iter().any(|(_, d)| *d == dtype);
    if !has(DType::F32) || !has(DType::F64) {
        return false;
    }
    // The values that would run split (`is_split`).
    let split: Vec<bool> = (k.instrs.iter())
        .map(|(instr, dtype)| *dtype == DType::F64 || compares_f64(instr))
        .collect();
    let is_split = |v: &kiln_ir::kernel::Value| split[v.0 as usize];
    for (i, (instr, dtype)) in k.instrs.iter().enumerate() {
        let admitted = *dtype != DType::F64
            || match instr {
                Instr::Index { .. } | Instr::Const(_) => true,
                Instr::Load { access } => {
                    k.accesses[*access].strides[axis] != Stride::Other
                        && k.args[k.accesses[*access].arg].dtype == DType::F64
                }
                Instr::Unary(UnaryOp::Negative, _) => true,
                Instr::Binary(op, ..) => matches!(
                    op,
                    BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::Divide
                ),
                Instr::Select(c, ..) => compares_f64(&k.instrs[c.0 as usize].0),
                Instr::Cast(x) => k.dtype(*x) == DType::F32,
                _ => false,
            };
        // Every reader of a split value is split itself, or converts an f64 to f32.
        let reads_ok = !instr.operands().iter().any(is_split)
            || split[i]
            || matches!(instr, Instr::Cast(x) if *dtype == DType::F32 && f64_value(*x));
        if !admitted || !reads_ok {
            return false;
        }
    }
    // f64 stores (of the final values only, not a phase's stash) are two F64X2 per copy
    // (`store_copies`); masks are not stored, nor split values reduced.
    k.stores.iter().all(|s| {
        !is_split(&s.value)
            || f64_value(s.value)
                && s.phase.is_none()
                && k.accesses[s.access].strides[axis] == Stride::Unit
    }) && !k.reductions.iter().any(|r| is_split(&r.value))
}

/// Whether value `v` runs split in this plan (`split_f64`): an f64 value, or the mask of
/// an f64 comparison, in an f32 plan.
fn is_split(k: &Kernel, plan: &VectorPlan, v: usize) -> bool {
    let (instr, dtype) = &k.instrs[v];
    plan.dtype == DType::F32
        && (*dtype == DType::F64
            || matches!(instr, Instr::Binary(_, x, _) if k.dtype(*x) == DType::F64))
}

/// Whether value `i` is an i64 load whose every use is a conversion to f32: no other
/// instruction, store or reduction reads it. An f32 plan then loads it as f32 lanes
/// (`load_i64_as_f32`) and the conversion passes them on.
fn only_to_f32(k: &Kernel, i: usize) -> bool {
    let v = kiln_ir::kernel::Value(i as u32);
    matches!(k.instrs[i].0, Instr::Load { .. })
        && k.instrs.iter().all(|(instr, d)| match instr {
            Instr::Cast(x) => *x != v || *d == DType::F32,
            other => !other.operands().contains(&v),
        })
        && k.stores.iter().all(|s| s.value != v)
        && k.reductions.iter().all(|r| r.value != v)
}

/// Whether an instruction of an integer plan (every value an integer or a bool mask)
/// has a vector form: wrapping arithmetic, max/min, bitwise logic, comparisons, selects,
/// casts between integers and between bools and integers, iotas, floor division and
/// remainder of integers up to 32 bits (`divides_in_f64`), shifts by a constant count
/// (`constant_count`). 64-bit division, shifts by counts that vary, and pow stay
/// scalar. 8- and 16-bit integers take the
/// arithmetic, max/min, logic, comparisons, selects, shifts and casts to and from i32,
/// each other and bools, in i32 lanes (`lane_int`); u32 and u64 the same in the lanes
/// of i32 and i64 (`plan_int`).
fn int_ok(k: &Kernel, instr: &Instr, dtype: DType) -> bool {
    use BinaryOp::*;
    let int = is_integer;
    match instr {
        Instr::Load { access } => k.args[k.accesses[*access].arg].dtype == dtype,
        Instr::Const(_) => plan_int(dtype),
        Instr::Index { .. } => int(dtype),
        Instr::Unary(op, x) if k.dtype(*x) == DType::Bool => is_mask_not(*op),
        Instr::Unary(op, x) => {
            use UnaryOp::*;
            plan_int(dtype)
                && k.dtype(*x) == dtype
                && matches!(
                    op,
                    Abs | Negative
                        | Positive
                        | Square
                        | BitwiseInvert
                        | Real
                        | Conj
                        | Ceil
                        | Floor
                        | Trunc
                        | Round
                )
        }
        Instr::Binary(op, x, y) => match k.dtype(*x) {
            DType::Bool => is_mask_logic(*op),
            // In f64, as the scalar loop divides them (`int_divmod`).
            d if divides_in_f64(d) && matches!(op, FloorDivide | Remainder) => true,
            input => {
                plan_int(input)
                    && (matches!(
                        op,
                        Add | Subtract
                            | Multiply
                            | Maximum
                            | Minimum
                            | BitwiseAnd
                            | BitwiseOr
                            | BitwiseXor
                    ) || is_comparison(*op)
                        || is_shift(*op) && constant_count(k, *y).is_some())
            }
        },
        Instr::Select(c, x, _) => k.dtype(*c) == DType::Bool && plan_int(k.dtype(*x)),
        Instr::Fma(..) => false,
        Instr::Cast(x) => {
            let from = k.dtype(*x);
            (plan_int(from) || from == DType::Bool) && (plan_int(dtype) || dtype == DType::Bool)
        }
        Instr::Reduced { .. } => int(dtype),
    }
}

fn is_shift(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::BitwiseLeftShift | BinaryOp::BitwiseRightShift)
}

/// A shift's count when it is a constant (`x >> 3`, the common case: bit fields,
/// flags), which every lane shifts by (`int_shift`); a count that varies by element
/// keeps the scalar loop (x64 has no per-lane shift before AVX2).
fn constant_count(k: &Kernel, count: kiln_ir::kernel::Value) -> Option<i128> {
    match k.instrs[count.0 as usize].0 {
        Instr::Const(kiln_ir::Scalar::Int(c)) => Some(c),
        _ => None,
    }
}

/// The operations on two bools that lane masks do in one or two bitwise instructions
/// (`mask_logic`).
fn is_mask_logic(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        LogicalAnd
            | LogicalOr
            | LogicalXor
            | BitwiseAnd
            | BitwiseOr
            | BitwiseXor
            | Equal
            | NotEqual
    )
}

/// The negation of a bool, on a lane mask.
fn is_mask_not(op: UnaryOp) -> bool {
    matches!(op, UnaryOp::LogicalNot | UnaryOp::BitwiseInvert)
}

/// `op` of two lane masks of the same width (`is_mask_logic`).
fn mask_logic(e: &mut Emitter, op: BinaryOp, x: Value, y: Value) -> Value {
    use BinaryOp::*;
    match op {
        LogicalAnd | BitwiseAnd => e.b.ins().band(x, y),
        LogicalOr | BitwiseOr => e.b.ins().bor(x, y),
        LogicalXor | BitwiseXor | NotEqual => e.b.ins().bxor(x, y),
        Equal => {
            let d = e.b.ins().bxor(x, y);
            e.b.ins().bnot(d)
        }
        _ => unreachable!("{op:?} is not mask logic (is_mask_logic)"),
    }
}

fn is_comparison(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual
    )
}

/// 8- and 16-bit integers: in float plans, loaded straight into i32 lanes (see
/// `load_narrow`) for a conversion to floats, their only use there.
fn is_narrow(dtype: DType) -> bool {
    matches!(dtype, DType::I8 | DType::U8 | DType::I16 | DType::U16)
}

/// Whether a plan's lanes are integers (`int_ok`).
pub fn is_integer(dtype: DType) -> bool {
    matches!(dtype, DType::I32 | DType::I64)
}

/// Whether integer plans compute on values of `dtype`: i32 and i64 in lanes of their
/// own, and the 8- and 16-bit integers in i32 lanes, each lane holding the sign (zero)
/// extension of its value: loaded so (`load_narrow`), kept so after arithmetic that
/// may carry past the value's bits (`renormalise`), truncated when stored. On such
/// lanes max, min and comparisons are i32's, and wrapping arithmetic is i32's followed
/// by `renormalise` (before 2026-12-04 such kernels ran the scalar loop: 10M int8
/// `abs` 4.7 → 1.5 ms).
fn lane_int(dtype: DType) -> bool {
    is_integer(dtype) || is_narrow(dtype)
}

/// Whether integer plans compute on values of `dtype`: those of `lane_int`, and u32
/// and u64 in the lanes of i32 and i64 (`signless`), where wrapping arithmetic, logic,
/// selects and casts between same-width integers are the same bits; max, min,
/// comparisons, abs and widening take the unsigned forms (`int_unary`, `int_binary`,
/// `cast`), argmax and argmin too (`arg_block`). Float plans take only u32 loads
/// converted to the plan's float (`u32_to_float`) and u64 loads converted to f64
/// (`u64_to_f64`).
pub(crate) fn plan_int(dtype: DType) -> bool {
    lane_int(dtype) || matches!(dtype, DType::U32 | DType::U64)
}

/// The integer plan dtype whose lanes hold `dtype`'s values: u32's are i32's, u64's
/// i64's; any other dtype is its own.
pub(crate) fn signless(dtype: DType) -> DType {
    match dtype {
        DType::U32 => DType::I32,
        DType::U64 => DType::I64,
        d => d,
    }
}

/// A narrow integer's i32 lanes made the sign (zero) extension of their low 8 or 16
/// bits again; other values unchanged.
fn renormalise(e: &mut Emitter, dtype: DType, v: Value) -> Value {
    let bits = match dtype {
        DType::I8 | DType::U8 => 8,
        DType::I16 | DType::U16 => 16,
        _ => return v,
    };
    if matches!(dtype, DType::I8 | DType::I16) {
        let v = e.b.ins().ishl_imm_u(v, 32 - bits);
        e.b.ins().sshr_imm_u(v, 32 - bits)
    } else {
        let low = e.b.ins().iconst(types::I32, (1i64 << bits) - 1);
        let low = splat(e.b, types::I32X4, low);
        e.b.ins().band(v, low)
    }
}

/// The lane width of a value of `dtype` in vectors: 8- and 16-bit integers are held in
/// i32 lanes (`lane_int`).
fn lane_bits(dtype: DType) -> u32 {
    if is_narrow(dtype) {
        32
    } else {
        dtype.size_bytes() as u32 * 8
    }
}

impl VectorPlan {
    fn new(dtype: DType, unroll: usize, axis: usize) -> VectorPlan {
        let (fty, lanes) = match dtype {
            DType::F32 => (types::F32X4, 4),
            DType::I32 => (types::I32X4, 4),
            DType::I64 => (types::I64X2, 2),
            DType::Bool => (types::I8X16, 16),
            _ => (types::F64X2, 2),
        };
        VectorPlan {
            dtype,
            fty,
            lanes,
            unroll,
            axis,
        }
    }

    /// The vector type holding `plan.lanes` values of `dtype`: F32X4, F64X2, I32X4 (also
    /// for 8- and 16-bit integers, `lane_int`) or I64X2 (f32 and i32 values in a
    /// two-lane plan use the low half; see `half`).
    pub fn vty(&self, dtype: DType) -> Type {
        match dtype {
            DType::F32 => types::F32X4,
            DType::I32 | DType::U32 | DType::I8 | DType::U8 | DType::I16 | DType::U16 => {
                types::I32X4
            }
            DType::I64 | DType::U64 => types::I64X2,
            _ => types::F64X2,
        }
    }

    /// Whether a vector of `dtype` fills only half a register (f32 or i32 in a two-lane
    /// plan): it is then loaded and stored as one 8-byte scalar, and its upper half
    /// holds a copy of the lower one (never zeros or garbage, which would send a
    /// function such as log to its special-case path at every step).
    fn half(&self, dtype: DType) -> bool {
        self.lanes * dtype.size_bytes() < 16
    }
}

/// Load `plan.lanes` consecutive values of `dtype` at `p + offset`.
fn load_vector(e: &mut Emitter, plan: &VectorPlan, dtype: DType, p: Value, offset: i32) -> Value {
    if plan.half(dtype) {
        let x = e.b.ins().load(types::F64, mem(), p, offset);
        let x = e.b.ins().splat(types::F64X2, x);
        bitcast(e.b, plan.vty(dtype), x)
    } else {
        e.b.ins().load(plan.vty(dtype), mem(), p, offset)
    }
}

/// Two f64 lanes rounded to f32, in the low half of an F32X4 and copied into the high
/// half (`VectorPlan::half`).
fn demote(e: &mut Emitter, x: Value) -> Value {
    let r = e.b.ins().fvdemote(x);
    copy_low_half(e, r)
}

/// `v` with its high 8 bytes replaced by a copy of its low 8 bytes.
fn copy_low_half(e: &mut Emitter, v: Value) -> Value {
    let ty = e.b.func.dfg.value_type(v);
    let r = bitcast(e.b, types::F64X2, v);
    let low = e.b.ins().extractlane(r, 0);
    let r = e.b.ins().splat(types::F64X2, low);
    bitcast(e.b, ty, r)
}

/// Store the `plan.lanes` values of `v` (of `dtype`) at `p + offset`.
fn store_vector(e: &mut Emitter, plan: &VectorPlan, dtype: DType, v: Value, p: Value, offset: i32) {
    if is_narrow(dtype) {
        // The low byte (two bytes) of each of the four i32 lanes, stored as one integer
        // (two-lane plans store pairs of copies: `store_narrow_pairs`).
        let (order, ity): ([u8; 16], _) = if dtype.size_bytes() == 1 {
            (
                [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12],
                types::I32X4,
            )
        } else {
            (
                [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13],
                types::I64X2,
            )
        };
        let packed = shuffle_bytes(e, ity, v, v, order);
        let low = e.b.ins().extractlane(packed, 0);
        e.b.ins().store(mem(), low, p, offset);
        return;
    }
    if plan.half(dtype) {
        let wide = bitcast(e.b, types::F64X2, v);
        let low = e.b.ins().extractlane(wide, 0);
        e.b.ins().store(mem(), low, p, offset);
    } else {
        e.b.ins().store(mem(), v, p, offset);
    }
}

/// Store the `plan.lanes` lanes of mask `m` (`bits` per lane) as bools, one byte (0
/// or 1) each: narrowed with saturation (all ones stays all ones), then negated.
fn store_masks(e: &mut Emitter, plan: &VectorPlan, m: Value, bits: u32, p: Value, offset: i32) {
    if plan.lanes == 16 {
        // A plan of bytes: the mask's lanes are the bools' bytes, all ones for true.
        let m = bitcast(e.b, types::I8X16, m);
        let bytes = e.b.ins().ineg(m);
        e.b.ins().store(mem(), bytes, p, offset);
        return;
    }
    let m = mask_as(e, m, bits, 32);
    let m = bitcast(e.b, types::I32X4, m);
    let halves = e.b.ins().snarrow(m, m);
    let bytes = e.b.ins().snarrow(halves, halves);
    let bytes = e.b.ins().ineg(bytes);
    let ity = if plan.lanes == 4 {
        types::I32X4
    } else {
        types::I16X8
    };
    let bytes = bitcast(e.b, ity, bytes);
    let low = e.b.ins().extractlane(bytes, 0);
    e.b.ins().store(mem(), low, p, offset);
}

/// A bool lane mask of `from` bits per lane (a comparison of floats that wide) as
/// one of `to` bits, lane for lane (two-lane plans mix 32- and 64-bit masks).
fn mask_as(e: &mut Emitter, m: Value, from: u32, to: u32) -> Value {
    match (from, to) {
        (32, 64) => {
            let m = bitcast(e.b, types::I32X4, m);
            e.b.ins().swiden_low(m)
        }
        // Each 64-bit lane is all ones or all zeros: its low half will do.
        (64, 32) => low_halves(e, m),
        _ => m,
    }
}

/// The low 32 bits of each of the two 64-bit lanes of `v`, in lanes 0 and 1 of an
/// I32X4 and copied into lanes 2 and 3 (`VectorPlan::half`): i64 -> i32 wrapping.
fn low_halves(e: &mut Emitter, v: Value) -> Value {
    let order = [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11];
    shuffle_bytes(e, types::I32X4, v, v, order)
}

/// `x` clamped to [lo, hi], lane by lane, NaN left NaN: selects in the shape that
/// Cranelift lowers to x64's `maxpd`/`minpd` (`maxps`/`minps`), one instruction each,
/// which return their second operand (here `x`) where a lane is NaN. Cranelift's
/// `fmax`/`fmin`, with their signed-zero and NaN rules, are about seven each, and
/// `astype(x * 255, uint8)` of 10M f64 took 15 ms with the clamp as blends, 11.7 as
/// here (one store per vector; 2026-12-05).
fn clamp_keeping_nan(e: &mut Emitter, ty: Type, x: Value, lo: Value, hi: Value) -> Value {
    let below = e.b.ins().fcmp(FloatCC::LessThan, x, lo);
    let below = bitcast(e.b, ty, below);
    let y = e.b.ins().bitselect(below, lo, x);
    let above = e.b.ins().fcmp(FloatCC::LessThan, hi, y);
    let above = bitcast(e.b, ty, above);
    e.b.ins().bitselect(above, hi, y)
}

/// Float vector `x` (F32X4 or F64X2) clamped to the range of integer dtype `to`, NaN
/// left NaN (`clamp_keeping_nan`).
fn clamp_to_range_of(e: &mut Emitter, to: DType, ty: Type, x: Value) -> Value {
    let (lo, hi) = to.int_range().expect("an integer dtype");
    let (lo, hi) = if ty == types::F32X4 {
        (e.b.ins().f32const(lo as f32), e.b.ins().f32const(hi as f32))
    } else {
        (e.b.ins().f64const(lo as f64), e.b.ins().f64const(hi as f64))
    };
    let (lo, hi) = (splat(e.b, ty, lo), splat(e.b, ty, hi));
    clamp_keeping_nan(e, ty, x, lo, hi)
}

/// Bytes of `a` (indices 0-15) and `b` (16-31) in `order`, as a vector of type `ty`.
fn shuffle_bytes(e: &mut Emitter, ty: Type, a: Value, b: Value, order: [u8; 16]) -> Value {
    clif_math::shuffle_bytes(e.b, ty, a, b, order)
}

/// The body at `plan.unroll` consecutive vectors starting at `addrs`: for each
/// instruction, one value per copy.
#[allow(clippy::needless_range_loop)] // c indexes the unrolled copies of every value
pub(crate) fn body(
    e: &mut Emitter,
    plan: &VectorPlan,
    addrs: &[Value],
) -> Result<Vec<Vec<Value>>, Unsupported> {
    let k = e.k;
    let inner = plan.axis;
    let u = plan.unroll;
    // vals[instr][copy]
    let mut vals: Vec<Vec<Value>> = Vec::with_capacity(k.instrs.len());
    // Bits per lane of each bool value's mask (that of the floats it compares).
    let mask_bits = |v: kiln_ir::kernel::Value| mask_bits(k, plan, v);
    for (i, (instr, dtype)) in k.instrs.iter().enumerate() {
        let (dtype, bytes) = (*dtype, dtype.size_bytes() as i64);
        let mut copies = Vec::with_capacity(u);
        if !e.needed[i] {
            vals.push(vec![Value::reserved_value(); u]);
            continue;
        }
        if is_split(k, plan, i) {
            vals.push(split_value(e, plan, instr, &vals, addrs)?);
            continue;
        }
        if let Instr::Cast(x) = instr {
            if is_split(k, plan, x.0 as usize) {
                vals.push(join_f32(e, &vals[x.0 as usize]));
                continue;
            }
        }
        // One address per load, shared by the unrolled copies (constant offsets); a
        // value broadcast along the loop is one load and splat for every copy.
        let mut load_at = None;
        if let (Instr::Load { access }, DType::Bool) = (instr, dtype) {
            vals.push(load_masks(e, plan, *access, addrs[*access]));
            continue;
        }
        if let Instr::Load { access } = instr {
            if is_narrow(dtype) {
                vals.push(load_narrow(e, plan, dtype, *access, addrs[*access]));
                continue;
            }
            if dtype == DType::I64 && plan.dtype == DType::F32 {
                vals.push(load_i64_as_f32(e, plan, *access, addrs[*access]));
                continue;
            }
        }
        if let Instr::Load { access } = instr {
            match k.accesses[*access].strides[inner] {
                Stride::Zero => {
                    let p = e.address(*access, addrs[*access]);
                    let vty = plan.vty(dtype);
                    let s = e.b.ins().load(vty.lane_type(), mem(), p, 0);
                    vals.push(vec![splat(e.b, vty, s); u]);
                    continue;
                }
                Stride::Other => {
                    vals.push(gather(e, plan, dtype, *access, addrs[*access]));
                    continue;
                }
                Stride::Unit => load_at = Some(e.address(*access, addrs[*access])),
            }
        }
        if let Instr::Reduced { reduction } = instr {
            vals.push(vec![row_splat(e, plan.vty(dtype), *reduction); u]);
            continue;
        }
        if let Instr::Index { access } = instr {
            vals.push(if is_integer(dtype) {
                int_iota(e, plan, dtype, *access, addrs[*access])
            } else {
                iota(e, plan, dtype, *access, addrs[*access])
            });
            continue;
        }
        // Arithmetic and functions: every operation once per copy, in lockstep.
        let lanes = |v: &Vec<Value>| Lanes::new(v);
        match instr {
            // A bool's negation: `bnot` per copy, below.
            Instr::Unary(_, x) if k.dtype(*x) == DType::Bool => {}
            Instr::Unary(op, x) if plan_int(dtype) => {
                let x = &vals[x.0 as usize];
                let r = x.iter().map(|&x| {
                    let r = int_unary(e, dtype, *op, x);
                    renormalise(e, dtype, r)
                });
                vals.push(r.collect());
                continue;
            }
            Instr::Unary(op, x) => {
                let r = vector_unary(e, plan, k.dtype(*x), *op, lanes(&vals[x.0 as usize]));
                vals.push(r.as_slice().to_vec());
                continue;
            }
            Instr::Binary(op @ (BinaryOp::FloorDivide | BinaryOp::Remainder), x, y)
                if divides_in_f64(k.dtype(*x)) =>
            {
                let unsigned = k.dtype(*x) == DType::U32;
                let (x, y) = (&vals[x.0 as usize], &vals[y.0 as usize]);
                let floor = *op == BinaryOp::FloorDivide;
                let r = x.iter().zip(y).map(|(&x, &y)| {
                    let r = i32_divmod(e, plan, floor, unsigned, x, y);
                    renormalise(e, dtype, r)
                });
                vals.push(r.collect());
                continue;
            }
            Instr::Binary(op, x, y) if plan_int(k.dtype(*x)) && is_shift(*op) => {
                let (input, count) = (k.dtype(*x), constant_count(k, *y));
                let count = count.expect("int_ok admits constant counts only");
                let x = &vals[x.0 as usize];
                let r = x.iter().map(|&x| {
                    let r = int_shift(e, input, *op, count, x);
                    renormalise(e, dtype, r)
                });
                vals.push(r.collect());
                continue;
            }
            Instr::Binary(op, x, y) if plan_int(k.dtype(*x)) => {
                let input = k.dtype(*x);
                let (x, y) = (&vals[x.0 as usize], &vals[y.0 as usize]);
                let r = x.iter().zip(y).map(|(&x, &y)| {
                    let r = int_binary(e, input, *op, x, y);
                    renormalise(e, dtype, r)
                });
                vals.push(r.collect());
                continue;
            }
            Instr::Binary(op, x, y) if !k.dtype_of_input_is_bool(instr) => {
                let input = k.dtype(*x);
                let (x, y) = (lanes(&vals[x.0 as usize]), lanes(&vals[y.0 as usize]));
                let r = vector_binary(e, plan, input, *op, x, y);
                vals.push(r.as_slice().to_vec());
                continue;
            }
            _ => {}
        }
        for c in 0..u {
            let lane_off = (c * plan.lanes) as i64;
            let v = match instr {
                Instr::Load { .. } => {
                    let p = load_at.expect("computed above for loads");
                    load_vector(e, plan, dtype, p, (lane_off * bytes) as i32)
                }
                Instr::Const(s) => {
                    let x = e.ops_constant(dtype, *s)?;
                    let x = if is_narrow(dtype) {
                        extend_to_lane(e, dtype, types::I32, x)
                    } else {
                        x
                    };
                    splat(e.b, plan.vty(dtype), x)
                }
                Instr::Binary(op, xv, yv) => {
                    let (x, y) = (vals[xv.0 as usize][c], vals[yv.0 as usize][c]);
                    let y = mask_as(e, y, mask_bits(*yv), mask_bits(*xv));
                    mask_logic(e, *op, x, y)
                }
                Instr::Unary(_, xv) => e.b.ins().bnot(vals[xv.0 as usize][c]),
                Instr::Select(cv, x, y) => {
                    let (cnd, x, y) = (
                        vals[cv.0 as usize][c],
                        vals[x.0 as usize][c],
                        vals[y.0 as usize][c],
                    );
                    let m = mask_as(e, cnd, mask_bits(*cv), lane_bits(dtype));
                    let m = bitcast(e.b, plan.vty(dtype), m);
                    e.b.ins().bitselect(m, x, y)
                }
                Instr::Fma(a, b, d) => {
                    let v = |x: &kiln_ir::kernel::Value| vals[x.0 as usize][c];
                    e.b.ins().fma(v(a), v(b), v(d))
                }
                Instr::Cast(xv) => {
                    let (from, x) = (k.dtype(*xv), vals[xv.0 as usize][c]);
                    cast(e, plan, from, dtype, mask_bits(*xv), x)
                }
                Instr::Reduced { .. } => unreachable!("one splat for every copy above"),
                Instr::Index { .. } => unreachable!("index values do not vectorise"),
            };
            copies.push(v);
        }
        vals.push(copies);
    }
    Ok(vals)
}

/// Splat, at the current point (before a vector loop), every earlier phase's result
/// that the current pass reads, for `row_splat` inside the loop; returns the splats
/// that were in force, for `restore_row_splats` after the loop.
pub(crate) fn hoist_row_splats(e: &mut Emitter, plan: &VectorPlan) -> Vec<(usize, Type, Value)> {
    let mut splats = Vec::new();
    for (i, (instr, dtype)) in e.k.instrs.iter().enumerate() {
        if let (Instr::Reduced { reduction }, true) = (instr, e.needed[i]) {
            let ty = plan.vty(*dtype);
            if !splats.iter().any(|&(r, t, _)| (r, t) == (*reduction, ty)) {
                let v = e.row_values[*reduction].expect("earlier phases are finished");
                splats.push((*reduction, ty, splat(e.b, ty, v)));
            }
        }
    }
    std::mem::replace(&mut e.row_splats, splats)
}

pub(crate) fn restore_row_splats(e: &mut Emitter, saved: Vec<(usize, Type, Value)>) {
    e.row_splats = saved;
}

/// Earlier phase result `r` in every lane of a `ty`: the splat hoisted before the loop,
/// else a new one.
fn row_splat(e: &mut Emitter, ty: Type, r: usize) -> Value {
    match e.row_splats.iter().find(|&&(q, t, _)| (q, t) == (r, ty)) {
        Some(&(_, _, v)) => v,
        None => {
            let v = e.row_values[r].expect("earlier phases are finished");
            splat(e.b, ty, v)
        }
    }
}

/// `plan.unroll` lane masks of a bool input (one byte, 0 or 1, per element), each
/// lane as wide as `128 / plan.lanes` bits (`load_widened`), compared to 0.
fn load_masks(e: &mut Emitter, plan: &VectorPlan, access: usize, at: Value) -> Vec<Value> {
    if plan.lanes == 16 {
        return load_bytes(e, plan, access, at);
    }
    let mty = if plan.lanes == 4 {
        types::I32X4
    } else {
        types::I64X2
    };
    load_widened(e, plan, access, at, false, mty)
        .into_iter()
        .map(|bytes| {
            let zero = e.b.ins().iconst(mty.lane_type(), 0);
            let zero = splat(e.b, mty, zero);
            e.b.ins().icmp(IntCC::NotEqual, bytes, zero)
        })
        .collect()
}

/// `load_masks` in a plan of bytes (`in_bytes`): sixteen bools per vector, read whole
/// where the access moves by one element, one bool splat where by 0, each compared to 0.
fn load_bytes(e: &mut Emitter, plan: &VectorPlan, access: usize, at: Value) -> Vec<Value> {
    let p = e.address(access, at);
    let zero = e.b.ins().iconst(types::I8, 0);
    let zero = splat(e.b, types::I8X16, zero);
    let unit = e.k.accesses[access].strides[plan.axis] == Stride::Unit;
    let broadcast = (!unit).then(|| {
        let x = e.b.ins().load(types::I8, mem(), p, 0);
        e.b.ins().splat(types::I8X16, x)
    });
    (0..plan.unroll)
        .map(|c| {
            let bytes = match broadcast {
                Some(v) => v,
                None => e.b.ins().load(types::I8X16, mem(), p, (c * 16) as i32),
            };
            e.b.ins().icmp(IntCC::NotEqual, bytes, zero)
        })
        .collect()
}

/// `plan.unroll` vectors of an 8- or 16-bit integer input as i32 lanes, sign- or
/// zero-extended (in a two-lane plan the low half, copied into the high one as for
/// every half-register value, so that the floats converted from it hold no garbage).
/// 10M elements, A/B alternated twice: `astype(u8, f32) / 255` 16.1/16.0 -> 0.95/1.6
/// ms, `astype(u8, f64) * 0.5` 7.5/7.7 -> 2.3/2.3, `astype(u16, f32) * 1e-3` 7.5/7.6
/// -> 1.3/1.3 (NumPy 4.8, 8.7, 4.9).
fn load_narrow(
    e: &mut Emitter,
    plan: &VectorPlan,
    dtype: DType,
    access: usize,
    at: Value,
) -> Vec<Value> {
    let signed = matches!(dtype, DType::I8 | DType::I16);
    let lanes = load_widened(e, plan, access, at, signed, types::I32X4);
    if plan.lanes == 2 {
        lanes.into_iter().map(|v| copy_low_half(e, v)).collect()
    } else {
        lanes
    }
}

/// `plan.unroll` vectors of `plan.lanes` elements of a 1- or 2-byte input (bools,
/// 8/16-bit integers), each sign- or zero-extended into a lane of `vty`: the lanes'
/// bytes loaded as one integer and widened where the access moves by one element, one
/// element extended and splat where it moves by 0, one per lane where by a run-time
/// stride. Lanes past `plan.lanes` (a two-lane plan's I32X4) are unspecified.
fn load_widened(
    e: &mut Emitter,
    plan: &VectorPlan,
    access: usize,
    at: Value,
    signed: bool,
    vty: Type,
) -> Vec<Value> {
    let size = e.k.args[e.k.accesses[access].arg].dtype.size_bytes();
    let lane = vty.lane_type();
    let stride = e.strides[access][plan.axis];
    let load_one = |e: &mut Emitter, p: Value| match (size, signed) {
        (1, true) => e.b.ins().sload8(lane, mem(), p, 0),
        (1, false) => e.b.ins().uload8(lane, mem(), p, 0),
        (_, true) => e.b.ins().sload16(lane, mem(), p, 0),
        (_, false) => e.b.ins().uload16(lane, mem(), p, 0),
    };
    let mut out = Vec::with_capacity(plan.unroll);
    for c in 0..plan.unroll {
        let first = (c * plan.lanes) as i64;
        let v = match e.k.accesses[access].strides[plan.axis] {
            Stride::Unit => {
                // The lanes' elements as one integer of lanes × size bytes.
                let p = e.address(access, at);
                let ity = types::Type::int_with_byte_size((plan.lanes * size) as u16)
                    .expect("2 to 8 bytes");
                let x =
                    e.b.ins()
                        .load(ity, mem(), p, (first as usize * size) as i32);
                let x =
                    e.b.ins()
                        .scalar_to_vector(ity.by(128 / ity.bits()).expect("128 bits"), x);
                let mut v = if size == 1 {
                    bitcast(e.b, types::I8X16, x)
                } else {
                    bitcast(e.b, types::I16X8, x)
                };
                while e.b.func.dfg.value_type(v) != vty {
                    v = if signed {
                        e.b.ins().swiden_low(v)
                    } else {
                        e.b.ins().uwiden_low(v)
                    };
                }
                v
            }
            Stride::Zero => {
                let p = e.address(access, at);
                let x = load_one(e, p);
                e.b.ins().splat(vty, x)
            }
            Stride::Other => {
                let zero = e.b.ins().iconst(lane, 0);
                let mut v = e.b.ins().splat(vty, zero);
                for l in 0..plan.lanes {
                    let offset = e.b.ins().imul_imm_s(stride, first + l as i64);
                    let elem = e.b.ins().iadd(at, offset);
                    let p = e.address(access, elem);
                    let x = load_one(e, p);
                    v = e.b.ins().insertlane(v, x, l as u8);
                }
                v
            }
        };
        out.push(v);
    }
    out
}

/// `plan.unroll` vectors of four f32 lanes from an i64 access of an f32 plan, each
/// element converted on its own (`cvtsi2ss` from a 64-bit register: rounded once, as
/// the scalar loop does; x64 has no packed i64 conversion before AVX-512). Elements at
/// `at`, `at + stride`, ... (stride 0: one element, splat). 10M elements, `exp(astype(
/// i64, float32) * 1e-5)`: 14.4 ms as a scalar loop, 5.4-6.1 in vectors (the same with
/// i32 data, converted by `cvtdq2ps`: 3.4).
fn load_i64_as_f32(e: &mut Emitter, plan: &VectorPlan, access: usize, at: Value) -> Vec<Value> {
    let convert = |e: &mut Emitter, elem: Value| {
        let p = e.address(access, elem);
        let x = e.b.ins().load(types::I64, mem(), p, 0);
        e.b.ins().fcvt_from_sint(types::F32, x)
    };
    let stride = match e.k.accesses[access].strides[plan.axis] {
        Stride::Zero => {
            let x = convert(e, at);
            return vec![splat(e.b, types::F32X4, x); plan.unroll];
        }
        Stride::Unit => e.b.ins().iconst(types::I64, 1),
        Stride::Other => e.strides[access][plan.axis],
    };
    let mut elem = at;
    (0..plan.unroll)
        .map(|_| {
            from_lanes(e, types::F32X4, plan.lanes, |e, _| {
                let x = convert(e, elem);
                elem = e.b.ins().iadd(elem, stride);
                x
            })
        })
        .collect()
}

/// A vector of `vty` built lane by lane: lane i is `lane_value(e, i)`, for the first
/// `lanes` lanes (the conversions and gathers x64 has no packed form of).
fn from_lanes(
    e: &mut Emitter,
    vty: Type,
    lanes: usize,
    mut lane_value: impl FnMut(&mut Emitter, u8) -> Value,
) -> Value {
    let mut v = None;
    for lane in 0..lanes as u8 {
        let x = lane_value(e, lane);
        v = Some(match v {
            None => e.b.ins().scalar_to_vector(vty, x),
            Some(v) => e.b.ins().insertlane(v, x, lane),
        });
    }
    v.expect("at least one lane")
}

/// `plan.unroll` vectors of an access that moves by a run-time stride along the
/// vector axis, one element at a time (a strided or transposed operand).
fn gather(
    e: &mut Emitter,
    plan: &VectorPlan,
    dtype: DType,
    access: usize,
    at: Value,
) -> Vec<Value> {
    let stride = e.strides[access][plan.axis];
    let vty = plan.vty(dtype);
    let mut elem = at;
    (0..plan.unroll)
        .map(|_| {
            let v = from_lanes(e, vty, plan.lanes, |e, _| {
                let p = e.address(access, elem);
                elem = e.b.ins().iadd(elem, stride);
                e.b.ins().load(vty.lane_type(), mem(), p, 0)
            });
            if plan.half(dtype) {
                copy_low_half(e, v)
            } else {
                v
            }
        })
        .collect()
}

/// The addresses of an iota's lanes as f64, two lanes at a time: the function of
/// `first` that gives lanes `first` and `first + 1` of the vectors from `at` on.
fn iota_pairs(
    e: &mut Emitter,
    plan: &VectorPlan,
    access: usize,
    at: Value,
) -> impl Fn(&mut Emitter, usize) -> Value {
    let base = e.b.ins().fcvt_from_sint(types::F64, at);
    let base = e.b.ins().splat(types::F64X2, base);
    let stride = e.strides[access][plan.axis];
    let stride = e.b.ins().fcvt_from_sint(types::F64, stride);
    let stride = e.b.ins().splat(types::F64X2, stride);
    move |e: &mut Emitter, first: usize| {
        let bytes: Vec<u8> = [first as f64, first as f64 + 1.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let offsets = vector_constant(e.b, types::F64X2, bytes);
        let step = e.b.ins().fmul(offsets, stride);
        e.b.ins().fadd(base, step)
    }
}

/// `plan.unroll` vectors of an iota of floats: each lane's address, `at + lane *
/// stride`, converted to `dtype`. Lanes are computed in f64, exact below 2^53, and f32
/// lanes rounded from there once: the scalar loop's `i64 -> f32` conversion.
fn iota(e: &mut Emitter, plan: &VectorPlan, dtype: DType, access: usize, at: Value) -> Vec<Value> {
    let pair = iota_pairs(e, plan, access, at);
    (0..plan.unroll)
        .map(|c| {
            let first = c * plan.lanes;
            let lo = pair(e, first);
            match (dtype, plan.lanes) {
                (DType::F64, _) => lo,
                (_, 2) => demote(e, lo),
                _ => {
                    // Four f32 lanes: two pairs, rounded, then side by side.
                    let hi = pair(e, first + 2);
                    let (lo, hi) = (e.b.ins().fvdemote(lo), e.b.ins().fvdemote(hi));
                    let order = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
                    shuffle_bytes(e, types::F32X4, lo, hi, order)
                }
            }
        })
        .collect()
}

/// A split value (`split_f64`): two F64X2 vectors per unrolled copy of the f32 plan,
/// the copy's lanes 0-1 and 2-3 (for the mask of an f64 comparison, its two I64X2
/// halves).
fn split_value(
    e: &mut Emitter,
    plan: &VectorPlan,
    instr: &Instr,
    vals: &[Vec<Value>],
    addrs: &[Value],
) -> Result<Vec<Value>, Unsupported> {
    let halves = 2 * plan.unroll;
    let of = |v: &kiln_ir::kernel::Value| &vals[v.0 as usize];
    Ok(match instr {
        // Contiguous (two F64X2 per copy) or broadcast along the vector axis (`split_f64`).
        Instr::Load { access } => {
            let p = e.address(*access, addrs[*access]);
            match e.k.accesses[*access].strides[plan.axis] {
                Stride::Zero => {
                    let x = e.b.ins().load(types::F64, mem(), p, 0);
                    vec![splat(e.b, types::F64X2, x); halves]
                }
                _ => (0..halves)
                    .map(|h| e.b.ins().load(types::F64X2, mem(), p, 16 * h as i32))
                    .collect(),
            }
        }
        Instr::Index { access } => {
            let pair = iota_pairs(e, plan, *access, addrs[*access]);
            (0..halves).map(|h| pair(e, 2 * h)).collect()
        }
        Instr::Const(s) => {
            let x = e.ops_constant(DType::F64, *s)?;
            vec![splat(e.b, types::F64X2, x); halves]
        }
        Instr::Unary(UnaryOp::Negative, x) => of(x).iter().map(|&a| e.b.ins().fneg(a)).collect(),
        Instr::Binary(op, x, y) => {
            let cc = float_cc(*op);
            (of(x).iter().zip(of(y)))
                .map(|(&a, &b)| match (cc, op) {
                    (Some(cc), _) => e.b.ins().fcmp(cc, a, b),
                    (None, BinaryOp::Add) => e.b.ins().fadd(a, b),
                    (None, BinaryOp::Subtract) => e.b.ins().fsub(a, b),
                    (None, BinaryOp::Multiply) => e.b.ins().fmul(a, b),
                    (None, BinaryOp::Divide) => e.b.ins().fdiv(a, b),
                    _ => unreachable!("split_f64 admits no {op:?}"),
                })
                .collect()
        }
        Instr::Select(c, x, y) => (0..halves)
            .map(|h| {
                let m = bitcast(e.b, types::F64X2, of(c)[h]);
                e.b.ins().bitselect(m, of(x)[h], of(y)[h])
            })
            .collect(),
        // f32 lanes widened, two at a time.
        Instr::Cast(x) => (of(x).iter())
            .flat_map(|&v| clif_math::widen_halves(e.b, v))
            .collect(),
        other => unreachable!("split_f64 admits no {other:?}"),
    })
}

/// A split f64 value rounded to f32: each copy's two halves rounded and side by side.
fn join_f32(e: &mut Emitter, halves: &[Value]) -> Vec<Value> {
    (halves.chunks(2))
        .map(|h| clif_math::join_halves(e.b, h[0], h[1]))
        .collect()
}

/// One iteration of the vector loop of an elementwise kernel: the body, then the
/// stores of every copy.
pub(crate) fn emit_unrolled(
    e: &mut Emitter,
    plan: &VectorPlan,
    addrs: &[Value],
) -> Result<(), Unsupported> {
    let vals = body(e, plan, addrs)?;
    let finals: Vec<Store> =
        e.k.stores
            .iter()
            .filter(|s| s.phase.is_none())
            .cloned()
            .collect();
    store_copies(e, plan, addrs, &finals, &vals);
    Ok(())
}

/// The unrolled copies of a two-lane plan's 8/16-bit values (i32 lanes, `lane_int`),
/// stored at `p`: each pair of copies packed into one 4- or 8-byte integer (a last
/// copy without a partner alone, 2 or 4 bytes). A store per vector (2 or 4 bytes)
/// measured much slower (`astype(x * 255, uint8)` of 10M f64: 11.7 ms against 7.6,
/// and 18-20 for the scalar loop this replaces; 2026-12-05).
fn store_narrow_pairs(
    e: &mut Emitter,
    plan: &VectorPlan,
    dtype: DType,
    copies: &[Value],
    p: Value,
) {
    let size = dtype.size_bytes();
    // the low byte (two bytes) of lanes 0 and 1 of the first copy, then of the second
    let order: [u8; 16] = if size == 1 {
        [0, 4, 16, 20, 0, 4, 16, 20, 0, 4, 16, 20, 0, 4, 16, 20]
    } else {
        [0, 1, 4, 5, 16, 17, 20, 21, 0, 1, 4, 5, 16, 17, 20, 21]
    };
    for (pair, vs) in copies[..plan.unroll].chunks(2).enumerate() {
        let offset = (pair * 2 * plan.lanes * size) as i32;
        let partner = *vs.get(1).unwrap_or(&vs[0]);
        let packed = shuffle_bytes(e, types::I64X2, vs[0], partner, order);
        match 2 * size * vs.len() {
            8 => {
                let w = e.b.ins().extractlane(packed, 0);
                e.b.ins().store(mem(), w, p, offset);
            }
            bytes => {
                let packed = bitcast(e.b, types::I32X4, packed);
                let w = e.b.ins().extractlane(packed, 0);
                if bytes == 2 {
                    e.b.ins().istore16(mem(), w, p, offset);
                } else {
                    e.b.ins().store(mem(), w, p, offset);
                }
            }
        }
    }
}

/// Store every unrolled copy of each store's value.
#[allow(clippy::needless_range_loop)] // c indexes the unrolled copies
pub(crate) fn store_copies(
    e: &mut Emitter,
    plan: &VectorPlan,
    addrs: &[Value],
    stores: &[Store],
    vals: &[Vec<Value>],
) {
    for s in stores {
        let dtype = e.k.dtype(s.value);
        let bytes = dtype.size_bytes() as i64;
        if e.k.accesses[s.access].strides[plan.axis] == Stride::Other {
            scatter(
                e,
                plan,
                s.access,
                addrs[s.access],
                &vals[s.value.0 as usize],
            );
            continue;
        }
        let p = e.address(s.access, addrs[s.access]);
        if is_split(e.k, plan, s.value.0 as usize) {
            // Two F64X2 halves per copy (`split_f64`).
            for (h, &v) in vals[s.value.0 as usize].iter().enumerate() {
                e.b.ins().store(mem(), v, p, 16 * h as i32);
            }
            continue;
        }
        let bits = mask_bits(e.k, plan, s.value);
        if is_narrow(dtype) && plan.lanes == 2 {
            store_narrow_pairs(e, plan, dtype, &vals[s.value.0 as usize], p);
            continue;
        }
        for c in 0..plan.unroll {
            let lane_off = (c * plan.lanes) as i64 * bytes;
            if dtype == DType::Bool {
                store_masks(
                    e,
                    plan,
                    vals[s.value.0 as usize][c],
                    bits,
                    p,
                    lane_off as i32,
                );
                continue;
            }
            store_vector(
                e,
                plan,
                dtype,
                vals[s.value.0 as usize][c],
                p,
                lane_off as i32,
            );
        }
    }
}

/// Store `plan.unroll` vectors at an access that moves by a run-time stride along the
/// vector axis, one lane at a time (the mirror of `gather`; `vector_dtype` admits only
/// stores of the plan's own floats here, and f32 values of an f64 plan, whose
/// `plan.lanes` lanes are the low ones).
fn scatter(e: &mut Emitter, plan: &VectorPlan, access: usize, at: Value, copies: &[Value]) {
    let stride = e.strides[access][plan.axis];
    let mut elem = at;
    for &v in &copies[..plan.unroll] {
        for lane in 0..plan.lanes as u8 {
            let p = e.address(access, elem);
            let x = e.b.ins().extractlane(v, lane);
            e.b.ins().store(mem(), x, p, 0);
            elem = e.b.ins().iadd(elem, stride);
        }
    }
}

trait BoolInput {
    fn dtype_of_input_is_bool(&self, instr: &Instr) -> bool;
}

impl BoolInput for Kernel {
    fn dtype_of_input_is_bool(&self, instr: &Instr) -> bool {
        match instr {
            Instr::Binary(_, x, _) => self.dtype(*x) == DType::Bool,
            _ => false,
        }
    }
}

/// Run `$body` with `$m`, the lockstep math builder over vectors of `$dtype`.
macro_rules! with_math {
    ($e:expr, $plan:expr, $dtype:expr, |$m:ident| $body:expr) => {
        if $dtype == DType::F32 {
            let $m = &mut Lockstep {
                base: ClifMath32::new($e.b, $plan.vty($dtype)),
                n: $plan.unroll,
                outline: None,
            };
            $body
        } else {
            let $m = &mut Lockstep {
                base: ClifMath64::new($e.b, $plan.vty($dtype)),
                n: $plan.unroll,
                outline: None,
            };
            $body
        }
    };
}

/// The lane mask of "value `v` (copy `x`) is nonzero", as integer lanes of the plan's
/// width: a bool's mask widened or narrowed to them, a float's `x != 0` (NaN is
/// nonzero), an integer's `x != 0`. Any/all accumulate these with `or`/`and`.
pub(crate) fn nonzero_mask(
    e: &mut Emitter,
    plan: &VectorPlan,
    v: kiln_ir::kernel::Value,
    x: Value,
) -> Value {
    let ity = plan.fty.as_int();
    let dtype = e.k.dtype(v);
    if dtype == DType::Bool {
        let m = mask_as(e, x, mask_bits(e.k, plan, v), ity.lane_bits());
        return bitcast(e.b, ity, m);
    }
    if is_integer(signless(dtype)) {
        let zero = e.b.ins().iconst(ity.lane_type(), 0);
        let zero = splat(e.b, ity, zero);
        return e.b.ins().icmp(IntCC::NotEqual, x, zero);
    }
    let zero = e
        .ops_constant(dtype, kiln_ir::Scalar::Float(0.0))
        .expect("a float dtype");
    let zero = splat(e.b, plan.fty, zero);
    let m = e.b.ins().fcmp(FloatCC::NotEqual, x, zero);
    bitcast(e.b, ity, m)
}

/// Bits per lane of the mask of a bool value: those of the floats it was computed
/// from, or for a bool loaded from memory those of the plan's lanes (0 for values that
/// are not bools).
fn mask_bits(k: &Kernel, plan: &VectorPlan, v: kiln_ir::kernel::Value) -> u32 {
    if k.dtype(v) != DType::Bool {
        return 0;
    }
    match &k.instrs[v.0 as usize].0 {
        Instr::Load { .. } => 128 / plan.lanes as u32,
        Instr::Unary(_, x) | Instr::Binary(_, x, _) | Instr::Cast(x) => {
            let from = k.dtype(*x);
            if from == DType::Bool {
                mask_bits(k, plan, *x)
            } else {
                lane_bits(from)
            }
        }
        other => unreachable!("no vector bool comes from {other:?}"),
    }
}

/// Convert one vector between dtypes (the casts `vector_dtype` admits): f32 <-> f64
/// in a two-lane plan, integers to floats, floats to i32 or i64 (truncated,
/// saturated, NaN to 0), a bool mask to 1.0/0.0, a float to `x != 0` (NaN is true);
/// in integer plans between any two integers (wrapping; a u32 widens by zeros), a
/// bool mask to 1/0, an integer to `x != 0`.
fn cast(e: &mut Emitter, plan: &VectorPlan, from: DType, to: DType, bits: u32, x: Value) -> Value {
    let int = is_integer;
    if from == to {
        return x;
    }
    // 8/16-bit integers were loaded as i32 lanes (`load_narrow`), i64 in an f32 plan as
    // f32 lanes (`load_i64_as_f32`).
    if (from, to, plan.dtype) == (DType::I64, DType::F32, DType::F32) {
        return x;
    }
    if from == DType::U32 && matches!(to, DType::F32 | DType::F64) {
        return u32_to_float(e, to, x);
    }
    if (from, to) == (DType::U64, DType::F64) {
        return u64_to_f64(e, x);
    }
    // u32 and u64 lanes are i32's and i64's (`signless`), same bits; only widening a
    // u32 extends by zeros.
    let widen_unsigned = from == DType::U32;
    let (from, to) = (signless(from), signless(to));
    let from = if is_narrow(from) { DType::I32 } else { from };
    match (from, to) {
        (DType::I32, DType::I32) | (DType::I64, DType::I64) => x,
        // Between i32 and the narrow integers, wrapping: the lanes' low bits extended
        // as the target's (`lane_int`).
        (DType::I32, _) if is_narrow(to) => renormalise(e, to, x),
        (DType::I32, DType::I64) if widen_unsigned => e.b.ins().uwiden_low(x),
        (DType::I32, DType::I64) => e.b.ins().swiden_low(x),
        (DType::I64, DType::I32) => low_halves(e, x),
        // to 8/16-bit integers: the low halves, wrapped to the target (`lane_int`)
        (DType::I64, _) if is_narrow(to) => {
            let x = low_halves(e, x);
            renormalise(e, to, x)
        }
        (_, DType::Bool) if int(from) => {
            let vty = plan.vty(from);
            let zero = e.b.ins().iconst(vty.lane_type(), 0);
            let zero = splat(e.b, vty, zero);
            e.b.ins().icmp(IntCC::NotEqual, x, zero)
        }
        (DType::Bool, _) if lane_int(to) => {
            let vty = plan.vty(to);
            let m = mask_as(e, x, bits, vty.lane_bits());
            let m = bitcast(e.b, vty, m);
            let one = e.b.ins().iconst(vty.lane_type(), 1);
            let one = splat(e.b, vty, one);
            e.b.ins().band(m, one)
        }
        (DType::F32, DType::F64) => e.b.ins().fvpromote_low(x),
        (DType::F64, DType::F32) => demote(e, x),
        // Integers, rounded once to the float (`cvtdq2ps`, `cvtdq2pd`; i64 lanes one
        // at a time, x64 having no packed conversion before AVX-512).
        (DType::I32, DType::F64) => low_lanes_to_f64(e, false, x),
        // Floats to i32 or i64: truncated toward zero and saturated, NaN to 0 (Rust's
        // `as`, the scalar loop's `fcvt_to_sint_sat`): four f32 lanes to i32 at once
        // (`cvttps2dq` and its fix-ups), the others lane by lane (below).
        (DType::F32, DType::I32) if plan.lanes == 4 => e.b.ins().fcvt_to_sint_sat(types::I32X4, x),
        // f32 to 8/16-bit integers, four lanes: clamped in f32 to the target's range
        // (NaN stays NaN), then converted (NaN to 0), as the scalar loop does; the
        // lanes then hold the target's values, as `lane_int` wants.
        (DType::F32, _) if is_narrow(to) && plan.lanes == 4 => {
            let y = clamp_to_range_of(e, to, types::F32X4, x);
            e.b.ins().fcvt_to_sint_sat(types::I32X4, y)
        }
        // f64 to 8/16-bit integers, two lanes: clamped and truncated in f64 (NaN to 0),
        // as the scalar loop does, then each lane's integer read from the low bits of
        // t + 1.5·2^52 (exact: |t| < 2^16, so the sum's ulp is 1) into i32 lanes, the
        // high half a copy of the low (`VectorPlan::half`).
        (DType::F64, _) if is_narrow(to) && plan.lanes == 2 => {
            let y = clamp_to_range_of(e, to, types::F64X2, x);
            let t = e.b.ins().trunc(y);
            let number = e.b.ins().fcmp(FloatCC::Equal, t, t);
            let number = bitcast(e.b, types::F64X2, number);
            let t = e.b.ins().band(t, number);
            let magic = e.b.ins().f64const(1.5 * 2f64.powi(52));
            let magic = splat(e.b, types::F64X2, magic);
            let shifted = e.b.ins().fadd(t, magic);
            let order = [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11];
            shuffle_bytes(e, types::I32X4, shifted, shifted, order)
        }
        // What x64 has no packed form of before AVX-512, lane by lane: i64 to f32 in
        // an f64 plan (each lane rounded once, `cvtsi2ss`), floats to i32 or i64 other
        // than four f32 lanes to i32. Four-byte results fill the low half
        // (`VectorPlan::half`).
        (DType::I64, DType::F32) | (DType::F32 | DType::F64, DType::I32 | DType::I64) => {
            let vty = plan.vty(to);
            let v = from_lanes(e, vty, plan.lanes, |e, lane| {
                let y = e.b.ins().extractlane(x, lane);
                if int(to) {
                    e.b.ins().fcvt_to_sint_sat(vty.lane_type(), y)
                } else {
                    e.b.ins().fcvt_from_sint(vty.lane_type(), y)
                }
            });
            if plan.half(to) {
                copy_low_half(e, v)
            } else {
                v
            }
        }
        // i32 to f32 and i64 to f64, as (i32, f64) above.
        (DType::I32 | DType::I64, _) => e.b.ins().fcvt_from_sint(plan.vty(to), x),
        (DType::Bool, _) => {
            let vty = plan.vty(to);
            let m = mask_as(e, x, bits, vty.lane_bits());
            let m = bitcast(e.b, vty, m);
            let one = e
                .ops_constant(to, kiln_ir::Scalar::Float(1.0))
                .expect("a float dtype");
            let one = splat(e.b, vty, one);
            e.b.ins().band(m, one)
        }
        _ => {
            let vty = plan.vty(from);
            let zero = e
                .ops_constant(from, kiln_ir::Scalar::Float(0.0))
                .expect("a float dtype");
            let zero = splat(e.b, vty, zero);
            e.b.ins().fcmp(FloatCC::NotEqual, x, zero)
        }
    }
}

/// Python's `x % y` on vectors, bit for bit the scalar kernel's (C `fmod`, then the
/// result moved to the divisor's sign, `Ops::float_remainder`), without a call per
/// element. Where |x / y| < 2^52 (2^23 for f32), q = trunc(x / y) is the true
/// truncated quotient or one past it (the rounded division can only reach the next
/// integer), and r = fma(-q, y, x) is x - q·y exactly: fmod's result, or (q one past)
/// that minus y toward x's side, which is below |y| in magnitude and a whole number
/// of y's units. Python's rule then needs no correction of the second case: r has
/// the other sign than x, so where x and y share a sign r moves by y to fmod's
/// result, and where they do not r is already fmod + y; both sums exact, so the
/// scalar kernel's rounded add gives the same bits. Lanes outside that (a larger
/// quotient, y zero or infinite, x infinite, NaN) send the vector to a cold block
/// that calls fmod per lane. 10M elements of `remainder(x * 10 - 3, 0.7)`
/// (2026-12-04): f64 33 -> 12 ms, f32 42 -> 5 ms (NumPy 119, 105).
fn remainder(e: &mut Emitter, dtype: DType, vty: Type, x: Value, y: Value) -> Value {
    let limit = if dtype == DType::F32 {
        2f64.powi(23)
    } else {
        2f64.powi(52)
    };
    let (result, outside) = {
        let m = &mut ClifMath {
            b: &mut *e.b,
            fty: vty,
        };
        let d = m.b.ins().fdiv(x, y);
        let q = m.b.ins().trunc(d);
        let nq = m.neg(q);
        let fmod = m.b.ins().fma(nq, y, x);
        // Python's rule: a zero takes y's sign; a nonzero of the other sign than y
        // moves by y (rounded, as the scalar kernel's add).
        let (zero, izero) = (m.fconst(0.0), m.iconst(0));
        let signed_zero = m.copysign(zero, y);
        let is_zero = m.fcmp(FloatCC::Equal, fmod, zero);
        let (fb, yb) = (m.bits_of(fmod), m.bits_of(y));
        let flip = m.b.ins().bxor(fb, yb);
        let differ = m.icmp(IntCC::SignedLessThan, flip, izero);
        let moved = m.b.ins().fadd(fmod, y);
        let r = m.select(differ, moved, fmod);
        let result = m.select(is_zero, signed_zero, r);
        // Where the fast path holds: |x / y| < limit (false for NaN) and |y| finite.
        let (ad, ay) = (m.abs(d), m.abs(y));
        let lim = m.fconst(limit);
        let small = m.fcmp(FloatCC::LessThan, ad, lim);
        let inf = m.fconst(f64::INFINITY);
        let finite = m.fcmp(FloatCC::LessThan, ay, inf);
        let inside = m.b.ins().band(small, finite);
        (result, m.b.ins().bnot(inside))
    };
    let join = cold_branch(e.b, outside, &[result]);
    let mut slow = result;
    for lane in 0..vty.lane_count() as u8 {
        let (a, b) = (
            e.b.ins().extractlane(x, lane),
            e.b.ins().extractlane(y, lane),
        );
        let r = e.ops().float_remainder(dtype, a, b);
        slow = e.b.ins().insertlane(slow, r, lane);
    }
    rejoin(e.b, join, &[slow])[0]
}

/// f32 floor_divide as the scalar loop and the interpreter compute it: the exact floor
/// (in f64, exact up to 2^53) rounded once. In f32 the floor is exact where |q| <
/// 2^24 (`math::floor_divide`), so only an iteration with a lane past that (or NaN)
/// takes the f64 route for all its copies, behind one rarely taken branch (as
/// `Lockstep` tests special cases): in f64 throughout, 10M f32 took 6.9–7.8 ms against
/// 3.7–5.4 (2026-12-07, alternated three times).
fn f32_floor_divide(e: &mut Emitter, plan: &VectorPlan, x: Lanes, y: Lanes) -> Lanes {
    let fast = with_math!(e, plan, DType::F32, |m| crate::math::floor_divide(m, x, y));
    let outside = {
        let m = &mut ClifMath {
            b: &mut *e.b,
            fty: plan.vty(DType::F32),
        };
        let lim = m.fconst(2f64.powi(24));
        let mut all_small = None;
        for &q in fast.as_slice() {
            let aq = m.abs(q);
            let small = m.fcmp(FloatCC::LessThan, aq, lim);
            all_small = Some(match all_small {
                None => small,
                Some(acc) => m.b.ins().band(acc, small),
            });
        }
        m.b.ins().bnot(all_small.expect("at least one copy"))
    };
    let join = cold_branch(e.b, outside, fast.as_slice());
    let slow = widened(e, plan, &[x, y], 2, &mut |e, part| {
        let m = &mut Lockstep {
            base: ClifMath64::new(e.b, types::F64X2),
            n: part[0].as_slice().len(),
            outline: None,
        };
        crate::math::floor_divide(m, part[0], part[1])
    });
    Lanes::new(&rejoin(e.b, join, slow.as_slice()))
}

/// An f32 function in f64 lanes (`MathFn::for_f32_in_f64`: pow, sin, cos, tan),
/// rounded once (`widened`, `f.lockstep()` halves in lockstep).
fn f32_in_f64(e: &mut Emitter, plan: &VectorPlan, f: MathFn, args: &[Lanes]) -> Lanes {
    // A called function takes the four-lane f32 vectors themselves, one lockstep
    // group's per call, its helper widening them (`MathCalls::call_f32`).
    if !plan.half(DType::F32) && e.libcalls.math.called(f) {
        return e.libcalls.math.call_f32(e.b, f, args);
    }
    widened(e, plan, args, f.lockstep(), &mut |e, part| {
        e.libcalls.math.emit(e.b, f, types::F64X2, part)
    })
}

/// f32 `compute` in f64 lanes, rounded once: each four-lane vector as its two halves
/// widened, `group` halves at a time given to `compute` (F64X2 values); in a two-lane
/// plan (f32 in half registers) each vector's low half.
fn widened(
    e: &mut Emitter,
    plan: &VectorPlan,
    args: &[Lanes],
    group: usize,
    compute: &mut dyn FnMut(&mut Emitter, &[Lanes]) -> Lanes,
) -> Lanes {
    let four = !plan.half(DType::F32);
    // per argument, its halves widened
    let wide_args: Vec<Vec<Value>> = args
        .iter()
        .map(|a| {
            let mut halves = Vec::new();
            for &v in a.as_slice() {
                if four {
                    halves.extend(clif_math::widen_halves(e.b, v));
                } else {
                    halves.push(e.b.ins().fvpromote_low(v));
                }
            }
            halves
        })
        .collect();
    // in groups (a function's lockstep: pow four, the others two: 10M f32 at four
    // against two, 2026-12-04, two alternations: sin 6.7 against 7.0 ms, cos 8.6
    // against 7.9, tan 11.3 against 11.4, and four copies compile slower)
    let wide_args: Vec<&[Value]> = wide_args.iter().map(|h| h.as_slice()).collect();
    let mut wide = Vec::new();
    for part in parts(&wide_args, group) {
        let r = compute(e, &part);
        wide.extend_from_slice(r.as_slice());
    }
    let out: Vec<Value> = if four {
        (wide.chunks(2))
            .map(|h| clif_math::join_halves(e.b, h[0], h[1]))
            .collect()
    } else {
        wide.iter().map(|&h| demote(e, h)).collect()
    };
    Lanes::new(&out)
}

/// An integer unary op on one vector (`int_ok`), wrapping as the scalar ops do
/// (abs(MIN) and -MIN are MIN).
fn int_unary(e: &mut Emitter, dtype: DType, op: UnaryOp, x: Value) -> Value {
    use UnaryOp::*;
    match op {
        // An unsigned value is its own magnitude (an 8/16-bit one's zero extension
        // too, but u32 and u64 lanes may have the top bit set).
        Abs if dtype.is_unsigned_integer() => x,
        Abs => e.b.ins().iabs(x),
        Negative => e.b.ins().ineg(x),
        Square => e.b.ins().imul(x, x),
        BitwiseInvert => e.b.ins().bnot(x),
        Positive | Real | Conj | Ceil | Floor | Trunc | Round => x,
        _ => unreachable!("excluded by int_ok"),
    }
}

/// An integer binary op on one pair of vectors of `input` (`int_ok`): comparisons
/// give lane masks of the integers' width. u32 and u64 lanes compare unsigned
/// (8/16-bit ones are zero extensions, for which signed comparisons are right).
fn int_binary(e: &mut Emitter, input: DType, op: BinaryOp, x: Value, y: Value) -> Value {
    use BinaryOp::*;
    let unsigned = matches!(input, DType::U32 | DType::U64);
    match op {
        Maximum => int_extreme(e, unsigned, true, x, y),
        Minimum => int_extreme(e, unsigned, false, x, y),
        Less => int_less(e, unsigned, x, y, false),
        LessEqual => int_less(e, unsigned, y, x, true),
        Greater => int_less(e, unsigned, y, x, false),
        GreaterEqual => int_less(e, unsigned, x, y, true),
        _ => {
            let b = e.b.ins();
            match op {
                Add => b.iadd(x, y),
                Subtract => b.isub(x, y),
                Multiply => b.imul(x, y),
                BitwiseAnd => b.band(x, y),
                BitwiseOr => b.bor(x, y),
                BitwiseXor => b.bxor(x, y),
                Equal => b.icmp(IntCC::Equal, x, y),
                NotEqual => b.icmp(IntCC::NotEqual, x, y),
                _ => unreachable!("excluded by int_ok"),
            }
        }
    }
}

/// The lane mask of x < y (`negate`: of !(x < y), which is y <= x), signed or
/// unsigned. Unsigned 64-bit lanes compare as signed ones with the top bit flipped
/// (x64 has no unsigned packed compare; Cranelift's i32 form is `pmaxud` and an
/// equality test). Scalars (a column walk's tail) get x < y as a flag, with `negate`
/// false only (`bnot` of a flag is no flag).
pub(crate) fn int_less(e: &mut Emitter, unsigned: bool, x: Value, y: Value, negate: bool) -> Value {
    let ty = e.b.func.dfg.value_type(x);
    debug_assert!(ty.is_vector() || !negate, "int_less: negate takes vectors");
    let less = if unsigned && ty.is_vector() && ty.lane_bits() == 64 {
        let (x, y) = (flip_top_bit(e, x), flip_top_bit(e, y));
        e.b.ins().icmp(IntCC::SignedLessThan, x, y)
    } else if unsigned {
        e.b.ins().icmp(IntCC::UnsignedLessThan, x, y)
    } else {
        e.b.ins().icmp(IntCC::SignedLessThan, x, y)
    };
    if negate {
        e.b.ins().bnot(less)
    } else {
        less
    }
}

/// The larger (`max`) or smaller of two integer vectors, lane by lane, signed or
/// unsigned (u64 by `int_less`'s flipped compare and a select).
pub(crate) fn int_extreme(e: &mut Emitter, unsigned: bool, max: bool, x: Value, y: Value) -> Value {
    let ty = e.b.func.dfg.value_type(x);
    match (unsigned, max) {
        (true, _) if ty.is_vector() && ty.lane_bits() == 64 => {
            let x_less = int_less(e, true, x, y, false);
            if max {
                e.b.ins().bitselect(x_less, y, x)
            } else {
                e.b.ins().bitselect(x_less, x, y)
            }
        }
        (true, true) => e.b.ins().umax(x, y),
        (true, false) => e.b.ins().umin(x, y),
        (false, true) => e.b.ins().smax(x, y),
        (false, false) => e.b.ins().smin(x, y),
    }
}

/// x shifted by the constant `count` (as the scalar loop's `Ops::shift`: the count
/// read as an unsigned value of `dtype`'s width; counts in [0, bits) shift, larger
/// ones shift everything out: 0, or for a signed right shift the sign in every bit).
/// 8/16-bit lanes hold their value's extension, so right shifts are i32's and a left
/// shift is renormalised by the caller.
fn int_shift(e: &mut Emitter, dtype: DType, op: BinaryOp, count: i128, x: Value) -> Value {
    let bits = 8 * dtype.size_bytes() as i128;
    let count = count.rem_euclid(1i128 << bits);
    let signed = dtype.is_signed_integer();
    let left = op == BinaryOp::BitwiseLeftShift;
    let ty = e.b.func.dfg.value_type(x);
    if count < bits {
        let c = count as i64;
        match (left, signed) {
            (true, _) => e.b.ins().ishl_imm_s(x, c),
            (false, true) => e.b.ins().sshr_imm_s(x, c),
            (false, false) => e.b.ins().ushr_imm_s(x, c),
        }
    } else if !left && signed {
        e.b.ins().sshr_imm_s(x, ty.lane_bits() as i64 - 1)
    } else {
        let zero = e.b.ins().iconst(ty.lane_type(), 0);
        splat(e.b, ty, zero)
    }
}

/// u64 lanes to f64, each rounded once (x64 has no packed unsigned conversion before
/// AVX-512): x = hi·2^32 + lo, with lo put in the mantissa of 2^52 and hi in that of
/// 2^84 (both exact), then (2^84 + hi·2^32) - (2^84 + 2^52) is exact (a multiple of
/// 2^32 below 2^64 in magnitude) and adding 2^52 + lo is the one rounding.
fn u64_to_f64(e: &mut Emitter, x: Value) -> Value {
    let int = |e: &mut Emitter, v: i64| {
        let c = e.b.ins().iconst(types::I64, v);
        splat(e.b, types::I64X2, c)
    };
    let low_mask = int(e, 0xffff_ffff);
    let lo = e.b.ins().band(x, low_mask);
    let two52 = int(e, 0x4330_0000_0000_0000);
    let lo = e.b.ins().bor(lo, two52);
    let hi = e.b.ins().ushr_imm_s(x, 32);
    let two84 = int(e, 0x4530_0000_0000_0000);
    let hi = e.b.ins().bor(hi, two84);
    let lo = bitcast(e.b, types::F64X2, lo);
    let hi = bitcast(e.b, types::F64X2, hi);
    let both = e.b.ins().f64const(2f64.powi(84) + 2f64.powi(52));
    let both = splat(e.b, types::F64X2, both);
    let hi = e.b.ins().fsub(hi, both);
    e.b.ins().fadd(hi, lo)
}

/// u32 lanes converted to `to`, the plan's float, rounded once as the scalar loop's
/// `fcvt_from_uint` (x64 converts only signed 32-bit lanes before AVX-512): to f64
/// (the low two lanes, a two-lane plan's half register) exactly, as the i32 x - 2^31
/// plus 2^31; to f32 (four lanes) as f32(x >> 16)·2^16 + f32(x & 0xffff), whose terms
/// are exact, so the one addition rounds.
fn u32_to_float(e: &mut Emitter, to: DType, x: Value) -> Value {
    if to == DType::F64 {
        return low_lanes_to_f64(e, true, x);
    }
    let mask = e.b.ins().iconst(types::I32, 0xffff);
    let mask = splat(e.b, types::I32X4, mask);
    let lo = e.b.ins().band(x, mask);
    let hi = e.b.ins().ushr_imm_s(x, 16);
    let lo = e.b.ins().fcvt_from_sint(types::F32X4, lo);
    let hi = e.b.ins().fcvt_from_sint(types::F32X4, hi);
    let scale = e.b.ins().f32const(65536.0);
    let scale = splat(e.b, types::F32X4, scale);
    let hi = e.b.ins().fmul(hi, scale);
    e.b.ins().fadd(hi, lo)
}

/// Lanes 0 and 1 of an I32X4 (i32, or u32 when `unsigned`) as f64, exactly. x64
/// converts signed i32 lanes in one instruction (`cvtdq2pd`, which Cranelift matches
/// for `fcvt_from_sint` of `swiden_low`); a u32 x is converted as the i32 x - 2^31,
/// then 2^31 added back (zero-extending to 64 bits has no packed conversion before
/// AVX-512).
fn low_lanes_to_f64(e: &mut Emitter, unsigned: bool, x: Value) -> Value {
    let x = if unsigned { flip_top_bit(e, x) } else { x };
    let wide = e.b.ins().swiden_low(x);
    let f = e.b.ins().fcvt_from_sint(types::F64X2, wide);
    if !unsigned {
        return f;
    }
    let half = e.b.ins().f64const(2_147_483_648.0);
    let half = splat(e.b, types::F64X2, half);
    e.b.ins().fadd(f, half)
}

/// A scalar integer `x` of `dtype` as a lane of `lane` bits holds it: an 8/16-bit
/// value sign-extended (signed dtypes) or zero-extended (unsigned, `lane_int`); a value
/// already as wide unchanged.
pub(crate) fn extend_to_lane(e: &mut Emitter, dtype: DType, lane: Type, x: Value) -> Value {
    if e.b.func.dfg.value_type(x).bits() >= lane.bits() {
        x
    } else if dtype.is_signed_integer() {
        e.b.ins().sextend(lane, x)
    } else {
        e.b.ins().uextend(lane, x)
    }
}

/// A lane's scalar `x` as the integer type `ty` (`extend_to_lane` undone): an
/// 8/16-bit value is the lane's low bits; a value no wider than `ty` unchanged.
pub(crate) fn narrow_from_lane(e: &mut Emitter, ty: Type, x: Value) -> Value {
    if e.b.func.dfg.value_type(x).bits() > ty.bits() {
        e.b.ins().ireduce(ty, x)
    } else {
        x
    }
}

/// x with each lane's top bit flipped: unsigned order becomes signed order.
fn flip_top_bit(e: &mut Emitter, x: Value) -> Value {
    let ty = e.b.func.dfg.value_type(x);
    let top =
        e.b.ins()
            .iconst(ty.lane_type(), i64::MIN >> (64 - ty.lane_bits()));
    let top = splat(e.b, ty, top);
    e.b.ins().bxor(x, top)
}

/// The integers whose floor division and remainder vectors compute in f64
/// (`i32_divmod`): those held in i32 lanes, i32, u32 and the 8/16-bit ones.
fn divides_in_f64(dtype: DType) -> bool {
    matches!(dtype, DType::I32 | DType::U32) || is_narrow(dtype)
}

/// Python's floor division (`floor`) or remainder of i32 lanes (u32 ones when
/// `unsigned`), as the scalar loop computes them (`ops::int_divmod`): in f64, where
/// both operands are exact and the floor of the rounded quotient is the exact floor
/// quotient; by zero both are 0, and MIN // -1 wraps to MIN. The f64 quotient q
/// (|q| ≤ 2^32) comes back as the low 32 bits of q + 1.5·2^52, whose last mantissa
/// bit weighs 1 (no packed f64 -> i32 conversion of that range exists before
/// AVX-512). Four lanes take two f64 halves; a two-lane plan's i32 values
/// (`VectorPlan::half`) only the low one. 8/16-bit lanes hold their values'
/// extensions, so they divide as i32 and the caller renormalises (i8 -128 // -1 wraps
/// to -128 as in the scalar loop).
fn i32_divmod(
    e: &mut Emitter,
    plan: &VectorPlan,
    floor: bool,
    unsigned: bool,
    x: Value,
    y: Value,
) -> Value {
    let zero = e.b.ins().iconst(types::I32, 0);
    let zero = splat(e.b, types::I32X4, zero);
    let one = e.b.ins().iconst(types::I32, 1);
    let one = splat(e.b, types::I32X4, one);
    let y_zero = e.b.ins().icmp(IntCC::Equal, y, zero);
    let safe = e.b.ins().bitselect(y_zero, one, y);
    let magic = e.b.ins().f64const(6_755_399_441_055_744.0);
    let magic = splat(e.b, types::F64X2, magic);
    // The quotient of lanes 0 and 1 of (a, b), floored and biased.
    let pair = |e: &mut Emitter, a: Value, b: Value| {
        let a = low_lanes_to_f64(e, unsigned, a);
        let b = low_lanes_to_f64(e, unsigned, b);
        let q = e.b.ins().fdiv(a, b);
        let q = e.b.ins().floor(q);
        e.b.ins().fadd(q, magic)
    };
    let lo = pair(e, x, safe);
    let q = if plan.lanes == 4 {
        let high = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
        let x_hi = shuffle_bytes(e, types::I32X4, x, x, high);
        let y_hi = shuffle_bytes(e, types::I32X4, safe, safe, high);
        let hi = pair(e, x_hi, y_hi);
        let order = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
        shuffle_bytes(e, types::I32X4, lo, hi, order)
    } else {
        low_halves(e, lo)
    };
    let r = if floor {
        q
    } else {
        let qy = e.b.ins().imul(q, safe);
        e.b.ins().isub(x, qy)
    };
    e.b.ins().bitselect(y_zero, zero, r)
}

/// `plan.unroll` vectors of an iota of integers: each lane's address, `at + lane *
/// stride`, wrapped to `dtype` as the scalar loop's conversion does. i32 lanes of a
/// two-lane plan are computed in i64 and narrowed.
fn int_iota(
    e: &mut Emitter,
    plan: &VectorPlan,
    dtype: DType,
    access: usize,
    at: Value,
) -> Vec<Value> {
    let stride = e.strides[access][plan.axis];
    let (lane, at, stride) = if plan.lanes == 4 {
        let at = e.b.ins().ireduce(types::I32, at);
        let stride = e.b.ins().ireduce(types::I32, stride);
        (types::I32, at, stride)
    } else {
        (types::I64, at, stride)
    };
    let vty = lane.by(plan.lanes as u32).expect("128 bits");
    let base = e.b.ins().splat(vty, at);
    let stride = e.b.ins().splat(vty, stride);
    (0..plan.unroll)
        .map(|c| {
            let first = (c * plan.lanes) as i64;
            let bytes: Vec<u8> = (first..first + plan.lanes as i64)
                .flat_map(|i| {
                    let b = i.to_le_bytes();
                    b[..lane.bytes() as usize].to_vec()
                })
                .collect();
            let offsets = vector_constant(e.b, vty, bytes);
            let step = e.b.ins().imul(offsets, stride);
            let v = e.b.ins().iadd(base, step);
            if dtype == DType::I32 && plan.lanes == 2 {
                low_halves(e, v)
            } else {
                v
            }
        })
        .collect()
}

fn vector_unary(e: &mut Emitter, plan: &VectorPlan, dtype: DType, op: UnaryOp, x: Lanes) -> Lanes {
    use UnaryOp::*;
    let f = MathFn::Unary(op);
    if let Some(wide) = f.for_f32_in_f64().filter(|_| dtype == DType::F32) {
        return f32_in_f64(e, plan, wide, &[x]);
    }
    if f.is_library() {
        return e.libcalls.math.emit(e.b, f, plan.vty(dtype), &[x]);
    }
    with_math!(e, plan, dtype, |m| match op {
        Abs => m.abs(x),
        Negative => m.neg(x),
        Positive | Conj | Real => x,
        Ceil => m.ceil(x),
        Floor => m.floor(x),
        Trunc => m.trunc(x),
        Round => m.round_even(x),
        Sqrt => m.sqrt(x),
        Square => m.mul(x, x),
        Reciprocal => {
            let one = m.c(1.0);
            m.div(one, x)
        }
        Sign => {
            let (zero, one) = (m.c(0.0), m.c(1.0));
            let minus = m.c(-1.0);
            let gt = m.gt(x, zero);
            let lt = m.lt(x, zero);
            let eq = m.eq(x, zero);
            let r = m.select(eq, zero, x);
            let r = m.select(lt, minus, r);
            m.select(gt, one, r)
        }
        IsNan => m.is_nan(x),
        IsInf => {
            let a = m.abs(x);
            let inf = m.c(f64::INFINITY);
            m.eq(a, inf)
        }
        IsFinite => {
            let a = m.abs(x);
            let inf = m.c(f64::INFINITY);
            m.lt(a, inf)
        }
        // The lane's integer bits below zero (-0 and negative NaNs too).
        Signbit => crate::math::sign_bit(m, x),
        Imag | BitwiseInvert | LogicalNot => unreachable!("excluded by plan()"),
        _ => unreachable!("every unary op is matched above"),
    })
}

fn vector_binary(
    e: &mut Emitter,
    plan: &VectorPlan,
    dtype: DType,
    op: BinaryOp,
    x: Lanes,
    y: Lanes,
) -> Lanes {
    use BinaryOp::*;
    let each = |e: &mut Emitter, f: &dyn Fn(&mut Emitter, Value, Value) -> Value| {
        let r: Vec<Value> = (x.as_slice().iter().zip(y.as_slice()))
            .map(|(&a, &b)| f(e, a, b))
            .collect();
        Lanes::new(&r)
    };
    if let Some(cc) = float_cc(op) {
        return each(e, &|e, a, b| e.b.ins().fcmp(cc, a, b));
    }
    match op {
        Maximum => return each(e, &|e, a, b| e.b.ins().fmax(a, b)),
        Minimum => return each(e, &|e, a, b| e.b.ins().fmin(a, b)),
        _ => {}
    }
    if let Some(wide) = MathFn::Binary(op)
        .for_f32_in_f64()
        .filter(|_| dtype == DType::F32)
    {
        return f32_in_f64(e, plan, wide, &[x, y]);
    }
    if op == Remainder {
        let vty = plan.vty(dtype);
        return each(e, &|e, a, b| remainder(e, dtype, vty, a, b));
    }
    if op == FloorDivide && dtype == DType::F32 {
        return f32_floor_divide(e, plan, x, y);
    }
    let f = MathFn::Binary(op);
    if f.is_library() {
        return e.libcalls.math.emit(e.b, f, plan.vty(dtype), &[x, y]);
    }
    with_math!(e, plan, dtype, |m| match op {
        Add => m.add(x, y),
        Subtract => m.sub(x, y),
        Multiply => m.mul(x, y),
        Divide => m.div(x, y),
        Copysign => m.copysign(x, y),
        FloorDivide => crate::math::floor_divide(m, x, y),
        _ => unreachable!("excluded by plan()"),
    })
}
