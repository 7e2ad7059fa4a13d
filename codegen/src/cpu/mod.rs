//! The CPU backend: kernel programs → native functions through Cranelift's JIT.
//!
//! The ISA is built by cranelift-native for the host, so AVX (VEX three-operand forms)
//! and FMA are used where the CPU has them. Each compiled kernel owns its JIT module,
//! so dropping a `CompiledKernel` frees its code (the runtime's cache can bound memory).

mod clif_math;
mod columns;
mod emit;
mod library;
mod lockstep;
mod ops;
mod vector;

pub use emit::PARTIAL_BYTES;
pub use library::{take_cold_compiled, MathCallPolicy, Parallel};
pub use ops::Unsupported;

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use kiln_ir::kernel::Kernel;
use std::time::{Duration, Instant};

/// `fn(args, params, begin, end, partials)`; see `emit.rs` for the layout.
pub type KernelFn = unsafe extern "C" fn(*const *mut u8, *const i64, i64, i64, *mut u8);

/// What to keep besides the code, for KILN_LOG.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inspect {
    /// Keep the Cranelift IR text.
    pub clif: bool,
    /// Keep the disassembly (Cranelift's VCode listing).
    pub asm: bool,
}

pub struct CompiledKernel {
    entry: KernelFn,
    /// Owns the code `entry` points into; never used after finalisation except to drop.
    _module: ModuleOwner,
    pub compile_time: Duration,
    pub clif: Option<String>,
    pub asm: Option<String>,
    /// The math-library functions the kernel calls rather than inlines (`library.rs`).
    pub math_calls: Vec<String>,
    /// Math helpers compiled with this kernel (their first use in the process) and
    /// how long each took (included in `compile_time`).
    pub helpers_compiled: Vec<(String, Duration)>,
    /// Whether the innermost loop was vectorised.
    pub vectorised: bool,
    /// Whether the kernel is a column reduction (`columns.rs`): its outermost kept
    /// axis is then the one walked in vectors when it is the only kept axis.
    pub walks_columns: bool,
    /// Whether the kernel can also run split along its reduced rows: a column
    /// reduction with one kept axis, called with a partials buffer, then walks every
    /// kept position over the reduced rows [begin, end) of loop axis 1 and writes each
    /// position's partial states (see `columns.rs`).
    pub splits_rows: bool,
    /// Kept positions per block of a column reduction's walk (`columns::column_block`),
    /// 0 for other kernels: the runtime's bands of positions are at most this wide, so
    /// each is read in one walk down its rows.
    pub column_block: usize,
}

struct ModuleOwner(Option<JITModule>);

impl Drop for ModuleOwner {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            // SAFETY: the only pointer into this module's code is `CompiledKernel::entry`,
            // which is dropped together with this owner.
            unsafe { m.free_memory() };
        }
    }
}

// SAFETY: after `finalize_definitions` the module is immutable code plus bookkeeping;
// the function pointer may be called from any thread, and the module is only dropped.
unsafe impl Send for ModuleOwner {}
unsafe impl Sync for ModuleOwner {}

impl CompiledKernel {
    /// Run the kernel over `[begin, end)` of its outermost axis.
    ///
    /// # Safety
    /// `args` must point to one valid buffer per kernel argument, large enough for every
    /// address the params produce; `params` must follow the kernel's layout; `partials`
    /// must hold `PARTIAL_BYTES` per reduction when the kernel has no kept axes.
    pub unsafe fn call(
        &self,
        args: *const *mut u8,
        params: *const i64,
        begin: i64,
        end: i64,
        partials: *mut u8,
    ) {
        unsafe { (self.entry)(args, params, begin, end, partials) }
    }
}

/// Compiles kernels for the host CPU.
pub struct CpuCompiler {
    isa: OwnedTargetIsa,
    /// Whether kernels may use packed (vector) instructions: only with AVX, whose VEX
    /// forms accept unaligned memory operands. Cranelift folds loads into the legacy
    /// SSE forms too (`cmpltps (mem), xmm`), which fault on an unaligned address, so a
    /// host without AVX gets scalar kernels (docs/architecture.md).
    vectors: bool,
    /// Which math-library functions kernels call rather than inline (`library.rs`).
    math_calls: MathCallPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    #[error("Cranelift failed: {0}")]
    Cranelift(String),
    /// A setting (an environment variable) with a value kiln does not know.
    #[error("{0}")]
    Setting(String),
}

impl CpuCompiler {
    pub fn new() -> Result<CpuCompiler, CodegenError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v)
                .map_err(|e| CodegenError::Cranelift(format!("{k}={v}: {e}")))
        };
        // Cranelift's optimiser hoists every vector constant of the math library out of the
        // loop and then spills them (measured on the chain workload: 96 ms at "speed",
        // 85 ms at "none"); kiln's kernels are already simple loop nests, so the default
        // is "none". KILN_CLIF_OPT=speed re-enables it for experiments.
        let opt = std::env::var("KILN_CLIF_OPT").unwrap_or_else(|_| "none".into());
        set(&mut flags, "opt_level", &opt)?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        // The IR verifier costs about a sixth of a kernel's compile time; debug builds
        // (and so the test suite) keep it, release builds trust the emitter.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        let isa = cranelift_native::builder()
            .map_err(|e| CodegenError::Cranelift(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
        let vectors = isa
            .isa_flags()
            .iter()
            .any(|f| f.name == "has_avx" && f.as_bool() == Some(true));
        Ok(CpuCompiler {
            isa,
            vectors,
            math_calls: MathCallPolicy::from_env()?,
        })
    }

    /// The same compiler with another policy for calling math-library functions
    /// (the default comes from `KILN_MATH_CALLS`; see `library.rs`).
    pub fn with_math_calls(mut self, policy: MathCallPolicy) -> CpuCompiler {
        self.math_calls = policy;
        self
    }

    /// How many times a pass of `kernel` emits each instruction: once per unrolled
    /// vector and once in the scalar tail (1 for a scalar kernel). A lower bound of
    /// the kernel's code: row kernels of several passes and column reductions (whole
    /// and split) emit their instructions again per pass or form.
    fn copies(&self, kernel: &Kernel) -> usize {
        if !self.vectors {
            return 1;
        }
        // the emitter's order: a column reduction walks columns (`emit_reduction`)
        let plan = vector::column_plan(kernel).or_else(|| vector::plan(kernel));
        plan.map_or(1, |p| p.unroll + 1)
    }

    /// Compile `kernel`, all on this thread.
    pub fn compile(
        &self,
        kernel: &Kernel,
        inspect: Inspect,
    ) -> Result<CompiledKernel, CodegenError> {
        self.compile_with(kernel, inspect, &library::Serial)
    }

    /// Compile `kernel`, compiling the math helpers it is the first to call as jobs of
    /// `parallel` beside the kernel itself.
    pub fn compile_with(
        &self,
        kernel: &Kernel,
        inspect: Inspect,
        parallel: &dyn Parallel,
    ) -> Result<CompiledKernel, CodegenError> {
        let start = Instant::now();
        let mut builder = JITBuilder::with_isa(self.isa.clone(), default_libcall_names());
        builder.symbol("kiln_prefetch_l2", kiln_prefetch_l2 as *const u8);
        builder.symbol("kiln_prefetch_strided", kiln_prefetch_strided as *const u8);
        let mut module = JITModule::new(builder);
        let ptr = module.target_config().pointer_type();
        let mut ctx = module.make_context();
        let mut sig = module.make_signature();
        for ty in [ptr, ptr, types::I64, types::I64, ptr] {
            sig.params.push(AbiParam::new(ty));
        }
        ctx.func.signature = sig.clone();
        let id = module
            .declare_function("kernel", Linkage::Export, &sig)
            .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        let copies = self.copies(kernel);
        let math = library::MathCalls::new(self.isa.clone(), self.math_calls, kernel, copies);
        let libcalls = declare_libcalls(&mut module, &mut ctx, math)?;
        let mut fctx = FunctionBuilderContext::new();
        let vectorised;
        let math_calls;
        let walks_columns = self.vectors && vector::column_plan(kernel).is_some();
        let splits_rows =
            walks_columns && kernel.rank - kernel.reduced == 1 && !columns::has_arg(kernel);
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let p = b.block_params(entry).to_vec();
            let (args, params, begin, end, partials) = (p[0], p[1], p[2], p[3], p[4]);
            let rank = kernel.rank;
            let flags = MemFlagsData::trusted(); // params and args are aligned host arrays
            let dims = (0..rank)
                .map(|i| b.ins().load(types::I64, flags, params, (8 * i) as i32))
                .collect();
            let mut offsets = Vec::new();
            let mut strides = Vec::new();
            for a in 0..kernel.accesses.len() {
                let base = 8 * (rank + a * (rank + 1));
                offsets.push(b.ins().load(types::I64, flags, params, base as i32));
                strides.push(
                    (0..rank)
                        .map(|k| {
                            b.ins()
                                .load(types::I64, flags, params, (base + 8 * (k + 1)) as i32)
                        })
                        .collect(),
                );
            }
            let arg_ptrs = (0..kernel.args.len())
                .map(|i| {
                    b.ins()
                        .load(ptr, flags, args, (i * ptr.bytes() as usize) as i32)
                })
                .collect();
            vectorised = self.vectors && vector::plan(kernel).is_some() || walks_columns;
            let mut e = emit::Emitter {
                b: &mut b,
                k: kernel,
                libcalls: &libcalls,
                dims,
                offsets,
                strides,
                arg_ptrs,
                begin,
                end,
                partials,
                row_values: Vec::new(),
                row_splats: Vec::new(),
                needed: Vec::new(),
                stash: Vec::new(),
                chunked: 0,
                prefetch_next: None,
                column_row: None,
                vectors: self.vectors,
                carry: None,
                carry_now: false,
                fast_products: None,
            };
            e.emit()?;
            math_calls = libcalls.math.called_names();
            b.ins().return_(&[]);
            b.seal_all_blocks();
            b.finalize(module.target_config());
        }
        let clif = inspect.clif.then(|| ctx.func.display().to_string());
        ctx.set_disasm(inspect.asm);
        let mut asm = None;
        let mut own = Ok(());
        let helpers_compiled = libcalls.math.compile_helpers(parallel, &mut || {
            own = (module.define_function(id, &mut ctx))
                .map_err(|e| CodegenError::Cranelift(format!("{e:?}")));
            if inspect.asm {
                asm = ctx.compiled_code().and_then(|c| c.vcode.clone());
            }
        })?;
        own?;
        module.clear_context(&mut ctx);
        module
            .finalize_definitions()
            .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
        let code = module.get_finalized_function(id);
        // SAFETY: the function was declared with exactly this signature.
        let entry: KernelFn = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
        Ok(CompiledKernel {
            entry,
            _module: ModuleOwner(Some(module)),
            compile_time: start.elapsed(),
            clif,
            asm,
            math_calls,
            helpers_compiled,
            vectorised,
            walks_columns,
            splits_rows,
            column_block: if walks_columns {
                columns::column_block(kernel) as usize
            } else {
                0
            },
        })
    }
}

fn declare_libcalls(
    module: &mut JITModule,
    ctx: &mut Context,
    math: library::MathCalls,
) -> Result<ops::Libcalls, CodegenError> {
    let mut declare = |name: &str, ty| {
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(ty));
        sig.params.push(AbiParam::new(ty));
        sig.returns.push(AbiParam::new(ty));
        let id = module
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
        Ok::<_, CodegenError>(module.declare_func_in_func(id, &mut ctx.func))
    };
    let fmodf = declare("fmodf", types::F32)?;
    let fmod = declare("fmod", types::F64)?;
    let mut sig = module.make_signature();
    if PREFETCH_PRESERVES_ALL {
        sig.call_conv = CallConv::PreserveAll;
    }
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I64));
    let prefetch_l2 = module
        .declare_function("kiln_prefetch_l2", Linkage::Import, &sig)
        .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
    let mut sig = module.make_signature();
    if PREFETCH_PRESERVES_ALL {
        sig.call_conv = CallConv::PreserveAll;
    }
    for _ in 0..3 {
        sig.params.push(AbiParam::new(types::I64));
    }
    let prefetch_strided = module
        .declare_function("kiln_prefetch_strided", Linkage::Import, &sig)
        .map_err(|e| CodegenError::Cranelift(e.to_string()))?;
    Ok(ops::Libcalls {
        fmodf,
        fmod,
        prefetch_strided: module.declare_func_in_func(prefetch_strided, &mut ctx.func),
        prefetch_l2: module.declare_func_in_func(prefetch_l2, &mut ctx.func),
        math,
    })
}

// The prefetch helpers kernels call (Cranelift has no prefetch instruction). A
// prefetch never faults, whatever the address, and does not hold up the instructions
// after it as a load that misses would: kernels use them to fetch the next row while
// computing on the current one.
//
// On x86-64 (System V) they are written in assembly and called with Cranelift's
// `PreserveAll` convention: they change no register, so a kernel keeps its
// accumulators and constants in registers across the call. Called as ordinary C
// functions, every vector register is clobbered, and the register allocator kept
// the values live across a call in stack slots for the whole loop around it: var's
// second pass stored and reloaded its ten accumulators at every step (10M f64
// `var`: see docs/architecture.md).

/// Whether kernels call the prefetch helpers with `PreserveAll` (the assembly
/// helpers below); elsewhere with the platform's own convention.
const PREFETCH_PRESERVES_ALL: bool = cfg!(all(target_arch = "x86_64", not(windows)));

/// `kiln_prefetch_l2(start, bytes)`: ask L2 (not L1) for the lines of `bytes` bytes
/// from `start`, for data needed after the current working set, which a fetch into L1
/// would evict before its second pass; `kiln_prefetch_strided(start, stride, count)`:
/// `count` lines `stride` bytes apart into L1 (a column of a row-major array, which
/// the hardware prefetchers do not follow; `Emitter::prefetch_columns`). Each saves
/// and restores the registers it uses (arguments in rdi, rsi, rdx).
#[cfg(all(target_arch = "x86_64", not(windows)))]
mod prefetch {
    macro_rules! prefetch_run {
        ($name:ident, $hint:literal) => {
            #[unsafe(naked)]
            pub extern "C" fn $name(_start: usize, _bytes: usize) {
                core::arch::naked_asm!(
                    "push rdi",
                    "push rsi",
                    "add rsi, 63",
                    "shr rsi, 6",
                    "jz 3f",
                    "2:",
                    concat!($hint, " byte ptr [rdi]"),
                    "add rdi, 64",
                    "dec rsi",
                    "jnz 2b",
                    "3:",
                    "pop rsi",
                    "pop rdi",
                    "ret",
                )
            }
        };
    }
    prefetch_run!(kiln_prefetch_l2, "prefetcht1");

    #[unsafe(naked)]
    pub extern "C" fn kiln_prefetch_strided(_start: usize, _stride: isize, _count: usize) {
        core::arch::naked_asm!(
            "push rdi",
            "push rdx",
            "test rdx, rdx",
            "jz 3f",
            "2:",
            "prefetcht0 byte ptr [rdi]",
            "add rdi, rsi",
            "dec rdx",
            "jnz 2b",
            "3:",
            "pop rdx",
            "pop rdi",
            "ret",
        )
    }
}

/// Elsewhere: ordinary C functions, called with the platform's convention; they
/// prefetch on x86-64 (Windows) and do nothing on other architectures (the hardware
/// prefetchers alone).
#[cfg(not(all(target_arch = "x86_64", not(windows))))]
mod prefetch {
    pub extern "C" fn kiln_prefetch_l2(start: usize, bytes: usize) {
        lines::<1>(start, 64, bytes.div_ceil(64));
    }
    pub extern "C" fn kiln_prefetch_strided(start: usize, stride: isize, count: usize) {
        lines::<0>(start, stride, count);
    }

    /// `count` lines `stride` bytes apart from `start`, into L1 (`LEVEL` 0) or L2 (1).
    fn lines<const LEVEL: u8>(start: usize, stride: isize, count: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};
            let mut p = start;
            for _ in 0..count {
                // SAFETY: prefetch is a hint; it reads nothing and cannot fault.
                unsafe {
                    if LEVEL == 0 {
                        _mm_prefetch::<_MM_HINT_T0>(p as *const i8)
                    } else {
                        _mm_prefetch::<_MM_HINT_T1>(p as *const i8)
                    }
                };
                p = p.wrapping_add_signed(stride);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (start, stride, count);
    }
}

use prefetch::{kiln_prefetch_l2, kiln_prefetch_strided};

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ir::kernel::{Access, Arg, Instr, Reduction, Store, Stride, Value};
    use kiln_ir::{BinaryOp, DType, ReduceOp};

    /// max over each row of a [rows, n] f32 input (strided rows), and, with
    /// `subtract`, `x - max` stored in a second pass.
    fn row_max_kernel(subtract: bool) -> Kernel {
        row_kernel(ReduceOp::Max, subtract)
    }

    /// `op` over each row of a [rows, n] f32 input (strided rows), and, with
    /// `subtract`, `x - op(x)` stored in a store pass.
    fn row_kernel(op: ReduceOp, subtract: bool) -> Kernel {
        use Stride::{Other, Unit, Zero};
        let f32_arg = |output| Arg {
            dtype: DType::F32,
            output,
        };
        let access = |arg, strides: [Stride; 2]| Access {
            arg,
            strides: strides.into_iter().collect(),
        };
        let mut instrs = vec![
            (Instr::Load { access: 0 }, DType::F32),
            (Instr::Reduced { reduction: 0 }, DType::F32),
            (
                Instr::Binary(BinaryOp::Subtract, Value(0), Value(1)),
                DType::F32,
            ),
        ];
        let mut stores = vec![Store {
            access: 2,
            value: Value(2),
            phase: None,
        }];
        if !subtract {
            instrs.truncate(1);
            stores.clear();
        }
        Kernel {
            rank: 2,
            reduced: 1,
            args: vec![f32_arg(false), f32_arg(true), f32_arg(true)],
            accesses: vec![
                access(0, [Other, Unit]),
                access(1, [Unit, Zero]),
                access(2, [Other, Unit]),
            ],
            instrs,
            stores,
            reductions: vec![Reduction {
                op,
                value: Value(0),
                access: 1,
                correction_bits: 0,
                phase: 0,
            }],
        }
    }

    /// `op` over the whole of an f64 vector (a full reduction, run in chunks).
    fn full_reduction_kernel(op: ReduceOp) -> Kernel {
        let f64_arg = |output| Arg {
            dtype: DType::F64,
            output,
        };
        let access = |arg, stride| Access {
            arg,
            strides: [stride].into_iter().collect(),
        };
        Kernel {
            rank: 1,
            reduced: 1,
            args: vec![f64_arg(true), f64_arg(false)],
            accesses: vec![access(1, Stride::Unit), access(0, Stride::Zero)],
            instrs: vec![(Instr::Load { access: 0 }, DType::F64)],
            stores: Vec::new(),
            reductions: vec![Reduction {
                op,
                value: Value(0),
                access: 1,
                correction_bits: 0,
                phase: 0,
            }],
        }
    }

    /// Whether this host runs vector kernels (AVX); tests of vector code skip, saying
    /// so, where it does not.
    fn vectors_here(test: &str) -> bool {
        let vectors = CpuCompiler::new().expect("host ISA").vectors;
        if !vectors {
            eprintln!("{test}: skipped, this host has no AVX and so runs scalar kernels");
        }
        vectors
    }

    fn clif_of(k: &Kernel) -> String {
        let compiler = CpuCompiler::new().expect("host ISA");
        let inspect = Inspect {
            clif: true,
            asm: false,
        };
        compiler
            .compile(k, inspect)
            .expect("compiles")
            .clif
            .expect("kept")
    }

    /// A row kernel's second pass over the row (here var's squared deviations, reading
    /// the row from cache) calls a prefetch helper for the next row; a single-pass row
    /// reduction, which reads from memory anyway, calls nothing, and neither does `x -
    /// max`, whose store pass runs inside the next row's max pass (`Carry` in emit.rs),
    /// its first.
    #[test]
    fn only_a_second_pass_over_a_row_prefetches_the_next_row() {
        if !vectors_here("only_a_second_pass_over_a_row_prefetches_the_next_row") {
            return;
        }
        let two_pass = clif_of(&row_kernel(ReduceOp::Var, false));
        let one_pass = clif_of(&row_max_kernel(false));
        let deferred = clif_of(&row_max_kernel(true));
        assert!(two_pass.contains(" call "), "{two_pass}");
        assert!(!one_pass.contains(" call "), "{one_pass}");
        assert!(!deferred.contains(" call "), "{deferred}");
    }

    /// `out = x.T` of f64 (`transposed`) or `out = x`: the transposed read walks tiles
    /// and prefetches the lines of its columns (`Emitter::prefetch_columns`); the
    /// contiguous one calls nothing.
    #[test]
    fn only_a_transposed_read_prefetches_its_columns() {
        if !vectors_here("only_a_transposed_read_prefetches_its_columns") {
            return;
        }
        use Stride::{Other, Unit};
        let copy = |input: [Stride; 2]| Kernel {
            rank: 2,
            reduced: 0,
            args: vec![
                Arg {
                    dtype: DType::F64,
                    output: true,
                },
                Arg {
                    dtype: DType::F64,
                    output: false,
                },
            ],
            accesses: vec![
                Access {
                    arg: 1,
                    strides: input.into_iter().collect(),
                },
                Access {
                    arg: 0,
                    strides: [Other, Unit].into_iter().collect(),
                },
            ],
            instrs: vec![(Instr::Load { access: 0 }, DType::F64)],
            stores: vec![Store {
                access: 1,
                value: Value(0),
                phase: None,
            }],
            reductions: Vec::new(),
        };
        let transposed = clif_of(&copy([Unit, Other]));
        let contiguous = clif_of(&copy([Other, Unit]));
        assert!(transposed.contains(" call "), "{transposed}");
        assert!(!contiguous.contains(" call "), "{contiguous}");
    }

    /// A full var's second pass over its chunk (from L1) fetches the next chunk into
    /// L2; a full sum, one pass from memory, calls nothing.
    #[test]
    fn only_a_second_pass_over_a_chunk_prefetches_the_next_chunk() {
        if !vectors_here("only_a_second_pass_over_a_chunk_prefetches_the_next_chunk") {
            return;
        }
        let var = clif_of(&full_reduction_kernel(ReduceOp::Var));
        let sum = clif_of(&full_reduction_kernel(ReduceOp::Sum));
        assert_eq!(var.matches(" call ").count(), 1, "{var}");
        assert!(!sum.contains(" call "), "{sum}");
    }

    /// The prefetch helpers are called with the `PreserveAll` convention, so a
    /// kernel's loop around the call keeps its values in registers: the blocks of a
    /// full var's vector loops (those with vector arithmetic) never touch the stack.
    /// Called as C functions, the ten accumulators of its second pass were stored to
    /// and reloaded from the stack at every step.
    #[test]
    fn var_keeps_its_accumulators_in_registers_across_the_prefetch() {
        if !vectors_here("var_keeps_its_accumulators_in_registers_across_the_prefetch") {
            return;
        }
        if !PREFETCH_PRESERVES_ALL {
            eprintln!(
                "var_keeps_its_accumulators_in_registers_across_the_prefetch: skipped, \
                 the prefetch helpers here are C functions (no PreserveAll helpers)"
            );
            return;
        }
        let compiler = CpuCompiler::new().expect("host ISA");
        let inspect = Inspect {
            clif: false,
            asm: true,
        };
        let asm = compiler
            .compile(&full_reduction_kernel(ReduceOp::Var), inspect)
            .expect("compiles")
            .asm
            .expect("kept");
        let blocks: Vec<&str> = asm.split("block").collect();
        let vector_loops: Vec<&&str> = blocks
            .iter()
            .filter(|b| b.contains("vsubpd") || b.contains("vaddpd"))
            .collect();
        assert!(!vector_loops.is_empty(), "{asm}");
        for b in vector_loops {
            assert!(!b.contains("rsp"), "a vector loop touches the stack:\n{b}");
        }
    }

    /// The prefetch helpers change no register (the `PreserveAll` contract kernels
    /// call them under): every general register a C call may clobber holds its value
    /// across each of them.
    #[cfg(all(target_arch = "x86_64", not(windows)))]
    #[test]
    fn prefetch_helpers_preserve_every_register() {
        let data = [1u8; 4096];
        let start = data.as_ptr() as u64;
        let helpers: [(&str, extern "C" fn(usize, usize)); 1] =
            [("kiln_prefetch_l2", kiln_prefetch_l2)];
        let strided = kiln_prefetch_strided as extern "C" fn(usize, isize, usize) as usize;
        let calls = helpers
            .iter()
            .map(|&(name, f)| (name, f as usize))
            .chain([("kiln_prefetch_strided", strided)]);
        for (name, f) in calls {
            let sent: [u64; 9] = [start, 64, 4, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6];
            let mut got = sent;
            // SAFETY: the helpers only prefetch (they read no memory and cannot
            // fault); `f` is one of them, called with the arguments in rdi, rsi, rdx.
            unsafe {
                core::arch::asm!(
                    "call {f}",
                    f = in(reg) f,
                    inout("rdi") got[0],
                    inout("rsi") got[1],
                    inout("rdx") got[2],
                    inout("rax") got[3],
                    inout("rcx") got[4],
                    inout("r8") got[5],
                    inout("r9") got[6],
                    inout("r10") got[7],
                    inout("r11") got[8],
                );
            }
            assert_eq!(got, sent, "{name} changed a register");
        }
        assert_eq!(data[0], 1);
    }

    /// `out = f(x)` over a vector, with `instrs` computing the stored value last.
    fn elementwise_kernel(input: DType, output: DType, instrs: Vec<(Instr, DType)>) -> Kernel {
        let arg = |dtype, output| Arg { dtype, output };
        let access = |arg| Access {
            arg,
            strides: [Stride::Unit].into_iter().collect(),
        };
        let last = Value(instrs.len() as u32 - 1);
        Kernel {
            rank: 1,
            reduced: 0,
            args: vec![arg(output, true), arg(input, false)],
            accesses: vec![access(1), access(0)],
            instrs,
            stores: vec![Store {
                access: 1,
                value: last,
                phase: None,
            }],
            reductions: Vec::new(),
        }
    }

    /// Kernels where f32 meets f64 through casts, or bools become floats, run in
    /// vectors (two lanes when both floats meet): `exp(astype(x, f64))` of f32 data,
    /// `astype(exp(x), f32)` of f64 data, `astype(x > 0, f32)`, `astype(mask, f32)`
    /// of a bool input.
    #[test]
    fn casts_between_floats_and_from_bools_vectorise() {
        if !vectors_here("casts_between_floats_and_from_bools_vectorise") {
            return;
        }
        use kiln_ir::{Scalar, UnaryOp};
        let load = |d| (Instr::Load { access: 0 }, d);
        let widen = elementwise_kernel(
            DType::F32,
            DType::F64,
            vec![
                load(DType::F32),
                (Instr::Cast(Value(0)), DType::F64),
                (Instr::Unary(UnaryOp::Exp, Value(1)), DType::F64),
            ],
        );
        let narrow = elementwise_kernel(
            DType::F64,
            DType::F32,
            vec![
                load(DType::F64),
                (Instr::Unary(UnaryOp::Exp, Value(0)), DType::F64),
                (Instr::Cast(Value(1)), DType::F32),
            ],
        );
        let mask = elementwise_kernel(
            DType::F32,
            DType::F32,
            vec![
                load(DType::F32),
                (Instr::Const(Scalar::Float(0.0)), DType::F32),
                (
                    Instr::Binary(BinaryOp::Greater, Value(0), Value(1)),
                    DType::Bool,
                ),
                (Instr::Cast(Value(2)), DType::F32),
            ],
        );
        let loaded_mask = elementwise_kernel(
            DType::Bool,
            DType::F32,
            vec![load(DType::Bool), (Instr::Cast(Value(0)), DType::F32)],
        );
        // f64 steps between f32 values (`split_f64`): f32's four lanes, each f64 value
        // as two halves; a function of f64 (the exp of `narrow`) keeps two lanes.
        let steps = elementwise_kernel(
            DType::F32,
            DType::F32,
            vec![
                load(DType::F32),
                (Instr::Cast(Value(0)), DType::F64),
                (
                    Instr::Binary(BinaryOp::Multiply, Value(1), Value(1)),
                    DType::F64,
                ),
                (Instr::Cast(Value(2)), DType::F32),
                (Instr::Unary(UnaryOp::Exp, Value(3)), DType::F32),
            ],
        );
        // f64 data to f32 work and back: f64 loads and stores split too, two F64X2 per
        // copy of the f32 plan.
        let through_f32 = elementwise_kernel(
            DType::F64,
            DType::F64,
            vec![
                load(DType::F64),
                (Instr::Cast(Value(0)), DType::F32),
                (Instr::Unary(UnaryOp::Log, Value(1)), DType::F32),
                (Instr::Cast(Value(2)), DType::F64),
            ],
        );
        for (k, lanes, op) in [
            (&widen, 2, "fvpromote_low"),
            (&narrow, 2, "fvdemote"),
            (&mask, 4, "band"),
            (&loaded_mask, 4, "uwiden_low"),
            (&steps, 4, "fvpromote_low"),
            (&steps, 4, "fvdemote"),
            (&through_f32, 4, "load.f64x2"),
            (&through_f32, 4, "store"),
        ] {
            let plan = vector::plan(k).expect("vectorises");
            assert_eq!(plan.lanes, lanes);
            let clif = clif_of(k);
            assert!(clif.contains(op), "{clif}");
        }
    }

    /// Floats become 8- and 16-bit integers in vectors: f64 in two lanes, truncated
    /// (`trunc`), each pair of vectors stored as one integer; f32 in four; both
    /// clamped with selects that x64 lowers to `maxp*`/`minp*`.
    #[test]
    fn floats_to_narrow_integers_vectorise() {
        if !vectors_here("floats_to_narrow_integers_vectorise") {
            return;
        }
        let load = |d| (Instr::Load { access: 0 }, d);
        for (from, to, lanes) in [
            (DType::F64, DType::U8, 2),
            (DType::F64, DType::I8, 2),
            (DType::F64, DType::U16, 2),
            (DType::F64, DType::I16, 2),
            (DType::F32, DType::U8, 4),
            (DType::F32, DType::I16, 4),
        ] {
            let k = elementwise_kernel(from, to, vec![load(from), (Instr::Cast(Value(0)), to)]);
            let plan = vector::plan(&k).expect("vectorises");
            assert_eq!(plan.lanes, lanes, "{from:?} to {to:?}");
            // (the scalar tail clamps with fmax and fmin)
            let clif = clif_of(&k);
            assert!(clif.contains("bitselect"), "{clif}");
            if from == DType::F64 {
                assert!(clif.contains("trunc"), "{clif}");
            }
        }
    }

    /// Integer kernels run in vectors: four i32 lanes (`z * 3`), or two i64 lanes when
    /// i32 or 8-bit values are widened (`astype(z, int64) * 3`) or i64 values
    /// narrowed to 8 bits; i64 division stays scalar.
    #[test]
    fn integer_kernels_vectorise() {
        if !vectors_here("integer_kernels_vectorise") {
            return;
        }
        use kiln_ir::Scalar;
        let load = |d| (Instr::Load { access: 0 }, d);
        let times3 = |d| {
            vec![
                (Instr::Const(Scalar::Int(3)), d),
                (Instr::Binary(BinaryOp::Multiply, Value(0), Value(1)), d),
            ]
        };
        let narrow = {
            let mut instrs = vec![load(DType::I32)];
            instrs.extend(times3(DType::I32));
            elementwise_kernel(DType::I32, DType::I32, instrs)
        };
        // astype(z, int64) * 3 of `from` data
        let widened_times3 = |from| {
            let mut instrs = vec![load(from), (Instr::Cast(Value(0)), DType::I64)];
            instrs.extend(times3(DType::I64));
            instrs[3] = (
                Instr::Binary(BinaryOp::Multiply, Value(1), Value(2)),
                DType::I64,
            );
            elementwise_kernel(from, DType::I64, instrs)
        };
        let widened = widened_times3(DType::I32);
        let divided = elementwise_kernel(
            DType::I64,
            DType::I64,
            vec![
                load(DType::I64),
                (Instr::Const(Scalar::Int(3)), DType::I64),
                (
                    Instr::Binary(BinaryOp::FloorDivide, Value(0), Value(1)),
                    DType::I64,
                ),
            ],
        );
        // 8-bit integers beside i64 (since 2026-12-05): u8 -> i64 and i64 -> u8
        let bytes_widened = widened_times3(DType::U8);
        let to_bytes = elementwise_kernel(
            DType::I64,
            DType::U8,
            vec![load(DType::I64), (Instr::Cast(Value(0)), DType::U8)],
        );
        for (k, lanes, op) in [
            (&narrow, 4, "imul"),
            (&widened, 2, "swiden_low"),
            (&bytes_widened, 2, "swiden_low"),
            (&to_bytes, 2, "shuffle"),
        ] {
            let plan = vector::plan(k).expect("vectorises");
            assert_eq!(plan.lanes, lanes);
            let clif = clif_of(k);
            assert!(clif.contains(op), "{clif}");
            assert!(
                clif.contains(&format!("i{}x{lanes}", 128 / lanes)),
                "{clif}"
            );
        }
        assert!(vector::plan(&divided).is_none());
    }

    /// u32 and u64 kernels run in the lanes of i32 and i64, with the unsigned forms
    /// where signedness matters: `maximum(z, 3)` of u32 (`umax`), `z < 3` of u64 (the
    /// top bits flipped, `bxor`, then a signed compare), `astype(z, uint64) * 3` of u32
    /// (`uwiden_low`), `z // 3` of u32 (in f64, `i32_divmod`), argmax of u32 (`umax`) and
    /// u8, and u64 converted to f64 (`u64_to_f64`).
    #[test]
    fn unsigned_kernels_vectorise() {
        if !vectors_here("unsigned_kernels_vectorise") {
            return;
        }
        use kiln_ir::Scalar;
        let load = |d| (Instr::Load { access: 0 }, d);
        let with_three = |d, op, out| {
            elementwise_kernel(
                d,
                out,
                vec![
                    load(d),
                    (Instr::Const(Scalar::Int(3)), d),
                    (Instr::Binary(op, Value(0), Value(1)), out),
                ],
            )
        };
        let maximum = with_three(DType::U32, BinaryOp::Maximum, DType::U32);
        let less = with_three(DType::U64, BinaryOp::Less, DType::Bool);
        let divided = with_three(DType::U32, BinaryOp::FloorDivide, DType::U32);
        let widened = elementwise_kernel(
            DType::U32,
            DType::U64,
            vec![
                load(DType::U32),
                (Instr::Cast(Value(0)), DType::U64),
                (Instr::Const(Scalar::Int(3)), DType::U64),
                (
                    Instr::Binary(BinaryOp::Multiply, Value(1), Value(2)),
                    DType::U64,
                ),
            ],
        );
        // The scalar tail emits `umax` once (and `icmp ult`, `uextend`: no bxor or
        // uwiden_low); the vector loop once per unrolled copy, two here.
        for (k, lanes, op, at_least) in [
            (&maximum, 4, "umax", 3),
            (&less, 2, "bxor", 2),
            (&widened, 2, "uwiden_low", 2),
            // in f64, each u32 as the i32 x - 2^31 (`i32_divmod`), converted with
            // `fcvt_from_sint`: the scalar tail converts from 64 bits (no `bxor`)
            (&divided, 4, "bxor", 4),
        ] {
            let plan = vector::plan(k).expect("vectorises");
            assert_eq!(plan.lanes, lanes);
            let clif = clif_of(k);
            assert!(clif.matches(op).count() >= at_least, "{clif}");
        }
        let argmax = |d| {
            let mut k = full_reduction_kernel(ReduceOp::ArgMax);
            k.args[0].dtype = DType::I64;
            k.args[1].dtype = d;
            k.instrs[0].1 = d;
            k
        };
        // u32 data converted to floats (`u32_to_float`): four f32 lanes, two f64 ones
        for (to, lanes) in [(DType::F32, 4), (DType::F64, 2)] {
            let k = elementwise_kernel(
                DType::U32,
                to,
                vec![load(DType::U32), (Instr::Cast(Value(0)), to)],
            );
            assert_eq!(vector::plan(&k).expect("vectorises").lanes, lanes);
        }
        // u64 to f64 in two lanes (`u64_to_f64`: two `bor`s per unrolled copy, which
        // the scalar tail's `fcvt_from_uint` does not emit); u64 to f32 stays scalar
        // (through f64 it would round twice)
        let to_f64 = elementwise_kernel(
            DType::U64,
            DType::F64,
            vec![load(DType::U64), (Instr::Cast(Value(0)), DType::F64)],
        );
        assert_eq!(vector::plan(&to_f64).map(|p| p.lanes), Some(2));
        let clif = clif_of(&to_f64);
        assert!(clif.matches("bor").count() >= 4, "{clif}");
        let to_f32 = elementwise_kernel(
            DType::U64,
            DType::F32,
            vec![load(DType::U64), (Instr::Cast(Value(0)), DType::F32)],
        );
        assert!(vector::plan(&to_f32).is_none());
        // argmax of unsigned and 8/16-bit values too: u32 in i32 lanes compared
        // unsigned (`umax` per unrolled copy, then over the block's lanes), u8 in
        // the i32 lanes that hold its extension
        assert!(vector::plan(&argmax(DType::I32)).is_some());
        assert_eq!(vector::plan(&argmax(DType::U32)).map(|p| p.lanes), Some(4));
        let clif = clif_of(&argmax(DType::U32));
        assert!(clif.matches("umax").count() >= 2, "{clif}");
        assert_eq!(vector::plan(&argmax(DType::U8)).map(|p| p.lanes), Some(4));
    }

    /// Shifts by a constant count run in vectors (`sshr` of i64 lanes, `ushr`
    /// of u32 ones); a count that varies by element keeps the scalar loop.
    #[test]
    fn constant_shifts_vectorise() {
        if !vectors_here("constant_shifts_vectorise") {
            return;
        }
        use kiln_ir::Scalar;
        let load = |d| (Instr::Load { access: 0 }, d);
        let shift = |d, count: Instr| {
            elementwise_kernel(
                d,
                d,
                vec![
                    load(d),
                    (count, d),
                    (
                        Instr::Binary(BinaryOp::BitwiseRightShift, Value(0), Value(1)),
                        d,
                    ),
                ],
            )
        };
        // The scalar tail's `Ops::shift` emits `sshr` twice (the shift and the sign
        // fill) or `ushr` once; the vector loop once more per unrolled copy (two).
        for (d, lanes, op, at_least) in [(DType::I64, 2, "sshr", 4), (DType::U32, 4, "ushr", 3)] {
            let k = shift(d, Instr::Const(Scalar::Int(3)));
            let plan = vector::plan(&k).expect("vectorises");
            assert_eq!(plan.lanes, lanes);
            let clif = clif_of(&k);
            assert!(clif.matches(op).count() >= at_least, "{clif}");
            // x >> x: a count per element
            let by_itself = shift(d, Instr::Load { access: 0 });
            assert!(vector::plan(&by_itself).is_none());
        }
    }

    /// The helpers accept any address: a prefetch is a hint and never faults.
    #[test]
    fn prefetching_any_address_is_harmless() {
        let data = [1u8; 256];
        kiln_prefetch_l2(data.as_ptr() as usize, data.len());
        kiln_prefetch_l2(0, 4096);
        kiln_prefetch_l2(usize::MAX - 100, 1 << 20);
        kiln_prefetch_strided(data.as_ptr() as usize, 64, 4);
        kiln_prefetch_strided(data.as_ptr() as usize, -20_000, 100);
        kiln_prefetch_strided(usize::MAX - 100, 1 << 20, 100);
        assert_eq!(data[255], 1);
    }
}
