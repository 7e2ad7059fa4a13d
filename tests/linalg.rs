//! Matrix products and the linalg extension, against independent computations.

mod common;

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

// ---- The linalg extension: each result is checked against an identity or a textbook
// computation written here (A = L Lᵀ, A V = V diag(w), Q R = A, cofactor determinants,
// naive loops), in every execution mode.

use kiln::linalg::{self, MatrixNorm, QrMode};
use kiln::{Array, Complex32, Complex64, DType};

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];

fn arr(values: &[f64], shape: &[usize]) -> Array {
    kiln::from_vec(values.to_vec(), shape).unwrap()
}

fn get(x: &Array, mode: Mode) -> Vec<f64> {
    x.compute_with(mode).unwrap().to_vec().unwrap()
}

fn transpose(a: &[f64], m: usize, n: usize) -> Vec<f64> {
    (0..n * m).map(|i| a[(i % m) * n + i / m]).collect()
}

fn identity(n: usize) -> Vec<f64> {
    (0..n * n)
        .map(|i| if i % (n + 1) == 0 { 1.0 } else { 0.0 })
        .collect()
}

/// Matrix `i` of a row-major stack of m × n matrices.
fn nth(a: &[f64], i: usize, m: usize, n: usize) -> &[f64] {
    &a[i * m * n..(i + 1) * m * n]
}

/// Laplace expansion along the first row.
fn cofactor_det(a: &[f64], n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    (0..n)
        .map(|j| {
            let minor: Vec<f64> = (n..n * n).filter(|i| i % n != j).map(|i| a[i]).collect();
            let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
            sign * a[j] * cofactor_det(&minor, n - 1)
        })
        .sum()
}

/// A symmetric positive-definite n × n matrix: B Bᵀ + n I.
fn spd(seed: u64, n: usize) -> Vec<f64> {
    let b = lcg(seed, n * n);
    let mut a = textbook(&b, &transpose(&b, n, n), n, n, n);
    for i in 0..n {
        a[i * n + i] += n as f64;
    }
    a
}

/// A stack of `count` matrices made by `one(seed)`.
fn stack(count: usize, one: impl Fn(u64) -> Vec<f64>) -> Vec<f64> {
    (0..count as u64).flat_map(one).collect()
}

fn is_orthonormal_columns(q: &[f64], m: usize, k: usize, tol: f64) {
    let qtq = textbook(&transpose(q, m, k), q, k, m, k);
    close(&qtq, &identity(k), tol);
}

#[test]
fn cholesky_factors_reproduce_positive_definite_stacks() {
    let n = 4;
    let a = stack(6, |s| spd(10 + s, n));
    for upper in [false, true] {
        for mode in MODES {
            let x = arr(&a, &[2, 3, n, n]);
            let l = get(&linalg::cholesky(&x, upper).unwrap(), mode);
            for i in 0..6 {
                let f = nth(&l, i, n, n);
                let (lower, back) = if upper {
                    (
                        transpose(f, n, n),
                        textbook(&transpose(f, n, n), f, n, n, n),
                    )
                } else {
                    (f.to_vec(), textbook(f, &transpose(f, n, n), n, n, n))
                };
                for r in 0..n {
                    assert!(lower[r * n + r] > 0.0);
                    for c in r + 1..n {
                        assert_eq!(lower[r * n + c], 0.0, "{mode:?} upper={upper}");
                    }
                }
                close(&back, nth(&a, i, n, n), 1e-12);
            }
        }
    }
}

#[test]
fn cholesky_reads_only_the_lower_triangle_of_a_transposed_view() {
    let n = 3;
    let a = spd(3, n);
    // Stored: A's upper triangle and garbage below; transposed, the garbage is above.
    let stored: Vec<f64> = (0..n * n)
        .map(|i| if i / n <= i % n { a[i] } else { 99.0 })
        .collect();
    for mode in MODES {
        let x = kiln::matrix_transpose(&arr(&stored, &[n, n])).unwrap();
        let l = get(&linalg::cholesky(&x, false).unwrap(), mode);
        close(&textbook(&l, &transpose(&l, n, n), n, n, n), &a, 1e-12);
    }
}

#[test]
fn cholesky_of_size_one_and_empty_stacks() {
    for mode in MODES {
        let one = linalg::cholesky(&arr(&[9.0], &[1, 1, 1]), false).unwrap();
        assert_eq!(get(&one, mode), vec![3.0]);
        let empty = linalg::cholesky(&arr(&[], &[0, 3, 3]), false).unwrap();
        assert_eq!(empty.shape(), &[0, 3, 3]);
        assert!(get(&empty, mode).is_empty());
    }
}

#[test]
fn det_and_slogdet_match_cofactor_expansion() {
    for n in 0..=4 {
        let a = lcg(20 + n as u64, 6 * n * n);
        for mode in MODES {
            let x = arr(&a, &[2, 3, n, n]);
            let d = get(&linalg::det(&x).unwrap(), mode);
            let s = linalg::slogdet(&x).unwrap();
            assert_eq!(s.sign.shape(), &[2, 3]);
            let (sign, log) = (get(&s.sign, mode), get(&s.logabsdet, mode));
            for i in 0..6 {
                let want = cofactor_det(nth(&a, i, n, n), n);
                close(&[d[i]], &[want], 1e-12);
                close(&[sign[i] * log[i].exp()], &[want], 1e-12);
                assert_eq!(sign[i], want.signum(), "n={n} {mode:?}");
            }
        }
    }
}

#[test]
fn det_of_a_transposed_view_and_of_a_singular_matrix() {
    let a = lcg(5, 9);
    let singular = [1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 0.0, 1.0, 1.0];
    for mode in MODES {
        let t = kiln::matrix_transpose(&arr(&a, &[3, 3])).unwrap();
        let d = get(&linalg::det(&t).unwrap(), mode);
        close(&d, &[cofactor_det(&transpose(&a, 3, 3), 3)], 1e-12);
        let s = linalg::slogdet(&arr(&singular, &[3, 3])).unwrap();
        assert_eq!(get(&s.sign, mode), vec![0.0]);
        assert_eq!(get(&s.logabsdet, mode), vec![f64::NEG_INFINITY]);
    }
}

/// A batch of many small matrices (each factorised in place in its thread's buffers,
/// `Lu` in runtime/src/library/linalg.rs): det against the cofactor expansion, inv
/// times the matrix against the identity, solve's residual, for 3 × 3 and 4 × 4
/// batches of 10,007 (more than a rayon split's worth), with a singular matrix in the
/// middle naming itself; and a 40 × 40 matrix (faer's own parallelism) alone and in
/// a batch with the same bits.
#[test]
fn batches_of_many_small_matrices() {
    let count = 10_007;
    for n in [3, 4] {
        let mut a = lcg(70 + n as u64, count * n * n);
        // Heavy at (r, r + 1 mod n): well conditioned, and every factorisation
        // permutes its rows by a cycle, which for n > 2 is not its own inverse.
        for (i, v) in a.iter_mut().enumerate() {
            let (r, c) = (i % (n * n) / n, i % n);
            if c == (r + 1) % n {
                *v += 4.0;
            }
        }
        let b = lcg(80 + n as u64, count * n);
        let x = arr(&a, &[count, n, n]);
        let d = get(&linalg::det(&x).unwrap(), Mode::Fused);
        let y = get(&linalg::inv(&x).unwrap(), Mode::Fused);
        let z = get(
            &linalg::solve(&x, &arr(&b, &[count, n, 1])).unwrap(),
            Mode::Fused,
        );
        for i in (0..count).step_by(97).chain([count - 1]) {
            let m = nth(&a, i, n, n);
            close(&[d[i]], &[cofactor_det(m, n)], 1e-12);
            close(&textbook(m, nth(&y, i, n, n), n, n, n), &identity(n), 1e-12);
            close(
                &textbook(m, nth(&z, i, n, 1), n, n, 1),
                nth(&b, i, n, 1),
                1e-12,
            );
        }
        let mut bad = a.clone();
        bad[5000 * n * n..5001 * n * n].fill(2.0);
        let e = linalg::inv(&arr(&bad, &[count, n, n]))
            .unwrap()
            .compute_with(Mode::Fused)
            .unwrap_err();
        assert!(e.to_string().contains("matrix 5000 of the batch"), "{e}");
    }
    let n = 40;
    let mut a = lcg(90, 3 * n * n);
    for (i, v) in a.iter_mut().enumerate() {
        if i % (n * n) % (n + 1) == 0 {
            *v += 8.0;
        }
    }
    let batch = get(&linalg::inv(&arr(&a, &[3, n, n])).unwrap(), Mode::Fused);
    let alone = get(
        &linalg::inv(&arr(nth(&a, 2, n, n), &[n, n])).unwrap(),
        Mode::Fused,
    );
    assert_eq!(&batch[2 * n * n..], &alone[..]);
    close(
        &textbook(nth(&a, 2, n, n), &alone, n, n, n),
        &identity(n),
        1e-12,
    );
}

#[test]
fn inv_times_the_matrix_is_the_identity() {
    let n = 4;
    let a = lcg(30, 6 * n * n);
    for mode in MODES {
        let x = arr(&a, &[2, 3, n, n]);
        let y = get(&linalg::inv(&x).unwrap(), mode);
        for i in 0..6 {
            let p = textbook(nth(&a, i, n, n), nth(&y, i, n, n), n, n, n);
            close(&p, &identity(n), 1e-10);
        }
        // Non-contiguous input: the inverse of Aᵀ.
        let t = kiln::matrix_transpose(&arr(&a[..n * n], &[n, n])).unwrap();
        let y = get(&linalg::inv(&t).unwrap(), mode);
        close(
            &textbook(&transpose(&a[..n * n], n, n), &y, n, n, n),
            &identity(n),
            1e-10,
        );
    }
}

#[test]
fn inv_of_integers_computes_in_float64() {
    for mode in MODES {
        let x = kiln::asarray([[2i64, 1], [1, 1]], ()).unwrap();
        let y = linalg::inv(&x).unwrap();
        assert_eq!(y.dtype(), DType::F64);
        close(&get(&y, mode), &[1.0, -1.0, -1.0, 2.0], 1e-14);
    }
}

#[test]
fn solve_broadcasts_batch_axes_and_accepts_a_vector() {
    let (n, k) = (3, 2);
    let a = lcg(40, 2 * n * n);
    let b = lcg(41, 3 * n * k);
    for mode in MODES {
        // [2, 1, 3, 3] with [3, 3, 2] → [2, 3, 3, 2].
        let x = linalg::solve(&arr(&a, &[2, 1, n, n]), &arr(&b, &[3, n, k])).unwrap();
        assert_eq!(x.shape(), &[2, 3, n, k]);
        let v = get(&x, mode);
        for i in 0..2 {
            for j in 0..3 {
                let xi = nth(&v, i * 3 + j, n, k);
                close(
                    &textbook(nth(&a, i, n, n), xi, n, n, k),
                    nth(&b, j, n, k),
                    1e-10,
                );
            }
        }
        // A vector right-hand side: [2, 3, 3] with [3] → [2, 3].
        let x = linalg::solve(&arr(&a, &[2, n, n]), &arr(&b[..n], &[n])).unwrap();
        assert_eq!(x.shape(), &[2, n]);
        let v = get(&x, mode);
        for i in 0..2 {
            close(
                &textbook(nth(&a, i, n, n), nth(&v, i, n, 1), n, n, 1),
                &b[..n],
                1e-10,
            );
        }
        // A transposed right-hand side.
        let bt = kiln::matrix_transpose(&arr(&b[..n * k], &[k, n])).unwrap();
        let v = get(
            &linalg::solve(&arr(&a[..n * n], &[n, n]), &bt).unwrap(),
            mode,
        );
        close(
            &textbook(&a[..n * n], &v, n, n, k),
            &transpose(&b[..n * k], k, n),
            1e-10,
        );
    }
}

#[test]
fn eigh_diagonalises_symmetric_stacks() {
    let n = 4;
    let a = stack(6, |s| {
        let m = lcg(50 + s, n * n);
        let t = transpose(&m, n, n);
        m.iter().zip(&t).map(|(x, y)| x + y).collect()
    });
    for mode in MODES {
        let x = arr(&a, &[2, 3, n, n]);
        let e = linalg::eigh(&x).unwrap();
        let (w, v) = (get(&e.eigenvalues, mode), get(&e.eigenvectors, mode));
        let w_only = get(&linalg::eigvalsh(&x).unwrap(), mode);
        close(&w_only, &w, 1e-12);
        for i in 0..6 {
            let (ai, vi, wi) = (nth(&a, i, n, n), nth(&v, i, n, n), &w[i * n..(i + 1) * n]);
            assert!(wi.windows(2).all(|p| p[0] <= p[1]), "ascending");
            is_orthonormal_columns(vi, n, n, 1e-12);
            let av = textbook(ai, vi, n, n, n);
            let vw: Vec<f64> = (0..n * n).map(|j| vi[j] * wi[j % n]).collect();
            close(&av, &vw, 1e-10);
            // The eigenvalues sum to the trace and multiply to the determinant.
            let trace: f64 = (0..n).map(|j| ai[j * n + j]).sum();
            close(&[wi.iter().sum()], &[trace], 1e-10);
            close(&[wi.iter().product()], &[cofactor_det(ai, n)], 1e-10);
        }
    }
}

#[test]
fn eigh_of_a_complex_hermitian_matrix() {
    let c = |re, im| Complex64::new(re, im);
    let a = vec![c(2.0, 0.0), c(1.0, -1.0), c(1.0, 1.0), c(3.0, 0.0)];
    for mode in MODES {
        let x = kiln::from_vec(a.clone(), [2, 2]).unwrap();
        let e = linalg::eigh(&x).unwrap();
        assert_eq!(e.eigenvalues.dtype(), DType::F64);
        // trace 5, det 6 - |1 - i|² = 4: eigenvalues 1 and 4.
        close(&get(&e.eigenvalues, mode), &[1.0, 4.0], 1e-12);
        let v: Vec<Complex64> = e.eigenvectors.compute_with(mode).unwrap().to_vec().unwrap();
        for col in 0..2 {
            let w = [1.0, 4.0][col];
            for row in 0..2 {
                let av = a[row * 2] * v[col] + a[row * 2 + 1] * v[2 + col];
                assert!((av - v[row * 2 + col] * w).norm() < 1e-12);
            }
        }
    }
}

#[test]
fn qr_reproduces_the_matrix_with_orthonormal_q_and_triangular_r() {
    for &(m, n) in &[(5, 3), (3, 5), (4, 4), (1, 1)] {
        let a = lcg(60 + m as u64, 6 * m * n);
        for mode in [QrMode::Reduced, QrMode::Complete] {
            for exec in MODES {
                let x = arr(&a, &[2, 3, m, n]);
                let f = linalg::qr(&x, mode).unwrap();
                let k = if mode == QrMode::Complete {
                    m
                } else {
                    m.min(n)
                };
                assert_eq!(f.q.shape(), &[2, 3, m, k]);
                assert_eq!(f.r.shape(), &[2, 3, k, n]);
                let (q, r) = (get(&f.q, exec), get(&f.r, exec));
                for i in 0..6 {
                    let (qi, ri) = (nth(&q, i, m, k), nth(&r, i, k, n));
                    is_orthonormal_columns(qi, m, k, 1e-12);
                    for row in 0..k {
                        for col in 0..row.min(n) {
                            assert_eq!(ri[row * n + col], 0.0);
                        }
                    }
                    close(&textbook(qi, ri, m, k, n), nth(&a, i, m, n), 1e-12);
                }
            }
        }
    }
}

#[test]
fn qr_of_a_transposed_view() {
    let (m, n) = (4, 3);
    let a = lcg(61, m * n);
    for mode in MODES {
        let x = kiln::matrix_transpose(&arr(&a, &[m, n])).unwrap();
        let f = linalg::qr(&x, QrMode::Reduced).unwrap();
        let back = get(&kiln::matmul(&f.q, &f.r).unwrap(), mode);
        close(&back, &transpose(&a, m, n), 1e-12);
    }
}

#[test]
fn svd_reproduces_the_matrix_with_orthonormal_factors() {
    for &(m, n) in &[(5, 3), (3, 5), (4, 4)] {
        let a = lcg(70 + n as u64, 6 * m * n);
        let k = m.min(n);
        for full in [false, true] {
            for mode in MODES {
                let x = arr(&a, &[2, 3, m, n]);
                let f = linalg::svd(&x, full).unwrap();
                let (uc, vr) = if full { (m, n) } else { (k, k) };
                assert_eq!(f.u.shape(), &[2, 3, m, uc]);
                assert_eq!(f.vh.shape(), &[2, 3, vr, n]);
                let (u, s, vh) = (get(&f.u, mode), get(&f.s, mode), get(&f.vh, mode));
                close(&get(&linalg::svdvals(&x).unwrap(), mode), &s, 1e-12);
                for i in 0..6 {
                    let (ui, si, vi) = (
                        nth(&u, i, m, uc),
                        &s[i * k..(i + 1) * k],
                        nth(&vh, i, vr, n),
                    );
                    assert!(si.windows(2).all(|p| p[0] >= p[1]) && si[k - 1] >= 0.0);
                    is_orthonormal_columns(ui, m, uc, 1e-12);
                    is_orthonormal_columns(&transpose(vi, vr, n), n, vr, 1e-12);
                    // U[:, :k] diag(s) Vh[:k, :]
                    let us: Vec<f64> = (0..m * k)
                        .map(|j| ui[(j / k) * uc + j % k] * si[j % k])
                        .collect();
                    close(
                        &textbook(&us, &vi[..k * n], m, k, n),
                        nth(&a, i, m, n),
                        1e-12,
                    );
                }
            }
        }
    }
}

#[test]
fn svd_of_complex_and_float32_input() {
    let c = |re, im| Complex64::new(re, im);
    let a = vec![
        c(1.0, 2.0),
        c(0.0, -1.0),
        c(3.0, 0.5),
        c(-2.0, 1.0),
        c(0.5, 0.5),
        c(1.0, -3.0),
    ];
    let (m, n) = (2, 3);
    for mode in MODES {
        let x = kiln::from_vec(a.clone(), [m, n]).unwrap();
        let f = linalg::svd(&x, false).unwrap();
        let u: Vec<Complex64> = f.u.compute_with(mode).unwrap().to_vec().unwrap();
        let vh: Vec<Complex64> = f.vh.compute_with(mode).unwrap().to_vec().unwrap();
        let s = get(&f.s, mode);
        for r in 0..m {
            for col in 0..n {
                let v: Complex64 = (0..2).map(|p| u[r * 2 + p] * s[p] * vh[p * n + col]).sum();
                assert!((v - a[r * n + col]).norm() < 1e-12, "{mode:?}");
            }
        }
        let x32 = kiln::asarray([[3.0f32, 0.0], [0.0, -4.0]], ()).unwrap();
        let s32: Vec<f32> = linalg::svdvals(&x32)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert!((s32[0] - 4.0).abs() < 1e-6 && (s32[1] - 3.0).abs() < 1e-6);
    }
}

#[test]
fn factorisations_of_matrices_without_elements() {
    for mode in MODES {
        let f = linalg::svd(&arr(&[], &[3, 0]), true).unwrap();
        assert_eq!(
            (f.u.shape(), f.s.shape(), f.vh.shape()),
            (&[3, 3][..], &[0][..], &[0, 0][..])
        );
        assert_eq!(get(&f.u, mode), identity(3));
        let q = linalg::qr(&arr(&[], &[2, 0]), QrMode::Complete).unwrap();
        assert_eq!(get(&q.q, mode), identity(2));
        assert_eq!(
            get(&linalg::det(&arr(&[], &[2, 0, 0])).unwrap(), mode),
            vec![1.0, 1.0]
        );
        assert_eq!(
            get(&linalg::det(&arr(&[], &[0, 3, 3])).unwrap(), mode),
            Vec::<f64>::new()
        );
        let e = linalg::eigh(&arr(&[], &[0, 3, 3])).unwrap();
        assert_eq!(e.eigenvectors.shape(), &[0, 3, 3]);
        assert!(get(&e.eigenvalues, mode).is_empty());
        let p = linalg::pinv(&arr(&[], &[3, 0]), None).unwrap();
        assert_eq!(p.shape(), &[0, 3]);
        let r = linalg::matrix_rank(&arr(&[], &[2, 0, 4]), None).unwrap();
        assert_eq!(
            r.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![0, 0]
        );
    }
}

#[test]
fn pinv_satisfies_the_penrose_conditions() {
    let (m, n) = (5, 3);
    // Full rank, and rank 2 (third column = first + second).
    let full = lcg(80, m * n);
    let mut deficient = full.clone();
    for r in 0..m {
        deficient[r * n + 2] = deficient[r * n] + deficient[r * n + 1];
    }
    for a in [full, deficient] {
        for mode in MODES {
            let p = get(&linalg::pinv(&arr(&a, &[m, n]), None).unwrap(), mode);
            let ap = textbook(&a, &p, m, n, m);
            let pa = textbook(&p, &a, n, m, n);
            close(&textbook(&ap, &a, m, m, n), &a, 1e-10);
            close(&textbook(&pa, &p, n, n, m), &p, 1e-10);
            close(&ap, &transpose(&ap, m, m), 1e-10);
            close(&pa, &transpose(&pa, n, n), 1e-10);
        }
    }
}

#[test]
fn matrix_rank_counts_independent_columns() {
    let (m, n) = (4, 5);
    // rank r: a sum of r outer products of random vectors; rank 0: the zero matrix.
    let of_rank = |r: usize| -> Vec<f64> {
        let mut a = vec![0.0; m * n];
        for t in 0..r {
            let (u, v) = (lcg(90 + t as u64, m), lcg(95 + t as u64, n));
            for i in 0..m * n {
                a[i] += u[i / n] * v[i % n];
            }
        }
        a
    };
    let a: Vec<f64> = (0..=4).flat_map(of_rank).collect();
    for mode in MODES {
        let r = linalg::matrix_rank(&arr(&a, &[5, m, n]), None).unwrap();
        assert_eq!(r.dtype(), DType::I64);
        assert_eq!(
            r.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![0, 1, 2, 3, 4]
        );
        // A loose tolerance drops small singular values.
        let d = arr(&[1.0, 0.0, 0.0, 1e-3], &[2, 2]);
        let r = linalg::matrix_rank(&d, Some(1e-2)).unwrap();
        assert_eq!(r.compute_with(mode).unwrap().item::<i64>().unwrap(), 1);
    }
}

/// Singular values of single-precision matrices are computed in double precision:
/// an f32 SVD of a matrix holding -3.4e38 (f32's -MAX) gave an inf 2-norm and nuclear
/// norm, where both are MAX (the other entries are below 100: they do not move
/// MAX in f32). Conformance seed 8070.
#[test]
fn single_precision_norms_of_huge_entries_stay_finite() {
    let v = [
        0.0044,
        -2.0866,
        1.4385,
        -f32::MAX as f64,
        9.25,
        2.7914,
        87.5247,
        1.1755e-38,
    ];
    for dtype in [DType::F32, DType::C64] {
        let x = kiln::astype(&arr(&v, &[4, 2]), dtype).unwrap();
        for mode in [Mode::Interpreter, Mode::Fused, Mode::Eager] {
            let values = |a: Array| -> Vec<f32> {
                assert_eq!(a.dtype(), DType::F32, "{dtype:?} ({mode:?})");
                a.compute_with(mode).unwrap().to_vec::<f32>().unwrap()
            };
            for ord in [MatrixNorm::Two, MatrixNorm::Nuc] {
                let n = values(linalg::matrix_norm(&x, false, ord).unwrap());
                assert_eq!(n, vec![f32::MAX], "{ord:?} of {dtype:?} ({mode:?})");
            }
            let s = values(linalg::svdvals(&x).unwrap());
            assert_eq!(s[0], f32::MAX, "svdvals of {dtype:?} ({mode:?})");
            // The small one finite too (88.02 in double precision).
            assert!(s[1].is_finite() && s[1] > 80.0 && s[1] < 100.0, "{s:?}");
            // svd's own singular values, and its vectors still finite and unit.
            let f = linalg::svd(&x, false).unwrap();
            let s = values(f.s);
            assert_eq!(s[0], f32::MAX, "svd of {dtype:?} ({mode:?})");
            assert!(s[1].is_finite() && s[1] > 80.0 && s[1] < 100.0, "{s:?}");
            for (name, m) in [("u", f.u), ("vh", f.vh)] {
                let m = kiln::astype(&m, DType::C128)
                    .unwrap()
                    .compute_with(mode)
                    .unwrap();
                let m = m.to_vec::<Complex64>().unwrap();
                assert!(
                    m.iter().all(|z| z.re.is_finite() && z.im.is_finite()),
                    "{name}: {m:?}"
                );
                let total: f64 = m.iter().map(|z| z.norm_sqr()).sum();
                assert!((total - 2.0).abs() < 1e-5, "{name} of {dtype:?}: {m:?}");
            }
        }
    }
}

#[test]
fn matrix_norms_match_hand_computations() {
    let (b, m, n) = (3, 2, 2);
    let a = lcg(100, b * m * n);
    for mode in MODES {
        let x = arr(&a, &[b, m, n]);
        let norm = |ord| get(&linalg::matrix_norm(&x, false, ord).unwrap(), mode);
        for i in 0..b {
            let ai = nth(&a, i, m, n);
            let col_sums: Vec<f64> = (0..n)
                .map(|c| (0..m).map(|r| ai[r * n + c].abs()).sum())
                .collect();
            let row_sums: Vec<f64> = (0..m)
                .map(|r| (0..n).map(|c| ai[r * n + c].abs()).sum())
                .collect();
            let max = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max);
            let min = |v: &[f64]| v.iter().cloned().fold(f64::MAX, f64::min);
            // Singular values of a 2 × 2 matrix in closed form.
            let ss: f64 = ai.iter().map(|v| v * v).sum();
            let d = cofactor_det(ai, 2);
            let root = (ss * ss - 4.0 * d * d).sqrt();
            let (s1, s2) = (
                ((ss + root) / 2.0).sqrt(),
                ((ss - root) / 2.0).max(0.0).sqrt(),
            );
            close(&[norm(MatrixNorm::Fro)[i]], &[ss.sqrt()], 1e-12);
            close(&[norm(MatrixNorm::One)[i]], &[max(&col_sums)], 1e-12);
            close(&[norm(MatrixNorm::NegOne)[i]], &[min(&col_sums)], 1e-12);
            close(&[norm(MatrixNorm::Inf)[i]], &[max(&row_sums)], 1e-12);
            close(&[norm(MatrixNorm::NegInf)[i]], &[min(&row_sums)], 1e-12);
            close(&[norm(MatrixNorm::Two)[i]], &[s1], 1e-12);
            close(&[norm(MatrixNorm::NegTwo)[i]], &[s2], 1e-10);
            close(&[norm(MatrixNorm::Nuc)[i]], &[s1 + s2], 1e-12);
        }
        let kept = linalg::matrix_norm(&x, true, MatrixNorm::Two).unwrap();
        assert_eq!(kept.shape(), &[b, 1, 1]);
        // A transposed view swaps the 1- and inf-norms.
        let t = kiln::matrix_transpose(&x).unwrap();
        let one_t = get(
            &linalg::matrix_norm(&t, false, MatrixNorm::One).unwrap(),
            mode,
        );
        close(&one_t, &norm(MatrixNorm::Inf), 1e-12);
    }
}

#[test]
fn vector_norms_match_naive_loops() {
    let a = lcg(110, 2 * 3 * 4);
    let shape = [2usize, 3, 4];
    let naive = |values: &[f64], p: f64| -> f64 {
        let abs = values.iter().map(|v| v.abs());
        if p == f64::INFINITY {
            abs.fold(0.0, f64::max)
        } else if p == f64::NEG_INFINITY {
            abs.fold(f64::INFINITY, f64::min)
        } else if p == 0.0 {
            abs.filter(|&v| v != 0.0).count() as f64
        } else {
            abs.map(|v| v.powf(p)).sum::<f64>().powf(1.0 / p)
        }
    };
    for p in [
        2.0,
        1.0,
        3.0,
        0.5,
        0.0,
        -1.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        for mode in MODES {
            let x = arr(&a, &shape);
            let all = get(&linalg::vector_norm(&x, (), false, p).unwrap(), mode);
            close(&all, &[naive(&a, p)], 1e-12);
            // Along axis 1: vectors a[i, :, k].
            let y = linalg::vector_norm(&x, 1, true, p).unwrap();
            assert_eq!(y.shape(), &[2, 1, 4]);
            let got = get(&y, mode);
            for i in 0..2 {
                for k in 0..4 {
                    let v: Vec<f64> = (0..3).map(|j| a[i * 12 + j * 4 + k]).collect();
                    close(&[got[i * 4 + k]], &[naive(&v, p)], 1e-12);
                }
            }
            // Over axes (0, 2).
            let got = get(&linalg::vector_norm(&x, [0, 2], false, p).unwrap(), mode);
            assert_eq!(got.len(), 3);
            for (j, &g) in got.iter().enumerate() {
                let v: Vec<f64> = (0..24).filter(|e| (e / 4) % 3 == j).map(|e| a[e]).collect();
                close(&[g], &[naive(&v, p)], 1e-12);
            }
        }
    }
    for mode in MODES {
        let z = kiln::from_vec(
            vec![Complex64::new(3.0, 4.0), Complex64::new(0.0, 0.0)],
            [2],
        )
        .unwrap();
        let n = linalg::vector_norm(&z, (), false, 2.0).unwrap();
        assert_eq!(n.dtype(), DType::F64);
        close(&get(&n, mode), &[5.0], 1e-15);
        let scalar = kiln::from_vec(vec![-3.0f64], []).unwrap();
        let n = linalg::vector_norm(&scalar, (), false, 3.0).unwrap();
        assert_eq!(n.shape(), &[] as &[usize]);
        close(&get(&n, mode), &[3.0], 1e-15);
        let ints = kiln::asarray([3i32, -4], ()).unwrap();
        close(
            &get(&linalg::vector_norm(&ints, (), false, 2.0).unwrap(), mode),
            &[5.0],
            1e-15,
        );
    }
}

#[test]
fn matrix_power_matches_repeated_products() {
    let n = 3;
    let a = lcg(120, 2 * n * n);
    for p in -3i64..=5 {
        for mode in MODES {
            let got = get(
                &linalg::matrix_power(&arr(&a, &[2, n, n]), p).unwrap(),
                mode,
            );
            for i in 0..2 {
                let ai = nth(&a, i, n, n);
                let base = if p < 0 {
                    get(&linalg::inv(&arr(ai, &[n, n])).unwrap(), Mode::Interpreter)
                } else {
                    ai.to_vec()
                };
                let mut want = identity(n);
                for _ in 0..p.unsigned_abs() {
                    want = textbook(&want, &base, n, n, n);
                }
                close(nth(&got, i, n, n), &want, 1e-9);
            }
        }
    }
    for mode in MODES {
        let fib =
            linalg::matrix_power(&kiln::asarray([[1i64, 1], [1, 0]], ()).unwrap(), 20).unwrap();
        assert_eq!(
            fib.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![10946, 6765, 6765, 4181]
        );
    }
}

#[test]
fn outer_trace_and_diagonal_match_loops() {
    let a = lcg(130, 2 * 3 * 4);
    for mode in MODES {
        let x1 = kiln::asarray([1i64, 2, 3], ()).unwrap();
        let x2 = kiln::asarray([1i64, -1], ()).unwrap();
        let o = linalg::outer(&x1, &x2).unwrap();
        assert_eq!(
            o.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![1, -1, 2, -2, 3, -3]
        );
        let empty = linalg::outer(&arr(&[], &[0]), &arr(&[1.0, 2.0], &[2])).unwrap();
        assert_eq!(empty.shape(), &[0, 2]);
        for offset in -3i64..=4 {
            let x = arr(&a, &[2, 3, 4]);
            let d = get(&linalg::diagonal(&x, offset).unwrap(), mode);
            let t = get(&linalg::trace(&x, offset, None).unwrap(), mode);
            let mut want_d = Vec::new();
            let mut want_t = vec![0.0; 2];
            for (b, tb) in want_t.iter_mut().enumerate() {
                for r in 0..3i64 {
                    let c = r + offset;
                    if (0..4).contains(&c) {
                        let v = a[b * 12 + r as usize * 4 + c as usize];
                        want_d.push(v);
                        *tb += v;
                    }
                }
            }
            assert_eq!(d, want_d, "offset {offset}");
            close(&t, &want_t, 1e-14);
            // A transposed view: the diagonal at -offset.
            let xt = kiln::matrix_transpose(&x).unwrap();
            assert_eq!(get(&linalg::diagonal(&xt, -offset).unwrap(), mode), want_d);
        }
        let small = kiln::asarray([[1i8, 2], [3, 4]], ()).unwrap();
        let t = linalg::trace(&small, 0, None).unwrap();
        assert_eq!(t.dtype(), DType::I64);
        let t = linalg::trace(&small, 0, Some(DType::F32)).unwrap();
        assert_eq!(
            t.compute_with(mode).unwrap().to_vec::<f32>().unwrap(),
            vec![5.0]
        );
    }
}

#[test]
fn cross_products_broadcast_and_follow_the_axis() {
    let cross = |u: &[f64], v: &[f64]| {
        [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ]
    };
    let a = lcg(140, 4 * 3);
    let b = lcg(141, 3);
    for mode in MODES {
        // [4, 3] × [3] along the last axis.
        let c = get(
            &linalg::cross(&arr(&a, &[4, 3]), &arr(&b, &[3]), -1).unwrap(),
            mode,
        );
        for i in 0..4 {
            close(
                &c[i * 3..i * 3 + 3],
                &cross(&a[i * 3..i * 3 + 3], &b),
                1e-15,
            );
        }
        // Vectors along axis 0 of a transposed view: [3, 4].
        let at = kiln::matrix_transpose(&arr(&a, &[4, 3])).unwrap();
        let bt = arr(&b, &[3, 1]);
        let c = get(&linalg::cross(&at, &bt, 0).unwrap(), mode);
        for i in 0..4 {
            let col: Vec<f64> = (0..3).map(|j| c[j * 4 + i]).collect();
            close(&col, &cross(&a[i * 3..i * 3 + 3], &b), 1e-15);
        }
        let ints = linalg::cross(
            &kiln::asarray([1i32, 0, 0], ()).unwrap(),
            &kiln::asarray([0i32, 1, 0], ()).unwrap(),
            -1,
        )
        .unwrap();
        assert_eq!(
            ints.compute_with(mode).unwrap().to_vec::<i32>().unwrap(),
            vec![0, 0, 1]
        );
    }
}

#[test]
fn complex_inverse_and_determinant() {
    let c = |re, im| Complex64::new(re, im);
    let a = vec![c(1.0, 1.0), c(2.0, 0.0), c(0.0, -1.0), c(3.0, 2.0)];
    // det = (1+i)(3+2i) - 2(-i) = 1 + 5i + 2i = 1 + 7i
    for mode in MODES {
        let x = kiln::from_vec(a.clone(), [2, 2]).unwrap();
        let d: Vec<Complex64> = linalg::det(&x)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert!((d[0] - c(1.0, 7.0)).norm() < 1e-12);
        let s = linalg::slogdet(&x).unwrap();
        let sign: Vec<Complex64> = s.sign.compute_with(mode).unwrap().to_vec().unwrap();
        assert!((sign[0] * get(&s.logabsdet, mode)[0].exp() - c(1.0, 7.0)).norm() < 1e-12);
        let y: Vec<Complex64> = linalg::inv(&x)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        for r in 0..2 {
            for col in 0..2 {
                let v = a[r * 2] * y[col] + a[r * 2 + 1] * y[2 + col];
                let want = if r == col { 1.0 } else { 0.0 };
                assert!((v - c(want, 0.0)).norm() < 1e-12);
            }
        }
    }
}

#[test]
fn shape_and_dtype_mistakes_are_errors_at_the_call() {
    let rect = arr(&lcg(1, 6), &[2, 3]);
    let square = arr(&lcg(2, 9), &[3, 3]);
    let vector = arr(&[1.0, 2.0, 3.0], &[3]);
    let flags = kiln::asarray([[true, false], [false, true]], ()).unwrap();
    let build_err = |r: kiln::Result<Array>, func: &str| {
        let e = r.unwrap_err();
        let ir = e.ir().unwrap_or_else(|| panic!("{e} is not a build error"));
        assert_eq!(ir.func(), func, "{e}");
        assert!(e.to_string().contains("tests/linalg.rs"), "{e}");
    };
    build_err(linalg::inv(&rect), "inv");
    build_err(linalg::det(&rect), "det");
    build_err(linalg::cholesky(&rect, false), "cholesky");
    build_err(linalg::eigh(&rect).map(|e| e.eigenvalues), "eigh");
    build_err(linalg::slogdet(&rect).map(|s| s.sign), "slogdet");
    build_err(linalg::solve(&rect, &vector), "solve");
    build_err(linalg::solve(&square, &arr(&[1.0, 2.0], &[2])), "solve");
    build_err(
        linalg::solve(&arr(&lcg(3, 18), &[2, 3, 3]), &arr(&lcg(4, 9), &[3, 3, 1])),
        "solve",
    );
    build_err(linalg::svd(&vector, false).map(|f| f.s), "svd");
    build_err(linalg::qr(&vector, QrMode::Reduced).map(|f| f.q), "qr");
    build_err(linalg::det(&flags), "det");
    build_err(linalg::matrix_power(&rect, 2), "matrix_power");
    build_err(linalg::outer(&square, &vector), "outer");
    build_err(linalg::cross(&arr(&[1.0, 2.0], &[2]), &vector, -1), "cross");
    build_err(linalg::cross(&vector, &vector, 1), "cross");
    build_err(
        linalg::vector_norm(&vector, (), false, f64::NAN),
        "vector_norm",
    );
    build_err(linalg::vector_norm(&vector, 2, false, 2.0), "vector_norm");
    build_err(linalg::diagonal(&vector, 0), "diagonal");
    build_err(linalg::trace(&flags, 0, None), "trace");
    build_err(
        linalg::matrix_norm(&arr(&[], &[2, 0]), false, MatrixNorm::NegOne),
        "matrix_norm",
    );
}

#[test]
fn singular_and_indefinite_matrices_fail_when_computed() {
    let singular = arr(&[1.0, 2.0, 2.0, 4.0], &[2, 2]);
    let indefinite = arr(&[1.0, 2.0, 2.0, 1.0], &[2, 2]);
    for mode in MODES {
        let run_err = |x: Array, func: &str| {
            let e = x.compute_with(mode).unwrap_err();
            assert!(matches!(e, kiln::Error::Run(_)), "{e}");
            assert!(e.to_string().contains(func), "{e}");
        };
        run_err(
            linalg::inv(&singular).unwrap(),
            "inv: the matrix is singular",
        );
        run_err(
            linalg::solve(&singular, &arr(&[1.0, 1.0], &[2])).unwrap(),
            "solve",
        );
        run_err(linalg::cholesky(&indefinite, false).unwrap(), "cholesky");
        // With no right-hand side the matrix is still factorised, and refused.
        run_err(
            linalg::solve(&singular, &kiln::zeros([2, 0], DType::F64).unwrap()).unwrap(),
            "solve: the matrix is singular",
        );
        // In a batch, the message names the matrix.
        let batch = kiln::stack(&[&indefinite, &singular], 0).unwrap();
        run_err(linalg::inv(&batch).unwrap(), "inv: matrix 1 of the batch");
        // A singular matrix has determinant 0, not an error.
        assert_eq!(get(&linalg::det(&singular).unwrap(), mode), vec![0.0]);
    }
}

/// The matrices of a batch are factorised in parallel: the results must be the bits of
/// each matrix factorised alone, on any number of threads, and a failure must name the
/// first failing matrix of the batch, whichever thread meets a failure first.
#[test]
fn batches_run_in_parallel_with_the_bits_and_errors_of_one_thread() {
    let pools = common::pools(&[1, 4]);
    let (count, n) = (6, 5);
    let values = stack(count, |s| spd(s + 40, n));
    let batch = arr(&values, &[count, n, n]);
    type Routine = fn(&Array) -> kiln::Result<Vec<Array>>;
    let routines: [(&str, Routine); 5] = [
        ("inv", |x| Ok(vec![linalg::inv(x)?])),
        ("cholesky", |x| Ok(vec![linalg::cholesky(x, false)?])),
        ("slogdet", |x| {
            let r = linalg::slogdet(x)?;
            Ok(vec![r.sign, r.logabsdet])
        }),
        ("eigh", |x| {
            let r = linalg::eigh(x)?;
            Ok(vec![r.eigenvalues, r.eigenvectors])
        }),
        ("svd", |x| {
            let r = linalg::svd(x, false)?;
            Ok(vec![r.u, r.s, r.vh])
        }),
    ];
    for (name, routine) in routines {
        let on = |pool: &rayon::ThreadPool, x: &Array| -> Vec<Vec<f64>> {
            pool.install(|| {
                routine(x)
                    .unwrap()
                    .iter()
                    .map(|a| get(a, Mode::Fused))
                    .collect()
            })
        };
        let one = on(&pools[0], &batch);
        assert_eq!(one, on(&pools[1], &batch), "{name}: 1 vs 4 threads");
        // Matrix i of the batch, factorised alone, gives the same bits.
        for i in [0, count - 1] {
            let alone = on(&pools[1], &arr(nth(&values, i, n, n), &[n, n]));
            for (whole, part) in one.iter().zip(&alone) {
                let per = part.len();
                assert_eq!(
                    &whole[i * per..(i + 1) * per],
                    &part[..],
                    "{name}, matrix {i}"
                );
            }
        }
    }
    // Matrices 2 and 4 are singular: the error names matrix 2 on every pool.
    let mut bad = values.clone();
    for i in [2, 4] {
        bad[i * n * n..(i + 1) * n * n].fill(1.0);
    }
    let bad = arr(&bad, &[count, n, n]);
    for pool in &pools {
        let e = pool
            .install(|| linalg::inv(&bad).unwrap().compute_with(Mode::Fused))
            .unwrap_err();
        assert!(e.to_string().contains("matrix 2 of the batch"), "{e}");
    }
}

#[test]
fn norms_of_empty_vectors_and_matrices_are_zero_or_an_error() {
    for mode in MODES {
        let empty = arr(&[], &[2, 0]);
        // The largest of no magnitudes: the norm of the empty vector is 0 (NumPy too).
        let inf = linalg::vector_norm(&empty, 1, false, f64::INFINITY).unwrap();
        assert_eq!(get(&inf, mode), vec![0.0, 0.0]);
        let two = linalg::vector_norm(&empty, 1, false, 2.0).unwrap();
        assert_eq!(get(&two, mode), vec![0.0, 0.0]);
        // The smallest of none has no value.
        let e = linalg::vector_norm(&empty, 1, false, f64::NEG_INFINITY).unwrap_err();
        assert!(e.to_string().contains("no identity"), "{e}");
        // Norms of 0 × 3 and 3 × 0 matrices: the zero map.
        for shape in [[0usize, 3], [3, 0]] {
            let m = arr(&[], &shape);
            for ord in [
                MatrixNorm::Fro,
                MatrixNorm::Nuc,
                MatrixNorm::One,
                MatrixNorm::Two,
                MatrixNorm::Inf,
            ] {
                let n = linalg::matrix_norm(&m, false, ord).unwrap();
                assert_eq!(get(&n, mode), vec![0.0], "{ord:?} of {shape:?}");
            }
            assert!(linalg::matrix_norm(&m, false, MatrixNorm::NegTwo).is_err());
        }
        // -1 of 0 × 3: three columns, each summing to 0; -inf has no row.
        let m = arr(&[], &[0, 3]);
        assert_eq!(
            get(
                &linalg::matrix_norm(&m, false, MatrixNorm::NegOne).unwrap(),
                mode
            ),
            vec![0.0]
        );
        assert!(linalg::matrix_norm(&m, false, MatrixNorm::NegInf).is_err());
    }
}

#[test]
fn decompositions_of_matrices_with_infinities_or_nan_are_nan() {
    // faer's iterations do not converge on them; NaN propagates as elementwise.
    for mode in MODES {
        for bad in [f64::NAN, f64::INFINITY] {
            // Batch of two: the finite matrix keeps its values.
            let x = arr(&[2.0, 0.0, 0.0, 1.0, 1.0, bad, bad, 2.0], &[2, 2, 2]);
            let s = get(&linalg::svdvals(&x).unwrap(), mode);
            assert_eq!(&s[..2], &[2.0, 1.0]);
            assert!(s[2].is_nan() && s[3].is_nan(), "{s:?}");
            let f = linalg::svd(&x, true).unwrap();
            assert!(get(&f.u, mode)[4..].iter().all(|v| v.is_nan()));
            assert!(get(&f.vh, mode)[4..].iter().all(|v| v.is_nan()));
            let e = linalg::eigh(&x).unwrap();
            let values = get(&e.eigenvalues, mode);
            assert_eq!(&values[..2], &[1.0, 2.0]);
            assert!(values[2..].iter().all(|v| v.is_nan()), "{values:?}");
            assert!(get(&e.eigenvectors, mode)[4..].iter().all(|v| v.is_nan()));
            assert!(get(&linalg::eigvalsh(&x).unwrap(), mode)[2..]
                .iter()
                .all(|v| v.is_nan()));
            let two = get(
                &linalg::matrix_norm(&x, false, MatrixNorm::Two).unwrap(),
                mode,
            );
            assert_eq!(two[0], 2.0);
            assert!(two[1].is_nan());
            // The rank of such a matrix is undefined: an error, not a silent 0.
            let rank = linalg::matrix_rank(&x, None).unwrap().compute_with(mode);
            let e = rank.expect_err("the rank of a matrix with inf or NaN");
            assert!(e.to_string().contains("matrix 1 of the batch"), "{e}");
            // Thin and full factors of a 2 × 3 matrix keep their shapes; complex too.
            let wide = arr(&[1.0, 2.0, 3.0, 4.0, bad, 6.0], &[2, 3]);
            for full in [false, true] {
                let f = linalg::svd(&wide, full).unwrap();
                let (u, vh) = if full {
                    ([2, 2], [3, 3])
                } else {
                    ([2, 2], [2, 3])
                };
                assert_eq!((f.u.shape(), f.vh.shape()), (&u[..], &vh[..]));
                for part in [&f.u, &f.s, &f.vh] {
                    let v = get(part, mode);
                    assert!(!v.is_empty() && v.iter().all(|v| v.is_nan()), "{v:?}");
                }
            }
            let z = kiln::from_vec(
                vec![Complex64::new(1.0, bad), Complex64::new(0.0, 1.0)],
                [1, 2],
            )
            .unwrap();
            let s = linalg::svdvals(&z).unwrap().compute_with(mode).unwrap();
            assert!(s.to_vec::<f64>().unwrap().iter().all(|v| v.is_nan()));
        }
        // eigh reads the lower triangle only: a NaN above the diagonal is not read.
        let upper_nan = arr(&[1.0, f64::NAN, 0.0, 2.0], &[2, 2]);
        assert_eq!(
            get(&linalg::eigvalsh(&upper_nan).unwrap(), mode),
            vec![1.0, 2.0]
        );
    }
}

#[test]
fn singular_values_of_float32_matrices_of_wide_range() {
    // Norm 1e20: its square passes f32's range; faer's f32 SVD did not converge on it.
    let a = [1.5f32, 0.0, 1.0380511, 1.5, 0.0, 8.5, 1e20, 89.0];
    // The reference in f64 (well inside f64's range).
    let wide = arr(&a.map(f64::from), &[2, 4]);
    let want = get(&linalg::svdvals(&wide).unwrap(), Mode::Fused);
    for mode in MODES {
        let x = kiln::from_vec(a.to_vec(), [2, 4]).unwrap();
        let s = linalg::svdvals(&x).unwrap().compute_with(mode).unwrap();
        let s = s.to_vec::<f32>().unwrap();
        // The largest within f32's rounding; the smallest is below eps·‖A‖ ≈ 1.2e13,
        // so any value there is backward stable: finite and no larger is what can be
        // asked.
        assert!(
            (f64::from(s[0]) - want[0]).abs() <= 1e-6 * want[0],
            "{s:?} {want:?}"
        );
        assert!(s[1].is_finite() && f64::from(s[1]) <= 1.2e13, "{s:?}");
        // Tiny matrices are scaled up, and the values scaled back.
        let tiny = kiln::from_vec(vec![3e-40f32, 0.0, 0.0, 4e-40], [2, 2]).unwrap();
        let t = linalg::svdvals(&tiny).unwrap().compute_with(mode).unwrap();
        let t = t.to_vec::<f32>().unwrap();
        assert!(
            (t[0] - 4e-40).abs() <= 1e-45 && (t[1] - 3e-40).abs() <= 1e-45,
            "{t:?}"
        );
        // eigh of subnormal [[3, 1], [1, 2]]·1e-40: (5 ∓ √5)/2·1e-40 (unscaled, faer's
        // f32 iteration gave 2.00005e-40 and 2.99996e-40).
        let sub = kiln::from_vec(vec![3e-40f32, 1e-40, 1e-40, 2e-40], [2, 2]).unwrap();
        let e = linalg::eigvalsh(&sub).unwrap().compute_with(mode).unwrap();
        let e = e.to_vec::<f32>().unwrap();
        let want = [
            (5.0 - 5f64.sqrt()) / 2.0 * 1e-40,
            (5.0 + 5f64.sqrt()) / 2.0 * 1e-40,
        ];
        for (g, w) in e.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() <= 1e-4 * w, "{e:?}");
        }
    }
}

/// A complex entry whose parts are finite but whose modulus passes the largest float
/// (|MAX + MAX·i| = √2·MAX) once made the SVD's range scaling compute an infinite
/// exponent and panic (`tools/conform.py --seed 8049`). Such a matrix's 2-norm and
/// largest singular value overflow to +inf, rounded as the true value is; an entry of
/// modulus MAX alone gives MAX, in every mode.
#[test]
fn singular_values_of_entries_near_the_largest_float_do_not_panic() {
    let c = |re, im| Complex64::new(re, im);
    let max = f64::MAX;
    let over = kiln::from_vec(
        vec![c(max, max), c(0.0, 0.0), c(0.0, 0.0), c(1.0, 0.0)],
        [2, 2],
    )
    .unwrap();
    let at_max = kiln::from_vec(
        vec![c(max, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(1.0, 0.0)],
        [2, 2],
    )
    .unwrap();
    for mode in [Mode::Fused, Mode::Eager, Mode::Interpreter] {
        let norm = |x: &Array| -> f64 {
            let n = linalg::matrix_norm(x, false, MatrixNorm::Two).unwrap();
            n.compute_with(mode).unwrap().to_vec::<f64>().unwrap()[0]
        };
        assert_eq!(norm(&over), f64::INFINITY, "{mode:?}");
        assert_eq!(norm(&at_max), max, "{mode:?}");
        let s: Vec<f64> = linalg::svdvals(&over)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        // The second within a few ulp of 1 (the scaling is exact, the iteration not).
        assert_eq!(s[0], f64::INFINITY, "{mode:?}");
        assert!((s[1] - 1.0).abs() < 1e-12, "{mode:?}: {s:?}");
    }
}

/// float32 and complex64 norms square (or power) their magnitudes in double precision:
/// in float32 the squares overflow from 1.9e19 and underflow below 1e-19, long before
/// the norm itself does (NumPy gives 3.4028235e38 for the Frobenius norm of a float32
/// matrix holding -3.4028235e38).
#[test]
fn single_precision_norms_do_not_overflow_or_underflow_in_their_squares() {
    let max = f32::MAX;
    let big = kiln::from_vec(vec![-max, 8.5, 1.0, -3.0], [2, 2]).unwrap();
    let tiny = kiln::from_vec(vec![3e-30f32, 4e-30], [2]).unwrap();
    let cube = kiln::from_vec(vec![1e15f32, 1e15], [2]).unwrap();
    let z = kiln::from_vec(
        vec![Complex32::new(3e-25, 4e-25), Complex32::new(0.0, 0.0)],
        [2],
    )
    .unwrap();
    for mode in [Mode::Fused, Mode::Eager, Mode::Interpreter] {
        let one = |a: kiln::Result<Array>| -> f32 {
            let a = a.unwrap();
            assert_eq!(a.dtype(), DType::F32, "{mode:?}");
            a.compute_with(mode).unwrap().to_vec::<f32>().unwrap()[0]
        };
        assert_eq!(
            one(linalg::matrix_norm(&big, false, MatrixNorm::Fro)),
            max,
            "{mode:?}"
        );
        assert_eq!(
            one(linalg::vector_norm(&big, (), false, 2.0)),
            max,
            "{mode:?}"
        );
        assert_eq!(
            one(linalg::vector_norm(&tiny, (), false, 2.0)),
            5e-30,
            "{mode:?}"
        );
        // (2e45)^(1/3) = 1.2599210e15
        let c = one(linalg::vector_norm(&cube, (), false, 3.0));
        assert!((c / 1.259921e15 - 1.0).abs() < 1e-6, "{mode:?}: {c}");
        assert_eq!(
            one(linalg::vector_norm(&z, (), false, 2.0)),
            5e-25,
            "{mode:?}"
        );
        // The norm itself still overflows where it must.
        let two = kiln::from_vec(vec![max, max], [2]).unwrap();
        assert_eq!(
            one(linalg::vector_norm(&two, (), false, 2.0)),
            f32::INFINITY
        );
    }
}
