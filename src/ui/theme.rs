//! Colours and styles, in one place. With `NO_COLOR` set (https://no-color.org) nothing is
//! coloured: what colour would tell (the selection, the focus, an error) is told by reverse video,
//! bold and the marks beside it (▶ ✓ ✗) instead. Only the 16 basic colours are used, so a
//! 16-colour terminal, `TERM=screen` and tmux show the same.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    /// The styles for where the app runs (no colour under `NO_COLOR`).
    pub fn of(app: &crate::app::App) -> Theme {
        Theme::new(!app.env.no_color)
    }

    fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn error(self) -> Style {
        let style = self.fg(Color::Red);
        if self.color { style } else { style.add_modifier(Modifier::BOLD) }
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    /// What is allowed but advised against (a secret over plain http): marked ⚠ as well.
    pub fn warning(self) -> Style {
        let style = self.fg(Color::Yellow);
        if self.color { style } else { style.add_modifier(Modifier::BOLD) }
    }
    pub fn focused(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn header(self) -> Style {
        if self.color { Style::new().fg(Color::Black).bg(Color::Cyan) } else { self.selected() }
    }
    /// The current tab's title.
    pub fn current_tab(self) -> Style {
        if self.color { self.focused() } else { self.selected().add_modifier(Modifier::BOLD) }
    }
    /// A device login's user code: big is not possible in a terminal, so bold on a bright block.
    pub fn user_code(self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            self.selected().add_modifier(Modifier::BOLD)
        }
    }
    /// A QR code: dark modules on white whatever the terminal's colours, as scanners expect (under
    /// `NO_COLOR` the terminal's own colours, which a light-on-dark terminal shows inverted).
    pub fn qr(self) -> Style {
        if self.color { Style::new().fg(Color::Black).bg(Color::White) } else { Style::new() }
    }
}
