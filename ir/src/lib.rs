//! kiln-ir: the typed array graph.
//!
//! Dtypes and their promotion table, shapes and broadcasting, the operations with their
//! shape/dtype rules, and the two program forms (`Expr`, the lazy DAG users build, and
//! `Graph`, the flattened arena the compiler works on). Nothing here knows about
//! Cranelift, CUDA, buffers or threads.

pub mod data;
pub mod device;
pub mod dtype;
pub mod error;
pub mod graph;
pub mod kernel;
pub mod layout;
pub mod library;
pub mod op;
pub mod passes;
pub mod plan;
pub mod pool;
pub mod scalar;
pub mod shape;
#[cfg(test)]
mod testing;

pub use data::{Data, Element, Literal};
pub use device::Device;
pub use dtype::{can_cast, promote, result_type, Category, DType, Kind};
pub use error::IrError;
pub use graph::{Expr, ExprRef, Graph, Loc, Node, NodeId};
pub use library::LibCall;
pub use op::{Axes, BinaryOp, Meta, Op, ReduceOp, ResultRule, ScanOp, SliceDim, UnaryOp};
pub use scalar::Scalar;
pub use shape::{broadcast_pair, broadcast_shapes, normalize_axes, normalize_axis, Shape};

#[doc(hidden)]
pub use num_complex;
