//! The checks of `released`: a step that lets the system choose which of several
//! blocked calls return. Its processes form a group until every call of the group has
//! returned: until then none of them may do anything but `completes` in another
//! `released` step of the same group, since the file cannot know which are free.

use crate::scenario::model::*;

/// A group of processes whose blocked calls return a few at a time.
struct Group {
    members: Vec<ProcessIndex>,
    /// Calls not yet returned.
    remaining: u32,
    /// The step that formed it.
    from: StepIndex,
}

/// The groups of a scenario, as its steps are checked in order.
#[derive(Default)]
pub(super) struct Releases {
    groups: Vec<Group>,
}

impl Releases {
    /// The open group `p` belongs to, if any.
    fn group_of(&self, p: ProcessIndex) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.remaining > 0 && g.members.contains(&p))
    }

    /// Check step `si`, whose `released` is `count`: every action a `completes`, of at
    /// least two processes, all of a new group or all of the one open group. Returns
    /// whether every call of the group has now returned.
    pub(super) fn check_step(
        &mut self,
        si: usize,
        step: &Step,
        count: u32,
    ) -> Result<bool, String> {
        if step.actions.iter().any(|(_, a)| *a != Action::Await) {
            return Err(
                "`released` applies to a step whose every action is `completes`".to_owned(),
            );
        }
        let members: Vec<ProcessIndex> = step.actions.iter().map(|(p, _)| *p).collect();
        if members.len() < 2 {
            return Err(
                "`released` chooses among several blocked calls; this step awaits one".to_owned(),
            );
        }
        let open = members
            .iter()
            .find_map(|p| self.group_of(*p).map(|g| g.from));
        let group = match open {
            None => {
                self.groups.push(Group {
                    members: members.clone(),
                    remaining: members.len() as u32,
                    from: StepIndex(si),
                });
                self.groups.last_mut().expect("just pushed")
            }
            Some(from) => {
                let group = self
                    .groups
                    .iter_mut()
                    .find(|g| g.remaining > 0 && g.from == from)
                    .expect("an open group");
                let mut expected = group.members.clone();
                let mut given = members.clone();
                expected.sort();
                given.sort();
                if expected != given {
                    return Err(format!(
                        "`released` of step {from} left some calls of its processes blocked; a later `released` step awaits them all together, the same processes"
                    ));
                }
                group
            }
        };
        if count == 0 || count > group.remaining {
            return Err(format!(
                "`released = {count}`: between 1 and the {} calls still blocked",
                group.remaining
            ));
        }
        group.remaining -= count;
        Ok(group.remaining == 0)
    }

    /// Process `p` (called `name`) acts outside a `released` step: it must not be in an
    /// open group, whose members may or may not be free.
    pub(super) fn check_free(&self, p: ProcessIndex, name: &ProcessName) -> Result<(), String> {
        match self.group_of(p) {
            Some(group) => Err(format!(
                "process `{name}` may still be blocked after `released` of step {}: await the rest of its group in a `released` step before it acts",
                group.from
            )),
            None => Ok(()),
        }
    }
}
