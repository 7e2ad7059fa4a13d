//! Common-subexpression elimination: two nodes with the same op, the same inputs and
//! the same shape/dtype/device compute the same value, so the second becomes the first.
//! Constants are the same only if they share their allocation (`Literal` equality), so
//! CSE never compares array contents.

use crate::graph::{Graph, NodeId};
use crate::op::{Meta, Op};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

pub fn run(graph: &Graph) -> Graph {
    let mut seen: FxHashMap<(Op, SmallVec<[NodeId; 3]>, Meta), NodeId> =
        FxHashMap::with_capacity_and_hasher(graph.nodes.len(), Default::default());
    let mut out = Graph::with_capacity(graph.nodes.len());
    let mut map: Vec<NodeId> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let mut node = node.clone();
        for i in node.inputs.iter_mut() {
            *i = map[i.index()];
        }
        let key = (node.op.clone(), node.inputs.clone(), node.meta.clone());
        let id = *seen.entry(key).or_insert_with(|| out.push(node));
        map.push(id);
    }
    out.outputs = graph.outputs.iter().map(|o| map[o.index()]).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::op::{BinaryOp::*, UnaryOp::*};
    use crate::testing::{bin, graph, input, un};
    use crate::DType::*;

    #[test]
    fn identical_subexpressions_are_computed_once() {
        let x = input(&[8], F64);
        let a = un(Exp, &x);
        let b = un(Exp, &x); // built separately: a different Expr, the same value
        let y = bin(Add, &a, &b);
        insta::assert_snapshot!(run(&graph(&[&y])).dump());
    }

    #[test]
    fn different_constants_are_not_merged() {
        let x = input(&[2], F64);
        let y = input(&[2], F64);
        let g = run(&graph(&[&bin(Add, &x, &y)]));
        assert_eq!(g.nodes.len(), 3);
    }
}
