//! Common-subexpression elimination: two nodes with the same op, the same inputs and
//! the same shape/dtype/device compute the same value, so the second becomes the first.
//! Constants are the same only if they share their allocation (`Literal` equality), so
//! CSE never compares array contents.

use crate::graph::{Graph, Node, NodeId};
use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;
use std::hash::{Hash, Hasher};

/// The nodes kept so far, by the hash of their op, inputs and meta (the nodes
/// themselves are compared on a hit: no key copies an op or a shape).
type Seen = FxHashMap<u64, SmallVec<[NodeId; 1]>>;

pub fn run(graph: &Graph) -> Graph {
    let mut seen: Seen = FxHashMap::with_capacity_and_hasher(graph.nodes.len(), Default::default());
    let mut out = Graph::with_capacity(graph.nodes.len());
    let mut map: Vec<NodeId> = Vec::with_capacity(graph.nodes.len());
    let same = |a: &Node, b: &Node| a.op == b.op && a.inputs == b.inputs && a.meta == b.meta;
    for node in &graph.nodes {
        let mut node = node.clone();
        for i in node.inputs.iter_mut() {
            *i = map[i.index()];
        }
        let mut h = FxHasher::default();
        (&node.op, &node.inputs, &node.meta).hash(&mut h);
        let ids = seen.entry(h.finish()).or_default();
        let id = match ids.iter().find(|&&id| same(out.node(id), &node)) {
            Some(&id) => id,
            None => {
                let id = out.push(node);
                ids.push(id);
                id
            }
        };
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
