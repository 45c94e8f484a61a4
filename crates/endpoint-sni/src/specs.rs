//! The `sni` layer's option table: the one home of its defaults.

use endpoint_core::{OptionSpec, OptionType};

pub(crate) static SNI_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "timeout",
    OptionType::Seconds,
    "seconds a client may take to send its whole TLS ClientHello (at most 16 KiB); slower connections are closed",
)
.default("10")];
