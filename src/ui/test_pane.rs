//! Drawing the test-connection pane: the steps with their state and elapsed time, the selected
//! step's detail (the authorization URL, the listener and paste box, requests and responses), and
//! how the run ended. Secrets are already redacted in what the pane holds, unless revealed.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::test_pane::{StepView, TestPane};
use crate::flow::{DeviceCode, HttpExchange, ListenerStatus, RunOutcome, StepId, StepRecord, StepStatus};
use crate::keymap::{Action, Context, key_for};
use crate::model::redact::MASK;
use crate::model::text::{printable, printable_lines};

/// The step list's width: mark, the longest label, elapsed time.
const STEPS_WIDTH: u16 = 36;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn spinner(since: Instant) -> &'static str {
    // One frame per redraw tick (the event loop redraws every 250 ms while a test runs).
    SPINNER[(since.elapsed().as_millis() / 250 % SPINNER.len() as u128) as usize]
}

fn seconds(ms: u128) -> String {
    if ms < 1000 { format!("{ms} ms") } else { format!("{:.1} s", ms as f64 / 1000.0) }
}

pub fn draw(frame: &mut Frame, area: Rect, pane: &TestPane, can_open_browser: bool) {
    frame.render_widget(Clear, area);
    let what = pane.kind.label();
    let state = if pane.cancelling {
        format!("cancelling {}", spinner(pane.started))
    } else if pane.is_running() {
        format!("running {} {}", seconds(pane.started.elapsed().as_millis()), spinner(pane.started))
    } else {
        "done".to_owned()
    };
    let title = format!(" {what} \"{}\" · {state} ", pane.authorization_name);
    let block = Block::default().borders(Borders::ALL).title(Line::styled(title, theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let [outcome, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    draw_outcome(frame, outcome, pane);
    // Side by side where there is room; on a narrow terminal the steps go above, so the URL and the
    // paste box get the full width.
    let [steps, detail] = if body.width >= 100 {
        Layout::horizontal([Constraint::Length(STEPS_WIDTH + 1), Constraint::Min(20)]).areas(body)
    } else {
        Layout::vertical([Constraint::Length(pane.steps.len() as u16 + 1), Constraint::Min(3)]).areas(body)
    };
    draw_steps(frame, steps, pane);
    draw_detail(frame, detail, pane, can_open_browser);
}

fn draw_outcome(frame: &mut Frame, area: Rect, pane: &TestPane) {
    let line = match &pane.report {
        None if pane.is_waiting_for_callback() => Line::styled(
            "Open the URL in a browser and approve; then the callback arrives here, or paste it.",
            theme::focused(),
        ),
        None if pane.device.is_some() && pane.step(StepId::DeviceApproval).is_some_and(|s| s.record.is_none()) => {
            Line::styled(
                "Open the page on any device and enter the code shown below; this waits for your approval.",
                theme::focused(),
            )
        }
        None => Line::styled("Running…", theme::dim()),
        Some(r) => match r.outcome {
            RunOutcome::Ok => {
                let said = match r.identity.as_ref().filter(|i| !i.is_empty()) {
                    Some(identity) => identity.display(),
                    _ => r.message.clone(),
                };
                Line::styled(format!("✓ {}", printable(&said)), theme::ok())
            }
            RunOutcome::Failed => Line::styled(format!("✗ {}", r.message), theme::error()),
            RunOutcome::Cancelled if pane.listener.is_some() => {
                Line::styled("Cancelled: the port was freed and the run recorded.", theme::dim())
            }
            RunOutcome::Cancelled => Line::styled("Cancelled: the run was recorded.", theme::dim()),
        },
    };
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
}

fn status_mark(view: &StepView) -> (String, ratatui::style::Style) {
    match view.status {
        StepStatus::Waiting => ("·".into(), theme::dim()),
        StepStatus::Running => (spinner(view.started.unwrap_or_else(Instant::now)).into(), theme::focused()),
        StepStatus::Ok => ("✓".into(), theme::ok()),
        StepStatus::Failed => ("✗".into(), theme::error()),
        StepStatus::Skipped => ("–".into(), theme::dim()),
        StepStatus::Cancelled => ("⊘".into(), theme::dim()),
    }
}

fn draw_steps(frame: &mut Frame, area: Rect, pane: &TestPane) {
    let lines: Vec<Line> = pane
        .steps
        .iter()
        .enumerate()
        .map(|(i, view)| {
            let (mark, style) = status_mark(view);
            let elapsed = match (&view.record, view.started, view.status) {
                (Some(r), ..) => seconds(u128::from(r.elapsed_ms)),
                (None, Some(start), StepStatus::Running) => seconds(start.elapsed().as_millis()),
                _ => String::new(),
            };
            let label = format!(" {:<27}", view.id.label());
            let mut line =
                Line::from(vec![Span::styled(mark, style), Span::raw(label), Span::styled(elapsed, theme::dim())]);
            if i == pane.selected {
                line = line.style(theme::selected());
            }
            line
        })
        .collect();
    let border = if area.width > STEPS_WIDTH + 1 { Borders::BOTTOM } else { Borders::RIGHT };
    frame.render_widget(Paragraph::new(lines).block(Block::default().borders(border)), area);
}

fn draw_detail(frame: &mut Frame, area: Rect, pane: &TestPane, can_open_browser: bool) {
    let Some(view) = pane.selected_step() else { return };
    let area = Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area };
    let mut lines: Vec<Line> = Vec::new();
    if let Some(record) = &view.record {
        lines.push(Line::raw(record.summary.clone()));
        lines.extend(record.notes.iter().map(|n| Line::styled(format!("• {n}"), theme::dim())));
    }
    if let Some(error) = view.error.as_ref().filter(|e| view.record.as_ref().is_none_or(|r| &r.summary != *e)) {
        lines.push(Line::styled(error.clone(), theme::error()));
    }
    lines.extend(view.notices.iter().map(|n| Line::styled(format!("• {n}"), theme::dim())));
    if matches!(view.id, StepId::AuthorizationUrl | StepId::Callback) {
        callback_lines(&mut lines, pane, can_open_browser);
    }
    if matches!(view.id, StepId::DeviceAuthorization | StepId::DeviceApproval)
        && let Some(device) = &pane.device
    {
        device_lines(&mut lines, pane, device, area.width, can_open_browser);
    }
    if let Some(record) = &view.record {
        check_lines(&mut lines, record);
    }
    if pane.revealed {
        let hide = key_for(Context::TestPane, Action::Reveal);
        lines.push(Line::styled(format!("Secrets shown ({hide} hides them)."), theme::error()));
        for raw in &view.raw {
            exchange_lines(&mut lines, raw.reveal());
        }
    } else {
        for exchange in &view.exchanges {
            exchange_lines(&mut lines, exchange);
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("Not reached yet.", theme::dim()));
    }
    let paste_box = pane.is_waiting_for_callback() && matches!(view.id, StepId::AuthorizationUrl | StepId::Callback);
    let (text_area, box_area) = if paste_box {
        let error_lines = pane.paste_error.as_ref().map_or(0, |e| super::wrapped_lines(&format!("✗ {e}"), area.width));
        let [t, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(2 + error_lines)]).areas(area);
        (t, Some(b))
    } else {
        (area, None)
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((pane.detail_scroll, 0)), text_area);
    if let Some(b) = box_area {
        draw_paste_box(frame, b, pane);
    }
}

/// The waiting step's detail: first what to do (the listener, the ssh hint), then the URL.
fn callback_lines(lines: &mut Vec<Line<'static>>, pane: &TestPane, can_open_browser: bool) {
    if let Some(listener) = &pane.listener {
        let style = if matches!(listener, ListenerStatus::PortTaken { .. }) { theme::error() } else { theme::dim() };
        lines.push(Line::styled(listener.message(), style));
    }
    // Only while authdeck listens: with the port taken, forwarding it would hand the code to whoever holds it.
    let listening = matches!(pane.listener, Some(ListenerStatus::Listening { .. }));
    if let Some(hint) = pane.ssh_hint.as_ref().filter(|_| listening) {
        lines.push(Line::styled("Over SSH, first run this on the machine with the browser:", theme::dim()));
        lines.push(Line::styled(format!("  {hint}"), theme::key()));
    }
    for entry in &pane.log {
        lines.push(Line::styled(entry.clone(), theme::dim()));
    }
    if let Some(url) = &pane.auth_url {
        let open = if can_open_browser && pane.is_running() {
            format!(" · {} opens it in a browser", key_for(Context::TestPane, Action::OpenBrowser))
        } else {
            String::new()
        };
        let copy = key_for(Context::TestPane, Action::Copy);
        lines.push(Line::styled(format!("Authorization URL ({copy} copies it{open}):"), theme::title()));
        lines.push(Line::raw(url.clone()));
    }
}

/// A device login's detail (RFC 8628 section 3.3): where to go, the user code big, how long it
/// lasts, how the wait goes, and a QR code of the page with the code in it for a phone.
fn device_lines(
    lines: &mut Vec<Line<'static>>,
    pane: &TestPane,
    device: &DeviceCode,
    width: u16,
    can_open_browser: bool,
) {
    let running = pane.is_running() && pane.step(StepId::DeviceApproval).is_none_or(|s| s.record.is_none());
    if !running {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("On any device with a browser, open:", theme::title()));
    lines.push(Line::raw(format!("  {}", printable(&device.verification_uri))));
    lines.push(Line::styled("and enter the code:", theme::title()));
    let code: String = printable(device.user_code.reveal()).chars().flat_map(|c| [' ', c]).chain([' ']).collect();
    let pad = " ".repeat(code.chars().count());
    for text in [&pad, &code, &pad] {
        lines.push(Line::from(vec![Span::raw("  "), Span::styled(text.clone(), theme::user_code())]));
    }
    let left = device.expires_at - crate::model::time::now();
    let expiry = if left > 0 {
        format!("The code expires in {}:{:02}", left / 60, left % 60)
    } else {
        "The code has expired: test again for a new one".to_owned()
    };
    let copy = key_for(Context::TestPane, Action::Copy);
    let open = if can_open_browser {
        format!(" · {} opens the page", key_for(Context::TestPane, Action::OpenBrowser))
    } else {
        String::new()
    };
    lines.push(Line::styled(format!("{expiry} · {copy} copies the code{open}"), theme::dim()));
    match &pane.device_poll {
        Some(poll) => lines.push(Line::styled(printable(&poll.message()).into_owned(), theme::dim())),
        None => lines.push(Line::styled(
            format!("Waiting for the approval; checking every {} s.", device.interval_secs),
            theme::dim(),
        )),
    }
    let target = device.verification_uri_complete.as_ref().map_or(device.verification_uri.as_str(), |c| c.reveal());
    match qr_lines(target) {
        Some(qr) if qr.first().is_some_and(|l| l.chars().count() + 2 <= usize::from(width)) => {
            lines.push(Line::styled("Or scan it (the page with the code in it):", theme::dim()));
            lines.extend(qr.into_iter().map(|l| Line::from(vec![Span::raw("  "), Span::styled(l, theme::qr())])));
        }
        Some(_) => lines.push(Line::styled("(A wider terminal shows a QR code of the page.)", theme::dim())),
        None => {}
    }
}

/// A QR code as lines of half blocks (two modules a character), with its quiet zone.
fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let image = code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build();
    Some(image.lines().map(str::to_owned).collect())
}

/// What the step verified, a line each, and the tokens it decoded (header and claims).
fn check_lines(lines: &mut Vec<Line<'static>>, record: &StepRecord) {
    if !record.checks.is_empty() {
        lines.push(Line::raw(""));
    }
    for check in &record.checks {
        let (mark, style) = match (check.ok, check.warning) {
            (true, _) => ("✓", theme::ok()),
            (false, true) => ("!", theme::warning()),
            (false, false) => ("✗", theme::error()),
        };
        let mut text = format!("{mark} {}: {}", check.name, check.actual);
        if !check.ok {
            text.push_str(&format!(" (expected {})", check.expected));
        }
        if let Some(detail) = check.detail.as_ref().filter(|_| !check.ok || check.warning) {
            text.push_str(&format!(" — {detail}"));
        }
        lines.push(Line::styled(printable(&text).into_owned(), style));
    }
    for jwt in &record.jwts {
        for (part, value) in [("header", &jwt.header), ("claims", &jwt.claims)] {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!("{} {part} (the token itself is not shown):", jwt.label), theme::title()));
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            lines.extend(printable_lines(&pretty).lines().map(|l| Line::raw(format!("  {l}"))));
        }
    }
}

fn draw_paste_box(frame: &mut Frame, area: Rect, pane: &TestPane) {
    let title = if pane.paste_focused {
        format!(
            " Paste the redirected URL or the code (masked; {} shows it) · {} submits ",
            key_for(Context::TestPaste, Action::Reveal),
            key_for(Context::TestPaste, Action::Submit)
        )
    } else {
        format!(" {} (or paste) to enter the redirected URL or the code ", key_for(Context::TestPane, Action::Paste))
    };
    let style = if pane.paste_focused { theme::focused() } else { theme::dim() };
    let block = Block::default().borders(Borders::TOP).title(Line::styled(title, style));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input, note] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    if pane.paste_focused {
        frame.render_widget(&pane.paste, input);
    } else {
        let text = pane.paste.lines().join("");
        let shown = if pane.revealed { text } else { MASK.to_string().repeat(text.chars().count()) };
        frame.render_widget(Paragraph::new(shown), input);
    }
    if let Some(error) = &pane.paste_error {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("✗ {error}"), theme::error())).wrap(Wrap { trim: false }),
            note,
        );
    }
}

fn exchange_lines(lines: &mut Vec<Line<'static>>, exchange: &HttpExchange) {
    let r = &exchange.request;
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("→ {} {}", r.method, r.url), theme::title()));
    lines.extend(r.headers.iter().map(|(k, v)| Line::styled(format!("  {k}: {v}"), theme::dim())));
    if let Some(body) = &r.body {
        lines.extend(body.lines().map(|l| Line::raw(format!("  {l}"))));
    }
    match &exchange.response {
        Some(resp) => {
            let style = if resp.status < 400 { theme::ok() } else { theme::error() };
            lines.push(Line::styled(format!("← HTTP {} ({} ms)", resp.status, exchange.elapsed_ms), style));
            lines.extend(resp.headers.iter().map(|(k, v)| Line::styled(format!("  {k}: {v}"), theme::dim())));
            lines.extend(resp.body.lines().map(|l| Line::raw(format!("  {l}"))));
        }
        None => lines.push(Line::styled("← no response", theme::error())),
    }
}
