//! The kernel cache: compiled kernels keyed by their structure (`Kernel`: ops, dtypes,
//! rank and access pattern, never sizes), so changing N never recompiles. Bounded:
//! past `CAPACITY` entries the least recently used kernel (and its code) is dropped.

use crate::error::RuntimeError;
use crate::log::Log;
use kiln_codegen::cpu::{CompiledKernel, CpuCompiler, Inspect, Parallel};
use kiln_ir::kernel::Kernel;
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex};

const CAPACITY: usize = 1024;

pub struct KernelCache {
    compiler: CpuCompiler,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Kernel, (Arc<CompiledKernel>, u64)>,
    clock: u64,
    hits: u64,
    misses: u64,
}

/// The current rayon pool, for the parts of a compilation that can run beside each
/// other (the math helpers a kernel is the first to call).
struct Pool;

impl Parallel for Pool {
    fn run(&self, n: usize, job: &(dyn Fn(usize) + Sync), own: &mut dyn FnMut()) {
        rayon::in_place_scope(|s| {
            for i in 0..n {
                s.spawn(move |_| job(i));
            }
            own();
        });
    }
}

impl KernelCache {
    pub fn new() -> Result<KernelCache, RuntimeError> {
        let compiler = CpuCompiler::new().map_err(|e| RuntimeError::Compile {
            what: e.to_string(),
        })?;
        Ok(KernelCache {
            compiler,
            entries: Mutex::new(Entries::default()),
        })
    }

    /// The compiled kernel, and whether it was compiled just now.
    pub fn get_or_compile(
        &self,
        kernel: &Kernel,
        log: &Log,
    ) -> Result<(Arc<CompiledKernel>, bool), RuntimeError> {
        {
            let mut e = self.entries.lock().expect("cache lock");
            e.clock += 1;
            let now = e.clock;
            if let Some((k, used)) = e.map.get_mut(kernel) {
                *used = now;
                let k = k.clone();
                e.hits += 1;
                log.cache(true, kernel);
                return Ok((k, false));
            }
        }
        let inspect = Inspect {
            clif: log.clif,
            asm: log.asm,
        };
        let compiled = Arc::new(self.compiler.compile_with(kernel, inspect, &Pool).map_err(
            |e| RuntimeError::Compile {
                what: e.to_string(),
            },
        )?);
        log.compiled(kernel, &compiled);
        let mut e = self.entries.lock().expect("cache lock");
        e.misses += 1;
        if e.map.len() >= CAPACITY {
            if let Some(oldest) = e
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                e.map.remove(&oldest);
            }
        }
        let now = e.clock;
        e.map.insert(kernel.clone(), (compiled.clone(), now));
        Ok((compiled, true))
    }

    /// (hits, misses) since the cache was made.
    pub fn counts(&self) -> (u64, u64) {
        let e = self.entries.lock().expect("cache lock");
        (e.hits, e.misses)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
