//! Inspection switched on by one environment variable, `KILN_LOG`, a comma-separated
//! list of: `passes` (the graph after each pass), `plan` (the fusion plan, with why
//! each buffer exists and the kernel programs), `clif` (Cranelift IR), `asm`
//! (disassembly), `compile` (compile time per kernel), `cache` (hits and misses),
//! or `all`. Output goes to stderr.

use kiln_codegen::cpu::CompiledKernel;
use kiln_ir::kernel::Kernel;
use std::sync::OnceLock;

#[derive(Clone, Debug, Default)]
pub struct Log {
    pub passes: bool,
    pub plan: bool,
    pub clif: bool,
    pub asm: bool,
    pub compile: bool,
    pub cache: bool,
}

impl Log {
    pub fn from_spec(spec: &str) -> Log {
        let has = |k: &str| spec.split(',').any(|s| s.trim() == k || s.trim() == "all");
        Log {
            passes: has("passes"),
            plan: has("plan"),
            clif: has("clif"),
            asm: has("asm"),
            compile: has("compile") || has("kernels"),
            cache: has("cache"),
        }
    }

    /// The settings from `KILN_LOG`, read once.
    pub fn get() -> &'static Log {
        static LOG: OnceLock<Log> = OnceLock::new();
        LOG.get_or_init(|| Log::from_spec(&std::env::var("KILN_LOG").unwrap_or_default()))
    }

    pub fn pass(&self, name: &str, text: &str) {
        if self.passes {
            eprintln!("[kiln] graph after {name}:\n{text}");
        }
    }

    pub fn plan(&self, text: &str) {
        if self.plan {
            eprintln!("[kiln] fusion plan:\n{text}");
        }
    }

    /// A graph ran the fusion plan of an earlier graph of its structure (`plans.rs`).
    pub fn plan_reused(&self, steps: usize) {
        if self.cache {
            eprintln!("[kiln] plan cache hit: {steps} steps, no pass or planning ran");
        }
    }

    pub fn cache(&self, hit: bool, kernel: &Kernel) {
        if self.cache {
            let what = if hit { "hit" } else { "miss" };
            eprintln!(
                "[kiln] kernel cache {what}: rank {} with {} instructions",
                kernel.rank,
                kernel.instrs.len()
            );
        }
    }

    /// Cold math helpers compiled while a kernel ran, the first time an argument
    /// needed them (`kiln_codegen::cpu::take_cold_compiled`). Without `compile` they
    /// are left in codegen's list (at most one entry per cold helper, a few dozen).
    pub fn cold_compiled(&self) {
        if self.compile {
            for (what, took) in kiln_codegen::cpu::take_cold_compiled() {
                eprintln!(
                    "[kiln] compiled the cold math helper {what} while the kernel ran: {:.2} ms",
                    took.as_secs_f64() * 1e3
                );
            }
        }
    }

    pub fn compiled(&self, kernel: &Kernel, c: &CompiledKernel) {
        if self.compile || self.cache {
            let calls = if c.math_calls.is_empty() {
                String::new()
            } else {
                format!(", calls {}", c.math_calls.join(", "))
            };
            eprintln!(
                "[kiln] compiled kernel (rank {}, {} instructions, {}{calls}) in {:.2} ms",
                kernel.rank,
                kernel.instrs.len(),
                if c.vectorised { "vectorised" } else { "scalar" },
                c.compile_time.as_secs_f64() * 1e3
            );
            for (what, took) in &c.helpers_compiled {
                eprintln!(
                    "[kiln]   with it the math helper {what}: {:.2} ms",
                    took.as_secs_f64() * 1e3
                );
            }
        }
        if let Some(clif) = &c.clif {
            eprintln!("[kiln] Cranelift IR:\n{clif}");
        }
        if let Some(asm) = &c.asm {
            eprintln!("[kiln] disassembly:\n{asm}");
        }
    }
}
