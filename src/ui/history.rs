//! An authorization's recorded runs, newest first: when, how it ended, what it said.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::popups::popup;
use super::{View, fit};
use crate::app::overlay::RunHistory;
use crate::flow::RunOutcome;

pub fn draw(frame: &mut Frame, area: Rect, v: &View, history: &RunHistory) {
    frame.render_widget(Clear, area);
    let title = format!("Past runs of \"{}\"", crate::model::text::printable(&history.name));
    let inner = popup(frame, area, v.theme, &title);
    let Some(runs) = &history.runs else {
        frame.render_widget(Paragraph::new(Line::styled("Reading the runs…", v.theme.dim())), inner);
        return;
    };
    if runs.is_empty() {
        let text = "Never tested yet: each test is kept here with its steps.";
        frame.render_widget(Paragraph::new(Line::styled(text, v.theme.dim())), inner);
        return;
    }
    let height = usize::from(inner.height);
    let offset = history.cursor.window(height, runs.len());
    let width = usize::from(inner.width);
    let lines: Vec<Line> = runs
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, run)| {
            let (mark, style) = match run.outcome {
                Some(RunOutcome::Ok) => ("✓", v.theme.ok()),
                Some(RunOutcome::Failed) => ("✗", v.theme.error()),
                Some(RunOutcome::Cancelled) => ("⊘", v.theme.dim()),
                None => ("?", v.theme.dim()),
            };
            let when = crate::model::time::parse_utc(&run.started_at)
                .map_or_else(|| run.started_at.clone(), |at| crate::model::time::ago(at, v.unix));
            let outcome = run.outcome.map_or("unknown", |o| o.code());
            let head = format!(" {:<14} {:<10} ", when, outcome);
            let message = fit(&run.message, width.saturating_sub(head.chars().count() + 2));
            let line =
                Line::from(vec![Span::styled(mark, style), Span::raw(head), Span::styled(message, v.theme.dim())]);
            if i == history.cursor.selected { line.style(v.theme.selected()) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
