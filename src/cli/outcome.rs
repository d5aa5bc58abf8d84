//! One scenario's result, run here or in a worker process: its record, its text and its
//! section of the `--html` page, and how results are shown.

use std::fmt::Write as _;

use ipc_conformance::adapters::Adapter;
use ipc_conformance::driver::{RunOptions, Verdict};
use ipc_conformance::report::{render_html_section, render_sequence, Colour, ScenarioRecord};
use ipc_conformance::scenario::Scenario;
use serde::{Deserialize, Serialize};

use super::args::RunArgs;

/// One scenario's result: the record, the text the human format prints for it, and its
/// section of the `--html` page when one is asked for.
#[derive(Serialize, Deserialize)]
pub(super) struct Outcome {
    /// The scenario's position among those selected.
    pub index: usize,
    pub record: ScenarioRecord,
    pub text: String,
    pub html: Option<String>,
}

/// How results are shown, wherever the scenario runs.
#[derive(Clone, Copy)]
pub(super) struct Show {
    /// The diagram of passing scenarios too.
    pub timeline: bool,
    pub colour: Colour,
    /// A section of the `--html` page.
    pub html: bool,
}

impl Show {
    pub(super) fn of(args: &RunArgs) -> Show {
        Show {
            timeline: args.timeline,
            colour: match args.colour {
                true => Colour::Always,
                false => Colour::for_stdout(),
            },
            html: args.html.is_some(),
        }
    }
}

/// Run one scenario and put its result in both forms.
pub(super) fn outcome(
    adapter: &Adapter,
    s: &Scenario,
    index: usize,
    opts: &RunOptions,
    show: Show,
) -> Outcome {
    let report = adapter.implementation.run(s, opts);
    let diagram = || render_sequence(&report, show.colour);
    let ms = report.duration.as_secs_f64() * 1e3;
    let mut text = String::new();
    match &report.verdict {
        Verdict::Pass => {
            let _ = writeln!(text, "PASS  {:<50} {ms:>8.2} ms", s.id);
            if show.timeline {
                text.push_str(&diagram());
            }
        }
        Verdict::Skip(reason) => {
            let _ = writeln!(text, "SKIP  {:<50} {reason}", s.id);
        }
        Verdict::Fail(_) => {
            let _ = writeln!(text, "FAIL  {:<50} {ms:>8.2} ms", s.id);
            let _ = writeln!(text, "  {}", s.summary);
            if let Some(p) = &s.source {
                let _ = writeln!(text, "  scenario: {}", p.display());
            }
            for m in &report.measurements {
                let _ = writeln!(text, "  measured: {m}");
            }
            text.push_str(&diagram());
        }
        Verdict::HarnessError(e) => {
            let _ = writeln!(text, "ERROR {:<50} harness could not run: {e}", s.id);
        }
        Verdict::Deviation { reason, failure } => {
            let _ = writeln!(text, "DEVIATION {:<46} declared: {reason}", s.id);
            let _ = writeln!(text, "  {failure}");
            if show.timeline {
                text.push_str(&diagram());
            }
        }
        _ => {}
    }
    Outcome {
        index,
        record: ScenarioRecord::new(s, &report, opts.profile.platform),
        text,
        html: show.html.then(|| render_html_section(&report)),
    }
}
