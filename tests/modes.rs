//! `with_mode` sets this thread's default mode: the one `compute()`, `eval()` and the
//! graph boundaries of functions with data-dependent shapes (`nonzero`, `mask_select`,
//! `unique_*`) compute in. Observed through the kernel cache, which only compiled
//! modes consult; this binary holds one test, so no other computation moves its counts.

use kiln::Mode;

/// Kernel cache lookups so far (hits and misses).
fn lookups() -> u64 {
    let (hits, misses) = kiln_runtime::cache().unwrap().counts();
    hits + misses
}

#[test]
fn with_mode_sets_the_mode_of_compute_and_of_graph_boundaries() {
    let x = kiln::from_vec(vec![0.0, 1.5, 0.0, -2.0, f64::NAN], [5]).unwrap();
    let lazy = || (&x * 3.0).unwrap();
    assert_eq!(kiln::default_mode(), Mode::from_env());
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        let before = lookups();
        let (idx, unique, computed) = kiln::with_mode(mode, || {
            assert_eq!(kiln::default_mode(), mode);
            let idx = kiln::nonzero(&lazy()).unwrap()[0].to_vec::<i64>().unwrap();
            let unique = kiln::unique_values(&lazy()).unwrap();
            let computed = lazy().compute().unwrap().to_vec::<f64>().unwrap();
            (idx, unique.to_vec::<f64>().unwrap(), computed)
        });
        assert_eq!(idx, vec![1, 3, 4], "{mode:?}");
        assert_eq!(unique[..3], [-6.0, 0.0, 4.5], "{mode:?}");
        assert!(unique[3].is_nan() && unique.len() == 4, "{mode:?}");
        assert_eq!(computed[..4], [0.0, 4.5, 0.0, -6.0], "{mode:?}");
        let used_kernels = lookups() > before;
        assert_eq!(used_kernels, mode != Mode::Interpreter, "{mode:?}");
    }
    // Nested scopes restore the outer mode, also after a panic.
    kiln::with_mode(Mode::Eager, || {
        kiln::with_mode(Mode::Interpreter, || {
            assert_eq!(kiln::default_mode(), Mode::Interpreter)
        });
        assert_eq!(kiln::default_mode(), Mode::Eager);
        let caught = std::panic::catch_unwind(|| {
            kiln::with_mode(Mode::Fused, || panic!("inside with_mode"))
        });
        assert!(caught.is_err());
        assert_eq!(kiln::default_mode(), Mode::Eager);
    });
    assert_eq!(kiln::default_mode(), Mode::from_env());
    // The mode is the thread's own: another thread still has the environment's.
    kiln::with_mode(Mode::Interpreter, || {
        let other = std::thread::spawn(kiln::default_mode).join().unwrap();
        assert_eq!(other, Mode::from_env());
    });
    // Calls that name their mode are unaffected: a fused compute inside an
    // interpreter scope still looks kernels up.
    let before = lookups();
    kiln::with_mode(Mode::Interpreter, || {
        (&x + 1.0).unwrap().compute_with(Mode::Fused).unwrap();
    });
    assert!(lookups() > before);
}
