//! The shared-region family in the driver. Before the fork the region is mapped
//! (anonymous memory) or made and attached (a System V segment), and each related process
//! keeps its inherited mapping while an unrelated one lets go of it; a POSIX shared
//! memory object or a file gets only its name, private to the run, and the processes
//! open and map it themselves. The driver lets go of its own mapping after the forks, and removes the
//! segment or the name once the run is over, whatever the scenario did with them.

mod executor;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use self::executor::RegionExecutor;
use crate::driver::cleanup::random_suffix;
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::family::{failed_before_fork, ActorContext, Family};
use crate::driver::made_by_parent::MadeByParent;
use crate::driver::sysv_objects::{
    mark_sysv_maker, remove_segments_of_key, with_random_key, SysvNote,
};
use crate::mechanism::{Describe, IpcKey, SharedRegion};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// How POSIX shared memory names of ours start (`/ipcc.PID.RANDOM`): short, because
/// macOS allows 31 characters, and recognisable, so a sweep can remove those of a run
/// that was killed.
pub(crate) const SHM_PREFIX: &str = "ipcc.";

/// A POSIX IPC name private to this run, `/ipcc.PID.RANDOM` (22 characters at most,
/// within macOS's 31): for a shared memory object or a named semaphore.
pub(crate) fn private_ipc_name() -> Result<String, SetupError> {
    let suffix = random_suffix().map_err(HarnessError::Random)?;
    Ok(format!(
        "/{SHM_PREFIX}{}.{:08x}",
        std::process::id(),
        suffix as u32
    ))
}

/// A shared-region implementation under test, as the driver runs it.
pub(crate) struct RegionFamily<'a, I: SharedRegion> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    /// Segments made for this run, removed by `clean_up` (in the driver only).
    segments: RefCell<Vec<I::Segment>>,
    /// Keys given out for this run: `clean_up` removes whatever segment has one.
    keys: RefCell<Vec<IpcKey>>,
    /// POSIX shared memory names given out for this run, unlinked by `clean_up`.
    names: RefCell<Vec<String>>,
    /// Markers of the segments, for the sweep after a killed run; removed by `clean_up`.
    markers: RefCell<Vec<PathBuf>>,
}

impl<'a, I: SharedRegion> RegionFamily<'a, I> {
    fn page_size(&self) -> usize {
        self.profile.page_size as usize
    }

    pub(crate) fn new(iut: &'a I, profile: &'static PlatformProfile) -> Self {
        RegionFamily {
            iut,
            profile,
            segments: RefCell::new(Vec::new()),
            keys: RefCell::new(Vec::new()),
            names: RefCell::new(Vec::new()),
            markers: RefCell::new(Vec::new()),
        }
    }
}

/// What the driver makes before the fork: the mapping (with its segment, for System V)
/// or the name (POSIX), the object the parent made when the scenario says so, and the
/// spec for mapping more.
pub(crate) struct RegionObject<R, S, O> {
    region: Option<R>,
    segment: Option<S>,
    named: Option<Named>,
    made: Option<MadeByParent<O>>,
    spec: RegionSpec,
}

/// Let go of the object the parent made (`made_by = "parent"`), and of its mapping, as
/// an exiting process does: the memory is unmapped too.
fn abandon<I: SharedRegion>(
    iut: &I,
    made: MadeByParent<I::Object>,
    region: Option<I::Region>,
    page: usize,
) {
    if let Some(region) = region {
        unmap_behind(iut.bytes(&region), page);
        std::mem::forget(region);
    }
    made.abandon();
}

/// Unmap the pages of `(base, len)` behind the back of the value that mapped them.
#[expect(unsafe_code, reason = "unmapping memory a forgotten value mapped")]
fn unmap_behind((base, len): (NonNull<u8>, usize), page: usize) {
    let start = base.as_ptr() as usize / page * page;
    let end = (base.as_ptr() as usize + len).div_ceil(page) * page;
    let Some(start) = NonNull::new(start as *mut std::ffi::c_void) else {
        return;
    };
    // SAFETY: the pages are the mapping of a value this process forgets right after and
    // never reaches again (no reference into them is alive); a failure leaves them mapped.
    let _ = unsafe { nix::sys::mman::munmap(start, end - start.as_ptr() as usize) };
}

/// The name of an object the processes open themselves.
#[derive(Clone, Debug)]
pub(crate) enum Named {
    /// A POSIX shared memory name.
    Shm(String),
    /// A regular file's path, in the run's private directory.
    File(PathBuf),
    /// The key of a System V segment (`[region] key = "random"`).
    Key(IpcKey),
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
    type Object = RegionObject<I::Region, I::Segment, I::Object>;
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
            made: None,
            spec,
        };
        match scenario.mechanism {
            Mechanism::SysvShm => {
                self.markers.borrow_mut().extend(mark_sysv_maker());
                let segment = match spec.key {
                    SysvKey::Private => iut
                        .shmget(IpcKey::PRIVATE, len, &[IpcFlag::Creat])
                        .map_err(|e| failed("shmget", e))?,
                    SysvKey::Random => {
                        let (key, segment) = with_random_key(
                            iut.name(),
                            "shmget",
                            SysvNote::ShmKey,
                            &mut self.keys.borrow_mut(),
                            |key| iut.shmget(key, len, &[IpcFlag::Creat, IpcFlag::Excl]),
                        )?;
                        object.named = Some(Named::Key(key));
                        segment
                    }
                };
                self.segments.borrow_mut().push(segment.clone());
                object.region = Some(iut.shmat(&segment).map_err(|e| failed("shmat", e))?);
                object.segment = Some(segment);
            }
            Mechanism::PosixShm => {
                let name = private_ipc_name()?;
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
                if spec.made_by == MadeBy::Parent {
                    let mut region = None;
                    object.made = Some(MadeByParent::make(|| {
                        let handle = iut
                            .shm_open(
                                &name,
                                AccessMode::ReadWrite,
                                &[OpenFlag::Creat, OpenFlag::Excl],
                            )
                            .map_err(|e| failed("shm_open", e))?;
                        iut.ftruncate(&handle, len as u64)
                            .map_err(|e| failed("ftruncate", e))?;
                        let shared = spec.sharing == Sharing::Shared;
                        region = Some(
                            iut.mmap(&handle, len, shared, true)
                                .map_err(|e| failed("mmap", e))?,
                        );
                        Ok::<_, SetupError>(handle)
                    })?);
                    object.region = region;
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
            // A segment is reached through the attachment the fork gives, which an
            // actor started by exec has not.
            Some(Named::Key(_)) | None => None,
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
            made: None,
            spec: scenario.region,
        }
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor {
        let related = process.relation == Relation::Related;
        let (region, handle) = match (object.made, object.region) {
            (Some(made), region) if related => (region, Some(made.handle)),
            (Some(made), region) => {
                abandon(self.iut, made, region, self.page_size());
                (None, None)
            }
            (None, Some(region)) if related => (Some(region), None),
            (None, Some(region)) => {
                let _ = let_go(self.iut, region, object.segment.as_ref());
                (None, None)
            }
            (None, None) => (None, None),
        };
        // A segment with a key is known to an unrelated process by its key alone, until
        // its `shmget`.
        let keyed = matches!(object.named, Some(Named::Key(_)));
        let segment = object.segment.filter(|_| related || !keyed);
        RegionExecutor::new(
            self.iut,
            actor,
            object.spec,
            segment,
            object.named,
            region,
            handle,
        )
    }

    fn release(&self, object: Self::Object) {
        match (object.made, object.region) {
            (Some(made), region) => abandon(self.iut, made, region, self.page_size()),
            (None, Some(region)) => {
                let _ = let_go(self.iut, region, object.segment.as_ref());
            }
            (None, None) => {}
        }
    }

    fn clean_up(&self) {
        // The scenario may have removed them already (EINVAL, ENOENT): gone either way.
        for segment in self.segments.borrow_mut().drain(..) {
            let _ = self.iut.shmctl_rmid(&segment);
        }
        // A process may have made another segment with the key after the first went.
        for key in self.keys.borrow_mut().drain(..) {
            remove_segments_of_key(key.0);
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
