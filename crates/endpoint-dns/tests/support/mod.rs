//! What the dns tests share: named backends on loopback that say who they are.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use endpoint_core::ClientEndpoint;
use endpoint_testkit::{TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A TCP server on loopback that writes its name to every connection and closes it.
pub struct Backend {
    pub address: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Backend {
    pub async fn start(name: &'static str) -> TestResult<Backend> {
        Self::on(name, "127.0.0.1".parse()?, 0).await
    }

    pub async fn on(name: &'static str, ip: IpAddr, port: u16) -> TestResult<Backend> {
        let listener = TcpListener::bind((ip, port)).await?;
        let address = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = stream.write_all(name.as_bytes()).await;
                });
            }
        });
        Ok(Backend {
            address,
            accepted,
            task,
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Stops listening: connections to it are refused from now on.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Connects through `endpoint` and reads the name of the backend reached.
pub async fn reached(endpoint: &dyn ClientEndpoint) -> TestResult<String> {
    let mut connection = tokio::time::timeout(SAFETY, endpoint.connect()).await??;
    let mut name = String::new();
    tokio::time::timeout(SAFETY, connection.read_to_string(&mut name)).await??;
    Ok(name)
}

/// `--srv-host=NAME,TARGET,PORT,PRIORITY,WEIGHT`.
pub fn srv(name: &str, target: &str, port: u16, priority: u16, weight: u16) -> String {
    format!("--srv-host={name},{target},{port},{priority},{weight}")
}

/// `--host-record=NAME,IP`.
pub fn host(name: &str, ip: &str) -> String {
    format!("--host-record={name},{ip}")
}
