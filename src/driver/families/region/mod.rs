//! The shared-region family in the driver: the region is mapped (anonymous memory) or
//! made and attached (a System V segment) before the fork; each related process keeps
//! its inherited mapping, an unrelated one lets go of it; the driver lets go of its own,
//! and removes the segment once the run is over, whatever the scenario did with it.

mod executor;

use std::cell::RefCell;
use std::os::fd::RawFd;
use std::path::Path;

use self::executor::RegionExecutor;
use crate::driver::family::{ActorContext, Family};
use crate::mechanism::SharedRegion;
use crate::scenario::*;

/// A shared-region implementation under test, as the driver runs it.
pub(crate) struct RegionFamily<'a, I: SharedRegion> {
    iut: &'a I,
    /// Segments made for this run, removed by `clean_up` (in the driver only).
    segments: RefCell<Vec<I::Segment>>,
}

impl<'a, I: SharedRegion> RegionFamily<'a, I> {
    pub(crate) fn new(iut: &'a I) -> Self {
        RegionFamily {
            iut,
            segments: RefCell::new(Vec::new()),
        }
    }
}

/// What the driver makes before the fork: the mapping (with its segment, for System V),
/// and how to map another like it.
pub(crate) struct RegionObject<R, S> {
    region: R,
    segment: Option<S>,
    spec: RegionSpec,
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

    fn name(&self) -> &str {
        self.iut.name()
    }

    fn provides(&self, mechanism: Mechanism) -> Result<(), String> {
        if self.iut.mechanisms().contains(&mechanism) {
            return Ok(());
        }
        Err(format!(
            "implementation `{}` does not provide {mechanism}",
            self.iut.name()
        ))
    }

    fn create(&self, scenario: &Scenario, _dir: Option<&Path>) -> Result<Self::Object, String> {
        let spec = scenario.region;
        let iut = self.iut;
        let failed = |call: &str, e: Errno| format!("{}: {call}() failed with {e}", iut.name());
        if scenario.mechanism == Mechanism::SysvShm {
            let segment = iut
                .shmget(spec.len as usize)
                .map_err(|e| failed("shmget", e))?;
            self.segments.borrow_mut().push(segment.clone());
            let region = iut.shmat(&segment).map_err(|e| failed("shmat", e))?;
            return Ok(RegionObject {
                region,
                segment: Some(segment),
                spec,
            });
        }
        let shared = spec.sharing == Sharing::Shared;
        let region = iut
            .map_anonymous(spec.len as usize, shared)
            .map_err(|e| failed("mmap", e))?;
        Ok(RegionObject {
            region,
            segment: None,
            spec,
        })
    }

    fn kept_fds(&self, _object: &Self::Object, _process: &Process) -> Vec<RawFd> {
        Vec::new()
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext,
    ) -> Self::Executor {
        let region = match process.relation {
            Relation::Related => Some(object.region),
            Relation::Unrelated => {
                let _ = let_go(self.iut, object.region, object.segment.as_ref());
                None
            }
        };
        RegionExecutor::new(self.iut, actor, object.spec, object.segment, region)
    }

    fn release(&self, object: Self::Object) {
        let _ = let_go(self.iut, object.region, object.segment.as_ref());
    }

    fn clean_up(&self) {
        for segment in self.segments.borrow_mut().drain(..) {
            // The scenario may have removed it already (EINVAL then): gone either way.
            let _ = self.iut.shmctl_rmid(&segment);
        }
    }
}
