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
}
