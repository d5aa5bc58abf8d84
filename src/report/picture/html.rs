//! The sequence diagrams of a run as one self-contained HTML page: inline CSS and SVG,
//! no scripts, fonts or images from elsewhere, so the file opens anywhere and can be
//! attached to a CI run as it is.
//!
//! Each scenario is a section: its verdict, the failing check (expected against
//! observed), and an SVG with a lane per process, time flowing down a row per event.
//! A call is a box on its lane, the part of it spent asleep hatched and labelled with the
//! kernel's wait channel, an arrow from the start of the action that woke it, signals
//! and exits marked, and the failing check in red.

use std::fmt::Write as _;

use super::diagram::{Diagram, RowKind};
use crate::driver::{ScenarioReport, Verdict};
use crate::report::markup::escape;

const ROW: f64 = 30.0;
const TOP: f64 = 44.0;
const LEFT: f64 = 130.0;
const LANE: f64 = 260.0;
/// Rows of space the failing check's callout takes.
const FAILURE_ROWS: usize = 3;
/// Characters of a label before it is cut (the whole text is in its tooltip).
const LABEL_CHARS: usize = 32;

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 28px 0 6px; font-family: ui-monospace, monospace; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 4px; color: #fff; margin-right: 8px; font-family: system-ui, sans-serif; }
.pass { background: #1a7f37; } .fail { background: #cf222e; } .skip { background: #6e7781; }
.deviation { background: #bc4c00; } .error { background: #8250df; }
.meta { color: #57606a; font-size: 13px; margin: 0 0 6px; }
.failure { border-left: 4px solid #cf222e; background: #ffebe9; padding: 6px 10px; margin: 6px 0 10px; font-size: 13px; max-width: 1100px; }
.failure b { color: #cf222e; }
.finding { color: #cf222e; font-size: 13px; margin: 2px 0; }
svg text { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; fill: #1f2328;
  paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .callout text, svg .callout { stroke: none; }
svg .lane-name { font-size: 14px; font-weight: bold; }
svg .time { fill: #57606a; font-size: 11px; }
svg .blocked { fill: #9a6700; }
svg .release { fill: #0969da; }
svg .signal { fill: #8250df; }
svg .gone { fill: #57606a; }
svg .fail { fill: #cf222e; font-weight: bold; }
"#;

/// One page with every report's sequence diagram, in the order given.
pub fn render_html(reports: &[ScenarioReport]) -> String {
    let sections: Vec<String> = reports.iter().map(render_html_section).collect();
    let failed = reports.iter().filter(|r| r.is_failure()).count();
    html_page(&sections, failed)
}

/// One report's section of the page (verdict, failing check, diagram): made where the
/// scenario ran (a `--jobs` worker), put on the page by [`html_page`].
pub fn render_html_section(report: &ScenarioReport) -> String {
    let mut out = String::new();
    section(&mut out, report);
    out
}

/// The page around `sections`, `failed` of them failures.
pub fn html_page(sections: &[String], failed: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>ipc-conformance timelines</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>ipc-conformance timelines</h1>\n"
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} scenarios, {failed} failed. Time flows down, one row per \
         event; one lane per process.</p>",
        sections.len()
    );
    out.push_str(&legend());
    for s in sections {
        out.push_str(s);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A label cut to fit, with the whole text as its tooltip.
fn label(x: f64, y: f64, class: &str, text: &str, max: usize) -> String {
    let shown: String = if text.chars().count() > max {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    } else {
        text.to_owned()
    };
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" class=\"{class}\"><title>{}</title>{}</text>\n",
        escape(text),
        escape(&shown)
    )
}

fn section(out: &mut String, r: &ScenarioReport) {
    let (class, word) = match &r.verdict {
        Verdict::Pass => ("pass", "PASS"),
        Verdict::Fail(_) => ("fail", "FAIL"),
        Verdict::Deviation { .. } => ("deviation", "DEVIATION"),
        Verdict::Skip(_) => ("skip", "SKIP"),
        _ => ("error", "ERROR"),
    };
    let _ = writeln!(
        out,
        "<section>\n<h2><span class=\"verdict {class}\">{word}</span>{}</h2>",
        escape(&r.id)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">implementation {}, {:.2} ms</p>",
        escape(&r.implementation),
        r.duration.as_secs_f64() * 1e3
    );
    match &r.verdict {
        Verdict::Fail(f) | Verdict::Deviation { failure: f, .. } => {
            let at = match (&f.step, &f.process) {
                (Some(s), Some(p)) => format!("step {s}, process {p}"),
                (Some(s), None) => format!("step {s}"),
                _ => "after the steps".to_owned(),
            };
            let also: String = f
                .more
                .iter()
                .map(|other| format!("<br>also: {}", escape(&other.to_string())))
                .collect();
            let _ = writeln!(
                out,
                "<div class=\"failure\"><b>failed at {}</b><br>expected: {}<br>observed: {}{also}</div>",
                escape(&at),
                escape(&f.expected),
                escape(&f.observed)
            );
        }
        Verdict::Skip(reason) | Verdict::HarnessError(reason) => {
            let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(reason));
        }
        _ => {}
    }
    for finding in &r.findings {
        let _ = writeln!(out, "<p class=\"finding\">finding: {}</p>", escape(finding));
    }
    // The diagram's rows stand at fixed heights, so the steps' notes go above it.
    for (step, note) in &r.notes {
        let _ = writeln!(out, "<p class=\"meta\">step {step}: {}</p>", escape(note));
    }
    if !r.timeline.is_empty() {
        out.push_str(&svg(r));
    }
    out.push_str("</section>\n");
}

/// The diagram's geometry: where each row and lane is.
struct Geometry {
    failure_after: Option<usize>,
}

impl Geometry {
    fn y(&self, row: usize) -> f64 {
        let shift = match self.failure_after {
            Some(after) if row > after => FAILURE_ROWS,
            _ => 0,
        };
        TOP + (row + shift) as f64 * ROW + ROW / 2.0
    }

    fn x(lane: usize) -> f64 {
        LEFT + lane as f64 * LANE + 24.0
    }
}

fn svg(r: &ScenarioReport) -> String {
    let d = Diagram::new(r);
    let failure_after = d
        .failure
        .as_ref()
        .map(|f| f.after_row.unwrap_or(d.rows.len() - 1));
    let g = Geometry { failure_after };
    let extra = if failure_after.is_some() {
        FAILURE_ROWS
    } else {
        0
    };
    let height = TOP + (d.rows.len() + extra) as f64 * ROW + 16.0;
    let width = LEFT + d.lanes.len() as f64 * LANE + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\">\n<title>{}</title>",
        escape(&r.id)
    );
    s.push_str(DEFS);
    // Columns: time and step, then the lanes with their names and lifelines.
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"24\" class=\"time\">ms</text><text x=\"86\" y=\"24\" class=\"time\">step</text>"
    );
    for (l, name) in d.lanes.iter().enumerate() {
        let x = Geometry::x(l);
        let end = d
            .rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.lane == l && matches!(row.kind, RowKind::Gone { .. }))
            .map_or(height - 8.0, |(i, _)| g.y(i));
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"4\" width=\"{:.1}\" height=\"26\" rx=\"4\" fill=\"#f6f8fa\" stroke=\"#d0d7de\"/>",
            x - 18.0,
            LANE - 36.0
        );
        s.push_str(&label(x - 8.0, 22.0, "lane-name", name, 30));
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"30\" x2=\"{x:.1}\" y2=\"{end:.1}\" stroke=\"#8c959f\" stroke-width=\"1.5\"/>"
        );
    }
    for (i, row) in d.rows.iter().enumerate() {
        let y = g.y(i);
        let _ = writeln!(
            s,
            "<line x1=\"4\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eaeef2\"/>",
            y + ROW / 2.0,
            width - 4.0,
            y + ROW / 2.0
        );
        let _ = writeln!(
            s,
            "<text x=\"8\" y=\"{:.1}\" class=\"time\">{:.3}</text><text x=\"86\" y=\"{:.1}\" class=\"time\">{}</text>",
            y + 4.0,
            row.entry.at.as_secs_f64() * 1e3,
            y + 4.0,
            row.entry.step
        );
    }
    calls(&mut s, &d, &g);
    events(&mut s, &d, &g);
    failure(&mut s, &d, &g);
    s.push_str("</svg>\n");
    s
}

const DEFS: &str = r##"<defs>
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#fff8c5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d4a72c" stroke-width="3"/>
</pattern>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
<path d="M0,0 L10,5 L0,10 z" fill="#0969da"/></marker>
</defs>
"##;

/// The boxes of calls, their blocked parts, and the failing call in red.
fn calls(s: &mut String, d: &Diagram<'_>, g: &Geometry) {
    let failing = d.failure.as_ref().and_then(|f| f.call);
    for (i, row) in d.rows.iter().enumerate() {
        if row.kind != RowKind::Start {
            continue;
        }
        let last = d.rows.len() - 1;
        let end = row.ends_at.unwrap_or_else(|| {
            // A call that never returned: it lasts until its process is gone.
            d.rows
                .iter()
                .enumerate()
                .skip(i)
                .find(|(_, r)| r.lane == row.lane && matches!(r.kind, RowKind::Gone { .. }))
                .map_or(last, |(j, _)| j)
        });
        let x = Geometry::x(row.lane);
        let (y0, y1) = (g.y(i) - 6.0, g.y(end) + 6.0);
        let red = failing == Some(i);
        let (fill, stroke) = if red {
            ("#ffebe9", "#cf222e")
        } else {
            ("#ddf4ff", "#0969da")
        };
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{y0:.1}\" width=\"14\" height=\"{:.1}\" rx=\"2\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
            x - 7.0,
            y1 - y0,
            if red { 2.5 } else { 1.2 }
        );
        // The blocked part: from the row it was seen asleep to the end.
        if let Some(b) = (i..=end).find(|&j| {
            d.rows[j].lane == row.lane
                && matches!(d.rows[j].kind, RowKind::Blocked { .. })
                && d.rows[j].entry.step == row.entry.step
        }) {
            let yb = g.y(b);
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{yb:.1}\" width=\"14\" height=\"{:.1}\" fill=\"url(#hatch)\" stroke=\"#9a6700\" stroke-width=\"1\"/>",
                x - 7.0,
                (g.y(end) - yb).max(4.0)
            );
        }
    }
}

/// Every row's mark and words beside its lane, and the arrows of releases.
fn events(s: &mut String, d: &Diagram<'_>, g: &Geometry) {
    for (i, row) in d.rows.iter().enumerate() {
        let x = Geometry::x(row.lane);
        let y = g.y(i);
        let tx = x + 14.0;
        let text = &row.entry.text;
        match &row.kind {
            RowKind::Start => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#0969da\"/>"
                );
                s.push_str(&label(tx, y + 4.0, "", text, LABEL_CHARS));
            }
            RowKind::Blocked { wchan } => {
                let words = match wchan {
                    Some(w) => format!("blocked in {w}"),
                    None => format!("blocked: {text}"),
                };
                let _ = writeln!(
                    s,
                    "<path d=\"M{:.1},{y:.1} l6,-6 l6,6 l-6,6 z\" fill=\"#d4a72c\"/>",
                    x - 6.0
                );
                s.push_str(&label(tx, y + 4.0, "blocked", &words, LABEL_CHARS));
            }
            RowKind::End { .. } => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#fff\" stroke=\"#0969da\" stroke-width=\"1.5\"/>"
                );
                s.push_str(&label(tx, y + 4.0, "", &format!("→ {text}"), LABEL_CHARS));
            }
            RowKind::Signal => {
                let _ = writeln!(
                    s,
                    "<path d=\"M{:.1},{:.1} l8,6 l-5,2 l9,7\" fill=\"none\" stroke=\"#8250df\" stroke-width=\"2\"/>",
                    x - 30.0,
                    y - 8.0
                );
                s.push_str(&label(tx, y + 4.0, "signal", text, LABEL_CHARS));
            }
            RowKind::SignalSent => {
                s.push_str(&label(
                    tx,
                    y + 4.0,
                    "signal",
                    &format!("kill() → {text}"),
                    LABEL_CHARS,
                ));
            }
            RowKind::Gone { killed } => {
                let colour = if *killed { "#8250df" } else { "#57606a" };
                let _ = writeln!(
                    s,
                    "<path d=\"M{:.1},{:.1} l12,12 m0,-12 l-12,12\" stroke=\"{colour}\" stroke-width=\"2.5\"/>",
                    x - 6.0,
                    y - 6.0
                );
                let class = if *killed { "signal" } else { "gone" };
                s.push_str(&label(tx, y + 4.0, class, text, LABEL_CHARS));
            }
        }
        if let Some(rel) = &row.released_by {
            let from_x = Geometry::x(rel.lane);
            let from_y = g.y(rel.row);
            let path = if rel.lane == row.lane {
                // The driver's signal to this very process: an arc beside the lane.
                format!(
                    "M{:.1},{from_y:.1} C{:.1},{from_y:.1} {:.1},{y:.1} {:.1},{y:.1}",
                    x - 8.0,
                    x - 40.0,
                    x - 40.0,
                    x - 9.0
                )
            } else {
                let dir = if from_x > x { -1.0 } else { 1.0 };
                format!(
                    "M{:.1},{from_y:.1} L{:.1},{y:.1}",
                    from_x - 8.0 * dir,
                    x + 10.0 * dir
                )
            };
            let _ = writeln!(
                s,
                "<path d=\"{path}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\" marker-end=\"url(#arrow)\"/>"
            );
            let by = &d.rows[rel.row];
            s.push_str(&label(
                x + 14.0,
                y + 16.0,
                "release",
                &if rel.lane == row.lane {
                    format!("woken by step {}: {}", by.entry.step, by.entry.text)
                } else {
                    format!("woken by step {} ({})", by.entry.step, d.lanes[by.lane])
                },
                LABEL_CHARS,
            ));
        }
    }
}

/// The failing check: a red mark on its lane and a callout with expected and observed.
fn failure(s: &mut String, d: &Diagram<'_>, g: &Geometry) {
    let Some(f) = &d.failure else { return };
    let after = f.after_row.unwrap_or(d.rows.len() - 1);
    // Below the release label a woken call carries under its row.
    let y = g.y(after) + ROW + 8.0;
    let x = f.lane.map_or(LEFT + 24.0, Geometry::x);
    let _ = writeln!(
        s,
        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" fill=\"#cf222e\"/>\
         <path d=\"M{:.1},{:.1} l8,8 m0,-8 l-8,8\" stroke=\"#fff\" stroke-width=\"2.2\"/>",
        x - 4.0,
        y - 4.0
    );
    let what = if f.declared {
        "declared deviation"
    } else {
        "FAILED"
    };
    let at = match f.failure.step {
        Some(step) => format!("{what} at step {step}"),
        None => format!("{what} after the steps"),
    };
    let width = (d.lanes.len() as f64 * LANE - (x - LEFT) - 30.0).max(LANE * 1.5);
    let chars = (width / 7.3) as usize;
    let _ = writeln!(
        s,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"#ffebe9\" stroke=\"#cf222e\"/>",
        x + 14.0,
        y - 12.0,
        ROW * 2.4
    );
    s.push_str(&label(x + 22.0, y + 3.0, "fail", &at, chars));
    s.push_str(&label(
        x + 22.0,
        y + 23.0,
        "",
        &format!("expected: {}", f.failure.expected),
        chars,
    ));
    s.push_str(&label(
        x + 22.0,
        y + 43.0,
        "fail",
        &format!("observed: {}", f.failure.observed),
        chars,
    ));
}

/// The legend: each mark the diagrams use, drawn as they draw it.
fn legend() -> String {
    let mut s = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"64\" role=\"img\">\n<title>legend</title>\n",
    );
    s.push_str(DEFS);
    s.push_str(concat!(
        "<rect x=\"4\" y=\"8\" width=\"14\" height=\"18\" rx=\"2\" fill=\"#ddf4ff\" stroke=\"#0969da\"/>",
        "<text x=\"24\" y=\"21\">a call, from start ● to return ○</text>",
        "<rect x=\"290\" y=\"8\" width=\"14\" height=\"18\" fill=\"url(#hatch)\" stroke=\"#9a6700\"/>",
        "<text x=\"310\" y=\"21\" class=\"blocked\">blocked in a kernel wait channel</text>",
        "<path d=\"M4,47 L44,47\" stroke=\"#0969da\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\" marker-end=\"url(#arrow)\"/>",
        "<text x=\"52\" y=\"51\" class=\"release\">woken by a step</text>",
        "<path d=\"M180,39 l8,6 l-5,2 l9,7\" fill=\"none\" stroke=\"#8250df\" stroke-width=\"2\"/>",
        "<text x=\"202\" y=\"51\" class=\"signal\">signal</text>",
        "<path d=\"M270,41 l12,12 m0,-12 l-12,12\" stroke=\"#57606a\" stroke-width=\"2.5\"/>",
        "<text x=\"290\" y=\"51\" class=\"gone\">process gone</text>",
        "<circle cx=\"402\" cy=\"47\" r=\"8\" fill=\"#cf222e\"/>",
        "<text x=\"416\" y=\"51\" class=\"fail\">failed check</text>\n",
        "</svg>\n"
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert!(label(0.0, 0.0, "", "a<b", 10).contains("a&lt;b"));
    }
}
