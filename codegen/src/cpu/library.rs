//! kiln's math functions compiled once per process and called by kernels: each
//! (function, value type, copies) becomes a small native function of its own, the
//! first time a kernel needs it, and every later kernel calls that code.
//!
//! Inline, a transcendental is emitted once per unrolled vector and again in the
//! scalar tail, in every kernel that uses it, and Cranelift's compile time grows with
//! the size of the function it compiles: a 20-op kernel of sin, cos, pow and atan2
//! took 62–64 ms to compile, nearly all of it those functions' code (docs/benchmarks.md,
//! *Compile time of the costliest functions*). Called, each function is compiled once
//! for all its uses (the copies of one loop iteration still run in lockstep inside the
//! helper: `Lockstep`), and a kernel's own code stays a small loop nest.
//!
//! The call: the kernel stores the arguments (`arity × copies` values, 16 bytes apart)
//! into a stack slot, calls the helper with the slot's address, and loads the `copies`
//! results from the start of the slot. Store-to-load forwarding makes that traffic
//! cheap beside the function's own work; the cost is the call itself and that every
//! vector register is caller-saved (System V), so values live across the call are
//! kept on the stack: 4–8% on a loop of sin, atan2 or f32 pow alone, 10–50% on one of
//! exp or log alone (2026-12-04). So a kernel calls only as many functions, the largest
//! first, as it takes to keep its inline math within a compile-time budget
//! (`MathCalls::new`); small kernels, and so every kernel of eager mode, stay inline
//! (but for f32 pow, whose inline code is large enough on its own).
//!
//! The first kernel to call a helper compiles it, beside the kernel's own compilation
//! and the other helpers it is the first to call: they are independent jobs, handed to
//! the caller's `Parallel` (the runtime's rayon pool; codegen itself starts no
//! threads), the longest first; the calling thread takes what is left once its kernel
//! is compiled. A kernel is emitted before its helpers exist, so each call loads the
//! helper's address from the helper's cell, which is filled before
//! `CpuCompiler::compile_with` returns the kernel. On two cores this brought the first
//! kernel of sin, cos, pow and atan2 from 7.2 to 4.9 ms (medians of five), and with
//! cold code (below) to 3.2–3.6 ms (2026-12-04).
//!
//! Cold code (`MathFn::is_cold`: the Payne–Hanek side of sin, cos and tan, three
//! quarters of their code, and the f64 algorithm that f32 sin, cos and tan in f64 fall
//! back to; run only for arguments beyond millions) is always a call,
//! in kernels and helpers alike (but under `Never`), of a helper compiled the first
//! time a call reaches it (`lazy_entry`), while a kernel runs.
//!
//! Helpers are never freed: there are at most a few hundred keys, and a kernel in the
//! runtime's cache may hold a helper's address for the life of the process.

use super::clif_math::{join_halves, widen_halves, ClifMath32, ClifMath64};
use super::lockstep::{parts, Lanes, Lockstep, Outline, MAX_COPIES};
use super::CodegenError;
use crate::math;
use crate::math::{Cold, MathBuilder, Trig};
use cranelift_codegen::ir::{
    types, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData, StackSlotKind,
    Type, UserFuncName, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use kiln_ir::kernel::{Instr, Kernel};
use kiln_ir::{BinaryOp, DType, UnaryOp};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Bytes between two values in a helper's argument slot (one 128-bit vector).
const SLOT: usize = 16;

/// The most arguments of a library function.
const MAX_ARITY: usize = 2;

/// The unary ops that are functions of the math library (`MathFn::apply`).
pub const LIBRARY_UNARY: [UnaryOp; 18] = {
    use UnaryOp::*;
    [
        Exp, Expm1, Log, Log1p, Log2, Log10, Sin, Cos, Tan, Sinh, Cosh, Tanh, Asin, Acos, Atan,
        Asinh, Acosh, Atanh,
    ]
};

/// The binary ops that are functions of the math library.
pub const LIBRARY_BINARY: [BinaryOp; 4] = {
    use BinaryOp::*;
    [Pow, Atan2, Hypot, Logaddexp]
};

/// A function of the math library, as a kernel applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MathFn {
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// f32 `pow` on f64 lanes (`math::pow_f32_in_f64`), emitted for 64-bit types only
    /// (a called one's helper may take F32X4 vectors and widen them: `Key::widens`).
    PowF32InF64,
    /// f32 sin, cos or tan on f64 lanes (`math::trig_f32_in_f64`), likewise.
    TrigF32InF64(Trig),
    /// Cold code (`math::Cold`: the rare sides of sin, cos and tan), called and
    /// compiled on first use (`is_cold`).
    Cold(Cold),
}

impl MathFn {
    pub fn name(self) -> &'static str {
        match self {
            MathFn::Unary(op) => op.name(),
            MathFn::Binary(op) => op.name(),
            MathFn::PowF32InF64 => "pow (f32, in f64)",
            MathFn::TrigF32InF64(Trig::Sin) => "sin (f32, in f64)",
            MathFn::TrigF32InF64(Trig::Cos) => "cos (f32, in f64)",
            MathFn::TrigF32InF64(Trig::Tan) => "tan (f32, in f64)",
            MathFn::Cold(c) => c.name(),
        }
    }

    pub fn arity(self) -> usize {
        match self {
            MathFn::Unary(_) | MathFn::TrigF32InF64(_) => 1,
            MathFn::Binary(_) | MathFn::PowF32InF64 | MathFn::Cold(_) => 2,
        }
    }

    /// Whether this is a function of the math library (a transcendental, not an op
    /// that is a few instructions).
    pub fn is_library(self) -> bool {
        match self {
            MathFn::Unary(op) => LIBRARY_UNARY.contains(&op),
            MathFn::Binary(op) => LIBRARY_BINARY.contains(&op),
            MathFn::PowF32InF64 | MathFn::TrigF32InF64(_) => true,
            MathFn::Cold(_) => false,
        }
    }

    /// The function that computes this one's f32 values in f64 lanes, for the caller
    /// to widen the arguments and round the result once, where the CPU backend does
    /// so: pow (`math::pow_f32_in_f64`), sin, cos and tan (`math::trig_f32_in_f64`).
    /// In f64 these need none of the double-word steps their f32-width algorithms take
    /// to stay within an ulp, so two halves of an f32 vector cost less (10M f32, AMD
    /// EPYC, 2 cores: sin 11.7–12.4 -> 7.0–8.3 ms, tan 16.2–18.4 -> 11.4–12.2; see
    /// docs/architecture.md). Not atan and atan2: in f64 they ran slower (10.5 against
    /// 9.0 ms, 20.0 against 18.8), their f64 divisions costing more than f32's. acosh
    /// took this route until its f32-width function dropped its double words (one
    /// thread, 10M f32: in f64 33.8 ms, f32-width 20.8; docs/architecture.md).
    pub fn for_f32_in_f64(self) -> Option<MathFn> {
        match self {
            MathFn::Binary(BinaryOp::Pow) => Some(MathFn::PowF32InF64),
            MathFn::Unary(UnaryOp::Sin) => Some(MathFn::TrigF32InF64(Trig::Sin)),
            MathFn::Unary(UnaryOp::Cos) => Some(MathFn::TrigF32InF64(Trig::Cos)),
            MathFn::Unary(UnaryOp::Tan) => Some(MathFn::TrigF32InF64(Trig::Tan)),
            _ => None,
        }
    }

    /// Whether this computes an f32 function in f64 lanes (`for_f32_in_f64`'s results).
    pub fn is_f32_in_f64(self) -> bool {
        matches!(self, MathFn::PowF32InF64 | MathFn::TrigF32InF64(_))
    }

    /// Whether this is cold code: emitted out of line wherever it is used (unless the
    /// policy is `Never`), and compiled the first time it runs (`lazy_entry`), so that
    /// code for rare arguments costs no compile time until such an argument comes.
    pub fn is_cold(self) -> bool {
        matches!(self, MathFn::Cold(_))
    }

    /// How many copies one helper call runs in lockstep (a kernel with more calls the
    /// helper once per group): four for pow, whose long dependency chains and table
    /// lookups need them (the reason kernels that call pow unroll by four,
    /// `vector::calls_pow`), two for the rest. Helpers of two copies compile in half
    /// the time of four; against four, a 20-op kernel of sin, cos, pow and atan2 ran
    /// as fast (2M f32: 43.5 against 44.2 ms; f64 91.9 against 89.9), pmodel with pow
    /// at two 5–7% slower (151–154 against 143 ms; 2026-12-04).
    pub fn lockstep(self) -> usize {
        match self {
            MathFn::Binary(BinaryOp::Pow) | MathFn::PowF32InF64 => 4,
            _ => 2,
        }
    }

    /// Apply the function with any math builder (one value per argument).
    ///
    /// # Panics
    /// If `self` is an op that is not a library function (`is_library`). The f32 routes
    /// in f64 (`PowF32InF64`, `TrigF32InF64`) need a 64-bit builder (a
    /// debug assertion).
    pub fn apply<B: MathBuilder>(self, m: &mut B, a: &[B::V]) -> B::V {
        use BinaryOp::*;
        use UnaryOp::*;
        match self {
            MathFn::Unary(op) => {
                let x = a[0];
                match op {
                    Exp => math::exp(m, x),
                    Expm1 => math::expm1(m, x),
                    Log => math::log(m, x),
                    Log1p => math::log1p(m, x),
                    Log2 => math::log2(m, x),
                    Log10 => math::log10(m, x),
                    Sin => math::sin(m, x),
                    Cos => math::cos(m, x),
                    Tan => math::tan(m, x),
                    Sinh => math::sinh(m, x),
                    Cosh => math::cosh(m, x),
                    Tanh => math::tanh(m, x),
                    Asin => math::asin(m, x),
                    Acos => math::acos(m, x),
                    Atan => math::atan(m, x),
                    Asinh => math::asinh(m, x),
                    Acosh => math::acosh(m, x),
                    Atanh => math::atanh(m, x),
                    _ => unreachable!("{} is not a library function", op.name()),
                }
            }
            MathFn::Binary(op) => {
                let (x, y) = (a[0], a[1]);
                match op {
                    Pow => math::pow(m, x, y),
                    Atan2 => math::atan2(m, x, y),
                    Hypot => math::hypot(m, x, y),
                    Logaddexp => math::logaddexp(m, x, y),
                    _ => unreachable!("{} is not a library function", op.name()),
                }
            }
            MathFn::PowF32InF64 => math::pow_f32_in_f64(m, a[0], a[1]),
            MathFn::TrigF32InF64(kind) => math::trig_f32_in_f64(m, kind, a[0]),
            MathFn::Cold(c) => math::cold(m, c, a),
        }
    }
}

/// One compiled helper, `fn(slot, cell)`: `f` on `copies` values of type `ty` (F32, F64,
/// F32X4, F64X2); it reads `arity × copies` values from `slot` (argument j of copy c
/// at `SLOT · (j · copies + c)`) and writes the `copies` results at `SLOT · c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    f: MathFn,
    ty: Type,
    copies: usize,
}

impl Key {
    /// What the helper computes, for the compile log: "sin on 2 × f32x4".
    fn describe(self) -> String {
        format!("{} on {} × {}", self.f.name(), self.copies, self.ty)
    }

    /// The helper's size in Cranelift instructions, about in proportion to its compile
    /// time.
    fn size(self, isa: &OwnedTargetIsa) -> usize {
        if self.widens() {
            // two f64 halves per f32 vector
            return inline_size(isa, self.f, 64) * self.copies * 2;
        }
        inline_size(isa, self.f, self.ty.lane_bits()) * self.copies
    }

    /// Whether the helper takes f32 vectors and computes the function on their f64
    /// halves (`MathCalls::call_f32`).
    fn widens(self) -> bool {
        self.ty == types::F32X4 && self.f.is_f32_in_f64()
    }
}

/// Which library functions a kernel calls rather than emits inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathCallPolicy {
    /// Inline while the kernel's inline math stays within `INLINE_BUDGET` (and
    /// `INLINE_BUDGET_SMALL`); beyond, call the largest functions until it does
    /// (`MathCalls::new`).
    Auto,
    /// Call every library function.
    Always,
    /// Inline every library function.
    Never,
}

impl MathCallPolicy {
    /// From `KILN_MATH_CALLS` (auto, always or never; unset or empty is auto).
    pub fn from_env() -> Result<MathCallPolicy, CodegenError> {
        Self::parse(&std::env::var("KILN_MATH_CALLS").unwrap_or_default())
    }

    fn parse(value: &str) -> Result<MathCallPolicy, CodegenError> {
        match value {
            "auto" | "" => Ok(MathCallPolicy::Auto),
            "always" => Ok(MathCallPolicy::Always),
            "never" => Ok(MathCallPolicy::Never),
            other => Err(CodegenError::Setting(format!(
                "KILN_MATH_CALLS must be auto, always or never, not {other:?}"
            ))),
        }
    }
}

/// How many Cranelift instructions of inline library code a kernel may hold before it
/// calls its large functions (`is_large`: sin, cos, tan, pow, atan2, asinh, acosh,
/// atanh, logaddexp, sinh, cosh, ...). Every copy counts (`CpuCompiler::copies`).
/// Cranelift compiled kiln's kernels at about 1.1–1.2 µs per instruction here
/// (2026-12-04, Intel Xeon): 2000 is about 2.3 ms, room for four sin or cos (about
/// 140 instructions each, their cold code called) in a two-vector loop.
pub const INLINE_BUDGET: usize = 2000;

/// The budget before a kernel also calls its small functions (exp, log, tanh, ...),
/// where a call costs most beside the function's own work: about 4.5 ms, a dozen exp
/// or log.
pub const INLINE_BUDGET_SMALL: usize = 4000;

/// Whether a function whose inline code is `size` instructions per use is large (see
/// `INLINE_BUDGET`): one and a half times exp's size of that width or more. exp and log
/// are the small functions, where a call costs most beside the function's own work;
/// the ratio keeps f64 log1p, atan and log10 (1.3–1.4 times exp) with them.
fn is_large(isa: &OwnedTargetIsa, size: usize, bits: u32) -> bool {
    2 * size >= 3 * inline_size(isa, MathFn::Unary(UnaryOp::Exp), bits)
}

/// The functions a kernel calls, and the helpers its calls use.
pub struct MathCalls {
    isa: OwnedTargetIsa,
    called: Vec<MathFn>,
    /// The helpers the emitted calls use, each once (cold ones are not: they compile
    /// when first run).
    used: RefCell<Vec<&'static HelperCell>>,
    /// The stack slot that carries every call's arguments and results.
    slot: Cell<Option<StackSlot>>,
    /// Whether cold code is emitted as calls (`MathFn::is_cold`; not under `Never`).
    outline: bool,
}

impl MathCalls {
    /// The calls of `kernel`, whose loops emit each instruction `copies` times (the
    /// unrolled vectors plus the scalar tail; 1 for a scalar kernel): under `Auto`,
    /// functions are called, the largest first (per use, where a call costs least
    /// beside the function's own work), until the inline rest is within the budget
    /// (`INLINE_BUDGET`).
    pub fn new(
        isa: OwnedTargetIsa,
        policy: MathCallPolicy,
        kernel: &Kernel,
        copies: usize,
    ) -> MathCalls {
        // (function, inline size per use, whether large)
        let mut uses: Vec<(MathFn, usize, bool)> = Vec::new();
        for (instr, dtype) in &kernel.instrs {
            let bits = match dtype {
                DType::F32 => 32,
                DType::F64 => 64,
                _ => continue,
            };
            let f = match *instr {
                Instr::Unary(op, _) => MathFn::Unary(op),
                Instr::Binary(op, _, _) => MathFn::Binary(op),
                _ => continue,
            };
            if f.is_library() {
                let (f, size) = match f.for_f32_in_f64().filter(|_| bits == 32) {
                    // two f64 halves per f32 vector
                    Some(wide) => (wide, 2 * inline_size(&isa, wide, 64)),
                    None => (f, inline_size(&isa, f, bits)),
                };
                uses.push((f, size, is_large(&isa, size, bits)));
            }
        }
        let called = match policy {
            MathCallPolicy::Never => Vec::new(),
            MathCallPolicy::Always => uses.iter().map(|u| u.0).collect(),
            MathCallPolicy::Auto => {
                let mut total: usize = uses.iter().map(|u| u.1 * copies).sum();
                uses.sort_by_key(|u| std::cmp::Reverse(u.1));
                let mut called = Vec::new();
                for &(f, _, large) in &uses {
                    let budget = if large {
                        INLINE_BUDGET
                    } else {
                        INLINE_BUDGET_SMALL
                    };
                    if total > budget && !called.contains(&f) {
                        called.push(f);
                        total -= (uses.iter())
                            .filter(|u| u.0 == f)
                            .map(|u| u.1 * copies)
                            .sum::<usize>();
                    }
                }
                called
            }
        };
        MathCalls {
            isa,
            called,
            used: RefCell::new(Vec::new()),
            slot: Cell::new(None),
            outline: policy != MathCallPolicy::Never,
        }
    }

    /// For the body of a helper: calls nothing but cold code.
    fn for_helper(isa: &OwnedTargetIsa) -> MathCalls {
        MathCalls {
            isa: isa.clone(),
            called: Vec::new(),
            used: RefCell::new(Vec::new()),
            slot: Cell::new(None),
            outline: true,
        }
    }

    /// `f` inline on `args`, the copies in lockstep; cold code as calls unless the
    /// policy is `Never`.
    fn apply(&self, b: &mut FunctionBuilder, f: MathFn, ty: Type, args: &[Lanes]) -> Lanes {
        let outline = self.outline.then_some(self as &dyn Outline);
        let n = args[0].as_slice().len();
        if ty.lane_bits() == 32 {
            let base = ClifMath32::new(b, ty);
            f.apply(&mut Lockstep { base, n, outline }, args)
        } else {
            let base = ClifMath64::new(b, ty);
            f.apply(&mut Lockstep { base, n, outline }, args)
        }
    }

    /// `f`, an f32 function in f64 lanes (`MathFn::is_f32_in_f64`), on the F32X4
    /// vectors of `args`: each vector's two halves widened, `f.lockstep()` halves at a
    /// time in lockstep, the results rounded to f32 and joined again (what the vector
    /// loop does around inline code, `vector::widened`).
    fn apply_widened(&self, b: &mut FunctionBuilder, f: MathFn, args: &[Lanes]) -> Lanes {
        let halves: Vec<Vec<Value>> = (args.iter())
            .map(|a| {
                (a.as_slice().iter())
                    .flat_map(|&v| widen_halves(b, v))
                    .collect()
            })
            .collect();
        let halves: Vec<&[Value]> = halves.iter().map(|h| h.as_slice()).collect();
        let mut wide = Vec::new();
        for part in parts(&halves, f.lockstep()) {
            let r = self.apply(b, f, types::F64X2, &part);
            wide.extend_from_slice(r.as_slice());
        }
        let joined: Vec<Value> = (wide.chunks(2))
            .map(|h| join_halves(b, h[0], h[1]))
            .collect();
        Lanes::new(&joined)
    }

    /// Calls of `f`, an f32 function in f64 lanes that the kernel calls, on F32X4
    /// `args`: each call takes the f32 vectors whose halves make one lockstep group
    /// (`f.lockstep() / 2`) and its helper widens them itself (`apply_widened`). The
    /// kernel used to widen them, store the halves, and load and round the results:
    /// twice the stores and loads, and the widening and rounding in every kernel's code
    /// (the overhead example's 20-op f32 kernel of sin, cos, pow and atan2, every
    /// function called, compiled in 2.1–2.2 ms, now in 1.2–1.8; docs/benchmarks.md).
    /// One call for all the copies compiled faster still (0.9–1.3 ms), but its helpers,
    /// twice as large, slowed the first kernel of a process, which compiles them
    /// (5.9–10.5 ms against 5.8–7.3).
    pub fn call_f32(&self, b: &mut FunctionBuilder, f: MathFn, args: &[Lanes]) -> Lanes {
        debug_assert!(f.is_f32_in_f64() && self.called(f));
        self.calls(b, f, types::F32X4, args, (f.lockstep() / 2).max(1))
    }

    /// Whether the kernel calls `f` rather than emitting it inline.
    pub fn called(&self, f: MathFn) -> bool {
        self.called.contains(&f)
    }

    /// The names of the functions the kernel calls.
    pub fn called_names(&self) -> Vec<String> {
        self.called.iter().map(|f| f.name().to_string()).collect()
    }

    /// Compile the helpers the emitted calls use that the process has not compiled
    /// yet, as jobs of `parallel` beside `own` (the kernel's own compilation), and
    /// return what was compiled and how long each took. The kernel must not run before
    /// this has returned `Ok`: its calls read the helpers' addresses.
    pub fn compile_helpers(
        &self,
        parallel: &dyn Parallel,
        own: &mut dyn FnMut(),
    ) -> Result<Vec<(String, Duration)>, CodegenError> {
        let used = self.used.borrow();
        let mut pending: Vec<&'static HelperCell> =
            used.iter().copied().filter(|h| !h.compiled()).collect();
        // the longest first, so that the last to start are short (`Key::size`)
        pending.sort_by_cached_key(|h| std::cmp::Reverse(h.key.size(&self.isa)));
        let compiled = Mutex::new(Vec::new());
        let next = AtomicUsize::new(0);
        // takes helpers until none is left: the jobs, and this thread after `own`
        let work = || {
            while let Some(h) = pending.get(next.fetch_add(1, Ordering::Relaxed)) {
                if let Ok(Some(took)) = h.compile() {
                    let what = h.key.describe();
                    compiled
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((what, took));
                }
            }
        };
        if pending.is_empty() {
            own();
        } else {
            let jobs = pending.len().saturating_sub(1);
            parallel.run(jobs, &|_| work(), &mut || {
                own();
                work();
            });
        }
        // Every helper the kernel calls must be in place before it can run: this
        // returns at once for a compiled one, and compiles (again) one whose
        // compilation failed or that a `Parallel` did not run, or returns its error.
        for h in used.iter() {
            h.compile()?;
        }
        Ok(compiled.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    /// `f` on `args` (one `Lanes` per argument, each of `copies` values of type `ty`):
    /// a call of its helper if the kernel calls `f` (`called`), else its code inline,
    /// the copies in lockstep. Every library function of a kernel goes through here,
    /// but for the called f32 functions in f64 lanes of a four-lane f32 loop
    /// (`call_f32`).
    pub fn emit(&self, b: &mut FunctionBuilder, f: MathFn, ty: Type, args: &[Lanes]) -> Lanes {
        if self.called(f) {
            return self.call(b, f, ty, args);
        }
        self.apply(b, f, ty, args)
    }

    /// Emit a call of `f` on `args` (as for `emit`) and return the results.
    fn call(&self, b: &mut FunctionBuilder, f: MathFn, ty: Type, args: &[Lanes]) -> Lanes {
        self.calls(b, f, ty, args, f.lockstep())
    }

    /// Calls of `f` on `args`, `per` copies each.
    fn calls(
        &self,
        b: &mut FunctionBuilder,
        f: MathFn,
        ty: Type,
        args: &[Lanes],
        per: usize,
    ) -> Lanes {
        let args: Vec<&[Value]> = args.iter().map(|a| a.as_slice()).collect();
        let mut out = Vec::new();
        for part in parts(&args, per) {
            out.extend_from_slice(self.call_once(b, f, ty, &part).as_slice());
        }
        Lanes::new(&out)
    }

    /// One call of the helper for all of `args`' copies.
    fn call_once(&self, b: &mut FunctionBuilder, f: MathFn, ty: Type, args: &[Lanes]) -> Lanes {
        debug_assert!(args.len() == f.arity() && f.arity() <= MAX_ARITY);
        let copies = args[0].as_slice().len();
        let key = Key { f, ty, copies };
        let h = helper(key, &self.isa);
        if !f.is_cold() && !self.used.borrow().iter().any(|u| u.key == key) {
            self.used.borrow_mut().push(h);
        }
        // one slot for every call of the kernel, as large as the largest call needs
        let slot = self.slot.get().unwrap_or_else(|| {
            let s = b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                (SLOT * MAX_ARITY * MAX_COPIES) as u32,
                4, // 16-byte aligned
            ));
            self.slot.set(Some(s));
            s
        });
        let ptr = self.isa.pointer_type();
        for (j, a) in args.iter().enumerate() {
            for (c, &v) in a.as_slice().iter().enumerate() {
                b.ins()
                    .stack_store(ptr, v, slot, (SLOT * (j * copies + c)) as i32);
            }
        }
        let sig = b.import_signature(helper_signature(&self.isa));
        // the helper's address: stored before the kernel can run (`compile_helpers`),
        // or for cold code first `lazy_entry`'s
        let cell = b.ins().iconst(ptr, h as *const HelperCell as i64);
        let code = std::mem::offset_of!(HelperCell, code) as i32;
        let callee = b.ins().load(ptr, MemFlagsData::trusted(), cell, code);
        let p = b.ins().stack_addr(ptr, slot, 0);
        b.ins().call_indirect(sig, callee, &[p, cell]);
        let out: Vec<Value> = (0..copies)
            .map(|c| b.ins().stack_load(ptr, ty, slot, (SLOT * c) as i32))
            .collect();
        Lanes::new(&out)
    }
}

/// Who runs the independent parts of one compilation: the helpers a kernel calls for
/// the first time in the process, beside the kernel itself. Codegen knows no threads:
/// `Serial` runs them in turn; the runtime runs them on its thread pool.
pub trait Parallel {
    /// Run `job(i)` for every `i < n`, and `own()` on this thread; return when all
    /// have.
    fn run(&self, n: usize, job: &(dyn Fn(usize) + Sync), own: &mut dyn FnMut());
}

/// Runs a compilation's parts one after the other on the calling thread.
pub struct Serial;

impl Parallel for Serial {
    fn run(&self, n: usize, job: &(dyn Fn(usize) + Sync), own: &mut dyn FnMut()) {
        (0..n).for_each(job);
        own();
    }
}

impl Outline for MathCalls {
    fn cold(&self, b: &mut FunctionBuilder, c: Cold, ty: Type, args: &[Lanes]) -> Lanes {
        self.call_once(b, MathFn::Cold(c), ty, args)
    }
}

/// A helper's signature: `fn(slot, cell)`, the cell being its own `HelperCell` (which only
/// `lazy_entry` reads).
fn helper_signature(isa: &OwnedTargetIsa) -> Signature {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(isa.pointer_type()));
    sig.params.push(AbiParam::new(isa.pointer_type()));
    sig
}

/// One helper of the process: what it computes, its address (kernels load it at each
/// call: 0 until compiled, or `lazy_entry` for cold code), and whether it is compiled.
struct HelperCell {
    key: Key,
    isa: OwnedTargetIsa,
    code: AtomicUsize,
    done: AtomicBool,
    /// Held while the helper compiles, so that it compiles once.
    compiling: Mutex<()>,
}

impl HelperCell {
    fn compiled(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Compile the helper unless that is done (or being done on another thread: then
    /// wait for it); how long it took if this call compiled it. A failure is returned
    /// and not kept: the next call tries again.
    fn compile(&self) -> Result<Option<Duration>, CodegenError> {
        if self.compiled() {
            return Ok(None);
        }
        let _one = self.compiling.lock().unwrap_or_else(|p| p.into_inner());
        if self.compiled() {
            return Ok(None);
        }
        let start = Instant::now();
        let code = compile(&self.isa, self.key).map_err(CodegenError::Cranelift)?;
        self.code.store(code, Ordering::Release);
        self.done.store(true, Ordering::Release);
        Ok(Some(start.elapsed()))
    }
}

/// Cold helpers compiled while kernels ran (`lazy_entry`), and how long each took, not
/// yet taken by `take_cold_compiled`.
static COLD_COMPILED: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// The cold helpers compiled since the last call, while kernels ran (for the
/// runtime's `KILN_LOG=compile`).
pub fn take_cold_compiled() -> Vec<(String, Duration)> {
    std::mem::take(&mut COLD_COMPILED.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The first call of a cold helper (`MathFn::is_cold`) comes here: compile it, then
/// call it (later calls go to it directly). A kernel is running, so a failure to
/// compile cannot be returned: it ends the process with the message (the tests compile
/// every cold helper: `cold_helpers_compile`).
///
/// # Safety
/// `cell` is a cell made by `helper` for a cold key, and `slot` holds that helper's
/// arguments (`call_once`): kernels call it so.
unsafe extern "C" fn lazy_entry(slot: *mut u8, cell: *const HelperCell) {
    // SAFETY: the caller's (see above); cells are leaked, so never dangle.
    let h = unsafe { &*cell };
    match h.compile() {
        Ok(None) => {}
        Ok(Some(took)) => {
            let what = h.key.describe();
            (COLD_COMPILED.lock().unwrap_or_else(|p| p.into_inner())).push((what, took));
        }
        Err(e) => {
            eprintln!("kiln: {e}");
            std::process::abort();
        }
    }
    let code = h.code.load(Ordering::Acquire);
    // SAFETY: a compiled helper, whose signature is `helper_signature`: the C one.
    let f =
        unsafe { std::mem::transmute::<usize, extern "C" fn(*mut u8, *const HelperCell)>(code) };
    f(slot, cell)
}

/// The helper for `key` (made on first use, with `isa`; compiled by
/// `HelperCell::compile`).
fn helper(key: Key, isa: &OwnedTargetIsa) -> &'static HelperCell {
    static HELPERS: OnceLock<Mutex<HashMap<Key, &'static HelperCell>>> = OnceLock::new();
    let mut helpers = HELPERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    helpers.entry(key).or_insert_with(|| {
        let code = if key.f.is_cold() {
            lazy_entry as unsafe extern "C" fn(*mut u8, *const HelperCell) as usize
        } else {
            0
        };
        Box::leak(Box::new(HelperCell {
            key,
            isa: isa.clone(),
            code: AtomicUsize::new(code),
            done: AtomicBool::new(false),
            compiling: Mutex::new(()),
        }))
    })
}

fn compile(isa: &OwnedTargetIsa, key: Key) -> Result<usize, String> {
    let err = |e: &dyn std::fmt::Debug| format!("math helper {key:?}: {e:?}");
    assert!(key.copies >= 1 && key.copies <= MAX_COPIES);
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let mut ctx = module.make_context();
    let sig = helper_signature(isa);
    ctx.func.signature = sig.clone();
    let id = module
        .declare_function("math_helper", Linkage::Export, &sig)
        .map_err(|e| err(&e))?;
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let slot = b.block_params(entry)[0];
        let flags = MemFlagsData::trusted(); // the caller's aligned stack slot
        let args: Vec<Lanes> = (0..key.f.arity())
            .map(|j| {
                let v: Vec<Value> = (0..key.copies)
                    .map(|c| {
                        let off = (SLOT * (j * key.copies + c)) as i32;
                        b.ins().load(key.ty, flags, slot, off)
                    })
                    .collect();
                Lanes::new(&v)
            })
            .collect();
        let calls = MathCalls::for_helper(isa);
        let r = if key.widens() {
            calls.apply_widened(&mut b, key.f, &args)
        } else {
            calls.apply(&mut b, key.f, key.ty, &args)
        };
        for (c, &v) in r.as_slice().iter().enumerate() {
            b.ins().store(flags, v, slot, (SLOT * c) as i32);
        }
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    module.define_function(id, &mut ctx).map_err(|e| err(&e))?;
    module.clear_context(&mut ctx);
    module.finalize_definitions().map_err(|e| err(&e))?;
    let code = module.get_finalized_function(id);
    // The module is never freed (see the module docs): forgetting it keeps its code
    // mapped for the life of the process.
    std::mem::forget(module);
    Ok(code as usize)
}

/// The number of Cranelift instructions `f` emits inline for one value of a `bits`-wide
/// float (both sides of its branches, its cold code as a call), measured once by
/// emitting it into a scratch function.
pub fn inline_size(isa: &OwnedTargetIsa, f: MathFn, bits: u32) -> usize {
    static SIZES: OnceLock<Mutex<HashMap<(MathFn, u32), usize>>> = OnceLock::new();
    let mut sizes = SIZES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *sizes.entry((f, bits)).or_insert_with(|| {
        let mut func = cranelift_codegen::ir::Function::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.switch_to_block(entry);
        let ty = if bits == 32 {
            types::F32X4
        } else {
            types::F64X2
        };
        let x = b.append_block_param(entry, ty);
        let before = b.func.dfg.num_insts();
        let args = vec![Lanes::new(&[x]); f.arity()];
        MathCalls::for_helper(isa).apply(&mut b, f, ty, &args);
        b.func.dfg.num_insts() - before
    })
}

#[cfg(test)]
mod tests {
    use super::super::{CpuCompiler, Inspect};
    use super::*;
    use kiln_ir::kernel::{Access, Arg, Store, Stride, Value as KValue};

    fn library_functions() -> Vec<MathFn> {
        let unary = LIBRARY_UNARY.into_iter().map(MathFn::Unary);
        unary
            .chain(LIBRARY_BINARY.into_iter().map(MathFn::Binary))
            .collect()
    }

    /// `out[i] = f(x[i])` or `f(x[i], y[i])`, both inputs and the output contiguous;
    /// with `after_pow` a unary `f` of `pow(x[i], y[i])` (a kernel that calls pow
    /// unrolls by four, so `f`'s helper is called once per pair of vectors).
    fn kernel(f: MathFn, dtype: DType, after_pow: bool) -> Kernel {
        let arg = |output| Arg { dtype, output };
        let access = |arg| Access {
            arg,
            strides: [Stride::Unit].into_iter().collect(),
        };
        let load = |access| (Instr::Load { access }, dtype);
        let mut instrs = vec![load(0), load(1)];
        if after_pow {
            instrs.push((Instr::Binary(BinaryOp::Pow, KValue(0), KValue(1)), dtype));
        }
        let x = KValue(instrs.len() as u32 - 1);
        let op = match f {
            MathFn::Unary(op) => Instr::Unary(op, x),
            MathFn::Binary(op) => Instr::Binary(op, KValue(0), KValue(1)),
            MathFn::PowF32InF64 | MathFn::TrigF32InF64(_) | MathFn::Cold(_) => {
                unreachable!("not an op of its own")
            }
        };
        instrs.push((op, dtype));
        Kernel {
            rank: 1,
            reduced: 0,
            args: vec![arg(true), arg(false), arg(false)],
            accesses: vec![access(1), access(2), access(0)],
            stores: vec![Store {
                access: 2,
                value: KValue(instrs.len() as u32 - 1),
                phase: None,
            }],
            instrs,
            reductions: Vec::new(),
        }
    }

    /// Arguments that take every path of the functions: ordinary values, both signs,
    /// ±0, ±inf, NaN, subnormals, the edges of the domains (±1), huge values (sin's
    /// Payne–Hanek reduction, pow's overflow) and tiny ones.
    fn arguments() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            2.0,
            -3.0,
            0.999,
            1.001,
            10.0,
            -10.0,
            100.0,
            1e-5,
            -1e-5,
            1e-300,
            1e-40,
            3e38,
            1e30,
            -1e30,
            1e300,
            -1e300,
            710.0,
            -750.0,
            88.5,
            -104.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let m = (s >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
            let e = ((s >> 3) % 40) as i32 - 20;
            let sign = if s & 1 == 0 { 1.0 } else { -1.0 };
            v.push(sign * (0.5 + m) * 2f64.powi(e));
        }
        v
    }

    /// `kernel` compiled with `policy`, run over the first `n` elements.
    fn run(kernel: &Kernel, policy: MathCallPolicy, x: &[u8], y: &[u8], n: usize) -> Vec<u8> {
        run_with(kernel, policy, &Serial, x, y, n)
    }

    /// `run`, the helpers compiled as jobs of `parallel`.
    fn run_with(
        kernel: &Kernel,
        policy: MathCallPolicy,
        parallel: &dyn Parallel,
        x: &[u8],
        y: &[u8],
        n: usize,
    ) -> Vec<u8> {
        let compiler = CpuCompiler::new()
            .expect("host ISA")
            .with_math_calls(policy);
        let compiled = compiler
            .compile_with(kernel, Inspect::default(), parallel)
            .expect("compiles");
        match policy {
            MathCallPolicy::Always => assert!(!compiled.math_calls.is_empty()),
            MathCallPolicy::Never => assert!(compiled.math_calls.is_empty()),
            MathCallPolicy::Auto => {}
        }
        let size = kernel.args[0].dtype.size_bytes();
        let mut out = vec![0u8; n * size];
        let args = [
            out.as_mut_ptr(),
            x.as_ptr() as *mut u8,
            y.as_ptr() as *mut u8,
        ];
        let params = [n as i64, 0, 1, 0, 1, 0, 1];
        // SAFETY: three buffers of at least n elements, contiguous (stride 1).
        unsafe {
            compiled.call(
                args.as_ptr(),
                params.as_ptr(),
                0,
                n as i64,
                std::ptr::null_mut(),
            );
        }
        out
    }

    /// Called, every function gives exactly the bits it gives inline: the helpers run
    /// the same code (in vectors of every unroll, called once or once per pair of
    /// vectors, and in the scalar tail: lengths 0..=12 and 37 take each).
    #[test]
    fn called_functions_give_the_inline_bits() {
        let xs = arguments();
        let mut ys = xs.clone();
        ys.rotate_left(7); // pairs of every kind of argument
        for dtype in [DType::F32, DType::F64] {
            let bytes = |v: &[f64]| -> Vec<u8> {
                if dtype == DType::F32 {
                    v.iter().flat_map(|&a| (a as f32).to_le_bytes()).collect()
                } else {
                    v.iter().flat_map(|&a| a.to_le_bytes()).collect()
                }
            };
            let (x, y) = (bytes(&xs), bytes(&ys));
            for f in library_functions() {
                for after_pow in [false, true] {
                    if after_pow && !matches!(f, MathFn::Unary(_)) {
                        continue;
                    }
                    let k = kernel(f, dtype, after_pow);
                    // 22: the huge arguments (17..=21) in the scalar tail
                    for n in (0..=12).chain([22, 37, xs.len()]) {
                        let inline = run(&k, MathCallPolicy::Never, &x, &y, n);
                        let what = if after_pow { " of pow" } else { "" };
                        for policy in [MathCallPolicy::Always, MathCallPolicy::Auto] {
                            let called = run(&k, policy, &x, &y, n);
                            assert!(
                                inline == called,
                                "{}{what} {dtype}, n = {n}, {policy:?}",
                                f.name()
                            );
                        }
                    }
                }
            }
        }
    }

    /// Every cold helper compiles, for every value type and number of copies a kernel
    /// can call it with: a cold helper is compiled while a kernel runs, where a failure
    /// would end the process (`lazy_entry`).
    #[test]
    fn cold_helpers_compile() {
        let isa = CpuCompiler::new().expect("host ISA").isa;
        for c in Cold::ALL {
            let types = [types::F32, types::F64, types::F32X4, types::F64X2];
            for ty in types
                .into_iter()
                .filter(|t| c.f32_ok() || t.lane_bits() == 64)
            {
                for copies in 1..=MAX_COPIES {
                    let key = Key {
                        f: MathFn::Cold(c),
                        ty,
                        copies,
                    };
                    assert!(compile(&isa, key).is_ok(), "{key:?}");
                }
            }
        }
    }

    /// Cold code is a call under `Auto` and `Always`, inline under `Never`: a kernel of
    /// one sin (which `Auto` keeps inline) has a call only if it is not `Never`.
    #[test]
    fn cold_code_is_called_but_under_never() {
        for (policy, calls) in [
            (MathCallPolicy::Auto, true),
            (MathCallPolicy::Always, true),
            (MathCallPolicy::Never, false),
        ] {
            let compiler = CpuCompiler::new()
                .expect("host ISA")
                .with_math_calls(policy);
            let k = kernel(MathFn::Unary(UnaryOp::Sin), DType::F64, false);
            let inspect = Inspect {
                clif: true,
                ..Inspect::default()
            };
            let compiled = compiler.compile(&k, inspect).expect("compiles");
            let clif = compiled.clif.expect("kept");
            assert_eq!(clif.contains("call_indirect"), calls, "{policy:?}");
            assert_eq!(
                compiled.math_calls.is_empty(),
                policy != MathCallPolicy::Always
            );
        }
    }

    /// A `Parallel` that runs no job.
    struct Idle;

    impl Parallel for Idle {
        fn run(&self, _: usize, _: &(dyn Fn(usize) + Sync), own: &mut dyn FnMut()) {
            own();
        }
    }

    /// Every helper a kernel calls is compiled when `compile_helpers` returns, even
    /// if the `Parallel` ran none of the jobs: the calling thread takes what is left
    /// after its own work (a key no other test uses: three copies).
    #[test]
    fn helpers_are_compiled_whatever_the_parallel_runs() {
        let isa = CpuCompiler::new().expect("host ISA").isa;
        let key = Key {
            f: MathFn::Unary(UnaryOp::Asinh),
            ty: types::F64X2,
            copies: 3,
        };
        assert!(!helper(key, &isa).compiled(), "a key of this test only");
        let calls = MathCalls::for_helper(&isa);
        calls.used.borrow_mut().push(helper(key, &isa));
        let mut own_ran = false;
        let compiled = calls
            .compile_helpers(&Idle, &mut || own_ran = true)
            .expect("compiles");
        assert!(own_ran && helper(key, &isa).compiled());
        assert_eq!(compiled.len(), 1, "compiled on this thread, after own");
    }

    /// Each job on a thread of its own.
    struct Threads;

    impl Parallel for Threads {
        fn run(&self, n: usize, job: &(dyn Fn(usize) + Sync), own: &mut dyn FnMut()) {
            std::thread::scope(|s| {
                for i in 0..n {
                    s.spawn(move || job(i));
                }
                own();
            });
        }
    }

    /// Helpers compiled on other threads than the kernel, while other threads compile
    /// kernels that need the same helpers (one compiles, the others wait for it), are
    /// in place when each kernel runs: every kernel gives the inline bits.
    #[test]
    fn helpers_compiled_beside_the_kernel_give_the_inline_bits() {
        let xs = arguments();
        let mut ys = xs.clone();
        ys.rotate_left(3);
        let bytes = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|&a| a.to_le_bytes()).collect() };
        let (x, y) = (bytes(&xs), bytes(&ys));
        let n = xs.len();
        let functions = [
            MathFn::Unary(UnaryOp::Tan),
            MathFn::Unary(UnaryOp::Acosh),
            MathFn::Binary(BinaryOp::Hypot),
            MathFn::Binary(BinaryOp::Logaddexp),
        ];
        for f in functions {
            let k = kernel(f, DType::F64, f.arity() == 1); // unary: of pow (4 copies)
            let inline = run(&k, MathCallPolicy::Never, &x, &y, n);
            let called: Vec<Vec<u8>> = std::thread::scope(|s| {
                let runs: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| run_with(&k, MathCallPolicy::Always, &Threads, &x, &y, n)))
                    .collect();
                runs.into_iter()
                    .map(|r| r.join().expect("no panic"))
                    .collect()
            });
            for c in called {
                assert!(c == inline, "{}", f.name());
            }
        }
    }

    /// Under `Auto`, a kernel of one function stays inline but for f32 pow (two f64
    /// halves per vector, four vectors per iteration: about 2700 instructions inline);
    /// one of many sin and cos calls them (largest first), and what stays inline is
    /// within the budget.
    #[test]
    fn auto_calls_only_what_exceeds_the_budget() {
        let compiler = CpuCompiler::new().expect("host ISA");
        let isa = compiler.isa.clone();
        let calls =
            |k: &Kernel, copies| MathCalls::new(isa.clone(), MathCallPolicy::Auto, k, copies);
        for f in library_functions() {
            for dtype in [DType::F32, DType::F64] {
                let k = kernel(f, dtype, false);
                let called = calls(&k, compiler.copies(&k)).called;
                let f32_pow = f == MathFn::Binary(BinaryOp::Pow) && dtype == DType::F32;
                let expected = if f32_pow && compiler.vectors {
                    vec![MathFn::PowF32InF64]
                } else {
                    Vec::new()
                };
                assert_eq!(called, expected, "{} {dtype}", f.name());
            }
        }
        // sin(cos(sin(cos(...(x))))): 13 functions in an f64 kernel of 3 copies, then exp
        let mut k = kernel(MathFn::Unary(UnaryOp::Sin), DType::F64, false);
        for i in 0..12 {
            let op = if i % 2 == 0 {
                UnaryOp::Cos
            } else {
                UnaryOp::Sin
            };
            let last = KValue(k.instrs.len() as u32 - 1);
            k.instrs.push((Instr::Unary(op, last), DType::F64));
        }
        k.instrs.push((
            Instr::Unary(UnaryOp::Exp, KValue(k.instrs.len() as u32 - 1)),
            DType::F64,
        ));
        k.stores[0].value = KValue(k.instrs.len() as u32 - 1);
        let c = calls(&k, 3);
        assert!(c.called(MathFn::Unary(UnaryOp::Sin)) && c.called(MathFn::Unary(UnaryOp::Cos)));
        assert!(!c.called(MathFn::Unary(UnaryOp::Exp)), "exp alone fits");
    }

    #[test]
    fn the_policy_comes_from_three_words() {
        use MathCallPolicy::*;
        for (text, policy) in [
            ("", Auto),
            ("auto", Auto),
            ("always", Always),
            ("never", Never),
        ] {
            assert_eq!(MathCallPolicy::parse(text).ok(), Some(policy), "{text:?}");
        }
        let err = MathCallPolicy::parse("0").unwrap_err().to_string();
        assert_eq!(
            err,
            "KILN_MATH_CALLS must be auto, always or never, not \"0\""
        );
    }

    /// The inline sizes that choose what `Auto` calls: sin's code (with its second
    /// reduction) is several times exp's.
    #[test]
    fn inline_sizes_rank_the_functions() {
        let isa = CpuCompiler::new().expect("host ISA").isa;
        for bits in [32, 64] {
            let size = |op| inline_size(&isa, MathFn::Unary(op), bits);
            assert!(size(UnaryOp::Sin) > size(UnaryOp::Exp), "{bits}");
            let large = |op| is_large(&isa, size(op), bits);
            assert!(large(UnaryOp::Sin) && large(UnaryOp::Cos) && large(UnaryOp::Tan));
            assert!(!large(UnaryOp::Exp) && !large(UnaryOp::Log) && !large(UnaryOp::Tanh));
        }
    }
}
