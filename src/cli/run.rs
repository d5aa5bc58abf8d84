//! `run`: scenarios against one implementation, in this process or in `--jobs` worker
//! processes, printed in catalogue order as text or JSON lines, optionally also as JUnit.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::ProgressBar;
use ipc_conformance::adapters::{self, Adapter};
use ipc_conformance::driver::RunOptions;
use ipc_conformance::driver::Verdict;
use ipc_conformance::platform::PlatformProfile;
use ipc_conformance::report::{
    html_page, render_html_section, render_json_line, render_junit, render_sequence, Colour,
    ScenarioRecord,
};
use ipc_conformance::scenario::Scenario;
use serde::{Deserialize, Serialize};

use super::args::{Format, RunArgs};
use super::{jobs, load, progress_bar, usage_error, EXIT_MALFORMED};

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

/// `run`.
pub(super) fn run(args: RunArgs) -> ExitCode {
    let adapter = match adapters::find(&args.implementation) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let scenarios: Vec<Scenario> = match load(args.paths.clone()) {
        Ok(all) => all
            .into_iter()
            .filter(|s| args.filter.as_deref().is_none_or(|f| s.id.contains(f)))
            .collect(),
        Err(code) => return code,
    };
    let profile = match args.platform_profile.as_deref() {
        Some(name) => match PlatformProfile::by_name(name) {
            Some(p) => p,
            None => return usage_error(format!("`{name}`: no such platform profile")),
        },
        None => PlatformProfile::host(),
    };
    let opts = RunOptions {
        profile,
        oracle: args.blocking_oracle,
    };
    if args.worker {
        return jobs::serve(&adapter, &scenarios, &opts, Show::of(&args));
    }
    let started = Instant::now();
    let mut sink = Sink::new(&args, scenarios.len());
    if args.jobs > 1 && scenarios.len() > 1 {
        if let Err(e) = jobs::run_parallel(&args, &scenarios, &mut sink) {
            sink.bar.finish_and_clear();
            eprintln!("error: cannot start the worker processes: {e}");
            return ExitCode::FAILURE;
        }
    } else {
        for (index, s) in scenarios.iter().enumerate() {
            sink.take(outcome(&adapter, s, index, &opts, Show::of(&args)));
            if sink.stopped {
                break;
            }
        }
    }
    sink.finish(&adapter, &opts, started)
}

/// Run one scenario and put its result in both forms.
pub(super) fn outcome(
    adapter: &Adapter,
    s: &Scenario,
    index: usize,
    opts: &RunOptions,
    show: Show,
) -> Outcome {
    let report = adapter.run(s, opts);
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

/// Where results go, in catalogue order: standard output, the progress bar, the tally
/// and the records kept for `--junit`.
pub(super) struct Sink {
    format: Format,
    junit: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
    /// The `--html` page's sections so far.
    sections: Vec<String>,
    fail_fast: bool,
    pub bar: ProgressBar,
    records: Vec<ScenarioRecord>,
    total: usize,
    taken: usize,
    /// A failure was seen and `--fail-fast` asks to stop.
    pub stopped: bool,
    counts: [usize; 4],
}

impl Sink {
    fn new(args: &RunArgs, total: usize) -> Self {
        let bar = progress_bar(
            total as u64,
            "{bar:40} {pos}/{len} scenarios, {elapsed} {msg}",
        );
        Sink {
            format: args.format,
            junit: args.junit.clone(),
            html: args.html.clone(),
            sections: Vec::new(),
            fail_fast: args.fail_fast,
            bar,
            records: Vec::new(),
            total,
            taken: 0,
            stopped: false,
            counts: [0; 4],
        }
    }

    /// Print one result; results must come in catalogue order.
    pub(super) fn take(&mut self, o: Outcome) {
        let r = &o.record;
        let slot = match r.verdict.as_str() {
            "pass" => 0,
            "fail" | "harness_error" => 1,
            "skip" => 2,
            _ => 3,
        };
        self.counts[slot] += 1;
        self.taken += 1;
        if r.is_failure() && self.fail_fast {
            self.stopped = true;
        }
        self.bar.suspend(|| match self.format {
            Format::Human => print!("{}", o.text),
            Format::Json => println!("{}", render_json_line(r)),
        });
        self.bar.set_message(r.id.clone());
        self.bar.inc(1);
        self.sections.extend(o.html);
        if self.junit.is_some() {
            self.records.push(o.record);
        }
    }

    fn finish(self, adapter: &Adapter, opts: &RunOptions, started: Instant) -> ExitCode {
        self.bar.finish_and_clear();
        let elapsed = started.elapsed();
        let [passed, failed, skipped, deviations] = self.counts;
        let mut summary = format!(
            "implementation {} on {}, {:.1} ms\n{passed} passed, {failed} failed, {skipped} skipped, {deviations} declared deviations",
            adapter.name,
            opts.profile.platform,
            elapsed.as_secs_f64() * 1e3
        );
        if self.taken < self.total {
            let _ = write!(
                summary,
                "\nstopped at the first failure (--fail-fast): {} not run",
                self.total - self.taken
            );
        }
        match self.format {
            Format::Human => println!("\n{summary}"),
            Format::Json => eprintln!("{summary}"),
        }
        let junit = self
            .junit
            .as_ref()
            .map(|path| (path, render_junit(&self.records, elapsed.as_secs_f64())));
        let html = self
            .html
            .as_ref()
            .map(|path| (path, html_page(&self.sections, failed)));
        for (path, text) in junit.into_iter().chain(html) {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_MALFORMED);
            }
        }
        ExitCode::from(if failed == 0 { 0 } else { 1 })
    }
}
