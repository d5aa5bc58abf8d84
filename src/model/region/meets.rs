//! The state of the region a call meets ([`CallState`]): the caller's mapping, with
//! the rights `mmap` or `mprotect` gave it, or none.

use super::mapping::Rights;
use super::RegionModel;
use crate::model::call_state::{CallState, MappingState};

impl RegionModel {
    /// The state a call of process `p` meets.
    pub(in crate::model) fn call_state(&self, p: usize) -> CallState {
        let mapping = match &self.processes[p].state.mapping {
            None => MappingState::Unmapped,
            Some(m) => match m.rights {
                Rights {
                    read: true,
                    write: true,
                } => MappingState::ReadWrite,
                Rights {
                    read: true,
                    write: false,
                } => MappingState::ReadOnly,
                Rights {
                    read: false,
                    write: true,
                } => MappingState::WriteOnly,
                Rights {
                    read: false,
                    write: false,
                } => MappingState::NoAccess,
            },
        };
        CallState {
            mapping: Some(mapping),
            ..CallState::default()
        }
    }
}
