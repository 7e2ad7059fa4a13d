//! Errors that only running a graph can reveal.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum RuntimeError {
    #[error("no backend for device {device}: {why}")]
    NoDevice { device: String, why: String },

    #[error("the interpreter has no implementation of {what}")]
    Unsupported { what: String },

    #[error("{what}")]
    Compile { what: String },

    /// The values make the call impossible (an index out of bounds, a singular matrix).
    #[error("{func}: {msg}")]
    Value { func: &'static str, msg: String },

    /// The allocator refused the buffer of a result (checked before anything runs).
    #[error("{func}: cannot allocate {bytes} bytes for a result of shape {shape} and dtype {dtype} (built at {at})")]
    Memory {
        func: &'static str,
        bytes: usize,
        shape: String,
        dtype: String,
        at: String,
    },
}

impl RuntimeError {
    /// A value error (index out of bounds, singular matrix) told where the call that
    /// raised it was written; other errors say so already or have no single call.
    pub fn at(self, loc: &std::panic::Location<'_>) -> RuntimeError {
        match self {
            RuntimeError::Value { func, msg } => RuntimeError::Value {
                func,
                msg: format!("{msg} (at {loc})"),
            },
            other => other,
        }
    }
}
