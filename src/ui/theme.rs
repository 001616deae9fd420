//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn error() -> Style {
    Style::new().fg(Color::Red)
}
/// What is allowed but advised against (a secret over plain http): marked ⚠ as well as coloured.
pub fn warning() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn ok() -> Style {
    Style::new().fg(Color::Green)
}
pub fn focused() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}
pub fn header() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}
/// A device login's user code: big is not possible in a terminal, so bold on a bright block.
pub fn user_code() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
}
/// A QR code: dark modules on white whatever the terminal's colours, as scanners expect.
pub fn qr() -> Style {
    Style::new().fg(Color::Black).bg(Color::White)
}
