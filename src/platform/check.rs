//! The platform check: what a profile assumes beside what the running system says
//! (`measure.rs`), row by row, and whether they agree. `ipc-conformance platform` prints
//! it; the harness runs it as the trial `platform::profile`.

use std::fmt;

use nix::sys::signal::Signal;

use super::measure::{Measured, Measurements, PipeCapacity, SocketBuffers};
use super::{Feature, PlatformProfile};

/// Whether the profile and the system agree on one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// They agree.
    Agrees,
    /// They do not: the profile is wrong for this system.
    Disagrees,
    /// Not compared, and why: the measurement could not be made here, or the profile
    /// says nothing about it.
    NotCompared(String),
}

/// One assumption of a profile beside the measurement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What is compared, named after the C constant or call (`PIPE_BUF`, `SO_NOSIGPIPE`).
    pub what: &'static str,
    /// What the profile says.
    pub profile: String,
    /// What the system says.
    pub system: String,
    /// Whether they agree.
    pub agreement: Agreement,
}

/// A profile checked against the running system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformCheck {
    /// The profile's name (`linux`, `macos`).
    pub profile: String,
    /// One row per assumption.
    pub rows: Vec<Row>,
}

impl PlatformCheck {
    /// Measure the running system ([`Measurements::take`]) and compare it with `profile`.
    pub fn run(profile: &PlatformProfile) -> PlatformCheck {
        PlatformCheck::compare(profile, &Measurements::take())
    }

    /// Compare `measured` with what `profile` says.
    pub fn compare(profile: &PlatformProfile, measured: &Measurements) -> PlatformCheck {
        let listen = profile
            .listen
            .map(|rules| Measurements::BACKLOG + rules.backlog_slack);
        let rows = vec![
            row("PIPE_BUF", Some(profile.pipe_buf), &measured.pipe_buf),
            row("page size", Some(profile.page_size), &measured.page_size),
            capacity_row(profile.pipe_capacity, &measured.pipe_capacity),
            row(
                "SHM_NAME_MAX",
                Some(profile.shm_name_max),
                &measured.shm_name_max,
            ),
            row(
                "SEM_NAME_MAX",
                Some(profile.sem_name_max),
                &measured.sem_name_max,
            ),
            row_as(
                "listen(backlog 2) queue",
                listen,
                &measured.listen_queue,
                "the profile has no listen rules",
            ),
            feature_row(profile, Feature::SeqPacket, &measured.seqpacket),
            feature_row(profile, Feature::MsgNoSignal, &measured.msg_nosignal),
            feature_row(profile, Feature::SoNoSigPipe, &measured.so_nosigpipe),
            feature_row(
                profile,
                Feature::AbstractSockets,
                &measured.abstract_sockets,
            ),
            signal_row(profile.protection_fault, &measured.protection_fault),
            buffers_row("unix-stream buffers", &measured.stream_buffers),
            buffers_row("unix-dgram buffers", &measured.datagram_buffers),
        ];
        PlatformCheck {
            profile: profile.platform.to_string(),
            rows,
        }
    }

    /// The rows where the profile is wrong for this system.
    pub fn disagreements(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.agreement == Agreement::Disagrees)
    }

    /// Whether no row disagrees (rows not compared do not count).
    pub fn agrees(&self) -> bool {
        self.disagreements().next().is_none()
    }

    /// The disagreements in one line each: `PIPE_BUF: the profile says 512, the system
    /// 4096`.
    pub fn summary(&self) -> String {
        self.disagreements()
            .map(|r| {
                format!(
                    "{}: the {} profile says {}, this system {}\n",
                    r.what, self.profile, r.profile, r.system
                )
            })
            .collect()
    }
}

fn row<T: PartialEq + fmt::Display>(
    what: &'static str,
    profile: Option<T>,
    system: &Measured<T>,
) -> Row {
    row_as(what, profile, system, "the profile says nothing")
}

fn row_as<T: PartialEq + fmt::Display>(
    what: &'static str,
    profile: Option<T>,
    system: &Measured<T>,
    silent: &str,
) -> Row {
    let agreement = match (&profile, system) {
        (_, Measured::Unknown(reason)) => Agreement::NotCompared(reason.clone()),
        (None, _) => Agreement::NotCompared(silent.to_owned()),
        (Some(p), Measured::Known(s)) if p == s => Agreement::Agrees,
        (Some(_), Measured::Known(_)) => Agreement::Disagrees,
    };
    Row {
        what,
        profile: profile.map_or_else(|| "—".to_owned(), |p| p.to_string()),
        system: shown(system, T::to_string),
        agreement,
    }
}

fn shown<T>(m: &Measured<T>, show: impl Fn(&T) -> String) -> String {
    match m {
        Measured::Known(v) => show(v),
        Measured::Unknown(_) => "unknown".to_owned(),
    }
}

/// A fixed capacity agrees with the same number; a buffer that grows with "no fixed
/// capacity" (`None`).
fn capacity_row(profile: Option<u64>, system: &Measured<PipeCapacity>) -> Row {
    let agreement = match (profile, system) {
        (_, Measured::Unknown(reason)) => Agreement::NotCompared(reason.clone()),
        (Some(p), Measured::Known(PipeCapacity::Fixed(s))) if p == *s => Agreement::Agrees,
        (None, Measured::Known(PipeCapacity::Grows { .. })) => Agreement::Agrees,
        _ => Agreement::Disagrees,
    };
    Row {
        what: "pipe capacity",
        profile: profile.map_or_else(|| "grows".to_owned(), |p| format!("{p} bytes, fixed")),
        system: shown(system, PipeCapacity::to_string),
        agreement,
    }
}

fn feature_row(profile: &PlatformProfile, feature: Feature, system: &Measured<bool>) -> Row {
    let word = |present: &bool| if *present { "present" } else { "absent" }.to_owned();
    let said = profile.has(feature);
    let agreement = match system {
        Measured::Unknown(reason) => Agreement::NotCompared(reason.clone()),
        Measured::Known(present) if *present == said => Agreement::Agrees,
        Measured::Known(_) => Agreement::Disagrees,
    };
    Row {
        what: feature.name(),
        profile: word(&said),
        system: shown(system, word),
        agreement,
    }
}

fn signal_row(profile: Signal, system: &Measured<Signal>) -> Row {
    let agreement = match system {
        Measured::Unknown(reason) => Agreement::NotCompared(reason.clone()),
        Measured::Known(s) if *s == profile => Agreement::Agrees,
        Measured::Known(_) => Agreement::Disagrees,
    };
    Row {
        what: "protection fault",
        profile: profile.as_str().to_owned(),
        system: shown(system, |s| s.as_str().to_owned()),
        agreement,
    }
}

/// Shown for the record: the profile holds no socket buffer size.
fn buffers_row(what: &'static str, system: &Measured<SocketBuffers>) -> Row {
    Row {
        what,
        profile: "—".to_owned(),
        system: shown(system, SocketBuffers::to_string),
        agreement: match system {
            Measured::Unknown(reason) => Agreement::NotCompared(reason.clone()),
            Measured::Known(_) => {
                Agreement::NotCompared("the profile holds no buffer size".to_owned())
            }
        },
    }
}

impl fmt::Display for PlatformCheck {
    /// A table: what, the profile's value, the system's, and the verdict (with the
    /// reason a row is not compared).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let profile_head = format!("profile ({})", self.profile);
        let width = |head: &str, cell: fn(&Row) -> &str| {
            self.rows
                .iter()
                .map(|r| cell(r).chars().count())
                .chain([head.chars().count()])
                .max()
                .unwrap_or(0)
        };
        let w0 = width("what", |r| r.what);
        let w1 = width(&profile_head, |r| &r.profile);
        let w2 = width("system", |r| &r.system);
        writeln!(
            f,
            "{:<w0$}  {:<w1$}  {:<w2$}  agrees?",
            "what", profile_head, "system"
        )?;
        for r in &self.rows {
            let verdict = match &r.agreement {
                Agreement::Agrees => "yes".to_owned(),
                Agreement::Disagrees => "NO".to_owned(),
                Agreement::NotCompared(why) => format!("not compared: {why}"),
            };
            writeln!(
                f,
                "{:<w0$}  {:<w1$}  {:<w2$}  {verdict}",
                r.what, r.profile, r.system
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Linux on x86-64 answers, written out, so the comparison is tested without
    /// the system.
    fn linux_measurements() -> Measurements {
        Measurements {
            pipe_buf: Measured::Known(4096),
            page_size: Measured::Known(4096),
            pipe_capacity: Measured::Known(PipeCapacity::Fixed(65536)),
            stream_buffers: Measured::Known(SocketBuffers {
                send: 212992,
                receive: 212992,
            }),
            datagram_buffers: Measured::Unknown("not asked".to_owned()),
            listen_queue: Measured::Known(3),
            seqpacket: Measured::Known(true),
            msg_nosignal: Measured::Known(true),
            so_nosigpipe: Measured::Known(false),
            abstract_sockets: Measured::Known(true),
            shm_name_max: Measured::Known(256),
            sem_name_max: Measured::Known(252),
            protection_fault: Measured::Known(Signal::SIGSEGV),
        }
    }

    #[test]
    fn the_linux_profile_agrees_with_linux() {
        let check = PlatformCheck::compare(&PlatformProfile::LINUX, &linux_measurements());
        assert!(check.agrees(), "{check}");
        assert_eq!(check.summary(), "");
    }

    #[test]
    fn a_wrong_profile_value_is_a_disagreement_named_with_both_values() {
        let wrong = PlatformProfile {
            pipe_buf: 512,
            page_size: 16384,
            ..PlatformProfile::LINUX.clone()
        };
        let check = PlatformCheck::compare(&wrong, &linux_measurements());
        let wrong_rows: Vec<&str> = check.disagreements().map(|r| r.what).collect();
        assert_eq!(wrong_rows, ["PIPE_BUF", "page size"]);
        assert_eq!(
            check.summary(),
            "PIPE_BUF: the linux profile says 512, this system 4096\n\
             page size: the linux profile says 16384, this system 4096\n"
        );
        assert!(check.to_string().contains("NO"), "{check}");
    }

    #[test]
    fn the_macos_profile_disagrees_with_linux_on_each_difference() {
        let check = PlatformCheck::compare(&PlatformProfile::MACOS, &linux_measurements());
        let wrong_rows: Vec<&str> = check.disagreements().map(|r| r.what).collect();
        assert_eq!(
            wrong_rows,
            [
                "PIPE_BUF",
                "page size",
                "pipe capacity",
                "SHM_NAME_MAX",
                "SEM_NAME_MAX",
                "SOCK_SEQPACKET",
                "SO_NOSIGPIPE",
                "abstract-sockets",
                "protection fault"
            ]
        );
    }

    #[test]
    fn an_unknown_measurement_is_not_compared_and_not_a_disagreement() {
        let measured = Measurements {
            pipe_buf: Measured::Unknown("fpathconf refused".to_owned()),
            ..linux_measurements()
        };
        let wrong = PlatformProfile {
            pipe_buf: 1,
            ..PlatformProfile::LINUX.clone()
        };
        let check = PlatformCheck::compare(&wrong, &measured);
        assert!(check.agrees());
        assert_eq!(
            check.rows[0].agreement,
            Agreement::NotCompared("fpathconf refused".to_owned())
        );
    }

    #[test]
    fn a_growing_pipe_agrees_with_no_fixed_capacity() {
        let grows = Measured::Known(PipeCapacity::Grows {
            new: 16384,
            full: 65536,
            filled: 65536,
        });
        assert_eq!(capacity_row(None, &grows).agreement, Agreement::Agrees);
        assert_eq!(
            capacity_row(Some(65536), &grows).agreement,
            Agreement::Disagrees
        );
    }

    /// This system against the host's profile with PIPE_BUF one more than measured: the
    /// check must say the profile is wrong. Linux only: unit tests run on many threads,
    /// and only Linux tells the probes that fork so (they are then not made); elsewhere
    /// the binary's tests (suite/platform.rs) check the system end to end.
    #[cfg(linux_like)]
    #[test]
    fn the_system_disagrees_with_a_profile_whose_pipe_buf_is_off_by_one() {
        let measured = Measurements::take();
        let Measured::Known(pipe_buf) = measured.pipe_buf else {
            panic!("fpathconf(_PC_PIPE_BUF) answers on every system we run on");
        };
        let wrong = PlatformProfile {
            pipe_buf: pipe_buf + 1,
            ..PlatformProfile::host().clone()
        };
        let check = PlatformCheck::compare(&wrong, &measured);
        assert!(check.summary().contains(&format!(
            "PIPE_BUF: the {} profile says {}, this system {pipe_buf}",
            wrong.platform,
            pipe_buf + 1
        )));
    }
}
