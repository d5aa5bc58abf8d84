//! The timeline as text: one line per event, in the global order of the event log.

use std::fmt::Write;

use crate::driver::{EventKind, ScenarioReport, Verdict};

/// The report of a failed (or any) scenario as the terminal shows it.
pub fn render_timeline(report: &ScenarioReport) -> String {
    let mut out = String::new();
    if let Verdict::Fail(f) = &report.verdict {
        if let Some(step) = f.step {
            let _ = writeln!(
                out,
                "  failed at step {step}{}",
                f.process
                    .as_ref()
                    .map(|p| format!(", process {p}"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(out, "  expected: {}", f.expected);
        let _ = writeln!(out, "  observed: {}", f.observed);
        for other in &f.more {
            let _ = writeln!(out, "  also: {other}");
        }
    }
    for finding in &report.findings {
        let _ = writeln!(out, "  finding: {finding}");
    }
    let width = report
        .timeline
        .iter()
        .map(|e| e.process.0.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "  timeline:");
    let mut notes_shown = 0;
    for e in &report.timeline {
        for (step, note) in report.notes_due(e.step, &mut notes_shown) {
            let _ = writeln!(
                out,
                "    {:>12}  step {:<3} note: {note}",
                "",
                step.to_string()
            );
        }
        let what = match e.kind {
            EventKind::Start => "start",
            EventKind::Blocked => "BLOCKED",
            EventKind::End => "end",
            EventKind::Gone => "gone",
        };
        let _ = writeln!(
            out,
            "    {:>9.3} ms  step {:<3} {:<width$}  {:<7}  {}",
            e.at.as_secs_f64() * 1e3,
            e.step.to_string(),
            e.process.0,
            what,
            e.text,
        );
    }
    out
}
