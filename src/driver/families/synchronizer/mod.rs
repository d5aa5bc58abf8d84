//! The semaphores-and-locks family in the driver. Before the fork the driver makes the
//! scenario's System V semaphore set through the implementation (`semget`, with
//! IPC_PRIVATE or a random key, then `semctl(SETVAL)` of each semaphore); related
//! processes inherit its id, an unrelated one of a keyed set knows the key alone until
//! its `semget`. The set outlives every process, so the driver removes it after the run,
//! with any other set of its key, and notes both for the sweep of a killed run. For a
//! POSIX named semaphore the driver only picks a name private to the run
//! (`/ipcc.PID.RANDOM`), which the processes `sem_open`, and unlinks it after the run; an
//! unnamed one it makes through the implementation in shared memory (`sem_init` with
//! pshared 1), which related processes inherit and the others let go of. A
//! process-shared mutex and condition variable the implementation makes in a page of
//! shared memory the driver maps (its name unlinked at once: nothing outlives the
//! run), which related processes inherit.

mod executor;

use std::cell::RefCell;
use std::path::Path;

use self::executor::SemaphoreExecutor;
use crate::driver::cleanup::private_temp_path;
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::families::{padded, private_ipc_name};
use crate::driver::family::{failed_before_fork, ActorContext, Family};
use crate::driver::sysv_objects::{
    mark_sysv_maker, note, remove_semaphore_set, remove_semaphores_of_key, with_random_key,
    SysvNote,
};
use crate::mechanism::os::{OsSynchronizer, PageMemory, SharedPage};
use crate::mechanism::{Describe, IpcKey, Synchronizer};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// A semaphores-and-locks implementation under test, as the driver runs it.
pub(crate) struct SynchronizerFamily<'a, I: Synchronizer> {
    iut: &'a I,
    /// Where a semaphore name's length limit comes from.
    profile: &'static PlatformProfile,
    /// Sets made for this run, removed by `clean_up` (in the driver only).
    sets: RefCell<Vec<I::SemaphoreSet>>,
    /// Keys given out for this run: `clean_up` removes whatever set has one.
    keys: RefCell<Vec<IpcKey>>,
    /// Markers of the sets, for the sweep after a killed run; removed by `clean_up`.
    markers: RefCell<Vec<std::path::PathBuf>>,
    /// Semaphore names given out for this run, unlinked by `clean_up`.
    names: RefCell<Vec<String>>,
}

impl<'a, I: Synchronizer> SynchronizerFamily<'a, I> {
    pub(crate) fn new(iut: &'a I, profile: &'static PlatformProfile) -> Self {
        SynchronizerFamily {
            iut,
            profile,
            sets: RefCell::new(Vec::new()),
            keys: RefCell::new(Vec::new()),
            markers: RefCell::new(Vec::new()),
            names: RefCell::new(Vec::new()),
        }
    }
}

/// What the driver makes before the fork: the System V set and its key when it has
/// one; for a POSIX named semaphore, only its name; an unnamed one, in shared memory;
/// a process-shared lock, in a page of shared memory.
pub(crate) enum SemaphoreObject<S, P, L> {
    /// A System V set.
    Set {
        /// The set.
        set: S,
        /// Its key, unless IPC_PRIVATE.
        key: Option<IpcKey>,
    },
    /// The name of a POSIX named semaphore, and the names of other lengths the
    /// scenario opens (`sem_open` with `name_len`): each length and its name.
    Named(String, Vec<(Size, String)>),
    /// An unnamed, process-shared POSIX semaphore.
    Unnamed(InPage<P>),
    /// A process-shared mutex and condition variable.
    Lock(InPage<L>),
}

/// The object the driver makes for an implementation `I`.
type ObjectOf<I> = SemaphoreObject<
    <I as Synchronizer>::SemaphoreSet,
    <I as Synchronizer>::PosixSemaphore,
    <I as Synchronizer>::SharedLock,
>;

/// A process-shared object as one process holds it: the implementation's view of it and
/// the page of shared memory it lives in, let go of in that order.
pub(crate) struct InPage<T> {
    /// The implementation's object, at the page's address in this process.
    pub(crate) object: T,
    /// The memory.
    pub(crate) page: SharedPage,
}

/// A page of the memory `memory` names, its name (if it has one) private to the run and
/// unlinked as soon as it is open.
fn shared_page(memory: SharedMemory) -> Result<SharedPage, SetupError> {
    let made = match memory {
        SharedMemory::Anonymous => SharedPage::create(PageMemory::Anonymous),
        SharedMemory::PosixShm => SharedPage::create(PageMemory::PosixShm(&private_ipc_name()?)),
        SharedMemory::File => {
            let path = private_temp_path().map_err(HarnessError::Random)?;
            SharedPage::create(PageMemory::File(&path))
        }
    };
    made.map_err(|e| HarnessError::SharedPage(e).into())
}

impl<'a, I: Synchronizer> Family for SynchronizerFamily<'a, I> {
    type Object = ObjectOf<I>;
    type Executor = SemaphoreExecutor<'a, I>;

    fn iut(&self) -> &dyn Describe {
        self.iut
    }

    fn create(&self, scenario: &Scenario, _dir: Option<&Path>) -> Result<Self::Object, SetupError> {
        match scenario.mechanism {
            Mechanism::SysvSem => self.make_set(&scenario.semaphores),
            Mechanism::PosixSem => match scenario.unnamed_semaphore {
                Some(unnamed) => {
                    let page = shared_page(unnamed.memory)?;
                    let sem = self
                        .iut
                        .sem_init_shared(&page, unnamed.value)
                        .map_err(|e| failed_before_fork(self.iut.name(), "sem_init", e))?;
                    Ok(SemaphoreObject::Unnamed(InPage { object: sem, page }))
                }
                None => {
                    let name = private_ipc_name()?;
                    let lengthened = self.lengthened(scenario, &name);
                    let mut names = self.names.borrow_mut();
                    names.push(name.clone());
                    names.extend(lengthened.iter().map(|(_, n)| n.clone()));
                    Ok(SemaphoreObject::Named(name, lengthened))
                }
            },
            Mechanism::PsharedMutex => {
                let page = shared_page(scenario.mutex.memory)?;
                let lock = self.iut.lock_init(&page, &scenario.mutex).map_err(|e| {
                    let call = "pthread_mutex_init of the [mutex] type and robustness";
                    failed_before_fork(self.iut.name(), call, e)
                })?;
                Ok(SemaphoreObject::Lock(InPage { object: lock, page }))
            }
            other => Err(HarnessError::WrongFamily {
                mechanism: other,
                family: "semaphores and locks",
            }
            .into()),
        }
    }

    /// A POSIX named semaphore is reached by its name; a System V set through the id
    /// the fork gives, which an actor started by exec has not.
    fn object_name(&self, object: &Self::Object) -> Option<String> {
        match object {
            SemaphoreObject::Named(name, _) => Some(name.clone()),
            SemaphoreObject::Set { .. }
            | SemaphoreObject::Unnamed(_)
            | SemaphoreObject::Lock(_) => None,
        }
    }

    fn reopen(&self, scenario: &Scenario, name: &str) -> Self::Object {
        SemaphoreObject::Named(name.to_owned(), self.lengthened(scenario, name))
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        _actor: ActorContext<'_>,
    ) -> Self::Executor {
        match object {
            SemaphoreObject::Set { set, key } => {
                // An unrelated process of a keyed set knows the key alone, until its
                // `semget`.
                let knows_id = process.relation == Relation::Related || key.is_none();
                SemaphoreExecutor::for_set(self.iut, knows_id.then_some(set), key)
            }
            SemaphoreObject::Named(name, lengthened) => {
                SemaphoreExecutor::for_name(self.iut, name, lengthened)
            }
            // An unrelated process inherits nothing: it lets go of the fork's copy.
            SemaphoreObject::Unnamed(sem) => {
                let related = process.relation == Relation::Related;
                SemaphoreExecutor::for_unnamed(self.iut, related.then_some(sem))
            }
            SemaphoreObject::Lock(lock) => {
                let related = process.relation == Relation::Related;
                SemaphoreExecutor::for_lock(self.iut, related.then_some(lock))
            }
        }
    }

    /// The driver holds nothing of a set but its id, nor of a named semaphore but its
    /// name; of an unnamed one or a lock, its memory, which dropping lets go of.
    fn release(&self, object: Self::Object) {
        drop(object);
    }

    fn clean_up(&self) {
        // The scenario may have removed them already (EINVAL, EIDRM): gone either way.
        for set in self.sets.borrow_mut().drain(..) {
            let _ = self.iut.semctl_rmid(&set);
            if let Some(id) = self.iut.semaphore_id(&set) {
                remove_semaphore_set(id);
            }
        }
        // A process may have made another set with the key after the first went.
        for key in self.keys.borrow_mut().drain(..) {
            remove_semaphores_of_key(key.0);
        }
        for marker in self.markers.borrow_mut().drain(..) {
            let _ = std::fs::remove_file(marker);
        }
        for name in self.names.borrow_mut().drain(..) {
            let _ = self.iut.sem_unlink(&name);
            // An implementation whose unlink leaves the name must not leave ours behind;
            // after one that removed it, this finds ENOENT.
            let _ = OsSynchronizer.sem_unlink(&name);
        }
    }
}

impl<I: Synchronizer> SynchronizerFamily<'_, I> {
    /// The names of other lengths than `name`'s the scenario's `sem_open`s ask for, each
    /// with its length: `name` cut or padded to it.
    fn lengthened(&self, scenario: &Scenario, name: &str) -> Vec<(Size, String)> {
        let lengths = scenario.steps.iter().flat_map(|step| &step.actions);
        lengths
            .filter_map(|(_, action)| match action {
                Action::SemOpen {
                    name_len: Some(len),
                    ..
                } => Some(*len),
                _ => None,
            })
            .map(|len| {
                let bytes = self
                    .profile
                    .resolve(len)
                    .expect("sizes are resolved before the run");
                (len, padded(name, bytes as usize))
            })
            .collect()
    }

    /// The scenario's System V set, made through the implementation: `semget`, then
    /// SETVAL of each semaphore to its value.
    fn make_set(&self, spec: &SemaphoreSet) -> Result<ObjectOf<I>, SetupError> {
        let iut = self.iut;
        let count = spec.values.len();
        self.markers.borrow_mut().extend(mark_sysv_maker());
        let (set, key) = match spec.key {
            SysvKey::Private => {
                let set = iut
                    .semget(IpcKey::PRIVATE, count, &[IpcFlag::Creat])
                    .map_err(|e| failed_before_fork(iut.name(), "semget", e))?;
                (set, None)
            }
            SysvKey::Random => {
                let (key, set) = with_random_key(
                    iut.name(),
                    "semget",
                    SysvNote::SemKey,
                    &mut self.keys.borrow_mut(),
                    |key| iut.semget(key, count, &[IpcFlag::Creat, IpcFlag::Excl]),
                )?;
                (set, Some(key))
            }
        };
        // A set made with IPC_PRIVATE is found again by its id alone.
        if let Some(id) = iut.semaphore_id(&set) {
            note(SysvNote::SemId(id));
        }
        self.sets.borrow_mut().push(set.clone());
        for (num, value) in spec.values.iter().enumerate() {
            iut.semctl_setval(&set, num as u16, *value)
                .map_err(|e| failed_before_fork(iut.name(), "semctl(SETVAL)", e))?;
        }
        Ok(SemaphoreObject::Set { set, key })
    }
}
