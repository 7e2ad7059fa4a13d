//! The reference interpreter: plain, obviously correct Rust that evaluates any graph on
//! the CPU, one node at a time, each into a fresh contiguous vector.
//!
//! It is the oracle every optimisation and backend is tested against, so it favours
//! clarity over speed (it is still fast enough for 10M-element chains: one tight loop per
//! node). A value is freed as soon as its last reader has run.

mod elementwise;
mod movement;
mod reduce;
pub mod scalar_ops;

pub use reduce::scan;

use crate::error::RuntimeError;
use kiln_ir::{Data, Device, Graph, LibCall, NodeId, Op};
use std::collections::HashMap;
use std::sync::Arc;

/// Evaluate every output of `graph`, in order.
pub fn run(graph: &Graph) -> Result<Vec<Arc<Data>>, RuntimeError> {
    let mut remaining = graph.use_counts();
    let mut values: Vec<Option<Arc<Data>>> = vec![None; graph.nodes.len()];
    let mut library_results: HashMap<(LibCall, Vec<NodeId>), Vec<Arc<Data>>> = HashMap::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if let Device::Cuda(_) = node.meta.device {
            return Err(RuntimeError::NoDevice {
                device: node.meta.device.to_string(),
                why: "kiln has no CUDA backend yet; build the array on Device::Cpu".into(),
            });
        }
        let inputs: Vec<Arc<Data>> = node
            .inputs
            .iter()
            .map(|id| {
                values[id.index()]
                    .clone()
                    .expect("inputs run before their users")
            })
            .collect();
        let in_shapes: Vec<&kiln_ir::Shape> = node
            .inputs
            .iter()
            .map(|id| &graph.node(*id).meta.shape)
            .collect();
        let value = match &node.op {
            // A routine with several results (svd, qr, unique_all) runs once for all of
            // its output nodes.
            Op::Library { call, output } => {
                let key = (call.clone(), node.inputs.to_vec());
                if !library_results.contains_key(&key) {
                    let args: Vec<(&Data, &kiln_ir::Shape)> = inputs
                        .iter()
                        .map(|d| d.as_ref())
                        .zip(in_shapes.iter().copied())
                        .collect();
                    let results =
                        crate::library::reference(call, &args).map_err(|e| e.at(node.loc))?;
                    library_results
                        .insert(key.clone(), results.into_iter().map(Arc::new).collect());
                }
                library_results[&key][*output as usize].clone()
            }
            op => eval_node(op, &inputs, &in_shapes, &node.meta)?,
        };
        values[i] = Some(value);
        for id in &node.inputs {
            remaining[id.index()] -= 1;
            if remaining[id.index()] == 0 {
                values[id.index()] = None;
            }
        }
    }
    Ok(graph
        .outputs
        .iter()
        .map(|o| values[o.index()].clone().expect("outputs are kept"))
        .collect())
}

fn eval_node(
    op: &Op,
    inputs: &[Arc<Data>],
    in_shapes: &[&kiln_ir::Shape],
    meta: &kiln_ir::Meta,
) -> Result<Arc<Data>, RuntimeError> {
    let x = || inputs[0].as_ref();
    let shape = &meta.shape;
    let data = match op {
        Op::Constant(lit) => return Ok(lit.0.clone()),
        Op::Fill(s) => Data::filled(meta.dtype, *s, shape.size()),
        Op::Iota { axis } => movement::iota(shape, *axis, meta.dtype),
        Op::Unary(u) => elementwise::unary(*u, x())?,
        Op::Binary(b) => elementwise::binary(*b, x(), &inputs[1])?,
        Op::Where => elementwise::select(x(), &inputs[1], &inputs[2])?,
        Op::Fma => elementwise::fma(x(), &inputs[1], &inputs[2])?,
        Op::Cast(to) => x().cast(*to),
        Op::Reshape(_) => return Ok(inputs[0].clone()),
        Op::Permute(perm) => movement::permute(x(), in_shapes[0], perm, shape),
        Op::Broadcast(_) => movement::broadcast(x(), in_shapes[0], shape),
        Op::Slice(dims) => movement::slice(x(), in_shapes[0], dims, shape),
        Op::Concat { axis } => {
            let parts: Vec<(&Data, &kiln_ir::Shape)> = inputs
                .iter()
                .map(|d| d.as_ref())
                .zip(in_shapes.iter().copied())
                .collect();
            movement::concat(&parts, *axis, meta.dtype)
        }
        Op::Reduce {
            op,
            axes,
            correction_bits,
            ..
        } => reduce::reduce(
            *op,
            x(),
            in_shapes[0],
            axes,
            f64::from_bits(*correction_bits),
        )?,
        Op::Scan {
            op,
            axis,
            include_initial,
        } => reduce::scan(*op, x(), in_shapes[0], *axis, *include_initial)?,
        Op::Library { .. } => unreachable!("library calls are run by `run`"),
    };
    Ok(Arc::new(data))
}
