//! The profile of the platform this process runs on, and the variants of it a run asks for.

use std::sync::{Mutex, OnceLock};

use nix::unistd::{sysconf, SysconfVar};

use super::{Feature, Platform, PlatformProfile};

impl PlatformProfile {
    /// The profile of the platform this was compiled for, with what the running system
    /// can tell read from it rather than taken from the per-OS constant: the page size
    /// (`sysconf(_SC_PAGESIZE)`), and on Linux what follows from it, the pipe's buffer
    /// page and a new pipe's capacity of PIPE_DEF_BUFFERS (16) pages (`fs/pipe.c`,
    /// `alloc_pipe_info`). Built once, on first use.
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
                    ..nominal.clone()
                },
                Platform::Macos => PlatformProfile {
                    page_size,
                    ..nominal.clone()
                },
            }
        })
    }

    /// This profile with pipes of `capacity` bytes, when given: one per capacity asked
    /// for is made for the rest of the process (runs hold `&'static` profiles). It has
    /// [`Feature::DefaultPipeCapacity`] only when `capacity` is the platform's default
    /// (the host profile's, on the host's platform).
    pub fn with_pipe_capacity(&'static self, capacity: Option<u64>) -> &'static PlatformProfile {
        static MADE: Mutex<Vec<&'static PlatformProfile>> = Mutex::new(Vec::new());
        let Some(capacity) = capacity.filter(|c| Some(*c) != self.pipe_capacity) else {
            return self;
        };
        let host = Self::host();
        let at_default = self.platform == host.platform
            && Some(capacity) == host.pipe_capacity
            && host.has(Feature::DefaultPipeCapacity);
        let features: Vec<Feature> = self
            .features
            .iter()
            .copied()
            .filter(|f| *f != Feature::DefaultPipeCapacity)
            .chain(at_default.then_some(Feature::DefaultPipeCapacity))
            .collect();
        let wanted = |p: &PlatformProfile| {
            p.features == features.as_slice()
                && *p
                    == PlatformProfile {
                        pipe_capacity: Some(capacity),
                        features: p.features,
                        ..self.clone()
                    }
        };
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(profile) = made.iter().find(|p| wanted(p)) {
            return profile;
        }
        let profile: &'static PlatformProfile = Box::leak(Box::new(PlatformProfile {
            pipe_capacity: Some(capacity),
            features: Box::leak(features.into_boxed_slice()),
            ..self.clone()
        }));
        made.push(profile);
        profile
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
