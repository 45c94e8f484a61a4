//! Twisted's `sslmethod=` names mapped to the TLS versions rustls offers.

use rustls::SupportedProtocolVersion;

/// TLS 1.2 and 1.3: the default, and all rustls offers.
pub(crate) static ALL: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The versions an OpenSSL method name allows.
pub(crate) fn from_method(
    name: &str,
) -> Result<&'static [&'static SupportedProtocolVersion], String> {
    static TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
    match name {
        "TLS_METHOD" | "SSLv23_METHOD" | "TLS_SERVER_METHOD" | "SSLv23_SERVER_METHOD" => Ok(ALL),
        "TLSv1_2_METHOD" | "TLSv1_2_SERVER_METHOD" => Ok(TLS12_ONLY),
        "TLSv1_METHOD" | "TLSv1_1_METHOD" | "SSLv3_METHOD" | "SSLv2_METHOD" => Err(format!(
            "names a protocol rustls does not offer: \"{name}\" (use TLS_METHOD for TLS 1.2 and 1.3, \
             or TLSv1_2_METHOD)"
        )),
        _ => Err(format!(
            "is not an OpenSSL method name: \"{name}\" (use TLS_METHOD or TLSv1_2_METHOD)"
        )),
    }
}
