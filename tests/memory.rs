//! Peak memory of a fused elementwise chain: its inputs and outputs plus a small
//! scratch, however long the chain — measured with a counting global allocator.
//! (Eager mode, for contrast, holds intermediates.)

use kiln::Mode;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Tests in this file measure one process-wide counter: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const N: usize = 2_000_000;
const BYTES: usize = N * 8;

/// Peak bytes allocated while computing a chain of `len` ops on two f64 inputs, above
/// what was live before (the inputs themselves). The chain is computed once first, so
/// the measured run finds its kernels compiled: compiler memory is not the chain's.
fn chain_peak(len: usize, mode: Mode) -> usize {
    chain_peak_once(len, mode);
    chain_peak_once(len, mode)
}

fn chain_peak_once(len: usize, mode: Mode) -> usize {
    let x = kiln::from_vec(vec![0.5f64; N], [N]).unwrap();
    let y = kiln::from_vec(vec![0.25f64; N], [N]).unwrap();
    let mut z = (&x * &y).unwrap();
    for i in 0..len {
        z = match i % 3 {
            0 => (&z + &x).unwrap(),
            1 => kiln::sqrt(&(&z * &y).unwrap()).unwrap(),
            _ => (&z - 0.125).unwrap(),
        };
    }
    // Measure a cold run: buffers cached by the previous one would hide allocations.
    kiln::free_cached_buffers();
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    z.compute_with(mode).unwrap();
    PEAK.load(Ordering::SeqCst) - before
}

#[test]
fn a_fused_chain_needs_its_output_plus_small_scratch_at_any_length() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for len in [10, 100, 400] {
        let peak = chain_peak(len, Mode::Fused);
        // The output (16 MB), plus a scratch far below one more array.
        eprintln!(
            "fused chain of {len} ops on f64[{N}]: peak {:.2} MB above inputs",
            peak as f64 / 1e6
        );
        assert!(peak < BYTES + BYTES / 8, "len {len}: peak {peak} bytes");
    }
}

#[test]
fn eager_mode_holds_intermediates() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let peak = chain_peak(30, Mode::Eager);
    eprintln!(
        "eager chain of 30 ops: peak {:.2} MB above inputs",
        peak as f64 / 1e6
    );
    // Each op's output is a full array; with buffers freed after their last reader,
    // at least two are alive while an op runs.
    assert!(
        peak >= 2 * BYTES,
        "eager keeps an input and an output of each op alive: {peak}"
    );
}

#[test]
fn a_dropped_arrays_buffer_is_reused_by_the_next_computation_without_stale_values() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x = kiln::from_vec((0..N).map(|i| i as f64).collect::<Vec<_>>(), [N]).unwrap();
    let first = (&x * 2.0).unwrap().compute_with(Mode::Fused).unwrap();
    assert_eq!(first.to_vec::<f64>().unwrap()[N - 1], 2.0 * (N - 1) as f64);
    kiln::free_cached_buffers();
    let live = LIVE.load(Ordering::SeqCst);
    drop(first);
    // (Only the array's small graph node is freed.)
    assert!(
        live - LIVE.load(Ordering::SeqCst) < BYTES / 8,
        "the dropped array's buffer is kept for reuse"
    );
    // The same shape again: the kernel writes into the kept buffer, so this
    // computation allocates no output of its own, and none of the old values show.
    let live = LIVE.load(Ordering::SeqCst);
    PEAK.store(live, Ordering::SeqCst);
    let second = (&x + 1.0).unwrap().compute_with(Mode::Fused).unwrap();
    assert!(
        PEAK.load(Ordering::SeqCst) - live < BYTES / 8,
        "no new output buffer"
    );
    let got = second.to_vec::<f64>().unwrap();
    assert!(got.iter().enumerate().all(|(i, &v)| v == i as f64 + 1.0));
    drop(second);
    assert!(
        kiln::free_cached_buffers() >= BYTES,
        "the buffer went back to the pool"
    );
}
