//! QUIC transport settings and setup errors shared by the server and the client.

use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description, FromOption};
use endpoint_core::{Error, Result};
use endpoint_tls::TlsProblem;

use crate::specs::{above_zero, QUIC_SERVER_OPTIONS};

/// The longest gap between keep-alive PINGs a client sends while it has streams open.
pub(crate) const MAX_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// How much a peer may make this side buffer: its flow-control credit, per connection (all
/// streams together) and per stream, in bytes. quinn's defaults bound only the stream
/// (1.25 MB each, so 100 streams could hold 125 MB of one connection unread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Windows {
    /// `receiveWindow=`; also the most of this side's own unacknowledged sends kept.
    pub(crate) connection: u64,
    /// `streamReceiveWindow=`.
    pub(crate) stream: u64,
}

impl Windows {
    /// The server kind's defaults, which the client uses too.
    pub(crate) fn defaults() -> Self {
        let options = QUIC_SERVER_OPTIONS;
        Windows {
            connection: declared_default(options, "receiveWindow"),
            stream: declared_default(options, "streamReceiveWindow"),
        }
    }

    /// Reads `receiveWindow=` and `streamReceiveWindow=`.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Windows {
            connection: args.get_with("receiveWindow", window)?,
            stream: args.get_with("streamReceiveWindow", window)?,
        })
    }

    /// Writes the options into a server's description.
    pub(crate) fn describe(&self, description: Description) -> Description {
        description
            .option("receiveWindow", self.connection)
            .option("streamReceiveWindow", self.stream)
    }
}

/// How large this side's UDP datagrams may grow: MTU discovery's upper bound
/// (`maxUdpPayload=`). quinn's default (1452) suits any Internet path; a link known to carry
/// more (loopback's MTU is 65536, jumbo frames 9000) moves the same bytes in far fewer
/// packets, and QUIC's cost is per packet (encryption, acknowledgements, a share of a system
/// call): on loopback 65527 halves the relay's CPU per GiB (ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Packets {
    /// `maxUdpPayload=`: MTU discovery's upper bound, and (above quinn's 1472) the largest
    /// payload the peer is told this side accepts.
    pub(crate) max: u16,
}

/// The smallest UDP payload QUIC allows (RFC 9000 §14) and the largest UDP carries.
const MIN_UDP_PAYLOAD: u16 = 1200;
const MAX_UDP_PAYLOAD: u16 = 65527;
/// quinn's own limit on the payloads an endpoint accepts (what it tells peers by default).
const QUINN_ACCEPTS: u16 = 1472;
/// quinn hands the socket up to 10 packets as one GSO send, which the kernel takes only
/// while they fit one UDP datagram's 64 KiB: above this payload size a batch could not, and
/// the kernel would refuse (and quinn-udp silently drop) whole batches.
const GSO_BATCH: usize = 10;
const GSO_LIMIT: usize = 65507;

impl Packets {
    /// The kinds' defaults.
    pub(crate) fn defaults() -> Self {
        Packets {
            max: declared_default(QUIC_SERVER_OPTIONS, "maxUdpPayload"),
        }
    }

    /// Reads `maxUdpPayload=`.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Packets {
            max: args.get_with("maxUdpPayload", udp_payload)?,
        })
    }

    /// Writes the option into a description.
    pub(crate) fn describe(&self, description: Description) -> Description {
        description.option("maxUdpPayload", self.max)
    }

    /// The endpoint's settings: the largest payload it accepts (told to peers).
    pub(crate) fn endpoint_config(&self) -> Result<quinn::EndpointConfig> {
        let mut config = quinn::EndpointConfig::default();
        config
            .max_udp_payload_size(self.max.max(QUINN_ACCEPTS))
            .map_err(|e| setup_error("maxUdpPayload is out of range", e))?;
        Ok(config)
    }

    /// Whether quinn may batch packets into one GSO send: only while a full batch of the
    /// largest packets fits one UDP datagram (large packets need no batching).
    fn segmentation_offload(&self) -> bool {
        usize::from(self.max) * GSO_BATCH <= GSO_LIMIT
    }
}

/// A UDP payload size in bytes: 1200 to 65527.
fn udp_payload(text: &str) -> std::result::Result<u16, String> {
    let bytes = u64::from_option(text)?;
    match u16::try_from(bytes) {
        Ok(bytes) if (MIN_UDP_PAYLOAD..=MAX_UDP_PAYLOAD).contains(&bytes) => Ok(bytes),
        _ => Err(format!(
            "must be a UDP payload size from {MIN_UDP_PAYLOAD} (QUIC's least) to {MAX_UDP_PAYLOAD}: \"{text}\""
        )),
    }
}

/// A window in bytes: above 0, and below 2^62 (QUIC's largest integer).
fn window(text: &str) -> std::result::Result<u64, String> {
    let bytes = u64::from_option(text)?;
    if quinn::VarInt::from_u64(bytes).is_err() {
        return Err(format!(
            "is too large for QUIC (at most 2^62 - 1): \"{text}\""
        ));
    }
    above_zero(bytes, bytes == 0)
}

/// The transport settings: `idle` (zero: no idle timeout), the streams a peer may open
/// (`None` for a client, which accepts none), keep-alive PINGs on a client, and the
/// flow-control windows and packet sizes. Datagrams are off: nothing reads them, and quinn would otherwise
/// buffer up to 1.25 MB of them per connection.
pub(crate) fn config(
    idle: Duration,
    max_streams: Option<u32>,
    keep_alive: bool,
    windows: Windows,
    packets: Packets,
) -> Result<Arc<quinn::TransportConfig>> {
    let mut transport = quinn::TransportConfig::default();
    let window = |bytes: u64, what: &str| {
        quinn::VarInt::from_u64(bytes).map_err(|e| setup_error(&format!("{what} is too large"), e))
    };
    transport
        .datagram_receive_buffer_size(None)
        .receive_window(window(windows.connection, "receiveWindow")?)
        .stream_receive_window(window(windows.stream, "streamReceiveWindow")?)
        .send_window(windows.connection);
    let mut discovery = quinn::MtuDiscoveryConfig::default();
    discovery.upper_bound(packets.max);
    transport
        .mtu_discovery_config(Some(discovery))
        .enable_segmentation_offload(packets.segmentation_offload());
    if idle.is_zero() {
        transport.max_idle_timeout(None);
    } else {
        let timeout = quinn::IdleTimeout::try_from(idle)
            .map_err(|e| setup_error("idleTimeout is too long", e))?;
        transport.max_idle_timeout(Some(timeout));
        if keep_alive {
            transport.keep_alive_interval(Some((idle / 3).min(MAX_KEEP_ALIVE)));
        }
    }
    transport.max_concurrent_bidi_streams(max_streams.unwrap_or(0).into());
    transport.max_concurrent_uni_streams(0u32.into());
    Ok(Arc::new(transport))
}

/// A setting that cannot run QUIC, as a TLS [`Error::Handshake`] with the cause.
pub(crate) fn setup_error(
    what: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    TlsProblem::Setup(what.to_owned()).into_error(None, Some(Box::new(source)))
}

/// A problem with a file the description names, as an [`Error::Option`] for that option.
pub(crate) fn blame_option(args: &Args, files: &[(&str, Option<String>)], error: Error) -> Error {
    endpoint_tls::blame_option(args, files, error)
}
