//! Constant folding. A `Fill` (every element the same scalar) stays a `Fill` through
//! views and casts, so `broadcast_to(2.0)`, `astype(fill, f32)` and `reshape(fill)`
//! become one leaf; the planner then reads it as a scalar, never as memory.

use super::{derived, fill_value, rewrite, FnRule, Rule};
use crate::graph::{Graph, Node, NodeId};
use crate::op::Op;

pub fn run(graph: &Graph) -> Graph {
    let rules: Vec<&dyn Rule> = RULES.iter().map(|r| r as &dyn Rule).collect();
    rewrite(graph, &rules)
}

pub const RULES: &[FnRule] = &[FnRule {
    name: "fill-through-view-or-cast",
    apply: fill_through_view_or_cast,
}];

/// view(fill) or astype(fill) → a fill of the result's shape and dtype.
fn fill_through_view_or_cast(out: &mut Graph, node: &Node) -> Option<NodeId> {
    if !(node.op.is_view() || matches!(node.op, Op::Cast(_))) {
        return None;
    }
    // The value converted to the input's dtype, then (for a cast) to the output's.
    let value = fill_value(out.node(node.inputs[0]))?;
    Some(out.push(derived(node, Op::Fill(value), &[])))
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::op::{BinaryOp::*, Op};
    use crate::testing::{bin, fill, graph, input, op};
    use crate::{DType::*, Shape};

    #[test]
    fn fills_fold_through_casts_and_views() {
        let x = input(&[2, 3], F32);
        let half = fill(0.5, &[3], F64);
        let half32 = op(Op::Cast(F32), &[&half]);
        let wide = op(Op::Broadcast(Shape::new(&[2, 3])), &[&half32]);
        insta::assert_snapshot!(run(&graph(&[&bin(Add, &x, &wide)])).dump());
    }
}
