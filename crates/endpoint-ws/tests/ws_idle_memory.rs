//! An idle WebSocket holds no large buffers: after a message each way, what a pair of
//! connected `ws` streams keeps allocated is a few KiB, not tungstenite's read buffer of one
//! frame (64 KiB) per side. Counted with a global allocator that tracks live bytes, so the
//! figure is structural (what is allocated), not timing.
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use endpoint_core::{Connection, Registry};
use support::{bind, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The system allocator, counting the bytes it has out.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes to `System` unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most a connected, idle pair (both ends, in this process) may keep allocated.
const PER_PAIR_LIMIT: isize = 32 << 10;

/// Connects a pair and passes one byte each way, then leaves it idle.
async fn idle_pair(
    listener: &mut endpoint_core::Listener,
    client: &str,
) -> TestResult<[Connection; 2]> {
    let client = Registry::global().client(client)?;
    let (mut accepted, mut connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    let mut byte = [0u8; 1];
    connected.write_all(b"x").await?;
    connected.flush().await?;
    tokio::time::timeout(SAFETY, accepted.read_exact(&mut byte)).await??;
    accepted.write_all(b"y").await?;
    accepted.flush().await?;
    tokio::time::timeout(SAFETY, connected.read_exact(&mut byte)).await??;
    assert_eq!(&byte, b"y");
    Ok([accepted, connected])
}

#[tokio::test]
async fn an_idle_websocket_pair_holds_a_few_kib() -> TestResult {
    let (mut listener, port) = bind("ws:0:interface=127.0.0.1").await?;
    let client = format!("ws:127.0.0.1:{port}");
    // Warm up: the runtime's registration slabs and the read-ahead pool fill here.
    let mut pairs = Vec::new();
    for _ in 0..8 {
        pairs.push(idle_pair(&mut listener, &client).await?);
    }
    const COUNT: isize = 16;
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..COUNT {
        pairs.push(idle_pair(&mut listener, &client).await?);
    }
    let per_pair = (LIVE.load(Ordering::Relaxed) - before) / COUNT;
    println!("an idle ws pair (both ends) holds {per_pair} bytes");
    // Before the read-ahead, tungstenite's read buffer alone was 64 KiB + 14 per end.
    assert!(
        per_pair <= PER_PAIR_LIMIT,
        "an idle ws pair holds {per_pair} bytes (limit {PER_PAIR_LIMIT})"
    );
    drop(pairs);
    Ok(())
}
