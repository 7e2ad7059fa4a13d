//! DLPack import and export: round trips for every dtype and odd shapes, hand-built C
//! tensors (null, transposed, broadcast, negative and offset strides) checked against
//! elements computed here by hand, the deleter run exactly once on every path, errors,
//! and imported arrays in lazy expressions in every mode.

use kiln::dlpack::{
    from_dlpack, from_dlpack_versioned, to_dlpack, to_dlpack_unversioned, DLDataType, DLDevice,
    DLManagedTensor, DLManagedTensorVersioned, DLPackVersion, DLTensor,
};
use kiln::{Array, Complex32, Complex64, Element, Mode};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];
const SHAPES: [&[usize]; 6] = [&[], &[0], &[1], &[5], &[2, 3, 4], &[3, 0, 2]];

// ---------------------------------------------------------------- round trips

/// Distinctive values of each element type, by flat index.
trait Distinct: Element {
    fn nth(i: usize) -> Self;
}
impl Distinct for bool {
    fn nth(i: usize) -> Self {
        i % 3 == 1
    }
}
macro_rules! distinct_int {
    ($($t:ty),*) => {$(
        impl Distinct for $t {
            fn nth(i: usize) -> Self {
                // Wraps deliberately: the high bits show up for the wide types.
                (i as i64).wrapping_mul(0x0123_4567_89ab_cdef).wrapping_sub(7) as $t
            }
        }
    )*};
}
distinct_int!(i8, i16, i32, i64, u8, u16, u32, u64);
impl Distinct for f32 {
    fn nth(i: usize) -> Self {
        i as f32 * -1.25 + 0.1
    }
}
impl Distinct for f64 {
    fn nth(i: usize) -> Self {
        i as f64 * 3.5e10 - 1.0 / 3.0
    }
}
impl Distinct for Complex32 {
    fn nth(i: usize) -> Self {
        Complex32::new(i as f32 + 0.5, -(i as f32) * 2.0)
    }
}
impl Distinct for Complex64 {
    fn nth(i: usize) -> Self {
        Complex64::new(-(i as f64) / 7.0, i as f64 * 1e-3)
    }
}

/// (code, bits) DLPack gives each type, from dlpack.h.
fn expected_dl_dtype<T: Element>() -> (u8, u8) {
    use kiln::DType::*;
    match T::DTYPE {
        Bool => (6, 8),
        I8 => (0, 8),
        I16 => (0, 16),
        I32 => (0, 32),
        I64 => (0, 64),
        U8 => (1, 8),
        U16 => (1, 16),
        U32 => (1, 32),
        U64 => (1, 64),
        F32 => (2, 32),
        F64 => (2, 64),
        C64 => (5, 64),
        C128 => (5, 128),
    }
}

fn round_trip<T: Distinct>() {
    for &shape in &SHAPES {
        let n: usize = shape.iter().product();
        let values: Vec<T> = (0..n).map(T::nth).collect();
        let x = kiln::from_vec(values.clone(), shape).unwrap();

        // Versioned: inspect the exported tensor, then import it.
        let t = to_dlpack(&x).unwrap();
        unsafe {
            assert_eq!((*t).version, DLPackVersion { major: 1, minor: 0 });
            assert_eq!((*t).flags, 2, "IS_COPIED, not READ_ONLY");
            let dl = &(*t).dl_tensor;
            assert_eq!(
                dl.device,
                DLDevice {
                    device_type: 1,
                    device_id: 0
                }
            );
            assert_eq!(dl.ndim as usize, shape.len());
            let (code, bits) = expected_dl_dtype::<T>();
            assert_eq!(
                dl.dtype,
                DLDataType {
                    code,
                    bits,
                    lanes: 1
                }
            );
            assert_eq!(dl.byte_offset, 0);
            if !shape.is_empty() {
                let dims = std::slice::from_raw_parts(dl.shape, shape.len());
                let strides = std::slice::from_raw_parts(dl.strides, shape.len());
                let want: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
                assert_eq!(dims, &want[..]);
                // Row-major strides, computed independently.
                for d in 0..shape.len() {
                    let s: usize = shape[d + 1..].iter().product();
                    assert_eq!(strides[d], s as i64, "stride {d} of {shape:?}");
                }
            }
            let raw = std::slice::from_raw_parts(dl.data.cast::<T>(), n);
            assert_eq!(raw, &values[..], "exported data of {shape:?}");
        }
        let y = unsafe { from_dlpack_versioned(t) }.unwrap();
        assert_eq!(y.shape(), shape);
        assert_eq!(y.dtype(), T::DTYPE);
        assert_eq!(y.to_vec::<T>().unwrap(), values, "{:?} {shape:?}", T::DTYPE);
        assert_eq!(y.to_vec::<T>().unwrap(), x.to_vec::<T>().unwrap());

        // Unversioned.
        let t = to_dlpack_unversioned(&x).unwrap();
        let y = unsafe { from_dlpack(t) }.unwrap();
        assert_eq!(y.shape(), shape);
        assert_eq!(y.to_vec::<T>().unwrap(), values, "{:?} {shape:?}", T::DTYPE);
    }
}

#[test]
fn round_trip_every_dtype_and_shape() {
    round_trip::<bool>();
    round_trip::<i8>();
    round_trip::<i16>();
    round_trip::<i32>();
    round_trip::<i64>();
    round_trip::<u8>();
    round_trip::<u16>();
    round_trip::<u32>();
    round_trip::<u64>();
    round_trip::<f32>();
    round_trip::<f64>();
    round_trip::<Complex32>();
    round_trip::<Complex64>();
}

#[test]
fn export_computes_lazy_arrays() {
    // A lazy view: the transpose of [[0, 1, 2], [3, 4, 5]].
    let x = kiln::reshape(&kiln::arange(0, 6, 1, ()).unwrap(), [2, 3]).unwrap();
    let xt = kiln::matrix_transpose(&x).unwrap();
    assert!(!xt.is_evaluated());
    let t = to_dlpack(&xt).unwrap();
    unsafe {
        let dl = &(*t).dl_tensor;
        assert_eq!(std::slice::from_raw_parts(dl.shape, 2), &[3, 2]);
        assert_eq!(std::slice::from_raw_parts(dl.strides, 2), &[2, 1]);
        assert_eq!(
            std::slice::from_raw_parts(dl.data.cast::<i64>(), 6),
            &[0, 3, 1, 4, 2, 5]
        );
        // The buffer is the receiver's to write (IS_COPIED): kiln's array is unchanged.
        *dl.data.cast::<i64>() = 99;
        ((*t).deleter.unwrap())(t);
    }
    assert_eq!(xt.to_vec::<i64>().unwrap(), vec![0, 3, 1, 4, 2, 5]);
}

#[test]
fn export_of_a_device_array_is_an_error() {
    let x = kiln::zeros([2], kiln::CreateOpts::new().device(kiln::Device::Cuda(0))).unwrap();
    assert!(to_dlpack(&x).is_err());
}

// ---------------------------------------------------------------- hand-built tensors

/// What a hand-built tensor's deleter reaches through `manager_ctx`: a counter shared
/// with the test, and the test's data, which the deleter poisons so that a read after
/// deletion would show.
struct Ctx {
    deleted: Arc<AtomicUsize>,
    data: *mut f64,
    len: usize,
}

unsafe fn poison_and_count(ctx: *mut c_void) {
    let ctx = Box::from_raw(ctx.cast::<Ctx>());
    for i in 0..ctx.len {
        *ctx.data.add(i) = f64::NAN;
    }
    ctx.deleted.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn test_deleter(p: *mut DLManagedTensor) {
    let managed = Box::from_raw(p);
    poison_and_count(managed.manager_ctx);
}

unsafe extern "C" fn test_deleter_versioned(p: *mut DLManagedTensorVersioned) {
    let managed = Box::from_raw(p);
    poison_and_count(managed.manager_ctx);
}

/// A tensor over the test's own buffers. `data`, `shape` and `strides` must outlive
/// the import (they are locals of the test).
struct Built {
    tensor: DLTensor,
    deleted: Arc<AtomicUsize>,
    data: *mut f64,
    len: usize,
    pristine: Vec<f64>,
}

fn build(
    data: &mut [f64],
    data_offset_elems: usize,
    shape: &mut [i64],
    strides: Option<&mut [i64]>,
    byte_offset: u64,
) -> Built {
    let len = data.len();
    let pristine = data.to_vec();
    let base = data.as_mut_ptr();
    let tensor = DLTensor {
        data: base.wrapping_add(data_offset_elems).cast(),
        device: DLDevice {
            device_type: 1,
            device_id: 0,
        },
        ndim: shape.len() as i32,
        dtype: DLDataType {
            code: 2,
            bits: 64,
            lanes: 1,
        },
        shape: shape.as_mut_ptr(),
        strides: strides.map_or(ptr::null_mut(), |s| s.as_mut_ptr()),
        byte_offset,
    };
    Built {
        tensor,
        deleted: Arc::new(AtomicUsize::new(0)),
        data: base,
        len,
        pristine,
    }
}

impl Built {
    fn ctx(&self) -> *mut c_void {
        Box::into_raw(Box::new(Ctx {
            deleted: self.deleted.clone(),
            data: self.data,
            len: self.len,
        }))
        .cast()
    }
    fn managed(&self) -> *mut DLManagedTensor {
        Box::into_raw(Box::new(DLManagedTensor {
            dl_tensor: self.tensor,
            manager_ctx: self.ctx(),
            deleter: Some(test_deleter),
        }))
    }
    fn versioned(&self, major: u32) -> *mut DLManagedTensorVersioned {
        Box::into_raw(Box::new(DLManagedTensorVersioned {
            version: DLPackVersion { major, minor: 3 },
            manager_ctx: self.ctx(),
            deleter: Some(test_deleter_versioned),
            flags: 1, // READ_ONLY: kiln only reads
            dl_tensor: self.tensor,
        }))
    }
    fn deletions(&self) -> usize {
        self.deleted.load(Ordering::SeqCst)
    }
    /// Import through both entry points; each must delete once and give the same array.
    fn import_both(&self) -> kiln::Result<Array> {
        let before = self.deletions();
        let a = unsafe { from_dlpack(self.managed()) };
        assert_eq!(self.deletions(), before + 1, "from_dlpack deletes once");
        // The deleter poisoned the buffer; restore it for the second import.
        unsafe { ptr::copy_nonoverlapping(self.pristine.as_ptr(), self.data, self.len) };
        let b = unsafe { from_dlpack_versioned(self.versioned(1)) };
        assert_eq!(
            self.deletions(),
            before + 2,
            "from_dlpack_versioned deletes once"
        );
        match (&a, &b) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.shape(), b.shape());
                assert_eq!(a.to_vec::<f64>().unwrap(), b.to_vec::<f64>().unwrap());
            }
            (Err(_), Err(_)) => {}
            _ => panic!(
                "the two entry points disagree: {:?} vs {:?}",
                a.is_ok(),
                b.is_ok()
            ),
        }
        a
    }
}

fn values(a: &Array) -> Vec<f64> {
    a.to_vec::<f64>().unwrap()
}

#[test]
fn contiguous_with_null_strides() {
    let mut data: Vec<f64> = (0..6).map(|i| i as f64 * 1.5).collect();
    let mut shape = [2i64, 3];
    let b = build(&mut data, 0, &mut shape, None, 0);
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(a.dtype(), kiln::DType::F64);
    assert_eq!(values(&a), vec![0.0, 1.5, 3.0, 4.5, 6.0, 7.5]);
    // The deleter ran after the copy: the source is poisoned, the array is not.
    assert!(data.iter().all(|v| v.is_nan()));
    assert_eq!(values(&a), vec![0.0, 1.5, 3.0, 4.5, 6.0, 7.5]);
}

#[test]
fn explicit_contiguous_strides() {
    let mut data: Vec<f64> = (0..24).map(|i| i as f64).collect();
    let mut shape = [2i64, 3, 4];
    let mut strides = [12i64, 4, 1];
    let b = build(&mut data, 0, &mut shape, Some(&mut strides), 0);
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[2, 3, 4]);
    assert_eq!(values(&a), (0..24).map(|i| i as f64).collect::<Vec<_>>());
}

#[test]
fn transposed_view() {
    // Memory holds a row-major 2x3 matrix [[1, 2, 3], [4, 5, 6]]; the tensor is its
    // 3x2 transpose: strides [1, 3].
    let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut shape = [3i64, 2];
    let mut strides = [1i64, 3];
    let b = build(&mut data, 0, &mut shape, Some(&mut strides), 0);
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(values(&a), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

#[test]
fn broadcast_with_zero_stride() {
    // One row [7, 8, 9] seen four times.
    let mut data = vec![7.0, 8.0, 9.0];
    let mut shape = [4i64, 3];
    let mut strides = [0i64, 1];
    let b = build(&mut data, 0, &mut shape, Some(&mut strides), 0);
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[4, 3]);
    assert_eq!(values(&a), [7.0, 8.0, 9.0].repeat(4));
    // A scalar broadcast to [2, 2]: all strides zero.
    let mut data = vec![-2.5];
    let mut shape = [2i64, 2];
    let mut strides = [0i64, 0];
    let b = build(&mut data, 0, &mut shape, Some(&mut strides), 0);
    assert_eq!(values(&b.import_both().unwrap()), vec![-2.5; 4]);
}

#[test]
fn negative_stride() {
    // data points at the last of [10, 20, 30, 40, 50]; stride -1 reads it backwards.
    let mut data = vec![10.0, 20.0, 30.0, 40.0, 50.0];
    let mut shape = [5i64];
    let mut strides = [-1i64];
    let b = build(&mut data, 4, &mut shape, Some(&mut strides), 0);
    let a = b.import_both().unwrap();
    assert_eq!(values(&a), vec![50.0, 40.0, 30.0, 20.0, 10.0]);

    // Both axes reversed in a 2x3 matrix [[0, 1, 2], [3, 4, 5]]: start at 5.
    let mut data: Vec<f64> = (0..6).map(|i| i as f64).collect();
    let mut shape = [2i64, 3];
    let mut strides = [-3i64, -1];
    let b = build(&mut data, 5, &mut shape, Some(&mut strides), 0);
    assert_eq!(
        values(&b.import_both().unwrap()),
        vec![5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    );
}

#[test]
fn byte_offset() {
    // The tensor starts 2 elements (16 bytes) into the buffer: [2, 3, 4, 5] as 2x2.
    let mut data: Vec<f64> = (0..6).map(|i| i as f64).collect();
    let mut shape = [2i64, 2];
    let b = build(&mut data, 0, &mut shape, None, 16);
    assert_eq!(values(&b.import_both().unwrap()), vec![2.0, 3.0, 4.0, 5.0]);

    // With strides: every other element from the offset, [1, 3, 5].
    let mut data: Vec<f64> = (0..6).map(|i| i as f64).collect();
    let mut shape = [3i64];
    let mut strides = [2i64];
    let b = build(&mut data, 0, &mut shape, Some(&mut strides), 8);
    assert_eq!(values(&b.import_both().unwrap()), vec![1.0, 3.0, 5.0]);
}

#[test]
fn unaligned_byte_offset() {
    // A float64 at an odd address: kiln reads it unaligned.
    let bytes_wanted = [1.25f64, -8.0, 1e300];
    let mut raw = vec![0u8; 8 * 3 + 3];
    for (i, v) in bytes_wanted.iter().enumerate() {
        raw[3 + 8 * i..3 + 8 * (i + 1)].copy_from_slice(&v.to_ne_bytes());
    }
    let mut shape = [3i64];
    let tensor = DLTensor {
        data: raw.as_mut_ptr().cast(),
        device: DLDevice {
            device_type: 1,
            device_id: 0,
        },
        ndim: 1,
        dtype: DLDataType {
            code: 2,
            bits: 64,
            lanes: 1,
        },
        shape: shape.as_mut_ptr(),
        strides: ptr::null_mut(),
        byte_offset: 3,
    };
    let m = Box::into_raw(Box::new(DLManagedTensor {
        dl_tensor: tensor,
        manager_ctx: ptr::null_mut(),
        deleter: None,
    }));
    let a = unsafe { from_dlpack(m) }.unwrap();
    // No deleter: the struct is ours to free.
    drop(unsafe { Box::from_raw(m) });
    assert_eq!(values(&a), bytes_wanted.to_vec());
}

#[test]
fn zero_d_and_zero_size() {
    // 0-d: ndim 0, shape and strides null.
    let mut data = vec![42.5];
    let mut shape: [i64; 0] = [];
    let mut b = build(&mut data, 0, &mut shape, None, 0);
    b.tensor.shape = ptr::null_mut();
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[] as &[usize]);
    assert_eq!(a.item::<f64>().unwrap(), 42.5);

    // Zero-size: the data pointer may be null.
    let mut data: Vec<f64> = vec![];
    let mut shape = [3i64, 0, 2];
    let mut b = build(&mut data, 0, &mut shape, None, 0);
    b.tensor.data = ptr::null_mut();
    let a = b.import_both().unwrap();
    assert_eq!(a.shape(), &[3, 0, 2]);
    assert_eq!(values(&a), Vec::<f64>::new());
}

#[test]
fn bool_bytes_other_than_one_are_true() {
    let mut data = [0u8, 1, 2, 255];
    let mut shape = [4i64];
    let m = Box::into_raw(Box::new(DLManagedTensor {
        dl_tensor: DLTensor {
            data: data.as_mut_ptr().cast(),
            device: DLDevice {
                device_type: 1,
                device_id: 0,
            },
            ndim: 1,
            dtype: DLDataType {
                code: 6,
                bits: 8,
                lanes: 1,
            },
            shape: shape.as_mut_ptr(),
            strides: ptr::null_mut(),
            byte_offset: 0,
        },
        manager_ctx: ptr::null_mut(),
        deleter: None,
    }));
    let a = unsafe { from_dlpack(m) }.unwrap();
    drop(unsafe { Box::from_raw(m) });
    assert_eq!(a.to_vec::<bool>().unwrap(), vec![false, true, true, true]);
}

#[test]
fn pinned_host_memory_is_accepted() {
    for device_type in [3, 11] {
        let mut data = vec![1.0, 2.0];
        let mut shape = [2i64];
        let mut b = build(&mut data, 0, &mut shape, None, 0);
        b.tensor.device.device_type = device_type;
        assert_eq!(values(&b.import_both().unwrap()), vec![1.0, 2.0]);
    }
}

// ---------------------------------------------------------------- errors

fn message(e: kiln::Error) -> String {
    e.to_string()
}

#[test]
fn null_pointer_is_an_error() {
    let e = unsafe { from_dlpack(ptr::null_mut()) }.err().unwrap();
    assert!(message(e).contains("from_dlpack"));
    let e = unsafe { from_dlpack_versioned(ptr::null_mut()) }
        .err()
        .unwrap();
    assert!(message(e).contains("from_dlpack_versioned"));
}

/// Import a tensor `edit` spoils; both entry points must fail naming `from_dlpack` and
/// `what`, and delete once each.
fn expect_error(edit: impl Fn(&mut DLTensor), what: &str) {
    let mut data = vec![1.0, 2.0, 3.0, 4.0];
    let mut shape = [2i64, 2];
    let mut b = build(&mut data, 0, &mut shape, None, 0);
    edit(&mut b.tensor);
    let e = unsafe { from_dlpack(b.managed()) }.expect_err("an error");
    assert_eq!(b.deletions(), 1);
    let m = message(e);
    assert!(m.contains("from_dlpack") && m.contains(what), "{m}");
    let e = unsafe { from_dlpack_versioned(b.versioned(1)) }.expect_err("an error");
    assert_eq!(b.deletions(), 2);
    let m = message(e);
    assert!(
        m.contains("from_dlpack_versioned") && m.contains(what),
        "{m}"
    );
}

#[test]
fn cuda_device_is_an_error() {
    expect_error(|t| t.device.device_type = 2, "kDLCUDA (2)");
    expect_error(|t| t.device.device_type = 99, "device type 99");
}

#[test]
fn unsupported_dtypes_are_errors() {
    expect_error(
        |t| {
            t.dtype = DLDataType {
                code: 2,
                bits: 16,
                lanes: 1,
            }
        },
        "float16",
    );
    expect_error(
        |t| {
            t.dtype = DLDataType {
                code: 4,
                bits: 16,
                lanes: 1,
            }
        },
        "bfloat16",
    );
    expect_error(
        |t| {
            t.dtype = DLDataType {
                code: 2,
                bits: 32,
                lanes: 2,
            }
        },
        "float32 with 2 lanes",
    );
    expect_error(
        |t| {
            t.dtype = DLDataType {
                code: 6,
                bits: 1,
                lanes: 1,
            }
        },
        "bool (1 bits)",
    );
    expect_error(
        |t| {
            t.dtype = DLDataType {
                code: 10,
                bits: 8,
                lanes: 1,
            }
        },
        "type code 10",
    );
}

#[test]
fn bad_shapes_are_errors() {
    expect_error(|t| t.ndim = -1, "ndim is negative");
    expect_error(|t| unsafe { *t.shape.add(1) = -2 }, "negative size");
    expect_error(
        |t| unsafe {
            *t.shape = i64::MAX;
            *t.shape.add(1) = 4;
        },
        "more elements",
    );
    expect_error(|t| t.shape = ptr::null_mut(), "shape pointer is null");
    expect_error(|t| t.data = ptr::null_mut(), "data pointer is null");
}

#[test]
fn other_major_versions_are_errors() {
    let mut data = vec![1.0];
    let mut shape = [1i64];
    let b = build(&mut data, 0, &mut shape, None, 0);
    for major in [0, 2] {
        let before = b.deletions();
        let e = unsafe { from_dlpack_versioned(b.versioned(major)) }
            .err()
            .unwrap();
        assert_eq!(b.deletions(), before + 1);
        let m = message(e);
        assert!(
            m.contains("from_dlpack_versioned") && m.contains("version"),
            "{m}"
        );
    }
}

// ---------------------------------------------------------------- in expressions

#[test]
fn imported_arrays_in_lazy_expressions_in_every_mode() {
    for mode in MODES {
        // The transpose of [[1, 2, 3], [4, 5, 6]] again, imported fresh each time.
        let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut shape = [3i64, 2];
        let mut strides = [1i64, 3];
        let b = build(&mut data, 0, &mut shape, Some(&mut strides), 0);
        let a = unsafe { from_dlpack(b.managed()) }.unwrap();
        assert_eq!(b.deletions(), 1);
        let y = (&a + 1.0).unwrap().compute_with(mode).unwrap();
        assert_eq!(values(&y), vec![2.0, 5.0, 3.0, 6.0, 4.0, 7.0], "{mode:?}");
        // Row sums of the transpose, and a product with an ordinary array.
        let s = kiln::sum(&(&a * &a).unwrap(), kiln::ReduceOpts::new().axis(1))
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(values(&s), vec![17.0, 29.0, 45.0], "{mode:?}");
        let w = kiln::asarray([10.0, 100.0], ()).unwrap();
        let m = kiln::matmul(&a, &w).unwrap().compute_with(mode).unwrap();
        assert_eq!(values(&m), vec![410.0, 520.0, 630.0], "{mode:?}");

        // A round trip of a computed expression, in each mode, of another dtype.
        let x = kiln::from_vec(vec![0i32, 1, 2, 3, 4], [5]).unwrap();
        let z = (&x * 3).unwrap().compute_with(mode).unwrap();
        let back = unsafe { from_dlpack_versioned(to_dlpack(&z).unwrap()) }.unwrap();
        let r = (&back - 1).unwrap().compute_with(mode).unwrap();
        assert_eq!(
            r.to_vec::<i32>().unwrap(),
            vec![-1, 2, 5, 8, 11],
            "{mode:?}"
        );
    }
}
