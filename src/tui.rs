//! The event loop and the draw call: terminal events and the test runs' events become messages to
//! the app, and the screen is drawn again when something changed (not on a timer: an idle app uses
//! no CPU). Generic over the ratatui backend, so tests run this very loop on `TestBackend`.

use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::{Terminal, backend::Backend};

use crate::app::{App, Message};
use crate::platform::Effect;

/// Runs the app until the user quits: draws, then waits for a terminal event and draws again only
/// when something changed. Generic over the backend so tests run this very loop on `TestBackend`.
/// `effects` carries out what the app asks of the terminal (copying, opening a browser); an error
/// it returns is shown in the message bar.
pub async fn run<B, S, F>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: S,
    mut effects: F,
) -> anyhow::Result<()>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    F: FnMut(Effect) -> Result<(), String>,
{
    let mut flow_events = app.take_flow_events().ok_or_else(|| anyhow::anyhow!("the event loop runs once per app"))?;
    // Only while a test runs: the spinner and elapsed times move. An idle app wakes for nothing.
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    draw(terminal, app)?;
    while !app.quit {
        let redraw = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => app.handle_event(event),
                Some(Err(e)) => return Err(anyhow::anyhow!("Reading the terminal failed: {e}")),
                None => break,
            },
            Some((run, event)) = flow_events.recv() => {
                app.update(Message::Flow { run, event });
                true
            }
            _ = ticker.tick(), if app.is_testing() => true,
        };
        for effect in app.take_effects() {
            if let Err(message) = effects(effect) {
                app.error(message);
            }
        }
        if redraw {
            draw(terminal, app)?;
        }
    }
    // Quitting mid-test: cancel, and wait briefly for each run to end so it is recorded.
    if app.has_running_tests() {
        app.cancel_all_tests();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while app.has_running_tests() {
            match tokio::time::timeout_at(deadline, flow_events.recv()).await {
                Ok(Some((run, event))) => app.update(Message::Flow { run, event }),
                _ => break,
            }
        }
    }
    Ok(())
}

/// Draws the app's state once.
pub fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> anyhow::Result<()> {
    terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(|e| anyhow::anyhow!("Drawing failed: {e}"))?;
    Ok(())
}
