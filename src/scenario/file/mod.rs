//! The TOML file format: raw serde shapes that keep every span, lowered to the model.
//!
//! Enums are externally tagged (`{ read = 5 }`, `"completes"`), never untagged or
//! flattened, so the toml deserializer can point at the exact key or value that is wrong.

mod messages;
mod raw;
mod raw_action;
mod raw_expect;
mod raw_socket;
mod tagged;
mod values;
mod write;

use std::ops::Range;
use std::path::Path;

use super::error::{LoadError, Located};
use super::model::*;
use super::validate;
use messages::{polish, unknown_action, unknown_process, unknown_step_key};
use raw::{OrderedMap, RawScenario};
use raw_expect::RawExpect;
use toml::Spanned;
use values::Target;
pub(crate) use write::action_text;
pub use write::to_file_text;

/// The only version of the format so far.
pub const FORMAT_VERSION: u32 = 1;

/// Parse and validate one scenario file's text. `path` names it in errors and gives the
/// test id (`mechanism::file_stem`).
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    let locate =
        |span: Range<usize>, message: String| LoadError::malformed(path, text, span, message);
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        let span = e.span();
        if let Some(Located { span, message }) = span
            .as_ref()
            .and_then(|at| unknown_step_key(text, at.start))
        {
            return locate(span, message);
        }
        let message = unknown_action(text, e.message())
            .unwrap_or_else(|| polish(text, span.clone(), e.message()));
        locate(span.unwrap_or(0..0), message)
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    lower(raw, stem, Some(path)).map_err(|Located { span, message }| locate(span, message))
}

/// A step's expectations, lowered, with where each stands in the file.
struct StepExpectations {
    expect: Expectation,
    expect_span: Range<usize>,
    expect_for: Vec<(ProcessIndex, Expectation)>,
    spans: Vec<validate::OverrideSpans>,
}

/// `expect` and `expect_for` of a step whose actions are taken by `acting`. Without
/// `expect`, every acting process needs its own in `expect_for`, and the first acting
/// one's becomes the step's default (so the model always has one, and writes back the
/// same).
fn lower_expectations(
    expect: Option<Spanned<RawExpect>>,
    expect_for: Option<Spanned<OrderedMap<Spanned<RawExpect>>>>,
    step_span: &Range<usize>,
    acting: &[ProcessIndex],
    processes: &[Process],
) -> Result<StepExpectations, Located> {
    let mut overrides = Vec::new();
    let mut spans = Vec::new();
    for (name, expect) in expect_for.map_or_else(Vec::new, |m| m.into_inner().0) {
        let index = processes
            .iter()
            .position(|p| p.name.0 == *name.get_ref())
            .ok_or_else(|| {
                let acting: Vec<String> = acting
                    .iter()
                    .map(|p| format!("`{}`", processes[p.0].name))
                    .collect();
                Located::new(
                    name.span(),
                    format!(
                        "unknown process `{}` in `expect_for`; its keys are processes that act in this step: {}",
                        name.get_ref(),
                        acting.join(", ")
                    ),
                )
            })?;
        spans.push(validate::OverrideSpans {
            process: name.span(),
            expect: expect.span(),
        });
        overrides.push((ProcessIndex(index), expect.into_inner().lower()));
    }
    let (expect, expect_span) = match expect {
        Some(e) => {
            let span = e.span();
            (e.into_inner().lower(), span)
        }
        None => {
            let uncovered = acting
                .iter()
                .find(|p| !overrides.iter().any(|(q, _)| q == *p));
            if let Some(p) = uncovered {
                let missing = "missing key `expect` in this step, expected what its actions must do, such as expect = \"succeeds\"";
                return Err(Located::new(
                    step_span.clone(),
                    if overrides.is_empty() {
                        missing.to_owned()
                    } else {
                        format!(
                            "{missing}; process `{}` has no expectation of its own in `expect_for`",
                            processes[p.0].name
                        )
                    },
                ));
            }
            // The first acting process's: an entry naming a process that does not act
            // stays, for validation to report.
            let first = overrides
                .iter()
                .position(|(q, _)| acting.contains(q))
                .expect("every acting process has its own, and a step has one");
            let (_, default) = overrides.remove(first);
            (default, spans.remove(first).expect)
        }
    };
    Ok(StepExpectations {
        expect,
        expect_span,
        expect_for: overrides,
        spans,
    })
}

fn lower(raw: RawScenario, stem: String, path: Option<&Path>) -> Result<Scenario, Located> {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        return Err(Located::new(
            raw.format_version.span(),
            format!(
                "unsupported format_version {}, expected {FORMAT_VERSION}",
                raw.format_version.get_ref()
            ),
        ));
    }
    let mechanism = *raw.mechanism.get_ref();
    let mut spans = validate::Spans {
        processes_table: raw.processes.span(),
        ..validate::Spans::default()
    };
    if let Some(text) = &raw.macos_source {
        spans.macos_source = text.span();
    }
    spans.behaviours = raw.behaviours.iter().map(toml::Spanned::span).collect();
    let mut processes = Vec::new();
    for (name, spec) in raw.processes.into_inner().0 {
        let spec_span = spec.span();
        let spec = spec.into_inner();
        let (keeps_span, kept) = match spec.keeps {
            Some(k) => (k.span(), k.into_inner()),
            None => (spec_span.clone(), Vec::new()),
        };
        let mut keeps = Vec::new();
        let mut keeps_pair = Vec::new();
        for target in kept {
            match target {
                Target::End(end) => keeps.push(end),
                Target::Handle(handle) => keeps_pair.push(handle),
            }
        }
        processes.push(Process {
            name: ProcessName(name.get_ref().clone()),
            relation: spec.relation,
            keeps,
            keeps_pair,
            host: spec.host.as_ref().map(|h| h.get_ref().0.clone()),
            sigpipe: spec.sigpipe,
            handles: spec.handles,
            stdin: spec.stdin,
        });
        spans.processes.push(validate::ProcessSpans {
            name: name.span(),
            host: spec.host.as_ref().map_or(spec_span, toml::Spanned::span),
            keeps: keeps_span,
        });
    }
    let create_flags = match raw.create {
        Some(c) => {
            spans.create_flags = c.flags.span();
            c.flags.into_inner()
        }
        None => Vec::new(),
    };
    let region = match raw.region {
        Some(r) => {
            spans.region = r.span();
            r.into_inner().lower()
        }
        None => RegionSpec::default(),
    };
    let listener = raw.listener.map(|l| {
        spans.listener = l.span();
        l.into_inner().lower()
    });
    let semaphores = match raw.semaphores {
        Some(s) => {
            spans.semaphores = s.span();
            spans.semaphore_values = s.get_ref().values.span();
            s.into_inner().lower()
        }
        None => SemaphoreSet::default(),
    };
    let unnamed_semaphore = raw.unnamed_semaphore.map(|u| {
        spans.unnamed_semaphore = u.span();
        u.into_inner().lower()
    });
    let mutex = match raw.mutex {
        Some(m) => {
            spans.mutex = m.span();
            m.into_inner().lower()
        }
        None => MutexSpec::default(),
    };
    // Before the steps, so that a step naming a process is never blamed for a bad
    // `[processes]` table.
    validate::check_setup(mechanism, &processes, &create_flags, &spans)?;
    let mut steps = Vec::new();
    for step in raw.step.0 {
        let step_span = step.span();
        let step = step.into_inner();
        let mut actions = Vec::new();
        let mut action_spans = Vec::new();
        for (name, action) in step.actions {
            let index = processes
                .iter()
                .position(|p| p.name.0 == *name.get_ref())
                .ok_or_else(|| {
                    unknown_process(&name, processes.iter().map(|p| p.name.0.as_str()))
                })?;
            action_spans.push(action.span());
            actions.push((ProcessIndex(index), action.into_inner().lower()));
        }
        let acting: Vec<ProcessIndex> = actions.iter().map(|(p, _)| *p).collect();
        let expectations = lower_expectations(
            step.expect,
            step.expect_for,
            &step_span,
            &acting,
            &processes,
        )?;
        spans.steps.push(validate::StepSpans {
            actions: action_spans,
            expect: expectations.expect_span,
            expect_for: expectations.spans,
            released: step.released.as_ref().map_or(0..0, |r| r.span()),
        });
        steps.push(Step {
            actions,
            expect: expectations.expect,
            expect_for: expectations.expect_for,
            note: step.note,
            released: step.released.map(toml::Spanned::into_inner),
        });
    }
    let scenario = Scenario {
        id: format!("{}::{}", mechanism.name(), stem),
        source: path.map(Path::to_path_buf),
        summary: raw.summary,
        reference: raw.reference,
        macos_source: raw.macos_source.map(toml::Spanned::into_inner),
        behaviours: raw
            .behaviours
            .into_iter()
            .map(toml::Spanned::into_inner)
            .collect(),
        mechanism,
        requires: raw.requires,
        create_flags,
        region,
        listener,
        semaphores,
        unnamed_semaphore,
        mutex,
        processes,
        steps,
        step_timeout: raw
            .step_timeout_ms
            .map(std::time::Duration::from_millis)
            .unwrap_or(Scenario::DEFAULT_STEP_TIMEOUT),
    };
    validate::check(&scenario, &spans)?;
    Ok(scenario)
}
