//! The profile of the platform this process runs on, and the variants of it a run asks for.

use std::sync::Mutex;

use super::PlatformProfile;

impl PlatformProfile {
    /// The profile of the platform this was compiled for.
    pub fn host() -> &'static PlatformProfile {
        if cfg!(target_os = "macos") {
            &Self::MACOS
        } else {
            &Self::LINUX
        }
    }

    /// This profile with pipes of `capacity` bytes, when given: one per capacity asked
    /// for is made for the rest of the process (runs hold `&'static` profiles).
    pub fn with_pipe_capacity(&'static self, capacity: Option<u64>) -> &'static PlatformProfile {
        static MADE: Mutex<Vec<&'static PlatformProfile>> = Mutex::new(Vec::new());
        let Some(capacity) = capacity.filter(|c| Some(*c) != self.pipe_capacity) else {
            return self;
        };
        let wanted = PlatformProfile {
            pipe_capacity: Some(capacity),
            ..self.clone()
        };
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(profile) = made.iter().find(|p| ***p == wanted) {
            return profile;
        }
        let profile: &'static PlatformProfile = Box::leak(Box::new(wanted));
        made.push(profile);
        profile
    }
}
