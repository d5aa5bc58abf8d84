//! The shared-region family in the driver. Before the fork the region is mapped
//! (anonymous memory) or made and attached (a System V segment), and each related process
//! keeps its inherited mapping while an unrelated one lets go of it; a POSIX shared
//! memory object or a file gets only its name, private to the run, and the processes
//! open and map it themselves. The driver lets go of its own mapping after the forks, and removes the
//! segment or the name once the run is over, whatever the scenario did with them.

mod executor;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use self::executor::RegionExecutor;
use crate::driver::cleanup::{mark_sysv_maker, random_suffix};
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::family::{failed_before_fork, ActorContext, Family};
use crate::mechanism::{Describe, SharedRegion};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// How POSIX shared memory names of ours start (`/ipcc.PID.RANDOM`): short, because
/// macOS allows 31 characters, and recognisable, so a sweep can remove those of a run
/// that was killed.
pub(crate) const SHM_PREFIX: &str = "ipcc.";

/// A shared-region implementation under test, as the driver runs it.
pub(crate) struct RegionFamily<'a, I: SharedRegion> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    /// Segments made for this run, removed by `clean_up` (in the driver only).
    segments: RefCell<Vec<I::Segment>>,
    /// POSIX shared memory names given out for this run, unlinked by `clean_up`.
    names: RefCell<Vec<String>>,
    /// Markers of the segments, for the sweep after a killed run; removed by `clean_up`.
    markers: RefCell<Vec<PathBuf>>,
}

impl<'a, I: SharedRegion> RegionFamily<'a, I> {
    pub(crate) fn new(iut: &'a I, profile: &'static PlatformProfile) -> Self {
        RegionFamily {
            iut,
            profile,
            segments: RefCell::new(Vec::new()),
            names: RefCell::new(Vec::new()),
            markers: RefCell::new(Vec::new()),
        }
    }
}

/// What the driver makes before the fork: the mapping (with its segment, for System V)
/// or the name (POSIX), and the spec for mapping more.
pub(crate) struct RegionObject<R, S> {
    region: Option<R>,
    segment: Option<S>,
    named: Option<Named>,
    spec: RegionSpec,
}

/// The name of an object the processes open themselves.
#[derive(Clone, Debug)]
pub(crate) enum Named {
    /// A POSIX shared memory name.
    Shm(String),
    /// A regular file's path, in the run's private directory.
    File(PathBuf),
}

/// `name` lengthened with `x` (or cut) to `len` characters, for probing name limits.
pub(crate) fn padded(name: &str, len: usize) -> String {
    let mut out: String = name.chars().take(len).collect();
    while out.len() < len {
        out.push('x');
    }
    out
}

/// Let go of a mapping the way it was made.
fn let_go<I: SharedRegion>(
    iut: &I,
    region: I::Region,
    segment: Option<&I::Segment>,
) -> Result<(), Errno> {
    match segment {
        Some(_) => iut.shmdt(region),
        None => iut.unmap(region),
    }
}

impl<'a, I: SharedRegion> Family for RegionFamily<'a, I> {
    type Object = RegionObject<I::Region, I::Segment>;
    type Executor = RegionExecutor<'a, I>;

    fn iut(&self) -> &dyn Describe {
        self.iut
    }

    fn create(&self, scenario: &Scenario, dir: Option<&Path>) -> Result<Self::Object, SetupError> {
        let spec = scenario.region;
        let len = self
            .profile
            .resolve(spec.len)
            .expect("sizes are resolved before the run") as usize;
        let iut = self.iut;
        let failed = |call: &'static str, e: Errno| failed_before_fork(iut.name(), call, e);
        let mut object = RegionObject {
            region: None,
            segment: None,
            named: None,
            spec,
        };
        match scenario.mechanism {
            Mechanism::SysvShm => {
                self.markers.borrow_mut().extend(mark_sysv_maker());
                let segment = iut.shmget(len).map_err(|e| failed("shmget", e))?;
                self.segments.borrow_mut().push(segment.clone());
                object.region = Some(iut.shmat(&segment).map_err(|e| failed("shmat", e))?);
                object.segment = Some(segment);
            }
            Mechanism::PosixShm => {
                let suffix = random_suffix().map_err(HarnessError::Random)?;
                let name = format!("/{SHM_PREFIX}{}.{:08x}", std::process::id(), suffix as u32);
                // The names the processes will open, lengthened ones included, so that
                // `clean_up` removes every one of them.
                let mut names = self.names.borrow_mut();
                names.push(name.clone());
                for step in &scenario.steps {
                    for (_, action) in &step.actions {
                        if let Action::ShmOpen {
                            name_len: Some(len),
                            ..
                        } = action
                        {
                            let len = self
                                .profile
                                .resolve(*len)
                                .expect("sizes are resolved before the run");
                            names.push(padded(&name, len as usize));
                        }
                    }
                }
                object.named = Some(Named::Shm(name));
            }
            Mechanism::FileMmap => {
                let dir = dir.expect("a file has a name, so the run has a private directory");
                object.named = Some(Named::File(dir.join("file")));
            }
            _ => {
                let shared = spec.sharing == Sharing::Shared;
                object.region = Some(
                    iut.map_anonymous(len, shared)
                        .map_err(|e| failed("mmap", e))?,
                );
            }
        }
        Ok(object)
    }

    fn object_name(&self, object: &Self::Object) -> Option<String> {
        match &object.named {
            Some(Named::Shm(name)) => Some(format!("shm:{name}")),
            Some(Named::File(path)) => path.to_str().map(|p| format!("file:{p}")),
            None => None,
        }
    }

    fn reopen(&self, scenario: &Scenario, name: &str) -> Self::Object {
        let named = match name.split_once(':') {
            Some(("shm", shm)) => Named::Shm(shm.to_owned()),
            _ => Named::File(PathBuf::from(name.trim_start_matches("file:"))),
        };
        RegionObject {
            region: None,
            segment: None,
            named: Some(named),
            spec: scenario.region,
        }
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor {
        let region = match (object.region, process.relation) {
            (Some(region), Relation::Related) => Some(region),
            (Some(region), Relation::Unrelated) => {
                let _ = let_go(self.iut, region, object.segment.as_ref());
                None
            }
            (None, _) => None,
        };
        RegionExecutor::new(
            self.iut,
            actor,
            object.spec,
            object.segment,
            object.named,
            region,
        )
    }

    fn release(&self, object: Self::Object) {
        if let Some(region) = object.region {
            let _ = let_go(self.iut, region, object.segment.as_ref());
        }
    }

    fn clean_up(&self) {
        // The scenario may have removed them already (EINVAL, ENOENT): gone either way.
        for segment in self.segments.borrow_mut().drain(..) {
            let _ = self.iut.shmctl_rmid(&segment);
        }
        for marker in self.markers.borrow_mut().drain(..) {
            let _ = std::fs::remove_file(marker);
        }
        for name in self.names.borrow_mut().drain(..) {
            let _ = self.iut.shm_unlink(&name);
            // An implementation whose unlink leaves the name must not leave ours behind;
            // after one that removed it, this finds ENOENT.
            let _ = nix::sys::mman::shm_unlink(name.as_str());
        }
    }
}
