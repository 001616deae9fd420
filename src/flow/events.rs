//! What a flow reports while it runs: typed events, ending with the report (see
//! [`crate::model::run`] for the records themselves). Everything here is redacted except what sits
//! in a [`Sensitive`].

use std::net::SocketAddr;
use std::time::Duration;

use super::error::FlowError;
use crate::model::redact::Sensitive;
use crate::model::run::{FlowReport, HttpExchange, StepId, StepRecord};

/// The callback listener on the redirect URI's loopback port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerStatus {
    /// Bound; a browser reaching the redirect URI lands here.
    Listening { addresses: Vec<SocketAddr>, port: u16, path: String },
    /// Another program holds the port: only the paste path works.
    PortTaken { port: u16, detail: String },
    /// No listener for this redirect URI (not a loopback http URI, or the bind was refused).
    Unavailable { reason: String },
    /// Closed after the callback, a failure or a cancel: the port is free again.
    Closed { port: u16 },
}

impl ListenerStatus {
    /// One line for the screen.
    pub fn message(&self) -> String {
        match self {
            ListenerStatus::Listening { addresses, path, .. } => {
                let at: Vec<String> = addresses.iter().map(|a| format!("http://{a}{path}")).collect();
                format!("Listening for the callback on {}.", at.join(" and "))
            }
            ListenerStatus::PortTaken { port, detail } => format!(
                "Port {port} is taken ({detail}), so the callback can't be received here: paste the redirected URL instead, or free the port."
            ),
            ListenerStatus::Unavailable { reason } => {
                format!("{reason} Paste the redirected URL (or the code) instead.")
            }
            ListenerStatus::Closed { port } => format!("Stopped listening; port {port} is free."),
        }
    }
}

/// What the engine reports while it runs. The last event of a run is always [`FlowEvent::Finished`].
#[derive(Debug, Clone)]
pub enum FlowEvent {
    StepStarted {
        step: StepId,
    },
    /// The step ended well (`Ok`) or was not needed (`Skipped`).
    StepFinished {
        record: StepRecord,
    },
    /// The step failed (`Failed`) or the user cancelled during it (`Cancelled`).
    StepFailed {
        record: StepRecord,
        error: FlowError,
    },
    /// The URL to open in a browser: shown in full, copyable. It holds no secret.
    AuthorizationUrl {
        url: String,
        redirect_uri: String,
    },
    Listener(ListenerStatus),
    /// A pasted text was neither a redirected URL nor a code; the flow keeps waiting.
    PasteRejected {
        message: String,
    },
    /// A request on the listener that isn't the callback (a favicon…): answered 404 and ignored.
    StrayRequest {
        method: String,
        path: String,
    },
    /// Something worth showing that doesn't change the step (a parameter the user's URI overrides…).
    Notice {
        step: StepId,
        message: String,
    },
    /// RFC 8628: what the user does on another device. Shown big; the codes never reach a log.
    DeviceCode(DeviceCode),
    /// A poll of the token endpoint while the user hasn't approved yet.
    DevicePoll(DevicePoll),
    /// An HTTP request and its response: `redacted` for display, `raw` only for a reveal key.
    Exchange {
        step: StepId,
        redacted: HttpExchange,
        raw: Sensitive<HttpExchange>,
    },
    Finished(Box<FlowReport>),
}

/// What the user must do to approve a device-code login (RFC 8628 section 3.3).
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// The code the user types at the verification URI. `Sensitive` so no `Debug` or log shows it.
    pub user_code: Sensitive<String>,
    /// Where to type it.
    pub verification_uri: String,
    /// The same page with the code in it, when the provider gives one (for a QR code or a click).
    pub verification_uri_complete: Option<Sensitive<String>>,
    /// When the codes expire, in Unix seconds (for a countdown).
    pub expires_at: i64,
    pub expires_in_secs: u64,
    /// How often the token endpoint is polled, in seconds.
    pub interval_secs: u64,
}

/// How the provider answered a poll (RFC 8628 section 3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollAnswer {
    /// `authorization_pending`: the user hasn't approved yet.
    Pending,
    /// `slow_down`: polling too often; the interval grew by 5 s.
    SlowDown,
    /// No answer (a timeout, a refused connection): the poll is tried again, less often.
    NoAnswer(String),
}

/// One poll that didn't end the wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePoll {
    /// How many polls so far.
    pub polls: u32,
    pub answer: PollAnswer,
    /// The wait before the next poll, in the provider's seconds.
    pub next_in_secs: u64,
}

impl DevicePoll {
    /// One line: "still waiting for approval (authorization_pending); next check in 5 s".
    pub fn message(&self) -> String {
        let next = self.next_in_secs;
        match &self.answer {
            PollAnswer::Pending => {
                format!("Still waiting for the user to approve (authorization_pending); next check in {next} s.")
            }
            PollAnswer::SlowDown => {
                format!("The provider asked to poll less often (slow_down): checking every {next} s now.")
            }
            PollAnswer::NoAnswer(why) => {
                format!("No answer from the token endpoint ({why}); trying again in {next} s.")
            }
        }
    }
}

pub(crate) fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}
