//! What a user sees when inspecting a graph: `explain()` and `to_dot()` (golden
//! snapshots, reviewed in the diff), and that building and dropping very long chains
//! neither overflows the stack nor computes anything early.

use kiln::{DType, ReduceOpts};

fn zscore_graph() -> kiln::Result<kiln::Array> {
    let x = kiln::asarray([1.0f64, 2.0, 4.0], ())?;
    let centered = (&x - &kiln::mean(&x, ())?)?;
    centered / kiln::std(&x, ReduceOpts::new().correction(1.0))?
}

#[test]
fn explain_lists_each_node_with_op_dtype_shape_and_source_line() -> kiln::Result<()> {
    insta::assert_snapshot!(zscore_graph()?.explain());
    Ok(())
}

#[test]
fn explain_shows_promotion_and_broadcast_as_explicit_nodes() -> kiln::Result<()> {
    let a = kiln::ones([2, 1], DType::I8)?;
    let b = kiln::zeros([3], DType::I16)?;
    insta::assert_snapshot!((&a + &b)?.explain());
    Ok(())
}

#[test]
fn dot_export_is_a_digraph_with_one_edge_per_input() -> kiln::Result<()> {
    insta::assert_snapshot!(zscore_graph()?.to_dot());
    Ok(())
}

#[test]
fn a_computed_array_becomes_a_constant_in_later_graphs() -> kiln::Result<()> {
    let x = kiln::asarray([1.0f64, 2.0], ())?;
    let y = kiln::exp(&x)?.compute()?;
    let z = (&y + 1.0)?;
    let text = z.explain();
    assert!(!text.contains("exp"), "{text}");
    assert!(text.starts_with("%0 = constant(2 elements)"), "{text}");
    Ok(())
}

#[test]
fn printing_an_unevaluated_array_does_not_compute_it() -> kiln::Result<()> {
    let y = kiln::exp(&kiln::ones([2], ())?)?;
    let shown = y.to_string();
    assert!(shown.contains("unevaluated exp"), "{shown}");
    assert!(!y.is_evaluated());
    Ok(())
}

#[test]
fn a_hundred_thousand_op_chain_builds_computes_and_drops_without_overflow() -> kiln::Result<()> {
    // Run on a thread with a small stack: recursion over the chain would overflow it.
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| -> kiln::Result<f64> {
            let mut y = kiln::zeros([4], ())?;
            for _ in 0..100_000 {
                y = (&y + 1.0)?;
            }
            let v = y.compute()?.to_vec::<f64>()?;
            Ok(v[3])
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(result?, 100_000.0);
    Ok(())
}
