//! Certificates made on the spot with rcgen: a CA, leaf certificates signed by it, and a
//! directory of PEM files laid out the way the TLS tests use them.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A certificate authority that issues leaf certificates.
pub struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// What a leaf certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A TLS server (extended key usage serverAuth).
    Server,
    /// A TLS client (extended key usage clientAuth).
    Client,
}

/// A certificate and its key, both PEM.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Issued {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
}

impl Issued {
    /// Certificate then key, in one PEM text (what `privateKey=server.pem` reads).
    pub fn combined(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }
}

impl Authority {
    /// A new self-signed CA called `name`.
    ///
    /// # Panics
    /// If rcgen cannot make a key (it always can with the ring back end).
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("rcgen makes keys");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names to check");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).expect("a CA certificate");
        Authority { cert, key }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// The CA's private key, PEM (PKCS#8).
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A leaf certificate for `names` (DNS names or IP literals).
    ///
    /// # Panics
    /// If a name is not a valid DNS name or IP address.
    pub fn issue(&self, common_name: &str, names: &[&str], usage: Usage) -> Issued {
        self.issue_with(common_name, names, usage, |_| {})
    }

    /// A leaf certificate whose subjectAltName holds `names` (DNS names or IP literals) and
    /// `uris` (a SPIFFE ID such as `spiffe://example.org/api`), for testing who a server
    /// admits by identity.
    ///
    /// # Panics
    /// If a name is not a valid DNS name or IP address, or a URI is not ASCII.
    pub fn issue_with_uris(
        &self,
        common_name: &str,
        names: &[&str],
        uris: &[&str],
        usage: Usage,
    ) -> Issued {
        self.issue_with(common_name, names, usage, |p| {
            for uri in uris {
                let uri = rcgen::Ia5String::try_from(*uri).expect("an ASCII URI");
                p.subject_alt_names.push(rcgen::SanType::URI(uri));
            }
        })
    }

    /// A leaf certificate that expired in 2002.
    ///
    /// # Panics
    /// As [`issue`](Self::issue).
    pub fn issue_expired(&self, common_name: &str, names: &[&str]) -> Issued {
        self.issue_with(common_name, names, Usage::Server, |p| {
            p.not_before = rcgen::date_time_ymd(2001, 1, 1);
            p.not_after = rcgen::date_time_ymd(2002, 1, 1);
        })
    }

    fn issue_with(
        &self,
        common_name: &str,
        names: &[&str],
        usage: Usage,
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Issued {
        let key = KeyPair::generate().expect("rcgen makes keys");
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("valid names");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![match usage {
            Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        adjust(&mut params);
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("a leaf certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A directory of PEM files, removed when dropped:
///
/// | file | what |
/// |---|---|
/// | `ca.pem`, `cas/ca.pem` | the "Test Root CA" (a file, and a `caCertsDir`-style directory) |
/// | `server.pem` | certificate + key for `localhost`, `127.0.0.1`, `::1` |
/// | `server-cert.pem`, `server-key.pem` | the same, split |
/// | `client.pem` | a client certificate + key from the same CA |
/// | `other-ca.pem`, `other-client.pem` | another CA, and a client certificate it issued |
/// | `expired.pem` | an expired `localhost` certificate + key from the test CA |
/// | `ca-as-leaf.pem` | the test CA's own certificate + key, for a server that wrongly presents its CA |
/// | `sni/example.com.pem`, `sni/wildcard.pem` | certificates + keys for `example.com`, `www.example.com` and `*.example.org` |
/// | `sni-certs/...` | the same certificates without their keys |
pub struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    /// Makes every file.
    ///
    /// # Panics
    /// If the temporary directory cannot be written.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ca = Authority::new("Test Root CA");
        let other = Authority::new("Other CA");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write("ca.pem", &ca.pem());
        write("cas/ca.pem", &ca.pem());
        write("other-ca.pem", &other.pem());
        write("ca-as-leaf.pem", &format!("{}{}", ca.pem(), ca.key_pem()));
        let server = ca.issue(
            "localhost",
            &["localhost", "127.0.0.1", "::1"],
            Usage::Server,
        );
        write("server.pem", &server.combined());
        write("server-cert.pem", &server.cert_pem);
        write("server-key.pem", &server.key_pem);
        write(
            "client.pem",
            &ca.issue("client", &[], Usage::Client).combined(),
        );
        write(
            "other-client.pem",
            &other.issue("client", &[], Usage::Client).combined(),
        );
        write(
            "expired.pem",
            &ca.issue_expired("localhost", &["localhost", "127.0.0.1"])
                .combined(),
        );
        let example = ca.issue(
            "example.com",
            &["example.com", "www.example.com"],
            Usage::Server,
        );
        write("sni/example.com.pem", &example.combined());
        write("sni-certs/example.com.pem", &example.cert_pem);
        let wildcard = ca.issue("wildcard", &["*.example.org"], Usage::Server);
        write("sni/wildcard.pem", &wildcard.combined());
        write("sni-certs/wildcard.pem", &wildcard.cert_pem);
        TestPki { dir }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `name` in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The path of `name`, escaped for use in a description.
    pub fn arg(&self, name: &str) -> String {
        endpoint_core::description::quote(&self.path(name).to_string_lossy())
    }
}

/// A `tls+unix:` pair of descriptions over a socket in a temporary directory (removed when
/// dropped): what the hyper, tonic and axum tests serve and call over.
pub struct TlsOverUnix {
    /// The server: `tls+unix:PATH:certificate=server.pem`.
    pub server: String,
    /// The client: `tls+unix:PATH:hostname=localhost:trustRoots=ca.pem`, verifying the
    /// server against the test CA.
    pub client: String,
    _dir: tempfile::TempDir,
}

impl TestPki {
    /// Server and client descriptions of TLS over the Unix socket `socket` in a new
    /// temporary directory, with this PKI's `server.pem` and `ca.pem`.
    ///
    /// ```
    /// let pki = endpoint_testkit::TestPki::new();
    /// let pair = pki.tls_over_unix("https.sock");
    /// assert!(pair.server.starts_with("tls+unix:") && pair.server.contains("certificate="));
    /// assert!(pair.client.contains(":hostname=localhost:trustRoots="));
    /// ```
    ///
    /// # Panics
    /// If the temporary directory cannot be made.
    pub fn tls_over_unix(&self, socket: &str) -> TlsOverUnix {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = endpoint_core::description::quote(&dir.path().join(socket).to_string_lossy());
        TlsOverUnix {
            server: format!("tls+unix:{path}:certificate={}", self.arg("server.pem")),
            client: format!(
                "tls+unix:{path}:hostname=localhost:trustRoots={}",
                self.arg("ca.pem")
            ),
            _dir: dir,
        }
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}
