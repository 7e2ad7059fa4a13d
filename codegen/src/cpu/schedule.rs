//! Instruction order within a kernel's large blocks: a list schedule by critical path.
//!
//! Cranelift at `opt_level=none` (kiln's setting, `CpuCompiler::new`) emits a block's
//! instructions in the order the emitter built them: function after function, each
//! one's chain of dependent operations in a row. A loop body of several independent
//! functions (chain: exp, log1p and tanh of different arguments) then keeps the
//! out-of-order window full of one function's dependent operations while the others'
//! wait behind them (docs/benchmarks.md, *What bounds chain's loop on Zen 4*).
//!
//! `schedule` reorders each block of at least `MIN_BLOCK` instructions: a list
//! schedule that always takes, of the instructions whose operands are ready, the one
//! with the longest path of latencies below it (Zen 4's: 4 cycles an fma, 3 an add or
//! multiply, 11 a division, 14 a square root, 5 a load, 1 the rest), so the longest
//! chains start first and the short ones fill in beside them. Instructions that touch
//! memory, call, trap or have other effects keep their order among themselves;
//! constants are placed just before their first user, as the emitter placed them.
//!
//! Starting chains earlier keeps more values alive at once, and on x86-64's sixteen
//! vector registers a value more can be a spill: scheduled without a limit, sin f64's
//! loop went from 23 to 34 live vectors and 20 to 30 ms. So a block takes the new
//! order only if its peak of live vector values (counted along the block) rises by
//! at most one over the emitter's order; otherwise it keeps the emitter's order.

use cranelift_codegen::ir::{Function, Inst, Opcode, Value, ValueDef};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Blocks shorter than this keep their order (the loops of simple kernels).
const MIN_BLOCK: usize = 64;

/// How many more live vector values than the emitter's order a schedule may have.
const PRESSURE_SLACK: usize = 1;

fn latency(op: Opcode) -> u32 {
    use Opcode::*;
    match op {
        Fma => 4,
        Fadd | Fsub | Fmul | FcvtFromSint | FcvtToSint | FcvtToSintSat | Nearest | Floor | Ceil
        | Trunc | Fvdemote | FvpromoteLow | Fpromote | Fdemote => 3,
        Fdiv => 11,
        Sqrt => 14,
        Load => 5,
        Vconst | Iconst | F32const | F64const | Bitcast => 0,
        _ => 1,
    }
}

fn has_effects(op: Opcode) -> bool {
    op.can_load() || op.can_store() || op.is_call() || op.other_side_effects() || op.can_trap()
}

fn is_constant(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::Vconst | Opcode::Iconst | Opcode::F32const | Opcode::F64const
    )
}

/// Reorder every large block of `func` (see the module comment). Returns how many
/// blocks took a new order.
pub fn schedule(func: &mut Function) -> usize {
    let blocks: Vec<_> = func.layout.blocks().collect();
    let mut changed = 0;
    for block in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        if insts.len() < MIN_BLOCK {
            continue;
        }
        let (term, body) = insts.split_last().expect("a block ends in a terminator");
        if let Some(order) = block_order(func, body, *term) {
            for &i in &order {
                func.layout.remove_inst(body[i]);
                func.layout.insert_inst(body[i], *term);
            }
            changed += 1;
        }
    }
    changed
}

/// The new order of `body` (indices), or None where it would keep more values alive.
fn block_order(func: &Function, body: &[Inst], term: Inst) -> Option<Vec<usize>> {
    let n = body.len();
    let dfg = &func.dfg;
    let index: HashMap<Inst, usize> = body.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    let op = |i: usize| dfg.insts[body[i]].opcode();
    // the instruction of this block that defines `v`, if any
    let def_in_block = |v: Value| match dfg.value_def(v) {
        ValueDef::Result(d, _) => index.get(&d).copied(),
        _ => None,
    };
    let constant: Vec<bool> = (0..n).map(|i| is_constant(op(i))).collect();

    // Dependences: operands defined in the block (constants aside), and the order of
    // the instructions with effects.
    let mut preds: Vec<Vec<usize>> = vec![vec![]; n];
    let mut last_effect = None;
    for i in 0..n {
        for &a in dfg.inst_args(body[i]) {
            if let Some(j) = def_in_block(a).filter(|&j| !constant[j]) {
                preds[i].push(j);
            }
        }
        if has_effects(op(i)) {
            preds[i].extend(last_effect);
            last_effect = Some(i);
        }
    }
    let mut succs: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, p) in preds.iter().enumerate() {
        for &j in p {
            succs[j].push(i);
        }
    }
    let mut height = vec![0u32; n];
    for i in (0..n).rev() {
        let below = succs[i].iter().map(|&s| height[s]).max().unwrap_or(0);
        height[i] = latency(op(i)) + below;
    }

    // The list schedule: the ready instruction of the greatest height, the earliest
    // in the emitter's order among equals.
    let mut waiting: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<(u32, Reverse<usize>)> = (0..n)
        .filter(|&i| waiting[i] == 0 && !constant[i])
        .map(|i| (height[i], Reverse(i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while let Some((_, Reverse(i))) = ready.pop() {
        for &a in dfg.inst_args(body[i]) {
            if let Some(j) = def_in_block(a).filter(|&j| constant[j] && !placed[j]) {
                placed[j] = true;
                order.push(j);
            }
        }
        placed[i] = true;
        order.push(i);
        for &s in &succs[i] {
            waiting[s] -= 1;
            if waiting[s] == 0 {
                ready.push((height[s], Reverse(s)));
            }
        }
    }
    // constants that only the terminator uses
    order.extend((0..n).filter(|&j| !placed[j]));
    debug_assert_eq!(order.len(), n);

    let source: Vec<usize> = (0..n).collect();
    let peak = |seq: &[usize]| peak_live(func, body, term, &index, seq);
    (order != source && peak(&order) <= peak(&source) + PRESSURE_SLACK).then_some(order)
}

/// The most vector values defined in the block and still to be used, over the block
/// in the order `seq` (a value dies at its last use, before the user's results live).
fn peak_live(
    func: &Function,
    body: &[Inst],
    term: Inst,
    index: &HashMap<Inst, usize>,
    seq: &[usize],
) -> usize {
    let dfg = &func.dfg;
    let mut uses: HashMap<Value, usize> = HashMap::new();
    for &inst in body.iter().chain([&term]) {
        for &a in dfg.inst_args(inst) {
            *uses.entry(a).or_default() += 1;
        }
    }
    let (mut live, mut peak) = (0usize, 0usize);
    for &i in seq {
        for &a in dfg.inst_args(body[i]) {
            let u = uses.get_mut(&a).expect("counted above");
            *u -= 1;
            let defined_here =
                matches!(dfg.value_def(a), ValueDef::Result(d, _) if index.contains_key(&d));
            if *u == 0 && defined_here && dfg.value_type(a).is_vector() {
                live -= 1;
            }
        }
        for &r in dfg.inst_results(body[i]) {
            if dfg.value_type(r).is_vector() && uses.get(&r).is_some_and(|&u| u > 0) {
                live += 1;
            }
        }
        peak = peak.max(live);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature};
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    fn target() -> cranelift_codegen::isa::TargetFrontendConfig {
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        let isa = cranelift_native::builder().unwrap().finish(flags).unwrap();
        isa.frontend_config()
    }

    /// A block of two loads, a short chain (one add), a long one (70 multiplies) and
    /// two stores, emitted short chain first.
    fn two_chains() -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(types::I64));
        let mut func = Function::with_name_signature(Default::default(), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let p = b.block_params(block)[0];
        let flags = MemFlagsData::trusted();
        let x = b.ins().load(types::F64X2, flags, p, 0);
        let y = b.ins().load(types::F64X2, flags, p, 16);
        let short = b.ins().fadd(y, y);
        let mut long = x;
        for _ in 0..70 {
            long = b.ins().fmul(long, x);
        }
        b.ins().store(flags, short, p, 32);
        b.ins().store(flags, long, p, 48);
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(target());
        func
    }

    fn opcodes(func: &Function) -> Vec<Opcode> {
        let block = func.layout.entry_block().unwrap();
        func.layout
            .block_insts(block)
            .map(|i| func.dfg.insts[i].opcode())
            .collect()
    }

    #[test]
    fn the_longest_chain_starts_first_and_effects_keep_their_order() {
        let mut func = two_chains();
        let before = opcodes(&func);
        assert_eq!(before[2], Opcode::Fadd);
        assert_eq!(schedule(&mut func), 1);
        let after = opcodes(&func);
        // the same instructions, the long chain's first multiply right after its load
        // (the other load waits: it heads the short chain)
        let count = |ops: &[Opcode], op| ops.iter().filter(|&&o| o == op).count();
        for op in [Opcode::Load, Opcode::Fadd, Opcode::Fmul, Opcode::Store] {
            assert_eq!(count(&before, op), count(&after, op), "{op}");
        }
        assert_eq!(&after[..2], &[Opcode::Load, Opcode::Fmul]);
        // loads, then stores, in their order, and the add before the store of its value
        let effects: Vec<Opcode> = after.iter().copied().filter(|o| has_effects(*o)).collect();
        assert_eq!(
            effects,
            [Opcode::Load, Opcode::Load, Opcode::Store, Opcode::Store]
        );
        let add = after.iter().position(|&o| o == Opcode::Fadd).unwrap();
        let store = after.iter().position(|&o| o == Opcode::Store).unwrap();
        assert!(add < store);
        assert_eq!(*after.last().unwrap(), Opcode::Return);
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("still valid IR");
    }

    #[test]
    fn short_blocks_keep_their_order() {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(types::I64));
        let mut func = Function::with_name_signature(Default::default(), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let p = b.block_params(block)[0];
        let x = b.ins().load(types::F64X2, MemFlagsData::trusted(), p, 0);
        let y = b.ins().fadd(x, x);
        let z = b.ins().fmul(x, y);
        b.ins().store(MemFlagsData::trusted(), z, p, 16);
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(target());
        let before = opcodes(&func);
        assert_eq!(schedule(&mut func), 0);
        assert_eq!(opcodes(&func), before);
    }
}
