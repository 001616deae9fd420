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
    /// An HTTP request and its response: `redacted` for display, `raw` only for a reveal key.
    Exchange {
        step: StepId,
        redacted: HttpExchange,
        raw: Sensitive<HttpExchange>,
    },
    Finished(Box<FlowReport>),
}

pub(crate) fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}
