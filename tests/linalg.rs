//! Matrix products and the linalg extension, against independent computations.

use kiln::Mode;

fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Textbook product of row-major [m,k] and [k,n], independent of kiln.
fn textbook(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
        }
    }
    out
}

fn close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()),
            "element {i}: {x} vs {y}"
        );
    }
}

#[test]
fn matmul_matches_the_textbook_product_in_every_mode() {
    for &(m, k, n) in &[
        (1, 1, 1),
        (3, 5, 2),
        (17, 33, 9),
        (64, 1, 64),
        (0, 3, 4),
        (3, 0, 4),
    ] {
        let a = lcg(1, m * k);
        let b = lcg(2, k * n);
        let x =
            kiln::reshape(&kiln::asarray(a.clone(), ()).unwrap(), [m as i64, k as i64]).unwrap();
        let y =
            kiln::reshape(&kiln::asarray(b.clone(), ()).unwrap(), [k as i64, n as i64]).unwrap();
        let want = textbook(&a, &b, m, k, n);
        for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
            let z = kiln::matmul(&x, &y).unwrap();
            assert_eq!(z.shape(), &[m, n]);
            let got: Vec<f64> = z.compute_with(mode).unwrap().to_vec().unwrap();
            close(&got, &want, 1e-12);
        }
    }
}
