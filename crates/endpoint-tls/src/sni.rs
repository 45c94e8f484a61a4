//! Twisted's `tls:` server: a directory of PEM files served by SNI.
//!
//! The directory is read off the async runtime: a handshake only decides, from a clock, that
//! it is time to look again, and hands the look (the walk, and a rescan when files changed)
//! to a blocking task; handshakes meanwhile are served from the last scan, which the task
//! swaps out when it is done.

mod scan;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::reload::{directory_kept, register, warn_kept, Reload, Stamp, CHECK_EVERY};
use scan::{scan, stamps, Scan};

/// The directory as last looked at: each `.pem` file's metadata, and when.
#[derive(Debug)]
struct Look {
    at: Instant,
    files: Vec<(PathBuf, Option<Stamp>)>,
}

/// Picks a certificate by SNI: the exact name, then the wildcard for its parent, then the
/// default certificate, the first one found. At most once a second a handshake starts a
/// look at the directory's `.pem` files (names and metadata) in a blocking task, which
/// rescans when they changed; the handshake itself never waits for the disk.
#[derive(Debug)]
pub(crate) struct PemDirectory {
    path: PathBuf,
    provider: Arc<CryptoProvider>,
    scan: RwLock<Scan>,
    /// When the directory was last looked at; held by a look while it walks.
    look: Mutex<Look>,
    /// Set while a look runs in the background, so handshakes start at most one.
    looking: AtomicBool,
    /// Looks finished in the background so far (tests wait on it).
    looked: AtomicU64,
    check_every: Duration,
    /// This directory, for the background task to hold while it looks.
    me: Weak<PemDirectory>,
}

impl PemDirectory {
    /// Scans `path` now (a missing or empty directory is not an error, as in Twisted) and
    /// registers the directory with [`reload_certificates`](crate::reload_certificates).
    /// It reads the disk: parsing calls it, never a task of the runtime.
    pub(crate) fn new(path: PathBuf, provider: Arc<CryptoProvider>) -> Arc<Self> {
        Self::checking_every(path, provider, CHECK_EVERY)
    }

    fn checking_every(
        path: PathBuf,
        provider: Arc<CryptoProvider>,
        check_every: Duration,
    ) -> Arc<Self> {
        let files = stamps(&path);
        let scan = scan(&path, &provider);
        let directory = Arc::new_cyclic(|me| PemDirectory {
            path,
            provider,
            scan: RwLock::new(scan),
            look: Mutex::new(Look {
                at: Instant::now(),
                files,
            }),
            looking: AtomicBool::new(false),
            looked: AtomicU64::new(0),
            check_every,
            me: me.clone(),
        });
        let weak: Weak<dyn Reload> = Arc::downgrade(&directory) as Weak<PemDirectory>;
        register(weak);
        directory
    }

    /// True when at least one key and certificate pair was found.
    pub(crate) fn has_certificate(&self) -> bool {
        self.scan.read().is_ok_and(|s| s.default.is_some())
    }

    /// Scans the directory again now; true when the directory itself (not the certificates
    /// kept from before) holds a usable pair. It reads the disk: call it from a blocking
    /// task.
    pub(crate) fn rescan_now(&self) -> bool {
        let mut look = self.look.lock().unwrap_or_else(|p| p.into_inner());
        look.at = Instant::now();
        look.files = stamps(&self.path);
        self.rescan().0
    }

    /// Scans and swaps in what was found. When files were unusable, or none is left, the
    /// names served before and missing now keep their old certificates, and the default
    /// stays the one served before (a broken replacement changes nothing, not even what a
    /// client without SNI gets); a clean scan replaces everything, so removed certificates
    /// go. Says whether the scan found a usable pair, and why old certificates were kept, if
    /// they were.
    fn rescan(&self) -> (bool, endpoint_core::Result<()>) {
        // Read and parsed before taking the lock: handshakes go on with the old scan.
        let fresh = scan(&self.path, &self.provider);
        let mut guard = self.scan.write().unwrap_or_else(|p| p.into_inner());
        let unusable = fresh.unusable;
        let usable = fresh.default.is_some();
        if unusable == 0 && usable {
            let domains = fresh.domains.len();
            let old = std::mem::replace(&mut *guard, fresh);
            // Freed after the lock is released: handshakes wait for the swap only.
            drop(guard);
            drop(old);
            tracing::info!(directory = %self.path.display(), domains, "reloaded the certificates");
            return (true, Ok(()));
        }
        let mut merged = fresh;
        for (name, key) in &guard.by_name {
            merged
                .by_name
                .entry(name.clone())
                .or_insert_with(|| key.clone());
        }
        if guard.default.is_some() {
            // The first file may be the broken one: the next pair must not take its place.
            merged.default = guard.default.clone();
        }
        merged.domains = merged.by_name.keys().cloned().collect();
        merged.domains.sort();
        *guard = merged;
        let why = if unusable > 0 {
            format!("{unusable} file(s) there are unusable")
        } else {
            "it holds no usable key and certificate pair now".to_owned()
        };
        let error = directory_kept(&self.path, &why);
        warn_kept(&self.path, &error);
        (usable, Err(error))
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The DNS names served, sorted.
    pub(crate) fn domains(&self) -> Vec<String> {
        self.scan
            .read()
            .map(|s| s.domains.clone())
            .unwrap_or_default()
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let scan = self.scan.read().ok()?;
        if let Some(key) = scan.by_name.get(name) {
            return Some(key.clone());
        }
        let (_, parent) = name.split_once('.')?;
        scan.by_name.get(&format!("*.{parent}")).cloned()
    }

    /// The certificate served to a client that names nothing this directory has.
    fn default_key(&self) -> Option<Arc<CertifiedKey>> {
        self.scan.read().ok()?.default.clone()
    }

    /// At most once per `check_every`, and never while a look is running: starts a look at
    /// the directory in the background (a blocking task of the runtime, or a thread outside
    /// one), which rescans when the `.pem` files changed (added, removed, replaced). Returns
    /// at once; handshakes are served from the last scan until the look swaps in a new one.
    fn rescan_if_changed(&self) {
        {
            let Ok(mut look) = self.look.try_lock() else {
                return;
            };
            if look.at.elapsed() < self.check_every {
                return;
            }
            look.at = Instant::now();
        }
        if self.looking.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(me) = self.me.upgrade() else {
            self.looking.store(false, Ordering::Release);
            return;
        };
        let work = move || {
            me.look_and_rescan();
            me.looking.store(false, Ordering::Release);
            me.looked.fetch_add(1, Ordering::AcqRel);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(work)),
            Err(_) => {
                let spawned = std::thread::Builder::new()
                    .name("tls-directory-look".into())
                    .spawn(work);
                if let Err(e) = spawned {
                    tracing::debug!(error = %e, "could not start a look at the certificate directory");
                    self.looking.store(false, Ordering::Release);
                }
            }
        }
    }

    /// Walks the directory and rescans it when its files changed since the last look. Reads
    /// the disk: runs in the background.
    fn look_and_rescan(&self) {
        let mut look = self.look.lock().unwrap_or_else(|p| p.into_inner());
        let files = stamps(&self.path);
        look.at = Instant::now();
        if files == look.files {
            return;
        }
        look.files = files;
        // Logged; the old certificates stay.
        let _ = self.rescan();
    }

    /// How many background looks have finished.
    #[cfg(test)]
    fn looks_finished(&self) -> u64 {
        self.looked.load(Ordering::Acquire)
    }
}

impl Reload for PemDirectory {
    fn reload(&self) -> endpoint_core::Result<()> {
        let mut look = self.look.lock().unwrap_or_else(|p| p.into_inner());
        look.at = Instant::now();
        look.files = stamps(&self.path);
        self.rescan().1
    }
}

impl ResolvesServerCert for PemDirectory {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.rescan_if_changed();
        if let Some(name) = hello.server_name().map(str::to_ascii_lowercase) {
            if let Some(key) = self.lookup(&name) {
                return Some(key);
            }
            // The name is the client's choice, and comes with every handshake: debug only,
            // and escaped.
            tracing::debug!(directory = %self.path.display(), name = %endpoint_core::printable(&name), "no certificate for the requested name; using the default");
        }
        self.default_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoint_testkit::{Authority, Usage, SAFETY};

    fn replace(path: &Path, text: &str) {
        let new = path.with_extension("new");
        std::fs::write(&new, text).unwrap();
        std::fs::rename(&new, path).unwrap();
    }

    /// Starts a look as a handshake does, and waits for it to finish.
    fn look(directory: &PemDirectory) {
        let before = directory.looks_finished();
        directory.rescan_if_changed();
        endpoint_testkit::eventually_blocking(SAFETY, || directory.looks_finished() > before)
            .unwrap();
    }

    #[test]
    fn a_handshake_notices_changed_files_and_a_broken_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let path = dir.path().join("a.pem");
        replace(&path, &ca.issue("a", &["a.test"], Usage::Server).combined());
        let directory =
            PemDirectory::checking_every(dir.path().to_owned(), crate::provider(), Duration::ZERO);
        let first = directory.lookup("a.test").unwrap();

        look(&directory);
        assert!(Arc::ptr_eq(&first, &directory.lookup("a.test").unwrap()));

        replace(&path, &ca.issue("a", &["a.test"], Usage::Server).combined());
        look(&directory);
        let second = directory.lookup("a.test").unwrap();
        assert_ne!(first.cert, second.cert);

        replace(&path, "-----BEGIN CERTIFICATE-----\nhalf writ");
        look(&directory);
        assert_eq!(directory.lookup("a.test").unwrap().cert, second.cert);
        assert_eq!(directory.domains(), ["a.test"]);
    }

    /// Issue 19 item 22: the first file broken, the second pair must not become the default.
    #[test]
    fn a_broken_first_file_keeps_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        replace(
            &dir.path().join("a.pem"),
            &ca.issue("a", &["a.test"], Usage::Server).combined(),
        );
        replace(
            &dir.path().join("b.pem"),
            &ca.issue("b", &["b.test"], Usage::Server).combined(),
        );
        let directory =
            PemDirectory::checking_every(dir.path().to_owned(), crate::provider(), Duration::ZERO);
        let default = directory.default_key().unwrap();
        assert_eq!(default.cert, directory.lookup("a.test").unwrap().cert);
        replace(&dir.path().join("a.pem"), "garbage\n");
        look(&directory);
        assert!(Arc::ptr_eq(&default, &directory.default_key().unwrap()));
        // Fixed again: a clean scan makes its own choice, the new first pair.
        let fixed = ca.issue("a", &["a.test"], Usage::Server);
        replace(&dir.path().join("a.pem"), &fixed.combined());
        look(&directory);
        assert_eq!(
            directory.default_key().unwrap().cert,
            directory.lookup("a.test").unwrap().cert
        );
        assert_ne!(directory.default_key().unwrap().cert, default.cert);
    }

    /// Directories nested deeper than [`scan::MAX_DEPTH`] are not walked, and a link to a
    /// directory is not followed (a loop of links costs nothing); a link to a file is read.
    #[test]
    fn the_walk_is_bounded_and_follows_no_directory_link() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let mut deep = dir.path().to_owned();
        for level in 0..=scan::MAX_DEPTH + 1 {
            std::fs::create_dir_all(&deep).unwrap();
            let name = format!("level{level}.test");
            let issued = ca.issue(&name, &[name.as_str()], Usage::Server);
            std::fs::write(deep.join(format!("{level}.pem")), issued.combined()).unwrap();
            deep.push("d");
        }
        let elsewhere = tempfile::tempdir().unwrap();
        let linked = ca.issue("linked", &["linked.test"], Usage::Server);
        std::fs::write(elsewhere.path().join("linked.pem"), linked.combined()).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("dirlink")).unwrap();
        std::os::unix::fs::symlink(
            elsewhere.path().join("linked.pem"),
            dir.path().join("filelink.pem"),
        )
        .unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let directory =
            PemDirectory::checking_every(dir.path().to_owned(), crate::provider(), Duration::ZERO);
        let mut expected: Vec<String> = (0..=scan::MAX_DEPTH)
            .map(|level| format!("level{level}.test"))
            .collect();
        expected.push("linked.test".into());
        expected.sort();
        assert_eq!(directory.domains(), expected);
    }

    /// Issue 19 item 21: a look that rescans a large directory runs off the runtime. A task
    /// ticking every 2 ms on the same current-thread runtime goes on ticking while the
    /// directory is rescanned (before, the walk and the scan ran inside the handshake on the
    /// runtime's thread: the ticker stalled for the whole scan). Set
    /// `ENDPOINT_TLS_SCAN_PAIRS` to measure with more pairs (the numbers are printed).
    #[test]
    fn a_rescan_does_not_stall_the_runtime() {
        let pairs: usize = std::env::var("ENDPOINT_TLS_SCAN_PAIRS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1500);
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let made = Instant::now();
        for i in 0..pairs {
            let name = format!("pair{i:05}.test");
            let issued = ca.issue(&name, &[name.as_str()], Usage::Server);
            std::fs::write(dir.path().join(format!("{i:05}.pem")), issued.combined()).unwrap();
        }
        let made = made.elapsed();
        let parsed = Instant::now();
        let directory =
            PemDirectory::checking_every(dir.path().to_owned(), crate::provider(), Duration::ZERO);
        let parsed = parsed.elapsed();
        let old = directory.lookup("pair00000.test").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let (worst, scan_time, trigger) = runtime.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let stopped = stop.clone();
            let ticker = tokio::spawn(async move {
                let mut worst = Duration::ZERO;
                let mut last = Instant::now();
                while !stopped.load(Ordering::Acquire) {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let now = Instant::now();
                    worst = worst.max(now - last);
                    last = now;
                }
                worst
            });
            tokio::task::yield_now().await;
            let renewed = ca.issue("pair00000.test", &["pair00000.test"], Usage::Server);
            replace(&dir.path().join("00000.pem"), &renewed.combined());
            let started = Instant::now();
            // What `resolve` does on the runtime's thread at the start of a handshake.
            directory.rescan_if_changed();
            let trigger = started.elapsed();
            endpoint_testkit::eventually(SAFETY * 6, || {
                directory
                    .lookup("pair00000.test")
                    .is_some_and(|new| new.cert != old.cert)
            })
            .await
            .unwrap();
            let scan_time = started.elapsed();
            stop.store(true, Ordering::Release);
            (ticker.await.unwrap(), scan_time, trigger)
        });
        eprintln!(
            "{pairs} pairs: made in {made:?}, first scan {parsed:?}, rescan {scan_time:?}, \
             the handshake's call took {trigger:?}, worst tick gap {worst:?}"
        );
        assert!(
            worst < scan_time / 4,
            "the runtime stalled for {worst:?} during a {scan_time:?} rescan"
        );
    }
}
