//! The process-wide budget for messages still arriving (issue 19, item 5): 300 connections
//! each holding ~1 MB of an unfinished fragmented message took a relay from 6 MB to 444 MB.
//! Now the connections sharing a `messageBudget` hold at most that much together; when a read
//! takes them over it, the connection holding the most is closed with 1009.
mod support;

use std::io;

use endpoint_ws::{held_message_bytes, WsProblem};
use support::{raw_client, serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// This file's budget: 2 MiB, a value no other endpoint in this process uses.
const BUDGET: usize = 2 << 20;
/// The payload of every fragment.
const FRAGMENT: usize = 64 << 10;
/// A masked frame of 64 KiB: 2 bytes, 8 of length, 4 of mask.
const FRAGMENT_HEADER: usize = 14;

/// A masked client frame.
fn frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x5a, 0x17, 0x3c, 0x81];
    let mut frame = vec![first_byte];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// One peer, its message left unfinished, and the server's read of its connection.
struct Peer {
    tcp: TcpStream,
    fragments: usize,
    server: JoinHandle<io::Result<()>>,
}

impl Peer {
    /// Sends `count` more fragments of the unfinished message, then a ping, and waits for
    /// the pong: the server has then read every byte sent before it.
    async fn send(&mut self, count: usize) -> TestResult {
        let payload = vec![7u8; FRAGMENT];
        for _ in 0..count {
            // Binary without FIN to start, continuations without FIN after.
            let first = if self.fragments == 0 { 0x02 } else { 0x00 };
            self.tcp.write_all(&frame(first, &payload)).await?;
            self.fragments += 1;
        }
        self.tcp.write_all(&frame(0x89, b"sync")).await?;
        let (opcode, payload) = tokio::time::timeout(SAFETY, read_frame(&mut self.tcp)).await??;
        assert_eq!((opcode, payload.as_slice()), (0x0a, &b"sync"[..]));
        Ok(())
    }
}

/// Reads one (unmasked) server frame: its opcode and payload.
async fn read_frame(tcp: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 2];
    tcp.read_exact(&mut head).await?;
    let len = match head[1] & 0x7f {
        126 => usize::from(tcp.read_u16().await?),
        127 => tcp.read_u64().await? as usize,
        n => usize::from(n),
    };
    let mut payload = vec![0u8; len];
    tcp.read_exact(&mut payload).await?;
    Ok((head[0] & 0x0f, payload))
}

/// Takes the next accepted connection and reads it to its end, as any application does;
/// the task ends with the read's error, if any.
async fn read_all(
    accepted: &mut tokio::sync::mpsc::UnboundedReceiver<endpoint_core::Connection>,
) -> TestResult<JoinHandle<io::Result<()>>> {
    let mut connection = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .ok_or("no connection")?;
    Ok(tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            if connection.read(&mut buf).await? == 0 {
                return Ok(());
            }
        }
    }))
}

/// The bytes `fragments` fragments hold.
fn held(fragments: usize) -> usize {
    fragments * (FRAGMENT + FRAGMENT_HEADER)
}

#[tokio::test]
async fn the_largest_unfinished_message_is_closed_with_1009_when_the_budget_is_spent() -> TestResult
{
    let (mut accepted, port) =
        serve(&format!("ws:0:interface=127.0.0.1:messageBudget={BUDGET}")).await?;
    let mut peers = Vec::new();
    for _ in 0..4 {
        let tcp = raw_client(port).await?;
        let server = read_all(&mut accepted).await?;
        peers.push(Peer {
            tcp,
            fragments: 0,
            server,
        });
    }

    // Three peers hold 320 KiB each and the fourth 768 KiB: 1728 KiB, within the budget.
    for peer in &mut peers[..3] {
        peer.send(5).await?;
    }
    peers[3].send(12).await?;
    // Counted exactly: the fragments' bytes, headers included; the pings were given back.
    assert_eq!(held_message_bytes(BUDGET), held(27));

    // The first peer sends 384 KiB more, which spends the budget. At no point does it hold
    // as much as the fourth (704 KiB against 768), so the fourth is the one closed.
    peers[0].send(6).await?;
    let (opcode, payload) = tokio::time::timeout(SAFETY, read_frame(&mut peers[3].tcp)).await??;
    assert_eq!(opcode, 0x08, "a Close frame");
    assert_eq!(
        payload[..2],
        1009u16.to_be_bytes(),
        "code 1009, message too big"
    );
    let error = tokio::time::timeout(SAFETY, &mut peers[3].server)
        .await??
        .expect_err("the read fails");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    let problem = error.get_ref().and_then(|e| e.downcast_ref::<WsProblem>());
    assert_eq!(
        problem,
        Some(&WsProblem::MessageBudgetSpent {
            held: held(12),
            budget: BUDGET,
        }),
        "{error}"
    );
    assert!(
        error.to_string().contains("messageBudget=2097152"),
        "{error}"
    );
    // The others live on, and what they hold is back within the budget.
    assert_eq!(held_message_bytes(BUDGET), held(11 + 5 + 5));
    for peer in &mut peers[..3] {
        peer.send(1).await?;
        assert!(!peer.server.is_finished());
    }
    assert!(held_message_bytes(BUDGET) <= BUDGET);

    // Finishing a message gives back all it held.
    let last = frame(0x80, b"end");
    peers[1].tcp.write_all(&last).await?;
    peers[1].send(0).await?;
    assert_eq!(held_message_bytes(BUDGET), held(12 + 6));
    Ok(())
}

/// A whole binary frame the server gathers to take past tungstenite (see `fast_lane.rs`) is
/// held as a message still arriving is: a peer that sends most of a 64 KiB frame and stalls
/// spends a small budget, and is closed with 1009, as tungstenite's reads were.
#[tokio::test]
async fn a_frame_gathered_past_tungstenite_counts_against_the_budget() -> TestResult {
    /// A budget no other test here uses, below one gathered frame.
    const SMALL: usize = 40_000;
    let (mut accepted, port) =
        serve(&format!("ws:0:interface=127.0.0.1:messageBudget={SMALL}")).await?;
    let mut tcp = raw_client(port).await?;
    let server = read_all(&mut accepted).await?;
    // A small whole frame first (taken and delivered), then 60,000 bytes of a 64 KiB one.
    tcp.write_all(&frame(0x82, b"hello")).await?;
    let big = frame(0x82, &vec![9u8; FRAGMENT]);
    tcp.write_all(&big[..60_000]).await?;
    let (opcode, payload) = tokio::time::timeout(SAFETY, read_frame(&mut tcp)).await??;
    assert_eq!(opcode, 0x08, "a Close frame");
    assert_eq!(payload[..2], 1009u16.to_be_bytes(), "code 1009");
    let error = tokio::time::timeout(SAFETY, server)
        .await??
        .expect_err("the read fails");
    let problem = error.get_ref().and_then(|e| e.downcast_ref::<WsProblem>());
    assert!(
        matches!(
            problem,
            Some(WsProblem::MessageBudgetSpent { budget: SMALL, .. })
        ),
        "{error}"
    );
    Ok(())
}
