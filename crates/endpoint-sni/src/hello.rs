//! Reading a TLS ClientHello off a stream without consuming it: record framing, handshake
//! reassembly, and the two extensions a router needs (`server_name`, ALPN).
//!
//! Written by hand rather than with a TLS parsing crate: only a few fields of one message are
//! needed, every length is checked against the bytes that are there and against the bound
//! before anything is kept, and nothing is allocated beyond the bounded buffer, the
//! reassembled message and the name and protocols found. The fuzz target `client_hello`
//! drives [`read`] over arbitrary input arriving in arbitrary pieces.

use endpoint_core::TlsHello;
use tokio::io::{AsyncRead, AsyncReadExt};

/// A TLS record's header: type, version, length.
const RECORD_HEADER: usize = 5;
/// The record type of handshake messages.
const HANDSHAKE: u8 = 22;
/// The handshake type of a ClientHello.
const CLIENT_HELLO: u8 = 1;
/// The largest record fragment TLS allows (2^14).
const MAX_FRAGMENT: usize = 1 << 14;
/// The `server_name` extension (RFC 6066).
const EXT_SERVER_NAME: u16 = 0;
/// The ALPN extension (RFC 7301).
const EXT_ALPN: u16 = 16;
/// The `host_name` name type of `server_name`.
const HOST_NAME: u8 = 0;
/// The longest DNS name.
const MAX_NAME: usize = 253;

/// The default bound on a ClientHello message (its handshake header included): 16 KiB, over as
/// many records and reads as it takes. Hellos with post-quantum key shares are under 2 KiB.
pub const DEFAULT_MAX_HELLO: usize = 16 * 1024;

/// Why a connection's first bytes are not a usable ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HelloError(pub(crate) String);

impl From<&str> for HelloError {
    fn from(text: &str) -> Self {
        HelloError(text.to_string())
    }
}

/// Reads the ClientHello at the start of `io`, at most `max` bytes of handshake message (and
/// at most twice that, plus one read, of records carrying it).
/// Returns what it asked for and every byte read (the hello and anything after it), which the
/// caller replays so the backend sees the stream untouched.
///
/// # Errors
/// A message saying why: not TLS, a malformed or oversized hello, or end of stream first.
pub(crate) async fn read<S: AsyncRead + Unpin>(
    io: &mut S,
    max: usize,
) -> Result<(TlsHello, Vec<u8>), String> {
    let mut reader = Reassembly::new(max);
    let mut chunk = [0u8; 2048];
    loop {
        let n = io
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the TLS ClientHello failed: {e}"))?;
        if n == 0 {
            return Err(if reader.bytes.is_empty() {
                "the connection closed before sending a TLS ClientHello".into()
            } else {
                format!(
                    "the connection closed in the middle of a TLS ClientHello ({} bytes)",
                    reader.bytes.len()
                )
            });
        }
        if let Some(hello) = reader.push(&chunk[..n]).map_err(|e| e.0)? {
            return Ok((hello, reader.bytes));
        }
    }
}

/// The bytes read so far and the handshake message gathered from their records.
pub(crate) struct Reassembly {
    max: usize,
    /// Everything read, to be replayed.
    bytes: Vec<u8>,
    /// How many of `bytes` are whole records already gathered.
    framed: usize,
    /// The handshake bytes of those records.
    message: Vec<u8>,
}

impl Reassembly {
    pub(crate) fn new(max: usize) -> Self {
        Reassembly {
            max,
            bytes: Vec::new(),
            framed: 0,
            message: Vec::new(),
        }
    }

    /// Adds bytes read; `Some` once the whole ClientHello is there.
    ///
    /// Each byte is looked at a bounded number of times, whatever the size of the pieces.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<Option<TlsHello>, HelloError> {
        self.bytes.extend_from_slice(data);
        if self.bytes.first().is_some_and(|&b| b != HANDSHAKE) {
            return Err("the connection did not start with a TLS handshake record".into());
        }
        loop {
            let rest = &self.bytes[self.framed..];
            if rest.len() < RECORD_HEADER {
                break;
            }
            if rest[0] != HANDSHAKE {
                return Err(
                    "a record that is not a handshake came before the ClientHello end".into(),
                );
            }
            if rest[1] != 3 {
                return Err("the record's protocol version is not TLS (3.x)".into());
            }
            let length = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            if length == 0 || length > MAX_FRAGMENT {
                return Err("a handshake record is empty or longer than 2^14 bytes".into());
            }
            // Tiny records may not make the bytes read more than twice the bound. Decided
            // by the records alone, so how the bytes arrive does not change the outcome.
            if self.framed + RECORD_HEADER + length > 2 * self.max {
                return Err(self.too_long());
            }
            if rest.len() < RECORD_HEADER + length {
                break;
            }
            self.message
                .extend_from_slice(&rest[RECORD_HEADER..RECORD_HEADER + length]);
            self.framed += RECORD_HEADER + length;
            if let Some(hello) = self.complete()? {
                return Ok(Some(hello));
            }
        }
        // A record still coming may not take the message past the bound either.
        let pending = self.bytes.len() - self.framed;
        if self.message.len() + pending.saturating_sub(RECORD_HEADER) > self.max {
            return Err(self.too_long());
        }
        Ok(None)
    }

    /// The hello, once the gathered handshake bytes hold all of it.
    fn complete(&self) -> Result<Option<TlsHello>, HelloError> {
        let message = &self.message;
        if message[0] != CLIENT_HELLO {
            return Err("the first handshake message is not a ClientHello".into());
        }
        if message.len() < 4 {
            return Ok(None);
        }
        let length = 4 + u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
        if length > self.max {
            return Err(self.too_long());
        }
        if message.len() < length {
            return Ok(None);
        }
        // Bytes past the hello in the same records would be another handshake message from
        // the client before the server answered: not TLS.
        if message.len() > length {
            return Err("bytes follow the ClientHello in its handshake records".into());
        }
        parse_client_hello(&message[4..length]).map(Some)
    }

    fn too_long(&self) -> HelloError {
        HelloError(format!(
            "the TLS ClientHello is longer than {} bytes",
            self.max
        ))
    }
}

/// A cursor over a byte slice whose every read is checked.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], HelloError> {
        if self.0.len() < n {
            return Err(HelloError(format!("the ClientHello's {what} is truncated")));
        }
        let (now, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(now)
    }

    fn u8(&mut self, what: &str) -> Result<u8, HelloError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, HelloError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A vector with a one-byte length.
    fn vec8(&mut self, what: &str) -> Result<&'a [u8], HelloError> {
        let n = usize::from(self.u8(what)?);
        self.take(n, what)
    }

    /// A vector with a two-byte length.
    fn vec16(&mut self, what: &str) -> Result<&'a [u8], HelloError> {
        let n = usize::from(self.u16(what)?);
        self.take(n, what)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses a ClientHello body (after the four-byte handshake header).
pub(crate) fn parse_client_hello(body: &[u8]) -> Result<TlsHello, HelloError> {
    let mut c = Cursor(body);
    let version = c.u16("version")?;
    if version >> 8 != 3 {
        return Err("the ClientHello's version is not TLS (3.x)".into());
    }
    c.take(32, "random")?;
    if c.vec8("session id")?.len() > 32 {
        return Err("the ClientHello's session id is longer than 32 bytes".into());
    }
    let suites = c.vec16("cipher suites")?;
    if suites.is_empty() || suites.len() % 2 != 0 {
        return Err("the ClientHello's cipher suite list is empty or odd".into());
    }
    if c.vec8("compression methods")?.is_empty() {
        return Err("the ClientHello's compression method list is empty".into());
    }
    let mut hello = TlsHello::default();
    if c.is_empty() {
        // A hello without extensions (TLS 1.0 era) asks for no name.
        return Ok(hello);
    }
    let mut extensions = Cursor(c.vec16("extensions")?);
    if !c.is_empty() {
        return Err("bytes follow the ClientHello's extensions".into());
    }
    let mut seen = Vec::new();
    while !extensions.is_empty() {
        let kind = extensions.u16("extension type")?;
        let data = extensions.vec16("extension")?;
        if seen.contains(&kind) {
            return Err(HelloError(format!(
                "the ClientHello repeats extension {kind}"
            )));
        }
        // At most one per type: bounded by the 64 KiB of extensions, 16 KiB by default.
        seen.push(kind);
        match kind {
            EXT_SERVER_NAME => hello.server_name = server_name(data)?,
            EXT_ALPN => hello.alpn = alpn(data)?,
            _ => {}
        }
    }
    Ok(hello)
}

/// The `host_name` of a `server_name` extension, lowercased and checked.
fn server_name(data: &[u8]) -> Result<Option<String>, HelloError> {
    let mut outer = Cursor(data);
    let mut list = Cursor(outer.vec16("server name list")?);
    if !outer.is_empty() || list.is_empty() {
        return Err("the ClientHello's server_name extension is malformed".into());
    }
    let mut host = None;
    while !list.is_empty() {
        let kind = list.u8("server name type")?;
        let name = list.vec16("server name")?;
        if kind != HOST_NAME {
            continue;
        }
        if host.is_some() {
            return Err("the ClientHello names two host names".into());
        }
        host = Some(host_name(name)?);
    }
    Ok(host)
}

/// A host name as RFC 6066 allows it: ASCII letters, digits, `-` and `_` in dot-separated
/// labels of 1 to 63 bytes, at most 253 bytes, no trailing dot. Lowercased.
fn host_name(name: &[u8]) -> Result<String, HelloError> {
    let invalid = || HelloError("the ClientHello's server name is not a valid host name".into());
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(invalid());
    }
    for label in name.split(|&b| b == b'.') {
        let allowed = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
        if label.is_empty() || label.len() > 63 || !label.iter().all(allowed) {
            return Err(invalid());
        }
        if label.starts_with(b"-") || label.ends_with(b"-") {
            return Err(invalid());
        }
    }
    // Checked ASCII above.
    Ok(String::from_utf8_lossy(name).to_ascii_lowercase())
}

/// The protocols of an ALPN extension, in the client's order.
fn alpn(data: &[u8]) -> Result<Vec<Vec<u8>>, HelloError> {
    let mut outer = Cursor(data);
    let mut list = Cursor(outer.vec16("ALPN list")?);
    if !outer.is_empty() || list.is_empty() {
        return Err("the ClientHello's ALPN extension is malformed".into());
    }
    let mut protocols = Vec::new();
    while !list.is_empty() {
        let protocol = list.vec8("ALPN protocol")?;
        if protocol.is_empty() {
            return Err("the ClientHello offers an empty ALPN protocol".into());
        }
        protocols.push(protocol.to_vec());
    }
    Ok(protocols)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello body with these extensions.
    pub(crate) fn body(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&[7; 32]);
        b.push(0); // session id
        b.extend_from_slice(&[0, 2, 0x13, 0x01]); // one suite
        b.extend_from_slice(&[1, 0]); // null compression
        let mut ext = Vec::new();
        for (kind, data) in extensions {
            ext.extend_from_slice(&kind.to_be_bytes());
            ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
            ext.extend_from_slice(data);
        }
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    pub(crate) fn sni(name: &str) -> (u16, Vec<u8>) {
        let mut entry = vec![0];
        entry.extend_from_slice(&(name.len() as u16).to_be_bytes());
        entry.extend_from_slice(name.as_bytes());
        let mut data = (entry.len() as u16).to_be_bytes().to_vec();
        data.extend_from_slice(&entry);
        (EXT_SERVER_NAME, data)
    }

    fn alpn_ext(protocols: &[&str]) -> (u16, Vec<u8>) {
        let mut list = Vec::new();
        for p in protocols {
            list.push(p.len() as u8);
            list.extend_from_slice(p.as_bytes());
        }
        let mut data = (list.len() as u16).to_be_bytes().to_vec();
        data.extend_from_slice(&list);
        (EXT_ALPN, data)
    }

    /// `body` as a handshake message split into records of at most `fragment` bytes.
    fn records(body: &[u8], fragment: usize) -> Vec<u8> {
        let mut message = vec![CLIENT_HELLO];
        message.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        message.extend_from_slice(body);
        let mut out = Vec::new();
        for piece in message.chunks(fragment) {
            out.extend_from_slice(&[HANDSHAKE, 3, 1]);
            out.extend_from_slice(&(piece.len() as u16).to_be_bytes());
            out.extend_from_slice(piece);
        }
        out
    }

    fn whole(bytes: &[u8]) -> Result<Option<TlsHello>, HelloError> {
        Reassembly::new(DEFAULT_MAX_HELLO).push(bytes)
    }

    #[test]
    fn the_name_and_protocols_are_read_and_the_name_lowercased() {
        let bytes = records(
            &body(&[sni("A.Example"), alpn_ext(&["h2", "http/1.1"])]),
            4096,
        );
        let hello = whole(&bytes).unwrap().unwrap();
        assert_eq!(hello.server_name.as_deref(), Some("a.example"));
        assert_eq!(hello.alpn, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_hello_over_several_records_and_reads_is_gathered() {
        let bytes = records(&body(&[sni("x.b.example")]), 7);
        let mut r = Reassembly::new(DEFAULT_MAX_HELLO);
        let (last, head) = bytes.split_last().unwrap();
        for b in head {
            assert_eq!(r.push(&[*b]).unwrap(), None);
        }
        let hello = r.push(&[*last]).unwrap().unwrap();
        assert_eq!(hello.server_name.as_deref(), Some("x.b.example"));
        assert_eq!(r.bytes, bytes);
    }

    #[test]
    fn no_extensions_or_no_name_is_a_hello_without_a_name() {
        let hello = whole(&records(&body(&[]), 4096)).unwrap().unwrap();
        assert_eq!(hello, TlsHello::default());
    }

    #[test]
    fn not_tls_is_refused_at_the_first_byte() {
        let e = Reassembly::new(DEFAULT_MAX_HELLO).push(b"G").unwrap_err();
        assert!(e.0.contains("did not start with a TLS handshake"), "{e:?}");
    }

    #[test]
    fn invalid_names_are_refused() {
        for bad in [
            "",
            "a..b",
            "a.b.",
            "-a.b",
            "a b",
            "é.example",
            &"a".repeat(64),
        ] {
            let bytes = records(&body(&[sni(bad)]), 4096);
            assert!(whole(&bytes).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn repeated_extensions_are_refused() {
        let bytes = records(&body(&[sni("a.example"), sni("b.example")]), 4096);
        assert!(whole(&bytes).unwrap_err().0.contains("repeats"));
    }

    #[test]
    fn an_oversized_hello_is_refused_before_it_is_all_read() {
        let padding = (21, vec![0; 20_000]);
        let bytes = records(&body(&[padding]), MAX_FRAGMENT);
        let mut r = Reassembly::new(DEFAULT_MAX_HELLO);
        // The handshake header announces the length: refused on the first record.
        let e = r.push(&bytes[..MAX_FRAGMENT + RECORD_HEADER]).unwrap_err();
        assert!(e.0.contains("longer than 16384"), "{e:?}");
        assert!(r.bytes.len() <= MAX_FRAGMENT + RECORD_HEADER);
    }

    #[test]
    fn a_record_header_lying_about_its_length_cannot_grow_the_buffer_past_the_bound() {
        let mut r = Reassembly::new(100);
        let mut bytes = vec![HANDSHAKE, 3, 1, 0x40, 0];
        bytes.extend_from_slice(&[0; 200]);
        assert!(r.push(&bytes).is_err());
    }

    #[test]
    fn truncations_of_a_hello_never_complete_it() {
        let bytes = records(&body(&[sni("a.example"), alpn_ext(&["h2"])]), 4096);
        for end in 0..bytes.len() {
            assert_eq!(whole(&bytes[..end]), Ok(None), "{end}");
        }
    }
}
