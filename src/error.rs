//! kiln's error type: a graph-building mistake (with the user's source location), a
//! run-time failure, or a request for data the array cannot give.

use kiln_ir::{IrError, Loc};
use kiln_runtime::RuntimeError;
use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A shape, dtype, axis or device mistake, raised by the call that made it.
    #[error("{source} (at {}:{}:{})", .at.file(), .at.line(), .at.column())]
    Build {
        #[source]
        source: IrError,
        at: Loc,
    },

    /// Evaluation failed for a run-time reason.
    #[error("compute failed: {0}")]
    Run(#[from] RuntimeError),

    /// Reading results: wrong element type, not a scalar, ...
    #[error("{func}: {msg}")]
    Data { func: &'static str, msg: String },
}

impl Error {
    pub(crate) fn build(source: IrError, at: Loc) -> Error {
        Error::Build { source, at }
    }

    /// The building error, if this is one.
    pub fn ir(&self) -> Option<&IrError> {
        match self {
            Error::Build { source, .. } => Some(source),
            _ => None,
        }
    }
}
