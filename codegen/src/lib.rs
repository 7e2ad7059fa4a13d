//! kiln-codegen: kernel programs to machine code.
//!
//! `math` is the inline math library (transcendentals over an abstract builder of
//! primitive ops); the Cranelift (CPU) and CUDA C (GPU) emitters build on it. Nothing
//! here knows about buffers or threads (the independent parts of one compilation are
//! handed to the caller's `cpu::Parallel`).

pub mod cpu;
pub mod math;
