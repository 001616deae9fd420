//! The signals that end authdeck politely — SIGINT, SIGTERM, SIGHUP, SIGQUIT — as one stream of
//! their numbers, for the TUI (which then restores the terminal and cancels its tests) and
//! `authdeck test` (which cancels its run). The exit code is then `128 + number`, as shells expect.

use tokio::signal::unix::{Signal, SignalKind, signal};

pub const SIGINT: i32 = 2;

/// Listens for the four signals from now on: their default action (ending the process at once,
/// terminal and all) is replaced by tokio's handler for the rest of the process.
pub struct Signals {
    streams: Vec<(i32, Signal)>,
}

impl Signals {
    pub fn new() -> std::io::Result<Signals> {
        let kinds = [
            (SIGINT, SignalKind::interrupt()),
            (15, SignalKind::terminate()),
            (1, SignalKind::hangup()),
            (3, SignalKind::quit()),
        ];
        let mut streams = Vec::new();
        for (number, kind) in kinds {
            streams.push((number, signal(kind)?));
        }
        Ok(Signals { streams })
    }

    /// The number of the next signal that comes.
    pub async fn next(&mut self) -> i32 {
        let waits = self.streams.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                if s.recv().await.is_none() {
                    // No more of this signal can come: only the others can end the wait.
                    std::future::pending::<()>().await;
                }
                n
            })
        });
        futures_util::future::select_all(waits).await.0
    }
}

/// The exit code after `signal`: 128 plus its number.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}
