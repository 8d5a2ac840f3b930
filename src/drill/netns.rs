//! A TCP connection opened from inside a network namespace: a short-lived thread enters
//! the namespace (`setns`, which changes that thread only) and connects; the socket stays
//! in the namespace it was created in, so every later read and write is that namespace's
//! traffic (its routes, its nftables rules, its bridge port).

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Connect to `addr` from network namespace `netns` (a name under /run/netns).
pub fn connect(netns: &str, addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let path = format!("/run/netns/{netns}");
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let ns = std::fs::File::open(&path)?;
                // SAFETY: setns(2) on a file descriptor we own; it affects this thread only.
                if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                TcpStream::connect_timeout(&addr, timeout)
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the connecting thread panicked")))
    })
}
