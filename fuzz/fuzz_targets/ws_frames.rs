//! WebSocket frames read with and without the lane that takes whole binary frames past
//! tungstenite (`endpoint-ws/src/fast_lane.rs`), on the server side (a client's masked
//! frames) and the client side (a server's, after its upgrade response). The first byte
//! picks the side (low bit), the frame limit (next two bits: 64 KiB, 1 KiB, 125 or 16 bytes)
//! and the piece size the bytes arrive in (the rest); the other bytes are what the peer
//! sends.
//!
//! Checked: nothing panics or hangs; the lane changes nothing a reader sees: the same bytes,
//! and the same error (or none) after them.
#![no_main]

use endpoint_ws::fuzzing::read_frames;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let server = selector & 1 == 0;
    let max = [64 << 10, 1024, 125, 16][usize::from((selector >> 1) & 3)];
    let piece = usize::from(selector >> 3).max(1) * 13;
    let plain = read_frames(input, piece, server, false, max);
    let fast = read_frames(input, piece, server, true, max);
    assert_eq!(plain.0.len(), fast.0.len(), "bytes read: {plain:?} / {fast:?}");
    assert!(plain.0 == fast.0, "the bytes differ");
    assert_eq!(plain.1, fast.1, "the ends differ");
});
