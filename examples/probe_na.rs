include!("/tmp/inputs.rs");
fn build(empty: bool) -> kiln::Result<(kiln::Array, kiln::Array)> {
    let (a, y) = inputs()?;
    let c = if empty {
        let e1 = kiln::zeros([1, 0], kiln::DType::F32)?;
        let e2 = kiln::zeros([16, 0], kiln::DType::F32)?;
        let eq = kiln::astype(
            &kiln::equal(&kiln::greater(&e1, 0.0)?, &kiln::greater(&e2, 0.0)?)?,
            kiln::DType::F32,
        )?;
        kiln::concat(&[&a, &eq], 1)?
    } else {
        a
    };
    let x = kiln::nextafter(&c, &y)?;
    let m = kiln::mean(&x, kiln::ReduceOpts::new().axis(0).keepdims(true))?;
    Ok((x.clone(), (&x * &m)?))
}
fn main() -> kiln::Result<()> {
    for empty in [true, false] {
        for mode in [
            kiln::Mode::Interpreter,
            kiln::Mode::Fused,
            kiln::Mode::Eager,
        ] {
            let (x, r) = build(empty)?;
            let r = r.compute_with(mode)?.to_vec::<f32>()?;
            let (x2, _) = build(empty)?;
            let xv = x2.compute_with(mode)?.to_vec::<f32>()?;
            println!(
                "empty={empty} {mode:?}: x[54]={:e} r[54]={:e} r[5]={:e} col5: {:?}",
                xv[54],
                r[54],
                r[5],
                (0..16).map(|i| xv[i * 7 + 5]).collect::<Vec<_>>()
            );
            let _ = x;
        }
    }
    Ok(())
}
