//! The event loop and the draw call: terminal events, the store's answers and the test runs'
//! events become messages to the app, and the screen is drawn again when something changed (not on
//! a timer: an idle app uses no CPU). Generic over the ratatui backend, so tests run this very loop
//! on `TestBackend`.

use std::io::Write;
use std::time::Duration;

use crossterm::event::{EnableBracketedPaste, Event};
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen};
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

/// Takes over the screen before the first frame: the alternate screen, bracketed paste, and the
/// screen cleared, written at once. Never asks the terminal anything: ratatui's
/// `Terminal::clear` asks where the cursor is (`ESC[6n`) to put it back, and a terminal that
/// never answers (a recorder, some serial consoles) made authdeck give up after 2 s, while over
/// SSH every start waited a round trip for the answer. A full-screen app needs no cursor
/// position, and a `Terminal` made with `Terminal::new` (a full-screen viewport) asks for none;
/// this clear stands in for `Terminal::clear` (its new back buffer is blank already).
pub fn enter_screen(out: &mut impl Write) -> std::io::Result<()> {
    crossterm::queue!(out, EnterAlternateScreen, EnableBracketedPaste, Clear(ClearType::All))?;
    out.flush()
}

/// Draws the app's state once.
pub fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> anyhow::Result<()> {
    terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(|e| anyhow::anyhow!("Drawing failed: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taking_over_the_screen_asks_the_terminal_nothing() {
        let mut out = Vec::new();
        enter_screen(&mut out).expect("writing to a Vec");
        let written = String::from_utf8_lossy(&out);
        assert!(written.contains("\x1b[?1049h"), "the alternate screen: {written:?}");
        assert!(written.contains("\x1b[?2004h"), "bracketed paste: {written:?}");
        assert!(written.contains("\x1b[2J"), "the screen cleared: {written:?}");
        assert!(!written.contains("\x1b[6n"), "no cursor position asked: {written:?}");
    }

    #[test]
    fn the_first_frame_needs_no_answer_from_the_terminal() {
        // A backend that fails the test if anything asks it where the cursor is, as a terminal
        // that never answers would hang the start.
        struct Mute(ratatui::backend::TestBackend);
        impl Backend for Mute {
            type Error = std::convert::Infallible;
            fn draw<'a, I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>>(
                &mut self,
                content: I,
            ) -> Result<(), Self::Error> {
                self.0.draw(content)
            }
            fn hide_cursor(&mut self) -> Result<(), Self::Error> {
                self.0.hide_cursor()
            }
            fn show_cursor(&mut self) -> Result<(), Self::Error> {
                self.0.show_cursor()
            }
            fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
                panic!("the start asked the terminal for the cursor position (ESC[6n)")
            }
            fn set_cursor_position<P: Into<ratatui::layout::Position>>(
                &mut self,
                position: P,
            ) -> Result<(), Self::Error> {
                self.0.set_cursor_position(position)
            }
            fn clear(&mut self) -> Result<(), Self::Error> {
                self.0.clear()
            }
            fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
                self.0.clear_region(clear_type)
            }
            fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
                self.0.size()
            }
            fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
                self.0.window_size()
            }
            fn flush(&mut self) -> Result<(), Self::Error> {
                self.0.flush()
            }
        }
        let store = crate::store::Store::open_in_memory().expect("a store in memory");
        let app = App::new(store).expect("the app");
        let mut terminal = Terminal::new(Mute(ratatui::backend::TestBackend::new(80, 24))).expect("infallible");
        draw(&mut terminal, &app).expect("the first frame");
        let screen = format!("{:?}", terminal.backend().0.buffer());
        assert!(screen.contains("Authorizations"), "{screen}");
    }
}
