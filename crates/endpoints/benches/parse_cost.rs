//! What a hostile description costs: about 1 MB of text of each shape that used to cost
//! quadratic time or memory, parsed (or rejected) on both sides and described, with the
//! time and the peak heap it took.
//!
//! `cargo bench -p endpoints --bench parse_cost` prints one row per case: the input's size,
//! whether it parsed, the best time of 5 runs, and the peak bytes allocated during one run
//! as a multiple of the input's length. Linear cost means milliseconds and a small multiple.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use endpoints::{Registry, Side};

/// Counts live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MEGABYTE: usize = 1 << 20;

/// `head` + `unit` repeated to about 1 MB + `tail`.
fn repeated(head: &str, unit: &str, tail: &str) -> String {
    let mut text = String::with_capacity(MEGABYTE + head.len() + tail.len());
    text.push_str(head);
    while text.len() + unit.len() <= MEGABYTE {
        text.push_str(unit);
    }
    text.push_str(tail);
    text
}

/// Parses `text` on `side` and, when that works, describes it; true if it parsed.
fn parse(registry: &Registry, side: Side, text: &str) -> bool {
    let parsed = match side {
        Side::Server => registry.server(text).map(|e| e.to_string()),
        Side::Client => registry.client(text).map(|e| e.to_string()),
    };
    match parsed {
        Ok(_) => registry.describe(side, text).is_ok(),
        Err(e) => {
            // Building the message is part of the cost a caller pays.
            std::hint::black_box(e.to_string());
            false
        }
    }
}

fn main() {
    let registry = Registry::global();
    let long_name = "a".repeat(MEGABYTE);
    let cases: Vec<(&str, Side, String)> = vec![
        (
            "tls+ x N, then tcp:80",
            Side::Server,
            repeated("", "tls+", "tcp:80"),
        ),
        (
            "haproxy: x N (wrapper form)",
            Side::Server,
            repeated("", "haproxy:", "tcp:80"),
        ),
        (
            "tcp:80 then :a x N",
            Side::Server,
            repeated("tcp:80", ":a", ""),
        ),
        (
            "tcp:80 then :k=v x N",
            Side::Server,
            repeated("tcp:80", ":k=v", ""),
        ),
        (
            "tcp:80 then :backlog=1 x N",
            Side::Server,
            repeated("tcp:80", ":backlog=1", ""),
        ),
        (
            "one 1 MB interface name",
            Side::Server,
            format!("tcp:80:interface={long_name}"),
        ),
        (
            "one 1 MB escaped value",
            Side::Server,
            repeated("tcp:80:interface=", "\\:", ""),
        ),
        (
            "one 1 MB ws path",
            Side::Client,
            format!("ws:example.com:80:path=/{long_name}"),
        ),
        (
            "one 1 MB unix path",
            Side::Client,
            format!("unix:/{long_name}"),
        ),
        (
            "exec: with N arguments",
            Side::Client,
            repeated("exec:/bin/true", ":x", ""),
        ),
    ];
    println!(
        "{:<30} {:>9} {:>7} {:>10} {:>12} {:>7}",
        "case", "bytes", "parsed", "best time", "peak heap", "x input"
    );
    for (name, side, text) in &cases {
        let mut best = Duration::MAX;
        let mut parsed = false;
        for _ in 0..5 {
            let started = Instant::now();
            parsed = parse(registry, *side, text);
            best = best.min(started.elapsed());
        }
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        parse(registry, *side, text);
        let peak = PEAK.load(Ordering::Relaxed) - before;
        println!(
            "{:<30} {:>9} {:>7} {:>8.2}ms {:>12} {:>7.1}",
            name,
            text.len(),
            if parsed { "yes" } else { "refused" },
            best.as_secs_f64() * 1e3,
            peak,
            peak as f64 / text.len() as f64
        );
    }
}
