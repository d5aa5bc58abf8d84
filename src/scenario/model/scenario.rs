//! Steps and the whole scenario.

use std::path::PathBuf;
use std::time::Duration;

use super::{
    Action, Expectation, Mechanism, MutexSpec, OpenFlag, ParentListener, Process, ProcessIndex,
    RegionSpec, SemaphoreSet, UnnamedSemaphore,
};
use crate::platform::Feature;

/// One step: the actions that start together and what each must do.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The processes that act, in file order, with their actions.
    pub actions: Vec<(ProcessIndex, Action)>,
    /// What every action of the step must do, unless `expect_for` names its process.
    pub expect: Expectation,
    /// What the actions of some processes must do instead of `expect`, in file order
    /// (`expect_for = { reader = "blocks" }`): each names a process that acts in the step.
    pub expect_for: Vec<(ProcessIndex, Expectation)>,
    /// A free-text remark shown in the timeline.
    pub note: Option<String>,
    /// For a step whose every action is `completes`: how many of its processes' calls
    /// must return (each as its expectation says), while the others stay blocked, the
    /// system choosing which (`released = 1`: one post, one of several identical
    /// waiters). Later steps of the same processes await the rest the same way.
    pub released: Option<u32>,
}

impl Step {
    /// What `process` does in this step, if it acts.
    pub fn action_of(&self, process: ProcessIndex) -> Option<&Action> {
        self.actions
            .iter()
            .find(|(p, _)| *p == process)
            .map(|(_, a)| a)
    }

    /// What the action of `process` must do in this step: its own expectation in
    /// `expect_for`, or the step's `expect`.
    pub fn expectation_of(&self, process: ProcessIndex) -> &Expectation {
        self.expect_for
            .iter()
            .find(|(p, _)| *p == process)
            .map_or(&self.expect, |(_, e)| e)
    }

    /// Every action of the step with the process that takes it and what it must do.
    pub fn judged_actions(&self) -> impl Iterator<Item = (ProcessIndex, &Action, &Expectation)> {
        self.actions
            .iter()
            .map(|(p, a)| (*p, a, self.expectation_of(*p)))
    }
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The test name, `mechanism::file_stem`.
    pub id: String,
    /// The file it came from, when it came from one.
    pub source: Option<PathBuf>,
    /// One line saying what the scenario shows.
    pub summary: String,
    /// The POSIX page and rule it checks, in our words.
    pub reference: String,
    /// What decides the macOS side (its expectations, or why it skips there): the XNU,
    /// Libc or libpthread source file and function, in our words (`macos_source` in a
    /// file). Every scenario with a macOS branch or a macOS-only skip carries one.
    pub macos_source: Option<String>,
    /// Slugs of the behaviours it covers, each listed in `docs/behaviours.md` (or
    /// `<mechanism>.fuzz-regression`, a fuzzer's shrunk failure).
    pub behaviours: Vec<String>,
    /// The mechanism under test.
    pub mechanism: Mechanism,
    /// Platform features it needs.
    pub requires: Vec<Feature>,
    /// Flags for the object made before the fork (`pipe2()` flags).
    pub create_flags: Vec<OpenFlag>,
    /// The region a shared-region scenario maps before the fork.
    pub region: RegionSpec,
    /// The listening socket the parent makes before the fork (unix-stream,
    /// unix-seqpacket), if the scenario has one.
    pub listener: Option<ParentListener>,
    /// The semaphore set a sysv-sem scenario's parent makes before the fork.
    pub semaphores: SemaphoreSet,
    /// The value of the unnamed, process-shared semaphore a posix-sem scenario's parent
    /// makes in shared memory before the fork (`sem_init`), if it has one.
    pub unnamed_semaphore: Option<UnnamedSemaphore>,
    /// The process-shared mutex a pshared-mutex scenario's parent makes before the fork.
    pub mutex: MutexSpec,
    /// The actors.
    pub processes: Vec<Process>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
    /// The watchdog's bound on each step.
    pub step_timeout: Duration,
}

impl Scenario {
    /// The default bound on one step.
    pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);

    /// The process at an index.
    pub fn process(&self, index: ProcessIndex) -> &Process {
        &self.processes[index.0]
    }
}
