//! The sequence diagram in the terminal: a column per process, a row per event, and on
//! the right what happened, in words.
//!
//! ```text
//!        ms  step  reader  writer
//!     1.068     1  ●       │        reader  read(fd 9)
//!     1.334     1  ◆       │        reader  blocked in anon_pipe_read
//!     1.529     2  ┆       ●        writer  write(fd 11)
//!     1.583     2  ┆       ○        writer  returned 5
//!     1.616     1  ○◀──────┘        reader  5 bytes ◀ released by step 2 (writer)
//! ```

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use super::diagram::{call_of, Diagram, FailureMark, LaneState, Row, RowKind};
use crate::driver::ScenarioReport;

/// Whether the diagram is drawn with ANSI colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// Colours and bold.
    Always,
    /// Plain text (a file, a pipe, a snapshot).
    Never,
}

impl Colour {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set
    /// (<https://no-color.org>).
    pub fn for_stdout() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if std::io::stdout().is_terminal() && !no_color {
            Colour::Always
        } else {
            Colour::Never
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        match self {
            Colour::Always if !text.is_empty() && !code.is_empty() => {
                format!("\x1b[{code}m{text}\x1b[0m")
            }
            _ => text.to_owned(),
        }
    }
}

const RED: &str = "1;31";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const MAGENTA: &str = "35";
const DIM: &str = "2";
const BOLD: &str = "1";

/// The legend printed under every diagram.
const LEGEND: &str = "● call  ◆ seen asleep (wait channel)  ┆ blocked  ┃ in a call  \
                      ○ returned  ◀ released by  ↯ signal  ■ gone  ✗ failed check";

/// A report's timeline as a sequence diagram, with the failing check marked, then any
/// findings and the legend.
pub fn render_sequence(report: &ScenarioReport, colour: Colour) -> String {
    let d = Diagram::new(report);
    let widths: Vec<usize> = d
        .lanes
        .iter()
        .map(|l| l.chars().count().max(1) + 2)
        .collect();
    let name_width = d.lanes.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    let mut header = format!("  {:>9}  {:>4}  ", "ms", "step");
    for (lane, w) in d.lanes.iter().zip(&widths) {
        let _ = write!(header, "{lane:<w$}");
    }
    let _ = writeln!(out, "{}", colour.paint(DIM, header.trim_end()));
    let failure_after = d.failure.as_ref().map(|f| f.after_row);
    let mut notes_shown = 0;
    for (i, row) in d.rows.iter().enumerate() {
        for (step, note) in report.notes_due(row.entry.step, &mut notes_shown) {
            let lanes = lane_states(&d.states_before(i), &widths, colour);
            let _ = writeln!(
                out,
                "  {:>9}  {:>4}  {lanes}  {:<name_width$}  {}",
                "",
                step.to_string(),
                "",
                colour.paint(CYAN, &format!("note: {note}"))
            );
        }
        let lanes = lane_cells(&d, i, row, &widths, colour);
        let what = describe(&d, row, colour);
        let _ = writeln!(
            out,
            "  {:>9.3}  {:>4}  {lanes}  {:<name_width$}  {what}",
            row.entry.at.as_secs_f64() * 1e3,
            row.entry.step.to_string(),
            d.lanes[row.lane],
        );
        if failure_after == Some(Some(i)) {
            let f = d.failure.as_ref().expect("a failure to mark");
            write_failure(&mut out, &d, f, &row.states, &widths, name_width, colour);
        }
    }
    if let Some(f) = d.failure.as_ref().filter(|f| f.after_row.is_none()) {
        let states = d.states_before(d.rows.len());
        write_failure(&mut out, &d, f, &states, &widths, name_width, colour);
    }
    for finding in &report.findings {
        let _ = writeln!(out, "  {} {finding}", colour.paint(RED, "finding:"));
    }
    let _ = writeln!(out, "  {}", colour.paint(DIM, LEGEND));
    out
}

/// The lanes of a line that is no event: each lane's state alone.
fn lane_states(states: &[LaneState], widths: &[usize], c: Colour) -> String {
    widths
        .iter()
        .zip(states)
        .map(|(w, s)| {
            let glyph = c.paint(state_code(*s), state_glyph(*s));
            format!("{glyph}{:pad$}", "", pad = w - 1)
        })
        .collect()
}

fn state_glyph(state: LaneState) -> &'static str {
    match state {
        LaneState::Idle => "│",
        LaneState::InCall => "┃",
        LaneState::Blocked => "┆",
        LaneState::Gone => " ",
    }
}

fn state_code(state: LaneState) -> &'static str {
    match state {
        LaneState::Blocked => YELLOW,
        _ => DIM,
    }
}

/// The lanes of one row: each lane's state, the event's glyph in its own lane, and an
/// arrow from the releasing lane to a call it woke.
fn lane_cells(d: &Diagram<'_>, i: usize, row: &Row<'_>, widths: &[usize], c: Colour) -> String {
    let before = d.states_before(i);
    let mut cells: Vec<Vec<(String, &str)>> = widths
        .iter()
        .enumerate()
        .map(|(l, w)| {
            // A lane shows what it was doing up to the row: a call that ends on this row
            // was still open until then.
            let s = if l == row.lane {
                before[l]
            } else {
                row.states[l]
            };
            let mut cell = vec![(state_glyph(s).to_owned(), state_code(s))];
            cell.extend((1..*w).map(|_| (" ".to_owned(), "")));
            cell
        })
        .collect();
    let (glyph, code) = match &row.kind {
        RowKind::Start => ("●", BOLD),
        RowKind::Signal => ("↯", MAGENTA),
        RowKind::SignalSent => (state_glyph(row.states[row.lane]), MAGENTA),
        RowKind::Blocked { .. } => ("◆", YELLOW),
        RowKind::End { .. } => ("○", BOLD),
        RowKind::Gone { .. } => ("■", DIM),
    };
    cells[row.lane][0] = (glyph.to_owned(), code);
    if let Some(r) = row.released_by.as_ref().filter(|r| r.lane != row.lane) {
        let (from, to) = (r.lane, row.lane);
        let (lo, hi) = (from.min(to), from.max(to));
        for (l, cell) in cells.iter_mut().enumerate().take(hi + 1).skip(lo) {
            let start = usize::from(l == lo);
            if l < hi {
                for slot in cell.iter_mut().skip(start) {
                    *slot = ("─".to_owned(), CYAN);
                }
            }
        }
        if from > to {
            cells[to][1] = ("◀".to_owned(), CYAN);
            cells[from][0] = ("┘".to_owned(), CYAN);
        } else {
            cells[from][0] = ("└".to_owned(), CYAN);
            let last = cells[to - 1].len() - 1;
            cells[to - 1][last] = ("▶".to_owned(), CYAN);
        }
    }
    cells
        .into_iter()
        .flatten()
        .map(|(text, code)| c.paint(code, &text))
        .collect()
}

fn describe(d: &Diagram<'_>, row: &Row<'_>, c: Colour) -> String {
    let text = &row.entry.text;
    let mut what = match &row.kind {
        RowKind::Blocked { wchan: Some(w) } => {
            format!("{} blocked in {}", call_of(text), c.paint(YELLOW, w))
        }
        RowKind::Blocked { wchan: None } => c.paint(YELLOW, &format!("blocked: {text}")),
        RowKind::Signal => c.paint(MAGENTA, text),
        RowKind::SignalSent => format!("the driver's kill(): {text}"),
        RowKind::Gone { killed: true } => c.paint(MAGENTA, text),
        _ => text.clone(),
    };
    if let Some(r) = &row.released_by {
        let by = &d.rows[r.row];
        let _ = write!(
            what,
            " {}",
            c.paint(
                CYAN,
                &format!(
                    "◀ released by step {} ({}: {})",
                    by.entry.step, d.lanes[by.lane], by.entry.text
                )
            )
        );
    }
    what
}

fn write_failure(
    out: &mut String,
    d: &Diagram<'_>,
    f: &FailureMark<'_>,
    states: &[LaneState],
    widths: &[usize],
    name_width: usize,
    c: Colour,
) {
    let mut lanes = String::new();
    for (l, w) in widths.iter().enumerate() {
        let glyph = if Some(l) == f.lane {
            c.paint(RED, "✗")
        } else {
            c.paint(state_code(states[l]), state_glyph(states[l]))
        };
        let _ = write!(lanes, "{glyph}{:w$}", "", w = w - 1);
    }
    let what = if f.declared {
        "DEVIATION (declared)"
    } else {
        "FAILED"
    };
    let at = match f.failure.step {
        Some(s) => format!("step {s}"),
        None => "after the steps".to_owned(),
    };
    let process = f.lane.map_or("", |l| d.lanes[l]);
    let _ = writeln!(
        out,
        "  {:>9}  {:>4}  {lanes}  {process:<name_width$}  {}",
        "",
        "",
        c.paint(RED, &format!("✗ {what} at {at}"))
    );
    let lanes_pad = lane_states(states, widths, c);
    let indent = format!(
        "  {:>9}  {:>4}  {lanes_pad}  {:name_width$}    ",
        "", "", ""
    );
    let _ = writeln!(
        out,
        "{indent}{}",
        c.paint(RED, &format!("expected: {}", f.failure.expected))
    );
    let _ = writeln!(
        out,
        "{indent}{}",
        c.paint(RED, &format!("observed: {}", f.failure.observed))
    );
    for other in &f.failure.more {
        let _ = writeln!(out, "{indent}{}", c.paint(RED, &format!("also: {other}")));
    }
}
