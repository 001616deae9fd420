//! Drawing the test-connection pane: the steps with their state and elapsed time, the selected
//! step's detail (the authorization URL, the listener and paste box, requests and responses), and
//! how the run ended; and the URL alone, whole, on a screen of its own. Secrets are already redacted
//! in what the pane holds, unless revealed; text from the provider is shown with its control
//! characters escaped.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::text::wrap;
use super::theme::Theme;
use super::{View, fit, link};
use crate::app::test_pane::{StepView, TestPane, UrlView};
use crate::flow::{DeviceCode, HttpExchange, ListenerStatus, RunOutcome, StepId, StepRecord, StepStatus};
use crate::keymap::{Action, Context, key_for};
use crate::model::redact::MASK;
use crate::model::text::{printable, printable_lines};

/// The step list's width: mark, the longest label, elapsed time.
const STEPS_WIDTH: u16 = 36;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// One frame per redraw tick (the event loop redraws every 250 ms while a test runs).
fn spinner(elapsed: Duration) -> &'static str {
    SPINNER[(elapsed.as_millis() / 250 % SPINNER.len() as u128) as usize]
}

fn since(now: Instant, start: Instant) -> Duration {
    now.saturating_duration_since(start)
}

fn seconds(ms: u128) -> String {
    if ms < 1000 { format!("{ms} ms") } else { format!("{:.1} s", ms as f64 / 1000.0) }
}

pub fn draw(frame: &mut Frame, area: Rect, v: &View, pane: &TestPane) {
    frame.render_widget(Clear, area);
    let what = pane.kind.label();
    let elapsed = since(v.now, pane.started);
    let state = if pane.cancelling {
        format!("cancelling {}", spinner(elapsed))
    } else if pane.is_running() {
        format!("running {} {}", seconds(elapsed.as_millis()), spinner(elapsed))
    } else {
        "done".to_owned()
    };
    let name = printable(&pane.authorization_name);
    let title = match &pane.recorded {
        Some(run) => format!(" Run {} of \"{name}\" · {} ", run.id, run.started_at.replace('T', " ")),
        None => format!(" {what} \"{name}\" · {state} "),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(fit(&title, usize::from(area.width.saturating_sub(2))), v.theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let [outcome, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    draw_outcome(frame, outcome, v, pane);
    // Side by side where there is room; on a narrow terminal the steps go above, so the URL and the
    // paste box get the full width.
    let [steps, detail] = if body.width >= 100 {
        Layout::horizontal([Constraint::Length(STEPS_WIDTH + 1), Constraint::Min(20)]).areas(body)
    } else {
        Layout::vertical([Constraint::Length(pane.steps.len() as u16 + 1), Constraint::Min(3)]).areas(body)
    };
    draw_steps(frame, steps, v, pane);
    draw_detail(frame, detail, v, pane);
}

fn draw_outcome(frame: &mut Frame, area: Rect, v: &View, pane: &TestPane) {
    let line = match &pane.report {
        None if pane.is_waiting_for_callback() => Line::styled(
            "Open the URL in a browser and approve; then the callback arrives here, or paste it.",
            v.theme.focused(),
        ),
        None if pane.device.is_some() && pane.step(StepId::DeviceApproval).is_some_and(|s| s.record.is_none()) => {
            Line::styled(
                "Open the page on any device and enter the code shown below; this waits for your approval.",
                v.theme.focused(),
            )
        }
        None => Line::styled("Running…", v.theme.dim()),
        Some(r) => match r.outcome {
            RunOutcome::Ok => {
                let said = match r.identity.as_ref().filter(|i| !i.is_empty()) {
                    Some(identity) => identity.display(),
                    _ => r.message.clone(),
                };
                Line::styled(format!("✓ {}", printable(&said)), v.theme.ok())
            }
            RunOutcome::Failed => Line::styled(format!("✗ {}", printable(&r.message)), v.theme.error()),
            RunOutcome::Cancelled if pane.listener.is_some() => {
                Line::styled("Cancelled: the port was freed and the run recorded.", v.theme.dim())
            }
            RunOutcome::Cancelled => Line::styled("Cancelled: the run was recorded.", v.theme.dim()),
        },
    };
    // Two rows at most: a longer message ends with … (the step's detail has all of it).
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let width = usize::from(area.width.max(1));
    let mut rows = wrap(&text, width);
    let height = usize::from(area.height.max(1));
    if rows.len() > height {
        let rest = rows.split_off(height - 1).join(" ");
        rows.push(fit(&rest, width));
    }
    let style = line.spans.first().map_or(line.style, |s| line.style.patch(s.style));
    frame.render_widget(Paragraph::new(rows.into_iter().map(|r| Line::styled(r, style)).collect::<Vec<_>>()), area);
}

fn status_mark(v: &View, view: &StepView) -> (String, Style) {
    match view.status {
        StepStatus::Waiting => ("·".into(), v.theme.dim()),
        StepStatus::Running => (spinner(since(v.now, view.started.unwrap_or(v.now))).into(), v.theme.focused()),
        StepStatus::Ok => ("✓".into(), v.theme.ok()),
        StepStatus::Failed => ("✗".into(), v.theme.error()),
        StepStatus::Skipped => ("–".into(), v.theme.dim()),
        StepStatus::Cancelled => ("⊘".into(), v.theme.dim()),
    }
}

fn draw_steps(frame: &mut Frame, area: Rect, v: &View, pane: &TestPane) {
    let lines: Vec<Line> = pane
        .steps
        .iter()
        .enumerate()
        .map(|(i, view)| {
            let (mark, style) = status_mark(v, view);
            let elapsed = match (&view.record, view.started, view.status) {
                (Some(r), ..) => seconds(u128::from(r.elapsed_ms)),
                (None, Some(start), StepStatus::Running) => seconds(since(v.now, start).as_millis()),
                _ => String::new(),
            };
            let label = format!(" {:<27}", view.id.label());
            let mut line =
                Line::from(vec![Span::styled(mark, style), Span::raw(label), Span::styled(elapsed, v.theme.dim())]);
            if i == pane.selected {
                line = line.style(v.theme.selected());
            }
            line
        })
        .collect();
    let border = if area.width > STEPS_WIDTH + 1 { Borders::BOTTOM } else { Borders::RIGHT };
    frame.render_widget(Paragraph::new(lines).block(Block::default().borders(border)), area);
}

/// One line of the detail before wrapping.
struct DetailLine {
    text: String,
    style: Style,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Word-wrapped to the width.
    Text,
    /// The authorization URL: broken exactly at the width, and drawn as a link.
    Url,
    /// Drawn as it is after `indent` unstyled columns and never wrapped (a QR code, the user code).
    Fixed { indent: usize },
}

fn text(lines: &mut Vec<DetailLine>, text: impl Into<String>, style: Style) {
    lines.push(DetailLine { text: text.into(), style, kind: Kind::Text });
}

fn draw_detail(frame: &mut Frame, area: Rect, v: &View, pane: &TestPane) {
    let Some(view) = pane.selected_step() else { return };
    let area = Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area };
    let theme = v.theme;
    let mut lines: Vec<DetailLine> = Vec::new();
    if let Some(record) = &view.record {
        text(&mut lines, printable(&record.summary), Style::new());
        for note in &record.notes {
            text(&mut lines, format!("• {}", printable(note)), theme.dim());
        }
    }
    if let Some(error) = view.error.as_ref().filter(|e| view.record.as_ref().is_none_or(|r| &r.summary != *e)) {
        text(&mut lines, printable(error), theme.error());
    }
    for notice in &view.notices {
        text(&mut lines, format!("• {}", printable(notice)), theme.dim());
    }
    if matches!(view.id, StepId::AuthorizationUrl | StepId::Callback) {
        callback_lines(&mut lines, v, pane);
    }
    if matches!(view.id, StepId::DeviceAuthorization | StepId::DeviceApproval)
        && let Some(device) = &pane.device
    {
        device_lines(&mut lines, v, pane, device, area.width);
    }
    if let Some(record) = &view.record {
        check_lines(&mut lines, theme, record);
    }
    if pane.revealed {
        let hide = key_for(Context::TestPane, Action::Reveal);
        text(&mut lines, format!("Secrets shown ({hide} hides them)."), theme.error());
        if view.raw.is_empty() && !view.exchanges.is_empty() {
            text(&mut lines, "A recorded run keeps its requests redacted only.", theme.dim());
            for exchange in &view.exchanges {
                exchange_lines(&mut lines, theme, exchange);
            }
        }
        for raw in &view.raw {
            exchange_lines(&mut lines, theme, raw.reveal());
        }
    } else {
        for exchange in &view.exchanges {
            exchange_lines(&mut lines, theme, exchange);
        }
    }
    if lines.is_empty() {
        let waiting = if view.status == StepStatus::Running { "In progress…" } else { "Not reached yet." };
        text(&mut lines, waiting, theme.dim());
    }
    let paste_box = pane.is_waiting_for_callback() && matches!(view.id, StepId::AuthorizationUrl | StepId::Callback);
    let (text_area, box_area) = if paste_box {
        let error_lines = pane.paste_error.as_ref().map_or(0, |e| super::wrapped_lines(&format!("✗ {e}"), area.width));
        let [t, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(2 + error_lines)]).areas(area);
        (t, Some(b))
    } else {
        (area, None)
    };
    draw_wrapped(frame, text_area, theme, pane, lines);
    if let Some(b) = box_area {
        draw_paste_box(frame, b, v, pane);
    }
}

/// Wraps the detail's lines to the width (the URL broken exactly at it, with nothing beside it),
/// draws the part scrolled to, and makes the URL's rows a link.
fn draw_wrapped(frame: &mut Frame, area: Rect, theme: Theme, pane: &TestPane, lines: Vec<DetailLine>) {
    let width = usize::from(area.width.max(1));
    let mut rows: Vec<(Line, bool)> = Vec::new();
    for line in lines {
        match line.kind {
            Kind::Text => {
                rows.extend(wrap(&line.text, width).into_iter().map(|p| (Line::styled(p, line.style), false)))
            }
            Kind::Url => {
                rows.extend(chunks(&line.text, width).into_iter().map(|p| (Line::styled(p, line.style), true)))
            }
            Kind::Fixed { indent } => {
                let row = Line::from(vec![Span::raw(" ".repeat(indent)), Span::styled(line.text, line.style)]);
                rows.push((row, false));
            }
        }
    }
    pane.detail_height.set(area.height);
    let total = rows.len();
    let height = usize::from(area.height);
    // With more below than fits, the last row says so (and never covers a row of text).
    let room = if total > height { height.saturating_sub(1) } else { height };
    let scroll = usize::from(pane.detail_scroll).min(total.saturating_sub(room));
    let below = total > scroll + room;
    let room = if below { room } else { height };
    let shown: Vec<(Line, bool)> = rows.into_iter().skip(scroll).take(room).collect();
    let url_rows: Vec<u16> = shown.iter().enumerate().filter(|(_, (_, url))| *url).map(|(i, _)| i as u16).collect();
    frame.render_widget(Paragraph::new(shown.into_iter().map(|(l, _)| l).collect::<Vec<_>>()), area);
    if let Some(url) = &pane.auth_url {
        for row in url_rows {
            link::mark(frame.buffer_mut(), Rect { y: area.y + row, height: 1, ..area }, url);
        }
    }
    if below {
        super::more_below(frame, area, theme, &key_for(Context::TestPane, Action::ScrollDown));
    }
}

/// `text` cut into rows of exactly `width` characters (a URL has no spaces to wrap at).
fn chunks(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width.max(1)).map(|c| c.iter().collect()).collect()
}

/// The waiting step's detail: first what to do (the listener, the ssh hint), then the URL.
fn callback_lines(lines: &mut Vec<DetailLine>, v: &View, pane: &TestPane) {
    let theme = v.theme;
    if let Some(listener) = &pane.listener {
        let style = if matches!(listener, ListenerStatus::PortTaken { .. }) { theme.error() } else { theme.dim() };
        text(lines, printable(&listener.message()), style);
    }
    // Only while authdeck listens: with the port taken, forwarding it would hand the code to whoever holds it.
    let listening = matches!(pane.listener, Some(ListenerStatus::Listening { .. }));
    if let Some(hint) = pane.ssh_hint.as_ref().filter(|_| listening) {
        text(lines, "Over SSH, first run this on the machine with the browser:", theme.dim());
        text(lines, format!("  {}", printable(hint)), theme.key());
    }
    for entry in &pane.log {
        text(lines, printable(entry), theme.dim());
    }
    if let Some(url) = &pane.auth_url {
        let mut how = vec![
            format!("{} copies it", key_for(Context::TestPane, Action::Copy)),
            format!("{} shows it whole", key_for(Context::TestPane, Action::ShowUrl)),
        ];
        if v.app.env.can_open_browser && pane.is_running() {
            how.push(format!("{} opens it in a browser", key_for(Context::TestPane, Action::OpenBrowser)));
        }
        text(lines, format!("Authorization URL ({}):", how.join(" · ")), theme.title());
        lines.push(DetailLine { text: printable(url).into_owned(), style: Style::new(), kind: Kind::Url });
    }
}

/// A device login's detail (RFC 8628 section 3.3): where to go, the user code big, how long it
/// lasts, how the wait goes, and a QR code of the page with the code in it for a phone.
fn device_lines(lines: &mut Vec<DetailLine>, v: &View, pane: &TestPane, device: &DeviceCode, width: u16) {
    let running = pane.is_running() && pane.step(StepId::DeviceApproval).is_none_or(|s| s.record.is_none());
    if !running {
        return;
    }
    let theme = v.theme;
    text(lines, "", Style::new());
    text(lines, "On any device with a browser, open:", theme.title());
    text(lines, format!("  {}", printable(&device.verification_uri)), Style::new());
    text(lines, "and enter the code:", theme.title());
    let code: String = printable(device.user_code.reveal()).chars().flat_map(|c| [' ', c]).chain([' ']).collect();
    let pad = " ".repeat(code.chars().count());
    for row in [&pad, &code, &pad] {
        lines.push(DetailLine { text: row.clone(), style: theme.user_code(), kind: Kind::Fixed { indent: 2 } });
    }
    let left = device.expires_at - crate::model::time::now();
    let expiry = if left > 0 {
        format!("The code expires in {}:{:02}", left / 60, left % 60)
    } else {
        "The code has expired: test again for a new one".to_owned()
    };
    let copy = key_for(Context::TestPane, Action::Copy);
    let open = if v.app.env.can_open_browser {
        format!(" · {} opens the page", key_for(Context::TestPane, Action::OpenBrowser))
    } else {
        String::new()
    };
    let show = key_for(Context::TestPane, Action::ShowUrl);
    text(lines, format!("{expiry} · {copy} copies the code · {show} shows the page whole{open}"), theme.dim());
    match &pane.device_poll {
        Some(poll) => text(lines, printable(&poll.message()), theme.dim()),
        None => {
            text(lines, format!("Waiting for the approval; checking every {} s.", device.interval_secs), theme.dim())
        }
    }
    // RFC 8628 section 3.3.1: the page with the code already in it, to open (or paste) as it is.
    if let Some(complete) = &device.verification_uri_complete {
        text(lines, "Or open the page with the code already in it:", theme.title());
        lines.push(DetailLine {
            text: printable(complete.reveal()).into_owned(),
            style: Style::new(),
            kind: Kind::Url,
        });
    }
    let target = device.verification_uri_complete.as_ref().map_or(device.verification_uri.as_str(), |c| c.reveal());
    match qr_lines(target) {
        Some(qr) if qr.first().is_some_and(|l| l.chars().count() + 2 <= usize::from(width)) => {
            text(lines, "Or scan it (the page with the code in it):", theme.dim());
            lines.extend(qr.into_iter().map(|l| DetailLine {
                text: l,
                style: theme.qr(),
                kind: Kind::Fixed { indent: 2 },
            }));
        }
        Some(_) => text(lines, "(A wider terminal shows a QR code of the page.)", theme.dim()),
        None => {}
    }
}

/// A QR code as lines of half blocks (two modules a character), with its quiet zone. Error
/// correction level L (7 %): a screen is not a worn sticker, and the smallest code fits 80×24.
fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).ok()?;
    let image = code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build();
    Some(image.lines().map(str::to_owned).collect())
}

/// What the step verified, a line each, and the tokens it decoded (header and claims).
fn check_lines(lines: &mut Vec<DetailLine>, theme: Theme, record: &StepRecord) {
    if !record.checks.is_empty() {
        text(lines, "", Style::new());
    }
    for check in &record.checks {
        let (mark, style) = match (check.ok, check.warning) {
            (true, _) => ("✓", theme.ok()),
            (false, true) => ("!", theme.warning()),
            (false, false) => ("✗", theme.error()),
        };
        let mut line = format!("{mark} {}: {}", check.name, check.actual);
        if !check.ok {
            line.push_str(&format!(" (expected {})", check.expected));
        }
        if let Some(detail) = check.detail.as_ref().filter(|_| !check.ok || check.warning) {
            line.push_str(&format!(" — {detail}"));
        }
        text(lines, printable(&line), style);
    }
    for jwt in &record.jwts {
        for (part, value) in [("header", &jwt.header), ("claims", &jwt.claims)] {
            text(lines, "", Style::new());
            text(lines, format!("{} {part} (the token itself is not shown):", printable(&jwt.label)), theme.title());
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            for l in printable_lines(&pretty).lines() {
                text(lines, format!("  {l}"), Style::new());
            }
        }
    }
}

fn draw_paste_box(frame: &mut Frame, area: Rect, v: &View, pane: &TestPane) {
    let title = if pane.paste_focused {
        format!(
            " Paste the redirected URL or code · {} shows it · {} submits ",
            key_for(Context::TestPaste, Action::Reveal),
            key_for(Context::TestPaste, Action::Submit)
        )
    } else {
        format!(" {} (or paste) to enter the redirected URL or the code ", key_for(Context::TestPane, Action::Paste))
    };
    let style = if pane.paste_focused { v.theme.focused() } else { v.theme.dim() };
    let title = fit(&title, usize::from(area.width));
    let block = Block::default().borders(Borders::TOP).title(Line::styled(title, style));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input, note] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    if pane.paste_focused {
        frame.render_widget(&pane.paste, input);
    } else {
        let text = pane.paste.lines().join("");
        let shown = if pane.paste_revealed { text } else { MASK.to_string().repeat(text.chars().count()) };
        frame.render_widget(Paragraph::new(shown), input);
    }
    if let Some(error) = &pane.paste_error {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("✗ {}", printable(error)), v.theme.error())).wrap(Wrap { trim: false }),
            note,
        );
    }
}

fn exchange_lines(lines: &mut Vec<DetailLine>, theme: Theme, exchange: &HttpExchange) {
    let r = &exchange.request;
    text(lines, "", Style::new());
    text(lines, format!("→ {} {}", printable(&r.method), printable(&r.url)), theme.title());
    for (k, value) in &r.headers {
        text(lines, format!("  {}: {}", printable(k), printable(value)), theme.dim());
    }
    if let Some(body) = &r.body {
        for l in printable_lines(body).lines() {
            text(lines, format!("  {l}"), Style::new());
        }
    }
    match &exchange.response {
        Some(resp) => {
            let style = if resp.status < 400 { theme.ok() } else { theme.error() };
            text(lines, format!("← HTTP {} ({} ms)", resp.status, exchange.elapsed_ms), style);
            for (k, value) in &resp.headers {
                text(lines, format!("  {}: {}", printable(k), printable(value)), theme.dim());
            }
            for l in printable_lines(&resp.body).lines() {
                text(lines, format!("  {l}"), Style::new());
            }
        }
        None => text(lines, "← no response", theme.error()),
    }
}

/// A URL alone: a line saying what it is, then the URL across the whole width with no border
/// beside it (a terminal's selection takes it as it is), and as a link. A device login's page also
/// gets its user code and, where the screen has room, a QR code of it.
pub fn draw_url_view(frame: &mut Frame, area: Rect, v: &View, view: &UrlView) {
    frame.render_widget(Clear, area);
    let copy = key_for(Context::UrlView, Action::Copy);
    let back = key_for(Context::UrlView, Action::Cancel);
    let header = match view.user_code {
        None => {
            format!("The authorization URL, whole: select it with the mouse, or {copy} copies it; {back} goes back.")
        }
        Some(_) => format!(
            "The verification page of the device login, whole: open it on any device (select it, or {copy} copies it), or scan the QR code; {back} goes back."
        ),
    };
    let width = usize::from(area.width.max(1));
    let header_rows = wrap(&header, width);
    let url_rows = chunks(&printable(&view.url), width);
    let qr = view.user_code.as_ref().and_then(|_| qr_lines(&view.url));
    let qr_fits_across = qr.as_ref().and_then(|q| q.first()).is_some_and(|l| l.chars().count() <= width);
    let qr_rows = qr.as_ref().map_or(0, Vec::len);
    // Roomy: blank rows around the URL and the QR code with its whole quiet zone (4 modules).
    // Tight (80×24): no blank rows, and the quiet zone's outer row above and below left out — the
    // 2 modules left are enough for phone scanners, and the code fits whole.
    let fixed = header_rows.len() + url_rows.len() + usize::from(view.user_code.is_some());
    let height = usize::from(area.height);
    let tight = qr_fits_across && fixed + 2 + qr_rows > height && fixed + qr_rows.saturating_sub(2) <= height;
    let gap = if tight { 0 } else { 1 };

    let mut lines: Vec<Line> = header_rows.into_iter().map(|r| Line::styled(r, v.theme.title())).collect();
    lines.extend(std::iter::repeat_n(Line::raw(""), gap));
    let url_top = lines.len() as u16;
    let url_height = url_rows.len() as u16;
    lines.extend(url_rows.into_iter().map(Line::raw));
    if let Some(code) = &view.user_code {
        lines.extend(std::iter::repeat_n(Line::raw(""), gap));
        lines.push(Line::from(vec![
            Span::styled("The code: ", v.theme.title()),
            Span::styled(format!(" {} ", printable(code)), v.theme.user_code()),
        ]));
        let room = height.saturating_sub(lines.len());
        match qr {
            Some(mut qr) if qr_fits_across && (tight || qr.len() <= room) => {
                if tight {
                    qr.pop();
                    qr.remove(0);
                }
                lines.extend(qr.into_iter().map(|l| Line::styled(l, v.theme.qr())));
            }
            Some(_) => {
                // Too narrow here is too narrow in the pane too; too short, the pane scrolls to it.
                let text = if qr_fits_across {
                    let back = key_for(Context::UrlView, Action::Cancel);
                    format!(
                        "(A taller terminal shows a QR code of the page here; the test pane has it further down: {back}, then PgDn.)"
                    )
                } else {
                    "(A wider terminal shows a QR code of the page here.)".to_owned()
                };
                lines.extend(wrap(&text, width).into_iter().map(|r| Line::styled(r, v.theme.dim())));
            }
            None => {}
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
    let url_area = Rect { y: area.y + url_top, height: url_height, ..area }.intersection(area);
    link::mark(frame.buffer_mut(), url_area, &view.url);
}
