//! Dead-code elimination: keep only the nodes some output depends on.

use crate::graph::{Graph, NodeId};

pub fn run(graph: &Graph) -> Graph {
    match live(graph) {
        None => graph.clone(),
        Some(live) => rebuild(graph, &live),
    }
}

/// `graph` without its dead nodes, taking it over: the graph itself where every node
/// is live.
pub fn prune(graph: Graph) -> Graph {
    match live(&graph) {
        None => graph,
        Some(live) => rebuild(&graph, &live),
    }
}

/// `graph` without its dead nodes; `None` where every node is live.
pub fn without_dead(graph: &Graph) -> Option<Graph> {
    live(graph).map(|live| rebuild(graph, &live))
}

/// Which nodes the outputs depend on; `None` where every node does.
fn live(graph: &Graph) -> Option<Vec<bool>> {
    let mut live = vec![false; graph.nodes.len()];
    for o in &graph.outputs {
        live[o.index()] = true;
    }
    // Nodes are in topological order, so one backward sweep marks every dependency.
    for i in (0..graph.nodes.len()).rev() {
        if live[i] {
            for input in &graph.nodes[i].inputs {
                live[input.index()] = true;
            }
        }
    }
    (!live.iter().all(|&l| l)).then_some(live)
}

fn rebuild(graph: &Graph, live: &[bool]) -> Graph {
    let mut out = Graph::with_capacity(graph.nodes.len());
    let mut map: Vec<Option<NodeId>> = vec![None; graph.nodes.len()];
    for (i, node) in graph.nodes.iter().enumerate() {
        if !live[i] {
            continue;
        }
        let mut node = node.clone();
        for input in node.inputs.iter_mut() {
            *input = map[input.index()].expect("inputs of a live node are live");
        }
        map[i] = Some(out.push(node));
    }
    out.outputs = graph
        .outputs
        .iter()
        .map(|o| map[o.index()].expect("outputs are live"))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use crate::op::{BinaryOp::*, UnaryOp::*};
    use crate::passes::simplify;
    use crate::testing::{bin, fill, graph, input, un};
    use crate::DType::*;

    #[test]
    fn nodes_no_output_needs_are_dropped() {
        let x = input(&[2], F32);
        // After x*1 → x, the fill and the multiply are dead.
        let y = un(Exp, &bin(Multiply, &x, &fill(1.0, &[2], F32)));
        let g = simplify::run(&graph(&[&y]));
        insta::assert_snapshot!(g.dump());
    }
}
