//! Reused fusion plans (runtime/src/plans.rs): a graph with the structure of an earlier
//! one runs the earlier plan with its own data, in fused and eager mode, and gives the
//! interpreter's values; graphs that differ in structure only by which arrays they
//! share, by their shapes, scalars or call sites get plans of their own.

use kiln::{Array, Mode};

fn data(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as u64 * 7919 + seed * 104_729) % 1009) as f64 / 101.0 - 4.0)
        .collect()
}

fn values(y: &Array, mode: Mode) -> (Vec<f64>, kiln::ExecStats) {
    let stats = kiln::eval_with(&[y], mode).unwrap();
    (y.to_vec().unwrap(), stats)
}

/// f(a, b) = exp(a·0.1 - b) / (1 + |a|) + sum(b), of two [n] arrays.
fn f(a: &Array, b: &Array) -> Array {
    let t = (&(a * 0.1).unwrap() - b).unwrap();
    let e = kiln::exp(&t).unwrap();
    let d = (&kiln::abs(a).unwrap() + 1.0).unwrap();
    let s = kiln::sum(b, ()).unwrap();
    (&(&e / &d).unwrap() + &s).unwrap()
}

#[test]
fn a_graph_of_an_earlier_structure_runs_its_plan_with_its_own_data() {
    let n = 1000;
    for mode in [Mode::Fused, Mode::Eager] {
        let mut reused = 0;
        for seed in 0..6 {
            let a = kiln::from_vec(data(n, seed), [n]).unwrap();
            let b = kiln::from_vec(data(n, seed + 100), [n]).unwrap();
            // the roles of the two arrays swap every other call: same structure
            let (x, y) = if seed % 2 == 0 { (&a, &b) } else { (&b, &a) };
            let (got, stats) = values(&f(x, y), mode);
            let (want, _) = values(&f(x, y), Mode::Interpreter);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                    "{mode:?} {seed}: {g} vs {w}"
                );
            }
            reused += stats.plan_reused as usize;
        }
        // the first call of each mode plans (unless an earlier test planned it); the
        // others reuse
        assert!(reused >= 5, "{mode:?}: {reused} of 6 calls reused a plan");
    }
}

#[test]
fn sharing_an_array_is_another_structure() {
    let n = 500;
    let x = kiln::from_vec(data(n, 1), [n]).unwrap();
    let y = kiln::from_vec(data(n, 2), [n]).unwrap();
    let twice = |a: &Array, b: &Array| (&(a * 2.0).unwrap() - b).unwrap();
    // x·2 - y, then x·2 - x (one array in both places: CSE merges the two reads), then
    // again x·2 - y: each against the interpreter
    for (a, b) in [(&x, &y), (&x, &x), (&y, &y), (&x, &y)] {
        let (got, _) = values(&twice(a, b), Mode::Fused);
        let (want, _) = values(&twice(a, b), Mode::Interpreter);
        assert_eq!(got, want);
    }
}

#[test]
fn other_shapes_and_scalars_get_their_own_plans() {
    for (n, c) in [
        (10, 2.0),
        (11, 2.0),
        (10, 3.0),
        (1, 2.0),
        (0, 2.0),
        (10, 2.0),
    ] {
        let x = kiln::from_vec(data(n, 3), [n]).unwrap();
        let y = (&(&x * c).unwrap() + 1.0).unwrap();
        let (got, _) = values(&y, Mode::Fused);
        let want: Vec<f64> = data(n, 3).iter().map(|v| v * c + 1.0).collect();
        assert_eq!(got, want, "[{n}] · {c}");
    }
}

#[test]
fn errors_at_run_time_name_the_line_of_their_own_call() {
    // two singular matrices of one structure, inverted on two lines
    let singular = || kiln::from_vec(vec![1.0, 2.0, 2.0, 4.0], [2, 2]).unwrap();
    let first = kiln::linalg::inv(&singular())
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    let second = kiln::linalg::inv(&singular())
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    let line = |s: &str| {
        s.split("tests/plans.rs:")
            .nth(1)
            .map(|t| t.split(':').next().unwrap().to_string())
    };
    let (l1, l2) = (line(&first), line(&second));
    assert!(l1.is_some() && l2.is_some(), "{first} / {second}");
    assert_ne!(l1, l2, "{first} / {second}");
}

#[test]
fn arrays_computed_before_are_read_as_data() {
    // y holds a value after its first compute: z = y + 1 reads it as a constant, with
    // the structure of any other [n] array plus 1
    let n = 64;
    for seed in 0..3 {
        let x = kiln::from_vec(data(n, seed), [n]).unwrap();
        let y = kiln::exp(&(&x * 0.01).unwrap()).unwrap();
        y.compute().unwrap();
        let z = (&y + 1.0).unwrap();
        let (got, _) = values(&z, Mode::Fused);
        let want: Vec<f64> = y.to_vec::<f64>().unwrap().iter().map(|v| v + 1.0).collect();
        assert_eq!(got, want);
    }
}
