//! Adapters for third-party IPC crates, one cargo feature each (`adapter-std`,
//! `adapter-os-pipe`, …; `adapters` turns them all on). Each is an ordinary
//! [`Implementation`] written against the public
//! traits, as a user would write one for their own crate; [`compiled_in`] lists them for
//! the conformance matrix of real crates (`ipc-conformance conformance`).

#[cfg(feature = "faulty")]
pub mod faulty;
#[cfg(feature = "adapter-interprocess")]
pub mod interprocess;
#[cfg(feature = "adapter-ipc-channel")]
pub mod ipc_channel;
#[cfg(all(feature = "adapter-memfd", target_os = "linux"))]
pub mod memfd;
#[cfg(feature = "adapter-memmap2")]
pub mod memmap2;
#[cfg(feature = "adapter-mio")]
pub mod mio;
#[cfg(feature = "adapter-os-pipe")]
pub mod os_pipe;
#[cfg(feature = "adapter-raw-sync")]
pub mod raw_sync;
#[cfg(feature = "adapter-rustix")]
pub mod rustix;
#[cfg(feature = "adapter-shared-memory")]
pub mod shared_memory;
#[cfg(feature = "adapter-std")]
pub mod std_lib;
#[cfg(feature = "adapter-tokio")]
pub mod tokio;
#[cfg(any(feature = "adapter-std", feature = "adapter-mio"))]
mod unix_address;

use crate::driver::ScenarioReport;
use crate::driver::{run_scenario, serve_exec_actor, RunOptions};
use crate::fuzz::{fuzz, FuzzOptions, FuzzReport, Property};
use crate::mechanism::os::Os;
use crate::mechanism::{Deviation, Implementation, Unsupported};
use crate::report::KnownFailure;
use crate::scenario::Scenario;

/// One implementation the command line can run the catalogue against.
#[derive(Clone, Copy)]
pub struct Adapter {
    /// Its name on the command line and in reports: the crate it adapts.
    pub name: &'static str,
    /// The APIs it drives, for the report.
    pub adapts: &'static str,
    /// The crate's failures that have been looked into, with what it does instead.
    pub known_failures: &'static [KnownFailure],
    /// The implementation itself, to run, fuzz or serve as an actor.
    pub implementation: &'static (dyn AnyImplementation + Sync),
}

impl Adapter {
    /// The entry of `implementation`, called `name`, which drives the APIs `adapts`
    /// names, with the failures of the crate that have been looked into.
    pub const fn of<I: Implementation + Sync>(
        name: &'static str,
        adapts: &'static str,
        implementation: &'static I,
        known_failures: &'static [KnownFailure],
    ) -> Adapter {
        Adapter {
            name,
            adapts,
            known_failures,
            implementation,
        }
    }
}

/// What the command line does with an implementation, whatever its type: what lets an
/// [`Adapter`] hold any of them. Every [`Implementation`] is one.
pub trait AnyImplementation {
    /// Run one scenario against it.
    fn run(&self, scenario: &Scenario, opts: &RunOptions) -> ScenarioReport;
    /// The deviations it declares.
    fn deviations(&self) -> Vec<Deviation>;
    /// The scenarios it declares it cannot express.
    fn unsupported(&self) -> Vec<Unsupported>;
    /// Fuzz it (see [`fuzz`]).
    fn fuzz(
        &self,
        property: Property,
        opts: &FuzzOptions,
        run_opts: &RunOptions,
        on_run: &dyn Fn(),
    ) -> FuzzReport;
    /// Serve as its actor, if this process was started as one by exec
    /// ([`ActorStart::Exec`](crate::mechanism::ActorStart::Exec)); else return.
    fn serve_exec_actor(&self);
}

impl<I: Implementation> AnyImplementation for I {
    fn run(&self, scenario: &Scenario, opts: &RunOptions) -> ScenarioReport {
        run_scenario(scenario, self, opts)
    }

    fn deviations(&self) -> Vec<Deviation> {
        Implementation::deviations(self)
    }

    fn unsupported(&self) -> Vec<Unsupported> {
        Implementation::unsupported(self)
    }

    fn fuzz(
        &self,
        property: Property,
        opts: &FuzzOptions,
        run_opts: &RunOptions,
        on_run: &dyn Fn(),
    ) -> FuzzReport {
        fuzz(self, property, opts, run_opts, on_run)
    }

    fn serve_exec_actor(&self) {
        serve_exec_actor(self);
    }
}

/// The operating system through nix: the reference every adapter is compared with.
pub const OS: Adapter = Adapter::of(
    "os",
    "nix: unistd::pipe, mkfifo, sys::socket, sys::mman (the reference implementation)",
    &Os,
    &[],
);

/// Every adapter compiled into this build, the reference first.
pub fn compiled_in() -> Vec<Adapter> {
    vec![
        OS,
        #[cfg(feature = "adapter-std")]
        std_lib::ADAPTER,
        #[cfg(feature = "adapter-os-pipe")]
        os_pipe::ADAPTER,
        #[cfg(feature = "adapter-interprocess")]
        interprocess::ADAPTER,
        #[cfg(feature = "adapter-memmap2")]
        memmap2::ADAPTER,
        #[cfg(feature = "adapter-shared-memory")]
        shared_memory::ADAPTER,
        #[cfg(feature = "adapter-raw-sync")]
        raw_sync::ADAPTER,
        #[cfg(feature = "adapter-tokio")]
        tokio::ADAPTER,
        #[cfg(feature = "adapter-ipc-channel")]
        ipc_channel::ADAPTER,
        #[cfg(feature = "adapter-rustix")]
        rustix::ADAPTER,
        #[cfg(feature = "adapter-mio")]
        mio::ADAPTER,
        #[cfg(all(feature = "adapter-memfd", target_os = "linux"))]
        memfd::ADAPTER,
    ]
}

/// The adapter called `name` (among the faulty pipes too, with the `faulty` feature),
/// or the names there are.
pub fn find(name: &str) -> Result<Adapter, String> {
    #[cfg_attr(not(feature = "faulty"), expect(unused_mut, reason = "nothing to add"))]
    let mut all = compiled_in();
    #[cfg(feature = "faulty")]
    all.extend(faulty::adapters());
    all.iter().find(|a| a.name == name).copied().ok_or_else(|| {
        let names: Vec<_> = all.iter().map(|a| a.name).collect();
        format!(
            "no adapter `{name}` in this build (there are: {}; build with --features adapters for all)",
            names.join(", ")
        )
    })
}
