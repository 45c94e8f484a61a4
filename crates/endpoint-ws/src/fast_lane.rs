//! Whole binary frames taken past tungstenite: the payload stays in the buffer the socket
//! read it into, unmasked in place, and the stream lends it to its reader (a relay writes it
//! on from there). Tungstenite would copy it into its own buffer first, zero-filling that
//! buffer at each read; the relay's bulk (64 KiB binary messages, one frame each) is exactly
//! such frames.
//!
//! Only what cannot change tungstenite's view of the connection is taken: a complete,
//! unfragmented (FIN) binary frame with no reserved bits, masked as the peer's role asks (a
//! client's frames are masked, a server's are not), within the size limits, outside any fragmented message, found at a frame
//! boundary with every earlier frame handed to tungstenite and read out of it. Everything
//! else (text, control frames, fragments, frames over a limit, protocol errors) goes to
//! tungstenite, which answers it as before. So the transport follows the frame boundaries
//! of all it hands on: [`Lane`].

/// Where the transport stands in the peer's frames, and whether it may take the next one.
#[derive(Debug)]
pub(crate) struct Lane {
    /// The bytes of the current frame still to hand to tungstenite (0: at a frame's start).
    left: u64,
    /// Inside a fragmented data message: nothing is taken until its last fragment.
    fragmented: bool,
    /// The peer's Close went by: whatever follows is tungstenite's to judge.
    closed: bool,
    /// The largest payload taken: the frame and message limits, and what a read-ahead
    /// buffer holds.
    max_payload: usize,
    /// The peer is a client: its frames are masked (a server's are not).
    from_client: bool,
}

/// A frame's header, as far as the lane cares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Header {
    fin: bool,
    reserved: bool,
    opcode: u8,
    pub(crate) mask: Option<[u8; 4]>,
    /// The header's own length in bytes (2 to 14).
    pub(crate) len: usize,
    /// The payload's length.
    pub(crate) payload: u64,
}

impl Header {
    /// Reads the header at the start of `bytes`: `None` until all of it is there.
    pub(crate) fn read(bytes: &[u8]) -> Option<Header> {
        let (&first, rest) = bytes.split_first()?;
        let (&second, rest) = rest.split_first()?;
        let masked = second & 0x80 != 0;
        let (payload, rest) = match second & 0x7f {
            126 => {
                let (len, rest) = rest.split_first_chunk::<2>()?;
                (u64::from(u16::from_be_bytes(*len)), rest)
            }
            127 => {
                let (len, rest) = rest.split_first_chunk::<8>()?;
                (u64::from_be_bytes(*len), rest)
            }
            n => (u64::from(n), rest),
        };
        let mask = if masked {
            Some(*rest.first_chunk::<4>()?)
        } else {
            None
        };
        let len = bytes.len() - rest.len() + if masked { 4 } else { 0 };
        Some(Header {
            fin: first & 0x80 != 0,
            reserved: first & 0x70 != 0,
            opcode: first & 0x0f,
            mask,
            len,
            payload,
        })
    }

    /// The whole frame's length, header and payload.
    pub(crate) fn frame_len(&self) -> u64 {
        // A hostile header may claim 2^64 - 1 bytes: tungstenite refuses it, this must not
        // overflow on the way.
        (self.len as u64).saturating_add(self.payload)
    }
}

/// What to do with the frame at the lane's position.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    /// Hand tungstenite this many bytes of the current frame (or all that is there).
    Pass(u64),
    /// The frame at the start may be taken once it is all there: read until `frame_len`
    /// bytes are (the header may still be incomplete: then it is at most 14).
    Gather(usize),
    /// Take this frame: its payload is `bytes[header.len..header.frame_len()]`.
    Take(Header),
}

impl Lane {
    /// A lane for a server reading a client's frames, starting after `tail` (the frame bytes
    /// read with the upgrade request, which tungstenite is given first). `None` when `tail`
    /// ends inside a frame header (rare; the connection then goes through tungstenite).
    pub(crate) fn after(tail: &[u8], max_payload: usize) -> Option<Lane> {
        Self::following(tail, max_payload, true)
    }

    /// A lane for a client reading a server's (unmasked) frames, starting after `tail`, the
    /// frame bytes that came with the upgrade response.
    pub(crate) fn after_response(tail: &[u8], max_payload: usize) -> Option<Lane> {
        Self::following(tail, max_payload, false)
    }

    fn following(tail: &[u8], max_payload: usize, from_client: bool) -> Option<Lane> {
        let mut lane = Lane {
            from_client,
            left: 0,
            fragmented: false,
            closed: false,
            max_payload: max_payload
                .min(crate::read_ahead::SIZE - crate::settings::MAX_FRAME_HEADER),
        };
        let mut rest = tail;
        while !rest.is_empty() {
            let header = Header::read(rest)?;
            lane.enter(&header);
            let n = (rest.len() as u64).min(header.frame_len());
            lane.left -= n;
            rest = &rest[n as usize..];
        }
        Some(lane)
    }

    /// Decides about `bytes`, which start at the lane's position.
    pub(crate) fn next(&self, bytes: &[u8]) -> Next {
        if self.left > 0 {
            return Next::Pass(self.left);
        }
        let Some(header) = Header::read(bytes) else {
            return Next::Gather(crate::settings::MAX_FRAME_HEADER);
        };
        if !self.takes(&header) {
            return Next::Pass(header.frame_len());
        }
        let frame = header.frame_len() as usize;
        if bytes.len() < frame {
            Next::Gather(frame)
        } else {
            Next::Take(header)
        }
    }

    /// True for a frame tungstenite would deliver as one binary message of its payload.
    fn takes(&self, header: &Header) -> bool {
        header.fin
            && !header.reserved
            && header.opcode == 2
            && header.mask.is_some() == self.from_client
            && !self.fragmented
            && !self.closed
            && header.payload > 0
            && header.payload <= self.max_payload as u64
    }

    /// A frame starts here and goes to tungstenite: follow it.
    pub(crate) fn enter(&mut self, header: &Header) {
        match header.opcode {
            // Data frames start a message, continuations go on with one: FIN ends it.
            0..=2 => self.fragmented = !header.fin,
            8 => self.closed = true,
            // Other control frames (and reserved opcodes, which tungstenite refuses) change
            // nothing.
            _ => {}
        }
        self.left = header.frame_len();
    }

    /// `n` bytes of the current frame were handed to tungstenite.
    pub(crate) fn passed(&mut self, n: usize) {
        self.left = self.left.saturating_sub(n as u64);
    }

    /// The bytes of the current frame tungstenite still needs (0 at a frame's start): the
    /// most to read from the socket to stand at a frame's start again.
    pub(crate) fn left(&self) -> u64 {
        self.left
    }
}

/// The end of an HTTP response head (its blank line) in the bytes handed to tungstenite.
#[derive(Debug)]
pub(crate) struct ResponseEnd {
    /// How many bytes of `\r\n\r\n` were just seen.
    matched: usize,
    /// The lane's payload limit.
    max_payload: usize,
}

impl ResponseEnd {
    /// Watches for the end of the upgrade response; frames after it are taken with payloads
    /// up to `max_payload`.
    pub(crate) fn new(max_payload: usize) -> Self {
        ResponseEnd {
            matched: 0,
            max_payload,
        }
    }

    /// Follows `handed`; at the response's end, the lane for the frames after it (`Err` when
    /// the bytes after it end inside a frame header).
    pub(crate) fn follow(&mut self, handed: &[u8]) -> Option<Result<Lane, ()>> {
        const END: &[u8] = b"\r\n\r\n";
        for (i, &byte) in handed.iter().enumerate() {
            self.matched = match (byte == END[self.matched], byte == b'\r') {
                (true, _) => self.matched + 1,
                (false, true) => 1,
                (false, false) => 0,
            };
            if self.matched == END.len() {
                return Some(Lane::after_response(&handed[i + 1..], self.max_payload).ok_or(()));
            }
        }
        None
    }
}

/// Unmasks `payload` in place with `mask` (RFC 6455 §5.3), eight bytes at a time.
pub(crate) fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8])) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    let done = payload.len() - payload.len() % 8;
    for (i, byte) in payload[done..].iter_mut().enumerate() {
        *byte ^= mask[(done + i) % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(first: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = vec![first];
        let m = if mask.is_some() { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => out.push(m | n as u8),
            n if n <= 0xffff => {
                out.push(m | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(m | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mut body = payload.to_vec();
        if let Some(mask) = mask {
            out.extend_from_slice(&mask);
            for (i, b) in body.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        out.extend_from_slice(&body);
        out
    }

    const MASK: Option<[u8; 4]> = Some([1, 2, 3, 4]);

    #[test]
    fn a_whole_masked_binary_frame_is_taken_and_unmasked() {
        let payload: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let mut bytes = frame(0x82, &payload[..65_536], MASK);
        let lane = Lane::after(&[], 1 << 20).expect("a lane");
        let Next::Take(header) = lane.next(&bytes) else {
            panic!("not taken")
        };
        assert_eq!((header.len, header.payload), (14, 65_536));
        unmask(&mut bytes[header.len..], header.mask.expect("masked"));
        assert_eq!(&bytes[14..], &payload[..65_536]);
        // Every length and alignment unmasks as tungstenite would.
        for n in [1, 7, 8, 9, 125, 126, 127, 1000] {
            let mut b = frame(0x82, &payload[..n], MASK);
            let Next::Take(h) = lane.next(&b) else {
                panic!("{n}")
            };
            unmask(&mut b[h.len..], h.mask.expect("masked"));
            assert_eq!(&b[h.len..], &payload[..n], "{n}");
        }
    }

    #[test]
    fn a_client_takes_a_servers_unmasked_frames_only() {
        let lane = Lane::after_response(&[], 1 << 20).expect("a lane");
        let plain = frame(0x82, &[5; 20_000], None);
        assert!(matches!(lane.next(&plain), Next::Take(h) if h.len == 4 && h.mask.is_none()));
        let masked = frame(0x82, &[5; 20_000], MASK);
        assert_eq!(lane.next(&masked), Next::Pass(masked.len() as u64));
    }

    #[test]
    fn anything_else_goes_to_tungstenite() {
        let lane = Lane::after(&[], 1 << 20).expect("a lane");
        for (first, mask) in [
            (0x81, MASK), // text: UTF-8 is tungstenite's to check
            (0x02, MASK), // a first fragment
            (0x80, MASK), // a continuation
            (0x89, MASK), // ping
            (0x88, MASK), // close
            (0xc2, MASK), // a reserved bit
            (0x82, None), // unmasked from a client: tungstenite refuses it
        ] {
            let bytes = frame(first, b"abc", mask);
            assert_eq!(
                lane.next(&bytes),
                Next::Pass(bytes.len() as u64),
                "{first:#x}"
            );
        }
        // Over the limit: tungstenite refuses it from the header.
        let small = Lane::after(&[], 2).expect("a lane");
        let bytes = frame(0x82, b"abc", MASK);
        assert_eq!(small.next(&bytes), Next::Pass(bytes.len() as u64));
    }

    #[test]
    fn any_bytes_are_read_without_panic() {
        // The largest claimed length, and a run of pseudo-random headers and tails.
        let huge = [
            0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4,
        ];
        let lane = Lane::after(&[], 1 << 20).expect("a lane");
        assert_eq!(lane.next(&huge), Next::Pass(u64::MAX));
        let mut lane = Lane::after(&[], 1 << 20).expect("a lane");
        lane.enter(&Header::read(&huge).expect("a header"));
        lane.passed(usize::MAX);
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bytes = seed.to_le_bytes();
            let len = (seed >> 59) as usize % 9;
            let _ = Lane::after(&bytes[..len], (seed >> 40) as usize);
            let _ = lane.next(&bytes[..len]);
        }
    }

    #[test]
    fn a_frame_not_all_there_is_gathered() {
        let lane = Lane::after(&[], 1 << 20).expect("a lane");
        let bytes = frame(0x82, &[7; 300], MASK);
        assert_eq!(lane.next(&bytes[..1]), Next::Gather(14));
        assert_eq!(lane.next(&bytes[..100]), Next::Gather(bytes.len()));
    }

    #[test]
    fn fragments_and_the_upgrade_tail_are_followed() {
        let mut lane = Lane::after(&[], 1 << 20).expect("a lane");
        let first = frame(0x02, b"ab", MASK);
        let header = Header::read(&first).expect("a header");
        lane.enter(&header);
        lane.passed(first.len());
        // Inside a fragmented message nothing is taken, not even a whole binary frame.
        let whole = frame(0x82, b"cd", MASK);
        assert_eq!(lane.next(&whole), Next::Pass(whole.len() as u64));
        let ping = frame(0x89, b"", MASK);
        lane.enter(&Header::read(&ping).expect("a header"));
        lane.passed(ping.len());
        assert!(lane.fragmented);
        let last = frame(0x80, b"ef", MASK);
        lane.enter(&Header::read(&last).expect("a header"));
        lane.passed(last.len());
        assert!(matches!(lane.next(&whole), Next::Take(_)));

        // The tail read with the upgrade request: a whole frame and half of another.
        let mut tail = frame(0x82, b"xyz", MASK);
        let next = frame(0x82, &[1; 40], MASK);
        tail.extend_from_slice(&next[..10]);
        let lane = Lane::after(&tail, 1 << 20).expect("a lane");
        assert_eq!(lane.left(), (next.len() - 10) as u64);
        // A tail that ends inside a header: no lane.
        assert!(Lane::after(&next[..1], 1 << 20).is_none());
    }
}
