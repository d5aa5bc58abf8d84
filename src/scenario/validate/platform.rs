//! The platform checks that turn a valid scenario into a skip.

use super::actions::{action_offset, action_size};
use crate::platform::PlatformProfile;
use crate::scenario::model::*;

/// Why a valid scenario cannot run on this platform, if it cannot: a skip, not a failure.
pub fn skip_reason(s: &Scenario, profile: &PlatformProfile) -> Option<String> {
    let mut needs: Vec<Feature> = s.requires.clone();
    if !s.create_flags.is_empty() {
        needs.push(Feature::Pipe2);
    }
    if s.mechanism == Mechanism::UnixSeqpacket {
        needs.push(Feature::SeqPacket);
    }
    if s.unnamed_semaphore.is_some() {
        needs.push(Feature::SemInit);
    }
    if s.mutex.robust {
        needs.push(Feature::RobustMutex);
    }
    if s.processes.iter().any(|p| p.host.is_some()) {
        needs.push(Feature::NetNamespaces);
    }
    for step in &s.steps {
        for (_, action) in &step.actions {
            needs.extend(action_needs(action));
        }
    }
    if let Some(f) = needs.iter().find(|f| !profile.has(**f)) {
        return Some(match (f, profile.pipe_capacity, profile.socket_buffers) {
            (Feature::DefaultPipeCapacity, Some(size), _) => format!(
                "the scenario's rule is {}'s default pipe capacity, and this run's pipes \
                 have another: PIPE_CAPACITY is {size} ({})",
                profile.platform,
                f.name()
            ),
            (Feature::DefaultSocketBuffers, _, Some(buffers)) => format!(
                "the scenario's rule is {}'s default socket buffers, and this run's \
                 sockets have others: {buffers} ({})",
                profile.platform,
                f.name()
            ),
            _ => format!("{} has no {}", profile.platform, f.name()),
        });
    }
    let mut sizes = vec![s.region.len];
    for step in &s.steps {
        sizes.extend(step.actions.iter().filter_map(|(_, a)| action_size(a)));
        sizes.extend(step.actions.iter().filter_map(|(_, a)| action_offset(a)));
        for (_, _, expect) in step.judged_actions() {
            if let Err(reason) = expectation_sizes(expect, profile, &mut sizes) {
                return Some(reason);
            }
        }
    }
    sizes
        .into_iter()
        .find_map(|size| profile.resolve(size).err())
}

/// The features an action needs.
fn action_needs(a: &Action) -> Vec<Feature> {
    let mut needs = Vec::new();
    match a {
        Action::GetPipeSize(_) | Action::SetPipeSize { .. } => needs.push(Feature::PipeSize),
        Action::Semop(SemCall {
            timeout: Some(_), ..
        }) => needs.push(Feature::Semtimedop),
        Action::SemWait(SemWait::Timed(_)) => needs.push(Feature::SemTimedwait),
        Action::SemGetValue => needs.push(Feature::SemGetvalue),
        Action::Socket(call) => {
            if call.address().is_some_and(|a| a.abstract_name) {
                needs.push(Feature::AbstractSockets);
            }
            match call {
                SocketCall::Socket { flags, .. } if !flags.is_empty() => {
                    needs.push(Feature::SocketTypeFlags)
                }
                SocketCall::Accept { flags, .. } if !flags.is_empty() => {
                    needs.push(Feature::Accept4)
                }
                SocketCall::Send { flags, .. } if flags.contains(&MsgFlag::NoSignal) => {
                    needs.push(Feature::MsgNoSignal)
                }
                SocketCall::SetOption {
                    option: SockOpt::NoSigPipe,
                    ..
                }
                | SocketCall::GetOption {
                    option: SockOpt::NoSigPipe,
                    ..
                } => needs.push(Feature::SoNoSigPipe),
                _ => {}
            }
        }
        _ => {}
    }
    needs
}

/// Collect the sizes an expectation names on this platform; `Err` when it states no
/// expectation for this platform at all.
fn expectation_sizes(
    e: &Expectation,
    profile: &PlatformProfile,
    out: &mut Vec<Size>,
) -> Result<(), String> {
    match e {
        Expectation::Returns(n) | Expectation::ReturnsAtLeast(n) => out.push(*n),
        Expectation::ReturnsBetween(a, b) => out.extend([*a, *b]),
        Expectation::Data(Payload::Pattern { len, .. }) => out.push(*len),
        Expectation::Records(r) => out.push(r.len),
        Expectation::AnyOf(v) => v
            .iter()
            .try_for_each(|e| expectation_sizes(e, profile, out))?,
        Expectation::Platform(p) => match p.for_platform(profile.platform) {
            Some(e) => expectation_sizes(e, profile, out)?,
            None => {
                return Err(format!(
                    "the scenario states no expectation for {}",
                    profile.platform
                ))
            }
        },
        _ => {}
    }
    Ok(())
}
