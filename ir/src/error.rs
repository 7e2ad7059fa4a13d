//! Errors raised while building a graph: every message names the function and the
//! shapes, dtypes, axes or devices involved, and what would have been valid.

use crate::device::Device;
use crate::dtype::{Category, DType};
use crate::shape::Shape;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum IrError {
    #[error("{func}: cannot broadcast shapes {}: aligned from the last axis, each pair of sizes must be equal or one of them 1", join_shapes(.shapes))]
    Broadcast {
        func: &'static str,
        shapes: Vec<Shape>,
    },

    #[error("{func}: cannot broadcast shape {from} to {to}: only size-1 axes stretch and only leading axes may be added")]
    BroadcastTo {
        func: &'static str,
        from: Shape,
        to: Shape,
    },

    #[error("{func}: expected {} for {arg}, got {dtype}", .expected.describe())]
    DType {
        func: &'static str,
        arg: &'static str,
        dtype: DType,
        expected: Category,
    },

    #[error("{func}: the Array API defines no promotion of {a} with {b}{hint}; convert one operand with astype")]
    Promotion {
        func: &'static str,
        a: DType,
        b: DType,
        hint: &'static str,
    },

    #[error("{func}: a Rust {scalar} scalar cannot be combined with a {dtype} array; use a scalar of the array's kind or astype")]
    ScalarKind {
        func: &'static str,
        scalar: &'static str,
        dtype: DType,
    },

    #[error("{func}: the scalar {value} does not fit in {dtype}")]
    ScalarRange {
        func: &'static str,
        value: String,
        dtype: DType,
    },

    #[error("{func}: axis {axis} is out of range for an array of rank {rank} ({})", valid_axes(*.rank))]
    Axis {
        func: &'static str,
        axis: i64,
        rank: usize,
    },

    #[error("{func}: axes {axes:?} name the same axis twice")]
    DuplicateAxis { func: &'static str, axes: Vec<i64> },

    #[error("{func}: arrays are on different devices ({})", join_devices(.devices))]
    Device {
        func: &'static str,
        devices: Vec<Device>,
    },

    #[error("{func}: cannot reduce {what} of shape {shape} over axes {axes:?}: {why}")]
    EmptyReduction {
        func: &'static str,
        what: &'static str,
        shape: Shape,
        axes: Vec<usize>,
        why: &'static str,
    },

    #[error("{func}: {msg}")]
    Invalid { func: &'static str, msg: String },
}

impl IrError {
    /// The function the error names.
    pub fn func(&self) -> &'static str {
        match self {
            IrError::Broadcast { func, .. }
            | IrError::BroadcastTo { func, .. }
            | IrError::DType { func, .. }
            | IrError::Promotion { func, .. }
            | IrError::ScalarKind { func, .. }
            | IrError::ScalarRange { func, .. }
            | IrError::Axis { func, .. }
            | IrError::DuplicateAxis { func, .. }
            | IrError::Device { func, .. }
            | IrError::EmptyReduction { func, .. }
            | IrError::Invalid { func, .. } => func,
        }
    }

    pub fn invalid(func: &'static str, msg: impl Into<String>) -> IrError {
        IrError::Invalid {
            func,
            msg: msg.into(),
        }
    }
}

/// The axes an array of `rank` accepts, for `IrError::Axis`.
fn valid_axes(rank: usize) -> String {
    match rank {
        0 => "a 0-d array has no axes".into(),
        r => format!("valid: -{r} to {}", r - 1),
    }
}

fn join_shapes(shapes: &[Shape]) -> String {
    let parts: Vec<String> = shapes.iter().map(|s| s.to_string()).collect();
    parts.join(" and ")
}

fn join_devices(devices: &[Device]) -> String {
    let parts: Vec<String> = devices.iter().map(|d| d.to_string()).collect();
    parts.join(", ")
}
