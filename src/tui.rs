//! The event loop and the draw call: terminal events, the store's answers and the test runs'
//! events become messages to the app, and the screen is drawn again when something changed (not on
//! a timer: an idle app uses no CPU). Generic over the ratatui backend, so tests run this very loop
//! on `TestBackend`.

use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::{Terminal, backend::Backend};

use crate::app::App;
use crate::platform::Effect;

/// The world around the loop: it carries out what the app asks of the terminal (copy, open a
/// browser), and hears of every turn of the loop (tests read the screen there).
pub trait Host<B: Backend> {
    /// Carries out an effect; the message to show when it can't.
    fn effect(&mut self, effect: Effect) -> Result<(), String>;

    /// After each turn of the loop (and once before the first).
    fn turned(&mut self, _terminal: &Terminal<B>, _turn: Turn) {}
}

/// A closure is a host that only carries out effects.
impl<B: Backend, F: FnMut(Effect) -> Result<(), String>> Host<B> for F {
    fn effect(&mut self, effect: Effect) -> Result<(), String> {
        self(effect)
    }
}

/// Where the loop stands after a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// How many terminal events it has taken in so far.
    pub inputs: u64,
    /// Nothing the user did is still waiting (for the store's thread): the screen shows it all.
    pub settled: bool,
}

/// How often the screen moves while something runs (a test's spinner and times, the database wait).
const TICK: Duration = Duration::from_millis(250);
/// How long quitting waits for the runs it cancelled to be recorded.
const QUIT_GRACE: Duration = Duration::from_secs(15);

/// Runs the app until the user quits (or `events` ends): draws, then waits for a terminal event,
/// a message from the store's thread or a test run, and draws again only when something changed.
pub async fn run<B, S, H>(terminal: &mut Terminal<B>, app: &mut App, mut events: S, host: &mut H) -> anyhow::Result<()>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    H: Host<B>,
{
    let mut inbox = app.take_inbox().ok_or_else(|| anyhow::anyhow!("the event loop runs once per app"))?;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut inputs = 0u64;
    draw(terminal, app)?;
    host.turned(terminal, Turn { inputs, settled: app.is_settled() });
    while !app.quit {
        // The moment a pending store job becomes worth a "waiting for the database" line.
        let slow_at = app.data.slow_at().filter(|_| !app.data.is_slow()).map(tokio::time::Instant::from_std);
        let redraw = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    inputs += 1;
                    app.handle_event(event)
                }
                Some(Err(e)) => return Err(anyhow::anyhow!("Reading the terminal failed: {e}")),
                None => break,
            },
            Some(message) = inbox.recv() => {
                // A signal quits without drawing: after SIGHUP there may be no terminal to draw on.
                let signal = matches!(message, crate::app::Message::Signal(_));
                app.update(message);
                !signal
            }
            _ = ticker.tick(), if app.is_testing() || app.data.is_slow() => true,
            _ = sleep_until(slow_at), if slow_at.is_some() => true,
        };
        for effect in app.take_effects() {
            if let Err(message) = host.effect(effect) {
                app.error(message);
            }
        }
        if redraw {
            draw(terminal, app)?;
        }
        host.turned(terminal, Turn { inputs, settled: app.is_settled() });
    }
    // Quitting mid-test: cancel, and wait a while for each run to end and be recorded.
    app.cancel_all_tests();
    let deadline = tokio::time::Instant::now() + QUIT_GRACE;
    while app.has_running_tests() || app.data.has_pending() {
        match tokio::time::timeout_at(deadline, inbox.recv()).await {
            // A second signal while quitting: the user means now.
            Ok(Some(crate::app::Message::Signal(_))) if app.quit_by_signal.is_some() => break,
            Ok(Some(message)) => app.update(message),
            _ => break,
        }
    }
    Ok(())
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Draws the app's state once.
pub fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> anyhow::Result<()> {
    terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(|e| anyhow::anyhow!("Drawing failed: {e}"))?;
    Ok(())
}
