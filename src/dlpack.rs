//! DLPack: the C ABI by which array libraries hand tensors to each other (NumPy's,
//! PyTorch's and JAX's `from_dlpack`/`__dlpack__`).
//!
//! [`from_dlpack`] and [`from_dlpack_versioned`] take ownership of a managed tensor
//! another library produced, **copy** its elements into a new kiln array (kiln arrays
//! own their host buffers, and the standard allows a copy when `copy` is not `False`)
//! and call the tensor's deleter exactly once, on success and on every error alike.
//! [`to_dlpack`] and [`to_dlpack_unversioned`] go the other way: they hand out a freshly
//! allocated copy of an array's values that the receiver owns.
//!
//! The structs are the ABI of `dlpack.h` (DLPack 1.x), written out with `#[repr(C)]`;
//! their layout is checked at compile time on 64-bit targets.
//!
//! ```
//! let x = kiln::asarray([[1i32, 2, 3], [4, 5, 6]], ())?;
//! let t = kiln::dlpack::to_dlpack(&x)?;
//! // SAFETY: `t` came from `to_dlpack` and is handed on exactly once.
//! let y = unsafe { kiln::from_dlpack_versioned(t)? };
//! assert_eq!(y.shape(), &[2, 3]);
//! assert_eq!(y.to_vec::<i32>()?, vec![1, 2, 3, 4, 5, 6]);
//! # Ok::<(), kiln::Error>(())
//! ```

use crate::array::Array;
use crate::creation::constant;
use crate::error::{Error, Result};
use kiln_ir::{with_data, DType, Data, Device, IrError, Loc, Shape};
use num_complex::{Complex32, Complex64};
use std::ffi::c_void;
use std::panic::Location;
use std::ptr;

/// `kDLCPU`: ordinary host memory.
pub const KDL_CPU: i32 = 1;
/// `kDLCUDA`: CUDA device memory (not readable from the host: refused on import).
pub const KDL_CUDA: i32 = 2;
/// `kDLCUDAHost`: pinned host memory from `cudaMallocHost` (readable from the host).
pub const KDL_CUDA_HOST: i32 = 3;
/// `kDLROCM`: ROCm device memory (refused on import).
pub const KDL_ROCM: i32 = 10;
/// `kDLROCMHost`: pinned host memory from `hipMallocHost` (readable from the host).
pub const KDL_ROCM_HOST: i32 = 11;

/// `kDLInt`: signed integers.
pub const KDL_INT: u8 = 0;
/// `kDLUInt`: unsigned integers.
pub const KDL_UINT: u8 = 1;
/// `kDLFloat`: IEEE floats.
pub const KDL_FLOAT: u8 = 2;
/// `kDLOpaqueHandle`.
pub const KDL_OPAQUE_HANDLE: u8 = 3;
/// `kDLBfloat`: bfloat16.
pub const KDL_BFLOAT: u8 = 4;
/// `kDLComplex`: complex numbers, `bits` counting both parts.
pub const KDL_COMPLEX: u8 = 5;
/// `kDLBool`: booleans, one byte each.
pub const KDL_BOOL: u8 = 6;

/// `DLPACK_FLAG_BITMASK_READ_ONLY`: the consumer must not write to the data.
pub const DLPACK_FLAG_BITMASK_READ_ONLY: u64 = 1 << 0;
/// `DLPACK_FLAG_BITMASK_IS_COPIED`: the data is a copy the producer shares with nobody.
pub const DLPACK_FLAG_BITMASK_IS_COPIED: u64 = 1 << 1;

/// The DLPack version kiln's exported tensors declare; imports accept major version 1
/// with any minor version.
pub const DLPACK_VERSION: DLPackVersion = DLPackVersion { major: 1, minor: 0 };

/// `DLDevice`: where the data lives.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DLDevice {
    /// A `DLDeviceType` (`KDL_CPU`, `KDL_CUDA`, ...).
    pub device_type: i32,
    /// Which device of that type, counting from 0; 0 for host memory (`KDL_CPU`,
    /// `KDL_CUDA_HOST`, `KDL_ROCM_HOST`).
    pub device_id: i32,
}

/// `DLDataType`: an element type.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DLDataType {
    /// A `DLDataTypeCode` (`KDL_INT`, `KDL_FLOAT`, ...).
    pub code: u8,
    /// Bits per lane.
    pub bits: u8,
    /// Lanes per element (vector types); kiln accepts 1 only.
    pub lanes: u16,
}

/// `DLTensor`: a strided view of memory.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DLTensor {
    /// The start of the allocation holding the elements (the first element is
    /// `byte_offset` bytes further). An address in the memory of `device`, possibly an
    /// opaque handle for some device types; the spec asks for 256-byte alignment, but
    /// producers commonly ignore that, so consumers must not rely on it. May be null
    /// when the tensor has no elements.
    pub data: *mut c_void,
    /// Where the elements live.
    pub device: DLDevice,
    /// Number of axes: the length of `shape` and `strides`; 0 for a scalar.
    pub ndim: i32,
    /// The type of each element.
    pub dtype: DLDataType,
    /// `ndim` sizes (may be null when `ndim` is 0).
    pub shape: *mut i64,
    /// `ndim` strides in elements, not bytes; null means C-contiguous (allowed before
    /// DLPack 1.2 and accepted here; kiln's exports always set them).
    pub strides: *mut i64,
    /// Bytes from `data` to the first element.
    pub byte_offset: u64,
}

/// `DLManagedTensor`: the unversioned (pre-1.0, "legacy") managed tensor.
#[repr(C)]
#[derive(Debug)]
pub struct DLManagedTensor {
    /// The tensor whose memory this struct manages.
    pub dl_tensor: DLTensor,
    /// The producer's own bookkeeping (what keeps the memory alive), for its deleter to
    /// use; opaque to the consumer. May be null.
    pub manager_ctx: *mut c_void,
    /// Frees the tensor; called once by its consumer. May be null.
    pub deleter: Option<unsafe extern "C" fn(*mut DLManagedTensor)>,
}

/// `DLPackVersion`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DLPackVersion {
    /// Changes when the ABI (the layout of `DLManagedTensorVersioned`) changes: a
    /// consumer must not read a tensor of a major version it does not know, except to
    /// call its deleter.
    pub major: u32,
    /// Changes when compatible additions (new device types, dtype codes) are made: the
    /// layout is unchanged.
    pub minor: u32,
}

/// `DLManagedTensorVersioned` (DLPack 1.0 and later).
#[repr(C)]
#[derive(Debug)]
pub struct DLManagedTensorVersioned {
    /// The DLPack version the producer wrote this tensor for. A consumer checks its
    /// major version before reading any field but the deleter.
    pub version: DLPackVersion,
    /// The producer's own bookkeeping (what keeps the memory alive), for its deleter to
    /// use; opaque to the consumer. May be null.
    pub manager_ctx: *mut c_void,
    /// Frees the tensor; called once by its consumer. May be null.
    pub deleter: Option<unsafe extern "C" fn(*mut DLManagedTensorVersioned)>,
    /// `DLPACK_FLAG_BITMASK_*` bits.
    pub flags: u64,
    /// The tensor whose memory this struct manages.
    pub dl_tensor: DLTensor,
}

// The C layout, as dlpack.h gives it on 64-bit targets.
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<DLDevice>() == 8);
    assert!(size_of::<DLDataType>() == 4);
    assert!(size_of::<DLTensor>() == 48);
    assert!(offset_of!(DLTensor, device) == 8);
    assert!(offset_of!(DLTensor, ndim) == 16);
    assert!(offset_of!(DLTensor, dtype) == 20);
    assert!(offset_of!(DLTensor, shape) == 24);
    assert!(offset_of!(DLTensor, strides) == 32);
    assert!(offset_of!(DLTensor, byte_offset) == 40);
    assert!(size_of::<DLManagedTensor>() == 64);
    assert!(offset_of!(DLManagedTensor, manager_ctx) == 48);
    assert!(offset_of!(DLManagedTensor, deleter) == 56);
    assert!(size_of::<DLManagedTensorVersioned>() == 80);
    assert!(offset_of!(DLManagedTensorVersioned, manager_ctx) == 8);
    assert!(offset_of!(DLManagedTensorVersioned, deleter) == 16);
    assert!(offset_of!(DLManagedTensorVersioned, flags) == 24);
    assert!(offset_of!(DLManagedTensorVersioned, dl_tensor) == 32);
};

fn err(func: &'static str, msg: String, at: Loc) -> Error {
    Error::build(IrError::invalid(func, msg), at)
}

/// Calls a managed tensor's deleter when dropped: once, on every path (errors and
/// unwinding included).
struct DeleteOnDrop<M: Managed>(*mut M);

trait Managed {
    /// # Safety
    /// `p` is a valid managed tensor that has not been deleted.
    unsafe fn delete(p: *mut Self);
}

impl Managed for DLManagedTensor {
    unsafe fn delete(p: *mut Self) {
        if let Some(deleter) = (*p).deleter {
            deleter(p);
        }
    }
}

impl Managed for DLManagedTensorVersioned {
    unsafe fn delete(p: *mut Self) {
        if let Some(deleter) = (*p).deleter {
            deleter(p);
        }
    }
}

impl<M: Managed> Drop for DeleteOnDrop<M> {
    fn drop(&mut self) {
        // SAFETY: the pointer was accepted (non-null, valid by the caller's contract)
        // and this guard is the only thing that deletes it.
        unsafe { M::delete(self.0) }
    }
}

/// Take ownership of a DLPack managed tensor (the unversioned `DLManagedTensor`), copy
/// its elements into a new kiln array on `Device::Cpu`, and call its deleter once.
///
/// This is the standard's `from_dlpack(x, /, *, device=None, copy=None)` at the level
/// of the C ABI: `x.__dlpack__()` yields the pointer, the result is always a copy (as
/// `copy=None` and `copy=True` allow; `copy=False` cannot be honoured because kiln
/// arrays own their buffers), and the result is on the CPU.
///
/// Accepted: host memory (`kDLCPU`, and the pinned host memory of `kDLCUDAHost` and
/// `kDLROCMHost`); bool (`kDLBool`, 8 bits), int8/16/32/64, uint8/16/32/64,
/// float32/64 and complex64/128, one lane each; any rank (0-d included), zero-size
/// axes, any element strides (zero and negative too; null strides mean C-contiguous)
/// and any `byte_offset`. Anything else (float16, bfloat16, vector lanes, a device
/// tensor, a negative `ndim` or size, an element count that overflows) is an `Err`
/// naming `from_dlpack` and what was wrong; the deleter still runs.
///
/// # Safety
///
/// `tensor` is null (an `Err`, with nothing to delete) or points to a valid
/// `DLManagedTensor` that nobody else will use or delete: ownership passes to this
/// call. Its `shape` (and `strides`, unless null) point to `ndim` values, and every
/// element the shape, strides and `byte_offset` address lies in memory that is
/// readable from this thread until the deleter runs (for pinned host memory: device
/// writes to it have completed). Its deleter, if not null, may be called from any
/// thread.
///
/// ```
/// use kiln::dlpack::{to_dlpack_unversioned, from_dlpack};
/// let x = kiln::reshape(&kiln::arange(0.0, 6.0, 1.0, ())?, [2, 3])?;
/// let t = to_dlpack_unversioned(&kiln::matrix_transpose(&x)?)?;
/// // SAFETY: `t` came from `to_dlpack_unversioned` and is handed on exactly once.
/// let y = unsafe { from_dlpack(t)? };
/// assert_eq!(y.shape(), &[3, 2]);
/// assert_eq!(y.to_vec::<f64>()?, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub unsafe fn from_dlpack(tensor: *mut DLManagedTensor) -> Result<Array> {
    let at = Location::caller();
    const FUNC: &str = "from_dlpack";
    if tensor.is_null() {
        return Err(err(FUNC, "the managed tensor pointer is null".into(), at));
    }
    let guard = DeleteOnDrop(tensor);
    let (data, shape) = import(FUNC, &(*tensor).dl_tensor, at)?;
    drop(guard);
    constant(FUNC, data, shape, Device::Cpu, at)
}

/// [`from_dlpack`] for the versioned `DLManagedTensorVersioned` of DLPack 1.0 and later
/// (what `__dlpack__(max_version=(1, 0))` produces). Major version 1 with any minor
/// version is accepted; another major version is an `Err` (the deleter, whose place
/// the ABI keeps fixed across versions, still runs). The flags need no handling: the
/// elements are copied, so `READ_ONLY` is respected and `IS_COPIED` changes nothing.
///
/// # Safety
///
/// As for [`from_dlpack`], with `tensor` pointing to a `DLManagedTensorVersioned`.
///
/// ```
/// let x = kiln::asarray([true, false, true], ())?;
/// let t = kiln::dlpack::to_dlpack(&x)?;
/// // SAFETY: `t` came from `to_dlpack` and is handed on exactly once.
/// let y = unsafe { kiln::from_dlpack_versioned(t)? };
/// assert_eq!(y.to_vec::<bool>()?, vec![true, false, true]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub unsafe fn from_dlpack_versioned(tensor: *mut DLManagedTensorVersioned) -> Result<Array> {
    let at = Location::caller();
    const FUNC: &str = "from_dlpack_versioned";
    if tensor.is_null() {
        return Err(err(FUNC, "the managed tensor pointer is null".into(), at));
    }
    let guard = DeleteOnDrop(tensor);
    let version = (*tensor).version;
    if version.major != DLPACK_VERSION.major {
        return Err(err(
            FUNC,
            format!(
                "DLPack version {}.{} is not supported (kiln reads major version {})",
                version.major, version.minor, DLPACK_VERSION.major
            ),
            at,
        ));
    }
    let (data, shape) = import(FUNC, &(*tensor).dl_tensor, at)?;
    drop(guard);
    constant(FUNC, data, shape, Device::Cpu, at)
}

fn device_name(device_type: i32) -> String {
    let name = match device_type {
        KDL_CPU => "kDLCPU",
        KDL_CUDA => "kDLCUDA",
        KDL_CUDA_HOST => "kDLCUDAHost",
        4 => "kDLOpenCL",
        7 => "kDLVulkan",
        8 => "kDLMetal",
        9 => "kDLVPI",
        KDL_ROCM => "kDLROCM",
        KDL_ROCM_HOST => "kDLROCMHost",
        12 => "kDLExtDev",
        13 => "kDLCUDAManaged",
        14 => "kDLOneAPI",
        15 => "kDLWebGPU",
        16 => "kDLHexagon",
        _ => return format!("device type {device_type}"),
    };
    format!("{name} ({device_type})")
}

fn dtype_name(t: DLDataType) -> String {
    let base = match (t.code, t.bits) {
        (KDL_INT, b) => format!("int{b}"),
        (KDL_UINT, b) => format!("uint{b}"),
        (KDL_FLOAT, b) => format!("float{b}"),
        (KDL_BFLOAT, b) => format!("bfloat{b}"),
        (KDL_COMPLEX, b) => format!("complex{b}"),
        (KDL_BOOL, b) => format!("bool ({b} bits)"),
        (KDL_OPAQUE_HANDLE, b) => format!("opaque handle ({b} bits)"),
        (c, b) => format!("type code {c} ({b} bits)"),
    };
    if t.lanes == 1 {
        base
    } else {
        format!("{base} with {} lanes", t.lanes)
    }
}

fn kiln_dtype(t: DLDataType) -> Option<DType> {
    if t.lanes != 1 {
        return None;
    }
    Some(match (t.code, t.bits) {
        (KDL_BOOL, 8) => DType::Bool,
        (KDL_INT, 8) => DType::I8,
        (KDL_INT, 16) => DType::I16,
        (KDL_INT, 32) => DType::I32,
        (KDL_INT, 64) => DType::I64,
        (KDL_UINT, 8) => DType::U8,
        (KDL_UINT, 16) => DType::U16,
        (KDL_UINT, 32) => DType::U32,
        (KDL_UINT, 64) => DType::U64,
        (KDL_FLOAT, 32) => DType::F32,
        (KDL_FLOAT, 64) => DType::F64,
        (KDL_COMPLEX, 64) => DType::C64,
        (KDL_COMPLEX, 128) => DType::C128,
        _ => return None,
    })
}

fn dl_dtype(d: DType) -> DLDataType {
    let code = match d {
        DType::Bool => KDL_BOOL,
        DType::I8 | DType::I16 | DType::I32 | DType::I64 => KDL_INT,
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => KDL_UINT,
        DType::F32 | DType::F64 => KDL_FLOAT,
        DType::C64 | DType::C128 => KDL_COMPLEX,
    };
    DLDataType {
        code,
        bits: (d.size_bytes() * 8) as u8,
        lanes: 1,
    }
}

/// Validate a tensor and copy its elements out (row-major). Everything is read before
/// the caller runs the deleter.
///
/// # Safety
/// `t` satisfies the contract of [`from_dlpack`].
unsafe fn import(func: &'static str, t: &DLTensor, at: Loc) -> Result<(Data, Shape)> {
    let device = t.device.device_type;
    if !matches!(device, KDL_CPU | KDL_CUDA_HOST | KDL_ROCM_HOST) {
        return Err(err(
            func,
            format!(
                "the tensor is on {}, device {}; kiln reads host memory only (kDLCPU, kDLCUDAHost, kDLROCMHost): copy it to the CPU first",
                device_name(device),
                t.device.device_id
            ),
            at,
        ));
    }
    let dtype = kiln_dtype(t.dtype).ok_or_else(|| {
        err(
            func,
            format!(
                "dtype {} is not supported (kiln has bool, int8-64, uint8-64, float32/64, complex64/128, one lane each)",
                dtype_name(t.dtype)
            ),
            at,
        )
    })?;
    if t.ndim < 0 {
        return Err(err(func, format!("ndim is negative ({})", t.ndim), at));
    }
    let ndim = t.ndim as usize;
    if ndim > 0 && t.shape.is_null() {
        return Err(err(
            func,
            format!("the shape pointer is null for ndim {ndim}"),
            at,
        ));
    }
    let dims: &[i64] = if ndim == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(t.shape, ndim)
    };
    let mut shape = Vec::with_capacity(ndim);
    for &n in dims {
        if n < 0 {
            return Err(err(func, format!("shape {dims:?} has a negative size"), at));
        }
        shape.push(
            usize::try_from(n)
                .map_err(|_| err(func, format!("shape {dims:?} does not fit in memory"), at))?,
        );
    }
    let item = dtype.size_bytes();
    let count = shape
        .iter()
        .try_fold(1usize, |a, &n| a.checked_mul(n))
        .filter(|&c| {
            c.checked_mul(item)
                .is_some_and(|b| b <= isize::MAX as usize)
        })
        .ok_or_else(|| {
            err(
                func,
                format!(
                    "shape {dims:?} has more elements of {} than memory can hold",
                    dtype
                ),
                at,
            )
        })?;
    let shape_ir = Shape::new(&shape);
    if count == 0 {
        return Ok((empty_data(dtype), shape_ir));
    }
    if t.data.is_null() {
        return Err(err(
            func,
            format!("the data pointer is null for shape {dims:?} ({count} elements)"),
            at,
        ));
    }
    // Element strides: given, or C-contiguous when null.
    let strides: Vec<i64> = if t.strides.is_null() || ndim == 0 {
        contiguous_strides(&shape)
    } else {
        std::slice::from_raw_parts(t.strides, ndim).to_vec()
    };
    // Byte strides, and a check that no address computation can overflow.
    let overflow = || {
        err(
            func,
            format!(
                "strides {strides:?} with shape {dims:?} and byte offset {} address beyond memory",
                t.byte_offset
            ),
            at,
        )
    };
    let mut byte_strides = Vec::with_capacity(ndim);
    let mut reach: isize = isize::try_from(t.byte_offset).map_err(|_| overflow())?;
    for (&s, &n) in strides.iter().zip(&shape) {
        let bs = isize::try_from(s)
            .ok()
            .and_then(|s| s.checked_mul(item as isize))
            .ok_or_else(overflow)?;
        let extent = bs
            .checked_abs()
            .and_then(|b| b.checked_mul(n as isize))
            .ok_or_else(overflow)?;
        reach = reach.checked_add(extent).ok_or_else(overflow)?;
        byte_strides.push(bs);
    }
    let base = t
        .data
        .cast::<u8>()
        .cast_const()
        .wrapping_add(t.byte_offset as usize);
    let data = match dtype {
        DType::Bool => Data::Bool(
            gather::<u8>(base, &shape, &byte_strides, count)
                .into_iter()
                .map(|b| b != 0)
                .collect(),
        ),
        DType::I8 => Data::I8(gather(base, &shape, &byte_strides, count)),
        DType::I16 => Data::I16(gather(base, &shape, &byte_strides, count)),
        DType::I32 => Data::I32(gather(base, &shape, &byte_strides, count)),
        DType::I64 => Data::I64(gather(base, &shape, &byte_strides, count)),
        DType::U8 => Data::U8(gather(base, &shape, &byte_strides, count)),
        DType::U16 => Data::U16(gather(base, &shape, &byte_strides, count)),
        DType::U32 => Data::U32(gather(base, &shape, &byte_strides, count)),
        DType::U64 => Data::U64(gather(base, &shape, &byte_strides, count)),
        DType::F32 => Data::F32(gather(base, &shape, &byte_strides, count)),
        DType::F64 => Data::F64(gather(base, &shape, &byte_strides, count)),
        DType::C64 => Data::C64(gather::<Complex32>(base, &shape, &byte_strides, count)),
        DType::C128 => Data::C128(gather::<Complex64>(base, &shape, &byte_strides, count)),
    };
    Ok((data, shape_ir))
}

fn empty_data(dtype: DType) -> Data {
    match dtype {
        DType::Bool => Data::Bool(Vec::new()),
        DType::I8 => Data::I8(Vec::new()),
        DType::I16 => Data::I16(Vec::new()),
        DType::I32 => Data::I32(Vec::new()),
        DType::I64 => Data::I64(Vec::new()),
        DType::U8 => Data::U8(Vec::new()),
        DType::U16 => Data::U16(Vec::new()),
        DType::U32 => Data::U32(Vec::new()),
        DType::U64 => Data::U64(Vec::new()),
        DType::F32 => Data::F32(Vec::new()),
        DType::F64 => Data::F64(Vec::new()),
        DType::C64 => Data::C64(Vec::new()),
        DType::C128 => Data::C128(Vec::new()),
    }
}

/// Row-major element strides of `shape`.
fn contiguous_strides(shape: &[usize]) -> Vec<i64> {
    let mut strides = vec![0i64; shape.len()];
    let mut s = 1i64;
    for (d, &n) in shape.iter().enumerate().rev() {
        strides[d] = s;
        s = s.wrapping_mul(n as i64);
    }
    strides
}

/// Copy `count` (> 0) elements of type `T` in row-major order of `shape`, the element at
/// index `i` lying `Σ i[d]·byte_strides[d]` bytes from `base`. `T` is a plain value type
/// for which every bit pattern is valid.
///
/// # Safety
/// Every addressed element is readable (any alignment), and the caller has checked that
/// `Σ size[d]·|byte_strides[d]|` fits in `isize`.
unsafe fn gather<T: Copy>(
    base: *const u8,
    shape: &[usize],
    byte_strides: &[isize],
    count: usize,
) -> Vec<T> {
    let item = std::mem::size_of::<T>() as isize;
    let mut out: Vec<T> = Vec::with_capacity(count);
    // C-contiguous (axes of size 1 may have any stride): one copy.
    let mut expect = item;
    let contiguous = shape.iter().zip(byte_strides).rev().all(|(&n, &s)| {
        let ok = n == 1 || s == expect;
        expect *= n as isize;
        ok
    });
    if contiguous {
        ptr::copy_nonoverlapping(base, out.as_mut_ptr().cast::<u8>(), count * item as usize);
        out.set_len(count);
        return out;
    }
    let nd = shape.len();
    let mut index = vec![0usize; nd];
    let mut offset: isize = 0;
    for _ in 0..count {
        out.push(ptr::read_unaligned(
            base.wrapping_offset(offset).cast::<T>(),
        ));
        // Advance the row-major index, updating the byte offset as we go.
        let mut d = nd;
        while d > 0 {
            d -= 1;
            index[d] += 1;
            offset += byte_strides[d];
            if index[d] < shape[d] {
                break;
            }
            offset -= byte_strides[d] * shape[d] as isize;
            index[d] = 0;
        }
    }
    out
}

/// What an exported tensor owns: its values, shape and strides.
struct Export {
    data: Data,
    shape: Vec<i64>,
    strides: Vec<i64>,
}

/// Compute `x`, copy its values into a new [`Export`] and describe them as a `DLTensor`
/// pointing into it.
fn export(func: &'static str, x: &Array) -> Result<(DLTensor, *mut Export)> {
    let values = x.data(func)?;
    let shape: Vec<i64> = x.shape().iter().map(|&n| n as i64).collect();
    let strides = contiguous_strides(x.shape());
    let ctx = Box::into_raw(Box::new(Export {
        data: (*values).clone(),
        shape,
        strides,
    }));
    // SAFETY: `ctx` was just allocated and nothing else refers to it.
    let owned = unsafe { &mut *ctx };
    let data = with_data!(&mut owned.data, v => v.as_mut_ptr().cast::<c_void>());
    let ndim = owned.shape.len();
    let tensor = DLTensor {
        data,
        device: DLDevice {
            device_type: KDL_CPU,
            device_id: 0,
        },
        ndim: ndim as i32,
        dtype: dl_dtype(x.dtype()),
        shape: if ndim == 0 {
            ptr::null_mut()
        } else {
            owned.shape.as_mut_ptr()
        },
        strides: if ndim == 0 {
            ptr::null_mut()
        } else {
            owned.strides.as_mut_ptr()
        },
        byte_offset: 0,
    };
    Ok((tensor, ctx))
}

unsafe extern "C" fn delete_versioned(p: *mut DLManagedTensorVersioned) {
    if p.is_null() {
        return;
    }
    let managed = Box::from_raw(p);
    if !managed.manager_ctx.is_null() {
        drop(Box::from_raw(managed.manager_ctx.cast::<Export>()));
    }
}

unsafe extern "C" fn delete_unversioned(p: *mut DLManagedTensor) {
    if p.is_null() {
        return;
    }
    let managed = Box::from_raw(p);
    if !managed.manager_ctx.is_null() {
        drop(Box::from_raw(managed.manager_ctx.cast::<Export>()));
    }
}

/// Compute `x` and hand out a copy of its values as a DLPack 1.0 managed tensor (what
/// the standard's `x.__dlpack__()` returns): host memory (`kDLCPU`, device 0),
/// row-major with explicit strides (null only for a 0-d array), `byte_offset` 0, and
/// the `IS_COPIED` flag, since the buffer belongs to the receiver alone (it may write
/// to it).
///
/// The caller owns the returned pointer and must call its `deleter` exactly once (or
/// pass it to a consumer such as [`from_dlpack_versioned`], which does); the deleter
/// frees the values, shape, strides and the struct itself, and may run on any thread.
/// Forgetting it leaks the copy.
///
/// ```
/// use kiln::dlpack::{to_dlpack, KDL_CPU, KDL_FLOAT};
/// let x = kiln::asarray([[1.5f32, 2.5], [3.5, 4.5]], ())?;
/// let t = to_dlpack(&x)?;
/// // SAFETY: `t` is a valid tensor from `to_dlpack`; it is deleted exactly once.
/// unsafe {
///     let dl = &(*t).dl_tensor;
///     assert_eq!(dl.device.device_type, KDL_CPU);
///     assert_eq!((dl.dtype.code, dl.dtype.bits, dl.dtype.lanes), (KDL_FLOAT, 32, 1));
///     assert_eq!(std::slice::from_raw_parts(dl.shape, 2), &[2, 2]);
///     assert_eq!(*dl.data.cast::<f32>().add(3), 4.5);
///     ((*t).deleter.unwrap())(t);
/// }
/// # Ok::<(), kiln::Error>(())
/// ```
pub fn to_dlpack(x: &Array) -> Result<*mut DLManagedTensorVersioned> {
    let (dl_tensor, ctx) = export("to_dlpack", x)?;
    Ok(Box::into_raw(Box::new(DLManagedTensorVersioned {
        version: DLPACK_VERSION,
        manager_ctx: ctx.cast(),
        deleter: Some(delete_versioned),
        flags: DLPACK_FLAG_BITMASK_IS_COPIED,
        dl_tensor,
    })))
}

/// [`to_dlpack`] as an unversioned (legacy) `DLManagedTensor`, for consumers older than
/// DLPack 1.0. Same ownership rule: call its deleter exactly once.
///
/// ```
/// let x = kiln::asarray([7u16, 8, 9], ())?;
/// let t = kiln::dlpack::to_dlpack_unversioned(&x)?;
/// // SAFETY: `t` came from `to_dlpack_unversioned` and is handed on exactly once.
/// let y = unsafe { kiln::from_dlpack(t)? };
/// assert_eq!(y.to_vec::<u16>()?, vec![7, 8, 9]);
/// # Ok::<(), kiln::Error>(())
/// ```
pub fn to_dlpack_unversioned(x: &Array) -> Result<*mut DLManagedTensor> {
    let (dl_tensor, ctx) = export("to_dlpack_unversioned", x)?;
    Ok(Box::into_raw(Box::new(DLManagedTensor {
        dl_tensor,
        manager_ctx: ctx.cast(),
        deleter: Some(delete_unversioned),
    })))
}
