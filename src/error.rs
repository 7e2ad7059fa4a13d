//! kiln's error type: a graph-building mistake (with the user's source location), a
//! run-time failure, or a request for data the array cannot give.

use kiln_ir::{IrError, Loc};
use kiln_runtime::RuntimeError;
use thiserror::Error;

/// `std::result::Result` with kiln's [`Error`](enum@Error) as the default error type: what every
/// building call, `compute()` and the readers (`to_vec`, `item`) return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a kiln call failed: a mistake in building the graph ([`Error::Build`], returned
/// by the call that made it), a failure while computing ([`Error::Run`]), or a request
/// for values the array cannot give ([`Error::Data`]).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A shape, dtype, axis or device mistake, raised by the call that made it.
    #[error("{source} (at {}:{}:{})", .at.file(), .at.line(), .at.column())]
    Build {
        /// What was wrong, naming the function and the shapes, dtypes or axes involved.
        #[source]
        source: IrError,
        /// Where in the user's code the failing call was written (file, line, column).
        at: Loc,
    },

    /// Evaluation failed for a run-time reason.
    #[error("compute failed: {0}")]
    Run(#[from] RuntimeError),

    /// Reading results: wrong element type, not a scalar, ...
    #[error("{func}: {msg}")]
    Data {
        /// The method that failed (`to_vec`, `item`, `to_ndarray`, ...).
        func: &'static str,
        /// What was wrong and, where there is one, the fix (`convert with kiln::astype
        /// first`).
        msg: String,
    },
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
