//! kiln-runtime: everything that touches memory and devices.
//!
//! Today that is the reference interpreter (`interp`), which evaluates any graph on the
//! CPU. The compiled executors (Cranelift on rayon, CUDA) join it here, and the
//! interpreter stays as the oracle they are tested against.

pub mod error;
pub mod interp;

pub use error::RuntimeError;
