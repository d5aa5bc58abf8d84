//! What the region model keeps: the memory objects, the names that lead to them, the
//! System V segment, and per process its mapping and its object descriptor, set up as
//! the driver sets them up before the fork. The small moves every call shares (a process
//! dies with its mapping and descriptor; a call needs a mapping or a descriptor) are here
//! so that the calls in the sibling modules treat them one way.

use nix::sys::signal::Signal;

use super::mapping::{Mapping, Rights};
use super::object::MemoryObject;
use crate::model::calls::{callers_in_processes, Caller};
use crate::model::outcome::{ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{AccessMode, Mechanism, Process, RegionSpec, Relation, SignalName};

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::model) struct Holder {
    pub(super) mapping: Option<Mapping>,
    /// The object descriptor: which object, opened how.
    pub(super) object: Option<(usize, AccessMode)>,
}

/// The System V segment: its memory object and whether IPC_RMID removed its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) object: usize,
    pub(super) removed: bool,
}

/// The shared regions of one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionModel {
    pub(super) mechanism: Mechanism,
    pub(super) spec: RegionSpec,
    /// The region's length in bytes: `spec.len` on the profile the model was made for.
    pub(super) len: u64,
    pub(super) objects: Vec<MemoryObject>,
    /// The objects the names lead to: the scenario's own name (`None`), or that name
    /// padded to a length (`shm_open` with `name_len`).
    pub(super) names: Vec<(Option<u64>, usize)>,
    pub(super) segment: Option<Segment>,
    pub(super) processes: Vec<Caller<(), Holder>>,
}

impl RegionModel {
    /// The regions as the driver sets them up for `processes`: anonymous memory or a
    /// System V segment mapped before the fork, kept by the related processes; no
    /// object yet for POSIX shared memory and files, which the processes create by name.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        spec: RegionSpec,
        profile: &PlatformProfile,
    ) -> Result<RegionModel, Unmodelled> {
        let len = profile.resolve(spec.len).map_err(Unmodelled::Action)?;
        let mut objects = Vec::new();
        let mut inherited = None;
        if mechanism.inherits_region() {
            objects.push(MemoryObject::zeroed(len));
            inherited = Some(Mapping::new(
                0,
                &mut objects[0],
                len,
                spec.sharing,
                Rights::READ_WRITE,
                true,
            )?);
        }
        Ok(RegionModel {
            mechanism,
            spec,
            len,
            objects,
            names: Vec::new(),
            segment: (mechanism == Mechanism::SysvShm).then_some(Segment {
                object: 0,
                removed: false,
            }),
            processes: processes
                .iter()
                .map(|p| {
                    let mapping = inherited
                        .clone()
                        .filter(|_| p.relation == Relation::Related);
                    Caller::new(
                        p,
                        Holder {
                            mapping,
                            object: None,
                        },
                    )
                })
                .collect(),
        })
    }

    /// Whether process `p` holds the object descriptor.
    pub fn holds_object(&self, p: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.object.is_some()
    }

    /// Whether process `p` has a mapping (or an attachment).
    pub fn mapped(&self, p: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.mapping.is_some()
    }

    /// Process `p` dies by `signal`.
    pub(super) fn killed(&mut self, p: usize, signal: Signal) -> ModelOutcome {
        self.leave(p);
        ModelOutcome::Killed(SignalName(signal))
    }

    /// The process is gone: its mapping and its descriptor with it.
    pub(super) fn leave(&mut self, p: usize) {
        let process = &mut self.processes[p];
        process.alive = false;
        process.state.mapping = None;
        process.state.object = None;
    }

    pub(super) fn mapping_mut(&mut self, p: usize) -> Result<&mut Mapping, Unmodelled> {
        self.processes[p].state.mapping.as_mut().ok_or_else(|| {
            Unmodelled::Action("a call on a region the process has not mapped".to_owned())
        })
    }

    pub(super) fn descriptor(&self, p: usize) -> Result<(usize, AccessMode), Unmodelled> {
        self.processes[p].state.object.ok_or_else(|| {
            Unmodelled::Action(
                "a call on an object descriptor the process does not hold".to_owned(),
            )
        })
    }
}

// Region calls never wait: no process blocks, so none finishes a blocked call.
callers_in_processes!(RegionModel, (), Holder);
