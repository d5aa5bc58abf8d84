//! The profile of the platform this process runs on, and the variants of it a run asks for.

use std::sync::{Mutex, OnceLock};

use nix::unistd::{sysconf, SysconfVar};

use super::{Feature, ListenRules, Platform, PlatformProfile, SocketBuffers};

impl PlatformProfile {
    /// The profile of the platform this was compiled for, with what the running system
    /// can tell read from it rather than taken from the per-OS constant: the page size
    /// (`sysconf(_SC_PAGESIZE)`), and on Linux what follows from it, the pipe's buffer
    /// page and a new pipe's capacity of PIPE_DEF_BUFFERS (16) pages (`fs/pipe.c`,
    /// `alloc_pipe_info`), and the sysctls that bound sockets: a backlog is cut to
    /// `net.core.somaxconn` where that is below the profile's largest, and
    /// [`Feature::DefaultDgramQlen`] goes unless `net.unix.max_dgram_qlen` is 10. Built
    /// once, on first use.
    pub fn host() -> &'static PlatformProfile {
        static HOST: OnceLock<PlatformProfile> = OnceLock::new();
        HOST.get_or_init(|| {
            let nominal = if cfg!(target_os = "macos") {
                &Self::MACOS
            } else {
                &Self::LINUX
            };
            let page_size = page_size();
            match nominal.platform {
                Platform::Linux => PlatformProfile {
                    page_size,
                    pipe_page: page_size,
                    pipe_capacity: Some(16 * page_size),
                    listen: nominal.listen.map(|rules| ListenRules {
                        backlog_max: rules.backlog_max.min(linux_somaxconn()),
                        ..rules
                    }),
                    features: linux_features(nominal.features),
                    ..nominal.clone()
                },
                Platform::Macos => PlatformProfile {
                    page_size,
                    ..nominal.clone()
                },
            }
        })
    }

    /// This profile with pipes of `capacity` bytes, when given. It has
    /// [`Feature::DefaultPipeCapacity`] only when `capacity` is the platform's default
    /// (the host profile's, on the host's platform).
    pub fn with_pipe_capacity(&'static self, capacity: Option<u64>) -> &'static PlatformProfile {
        let Some(capacity) = capacity.filter(|c| Some(*c) != self.pipe_capacity) else {
            return self;
        };
        let host = Self::host();
        let at_default = self.platform == host.platform
            && Some(capacity) == host.pipe_capacity
            && host.has(Feature::DefaultPipeCapacity);
        self.variant(Feature::DefaultPipeCapacity, at_default, |p| {
            p.pipe_capacity = Some(capacity)
        })
    }

    /// This profile with sockets whose buffers read back as `buffers`. It keeps
    /// [`Feature::DefaultSocketBuffers`] only when `at_default` says they are what a new
    /// socket of the kind gets from the platform.
    pub fn with_socket_buffers(
        &'static self,
        buffers: SocketBuffers,
        at_default: bool,
    ) -> &'static PlatformProfile {
        let keep = at_default && self.has(Feature::DefaultSocketBuffers);
        self.variant(Feature::DefaultSocketBuffers, keep, |p| {
            p.socket_buffers = Some(buffers)
        })
    }

    /// This profile changed by `change`, with `feature` present or not: one per variant
    /// asked for is made for the rest of the process (runs hold `&'static` profiles).
    fn variant(
        &'static self,
        feature: Feature,
        present: bool,
        change: impl FnOnce(&mut PlatformProfile),
    ) -> &'static PlatformProfile {
        static MADE: Mutex<Vec<&'static PlatformProfile>> = Mutex::new(Vec::new());
        let features: Vec<Feature> = self
            .features
            .iter()
            .copied()
            .filter(|f| *f != feature)
            .chain(present.then_some(feature))
            .collect();
        let mut wanted = PlatformProfile {
            features: &[],
            ..self.clone()
        };
        change(&mut wanted);
        let is_wanted = |p: &PlatformProfile| {
            p.features == features.as_slice()
                && PlatformProfile {
                    features: &[],
                    ..p.clone()
                } == wanted
        };
        if is_wanted(self) {
            return self;
        }
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(profile) = made.iter().find(|p| is_wanted(p)) {
            return profile;
        }
        let profile: &'static PlatformProfile = Box::leak(Box::new(PlatformProfile {
            features: Box::leak(features.into_boxed_slice()),
            ..wanted
        }));
        made.push(profile);
        profile
    }
}

/// A number under `/proc/sys`, where it can be read.
fn sysctl(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `net.core.somaxconn`, to which Linux cuts a larger backlog (`__sys_listen` in
/// net/socket.c); `u32::MAX` where it cannot be read.
fn linux_somaxconn() -> u32 {
    sysctl("/proc/sys/net/core/somaxconn")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(u32::MAX)
}

/// Linux's features, less [`Feature::DefaultDgramQlen`] when the running system's
/// `net.unix.max_dgram_qlen` is not the default 10 (where it cannot be read, the default
/// is taken).
fn linux_features(nominal: &'static [Feature]) -> &'static [Feature] {
    match sysctl("/proc/sys/net/unix/max_dgram_qlen") {
        Some(qlen) if qlen != 10 => Box::leak(
            nominal
                .iter()
                .copied()
                .filter(|f| *f != Feature::DefaultDgramQlen)
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
        _ => nominal,
    }
}

/// The running system's page size. POSIX requires `sysconf(_SC_PAGESIZE)` to answer
/// (glibc, musl and Apple's Libc return the kernel's page size: Linux's `AT_PAGESZ`,
/// XNU's `vm_page_size`), so a failure here is a broken C library, not a platform
/// difference.
fn page_size() -> u64 {
    match sysconf(SysconfVar::PAGE_SIZE) {
        Ok(Some(n)) if n > 0 => n as u64,
        other => panic!("sysconf(_SC_PAGESIZE) gave no page size: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_profile_has_the_running_systems_page_size() {
        let host = PlatformProfile::host();
        assert_eq!(host.page_size, page_size());
        assert!(host.page_size.is_power_of_two() && host.page_size >= 4096);
        if host.platform == Platform::Linux {
            assert_eq!(host.pipe_page, host.page_size);
            assert_eq!(host.pipe_capacity, Some(16 * host.page_size));
        }
        let name = host.platform.to_string();
        assert!(std::ptr::eq(PlatformProfile::by_name(&name).unwrap(), host));
    }
}
