//! Build a [`Scenario`] from Rust, with the same checks as the file format.

use std::time::Duration;

use super::error::{LoadError, Located};
use super::model::*;
use super::validate;

/// Builds a scenario step by step.
///
/// ```
/// use ipc_conformance::scenario::{Action, End, Expectation, Mechanism, Payload, ScenarioBuilder, Size};
///
/// let scenario = ScenarioBuilder::new("pipe::read_blocks", Mechanism::Pipe)
///     .summary("a read on an empty pipe blocks until a writer writes")
///     .reference("XSH read(): O_NONBLOCK clear, empty pipe with a writer: the call blocks")
///     .related("reader", &[End::Read])
///     .related("writer", &[End::Write])
///     .step(&[("reader", Action::Read(Size::Bytes(5)))], Expectation::Blocks)
///     .step(&[("writer", Action::Write(Payload::Text("hello".into())))], Expectation::Returns(Size::Bytes(5)))
///     .step(&[("reader", Action::Await)], Expectation::Data(Payload::Text("hello".into())))
///     .build()
///     .unwrap();
/// assert_eq!(scenario.steps.len(), 3);
/// ```
#[derive(Debug)]
pub struct ScenarioBuilder {
    scenario: Scenario,
    error: Option<String>,
}

impl ScenarioBuilder {
    /// A scenario with this id and mechanism, no processes and no steps.
    pub fn new(id: &str, mechanism: Mechanism) -> Self {
        ScenarioBuilder {
            scenario: Scenario {
                id: id.to_owned(),
                source: None,
                summary: String::new(),
                reference: String::new(),
                macos_source: None,
                behaviours: Vec::new(),
                mechanism,
                requires: Vec::new(),
                create_flags: Vec::new(),
                region: RegionSpec::default(),
                listener: None,
                semaphores: SemaphoreSet::default(),
                unnamed_semaphore: None,
                mutex: MutexSpec::default(),
                processes: Vec::new(),
                steps: Vec::new(),
                step_timeout: Scenario::DEFAULT_STEP_TIMEOUT,
            },
            error: None,
        }
    }

    /// The one-line summary.
    pub fn summary(mut self, text: &str) -> Self {
        self.scenario.summary = text.to_owned();
        self
    }

    /// What decides the macOS side: the XNU (or Libc, libpthread) file and function, in
    /// our words.
    pub fn macos_source(mut self, text: &str) -> Self {
        self.scenario.macos_source = Some(text.to_owned());
        self
    }

    /// The POSIX reference.
    pub fn reference(mut self, text: &str) -> Self {
        self.scenario.reference = text.to_owned();
        self
    }

    /// A behaviour slug it covers: one listed in `docs/behaviours.md`, or
    /// `<mechanism>.fuzz-regression`; [`build`](Self::build) refuses any other.
    pub fn behaviour(mut self, slug: &str) -> Self {
        self.scenario.behaviours.push(slug.to_owned());
        self
    }

    /// The watchdog's bound on each step.
    pub fn step_timeout(mut self, timeout: Duration) -> Self {
        self.scenario.step_timeout = timeout;
        self
    }

    /// Flags for `pipe2()`.
    pub fn create_flags(mut self, flags: &[OpenFlag]) -> Self {
        self.scenario.create_flags = flags.to_vec();
        self
    }

    /// The region a shared-region scenario maps (its length and MAP_SHARED or
    /// MAP_PRIVATE).
    pub fn region(mut self, spec: RegionSpec) -> Self {
        self.scenario.region = spec;
        self
    }

    /// The semaphore set a sysv-sem scenario's parent makes.
    pub fn semaphores(mut self, set: SemaphoreSet) -> Self {
        self.scenario.semaphores = set;
        self
    }

    /// The process-shared mutex a pshared-mutex scenario's parent makes.
    pub fn mutex(mut self, spec: MutexSpec) -> Self {
        self.scenario.mutex = spec;
        self
    }

    /// A process that inherits the object and keeps these ends.
    pub fn related(self, name: &str, keeps: &[End]) -> Self {
        self.process(Process {
            keeps: keeps.to_vec(),
            ..Process::plain(name, Relation::Related)
        })
    }

    /// A process that inherits nothing.
    pub fn unrelated(self, name: &str) -> Self {
        self.process(Process::plain(name, Relation::Unrelated))
    }

    /// Any process.
    pub fn process(mut self, process: Process) -> Self {
        self.scenario.processes.push(process);
        self
    }

    /// A step: these processes act, and every action must meet `expect`.
    pub fn step(mut self, actions: &[(&str, Action)], expect: Expectation) -> Self {
        let mut indexed = Vec::new();
        for (name, action) in actions {
            match self
                .scenario
                .processes
                .iter()
                .position(|p| p.name.0 == *name)
            {
                Some(i) => indexed.push((ProcessIndex(i), action.clone())),
                None => {
                    self.error
                        .get_or_insert(format!("unknown process `{name}`"));
                }
            }
        }
        self.scenario.steps.push(Step {
            actions: indexed,
            expect,
            expect_for: Vec::new(),
            note: None,
            released: None,
        });
        self
    }

    /// In the last step, the action of `process` must meet `expect` rather than the
    /// step's expectation (a file's `expect_for`).
    pub fn expect_for(mut self, process: &str, expect: Expectation) -> Self {
        let index = self
            .scenario
            .processes
            .iter()
            .position(|p| p.name.0 == process);
        match (index, self.scenario.steps.last_mut()) {
            (Some(i), Some(step)) => step.expect_for.push((ProcessIndex(i), expect)),
            (None, _) => {
                self.error
                    .get_or_insert(format!("unknown process `{process}`"));
            }
            (_, None) => {
                self.error
                    .get_or_insert(format!("`expect_for` of `{process}` before any step"));
            }
        }
        self
    }

    /// The scenario, checked as a file would be.
    pub fn build(self) -> Result<Scenario, LoadError> {
        let invalid = |message| LoadError::Invalid {
            id: self.scenario.id.clone(),
            message,
        };
        if let Some(e) = self.error.clone() {
            return Err(invalid(e));
        }
        validate::check(&self.scenario, &validate::Spans::default())
            .map_err(|Located { message, .. }| invalid(message))?;
        Ok(self.scenario)
    }
}
