//! The timeline as pictures: the terminal's sequence diagram (insta snapshots, plain,
//! times, descriptors and wait channels redacted) and the HTML page, screenshotted in a
//! real headless Chromium (`ci/setup-browser` installs Debian's `chromium`).

use std::path::{Path, PathBuf};
use std::process::Command;

use ipc_conformance::driver::{run_scenario, EventKind, RunOptions};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Streams};
use ipc_conformance::report::{render_html, render_sequence, Colour, ScenarioReport, Verdict};
use ipc_conformance::scenario::{self, Scenario};
use libtest_mimic::Failed;

use crate::faulty::{Fault, Faulty};
use crate::TestFn;

pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        (
            "timeline::sequence_of_a_passing_blocking_read",
            sequence_of_a_passing_blocking_read,
        ),
        (
            "timeline::sequence_of_a_failing_read_marks_the_check",
            sequence_of_a_failing_read_marks_the_check,
        ),
        (
            "timeline::html_of_a_failure_renders_in_chromium",
            html_of_a_failure_renders_in_chromium,
        ),
    ]
}

fn read_empty_blocks() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pipe/read_empty_blocks.toml");
    let text = std::fs::read_to_string(&path).expect("the catalogue's scenario");
    scenario::parse(&path, &text).expect("a valid scenario")
}

fn run<I: Implementation>(iut: &I) -> ScenarioReport {
    run_scenario(&read_empty_blocks(), iut, &RunOptions::default())
}

/// A woken reader and its waker return at once, so their two `end`s come in either
/// order: put such neighbours in the order of their process names. Then the plain
/// diagram with times, descriptor numbers and wait channels (each kernel names its own)
/// redacted.
fn redacted(report: &ScenarioReport) -> String {
    let mut report = report.clone();
    let t = &mut report.timeline;
    for i in 1..t.len() {
        let (a, b) = (&t[i - 1], &t[i]);
        if a.kind == EventKind::End && b.kind == EventKind::End && a.process.0 > b.process.0 {
            t.swap(i - 1, i);
        }
    }
    render_sequence(&report, Colour::Never)
        .lines()
        .map(redact_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn redact_line(line: &str) -> String {
    // The time is the first column: 2 spaces, then 9 characters.
    let line = match line.get(2..11) {
        Some(t) if t.trim().parse::<f64>().is_ok() => format!("  {:>9}{}", "[t]", &line[11..]),
        _ => line.to_owned(),
    };
    let mut cleaned = String::new();
    let mut rest = line.as_str();
    while let Some(i) = rest.find("fd ") {
        cleaned.push_str(&rest[..i + 3]);
        rest = rest[i + 3..].trim_start_matches(|c: char| c.is_ascii_digit());
        cleaned.push('N');
    }
    cleaned.push_str(rest);
    match cleaned.find("blocked in ") {
        Some(i) => format!("{}blocked in [wchan]", &cleaned[..i]),
        None => cleaned,
    }
}

fn sequence_of_a_passing_blocking_read() -> Result<(), Failed> {
    let report = run(&Os);
    if report.verdict != Verdict::Pass {
        return Err(format!("{:?}\n{}", report.verdict, redacted(&report)).into());
    }
    insta::assert_snapshot!("sequence_read_empty_blocks_pass", redacted(&report));
    Ok(())
}

fn sequence_of_a_failing_read_marks_the_check() -> Result<(), Failed> {
    let report = run(&Streams(Faulty(Fault::DropsFirstByte)));
    if !matches!(report.verdict, Verdict::Fail(_)) {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    }
    insta::assert_snapshot!(
        "sequence_read_empty_blocks_drops_first_byte",
        redacted(&report)
    );
    Ok(())
}

/// Chromium as Debian names it, or as other systems do; `CHROMIUM` overrides.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// The screenshot is kept here to be looked at.
const SCREENSHOT: &str = "ipc-conformance-timeline.png";

fn html_of_a_failure_renders_in_chromium() -> Result<(), Failed> {
    let Some(browser) = chromium() else {
        eprintln!(
            "timeline::html_of_a_failure_renders_in_chromium: SKIPPED, no chromium binary \
             (install it with ci/setup-browser, or point CHROMIUM at one)"
        );
        return Ok(());
    };
    let pass = run(&Os);
    let fail = run(&Streams(Faulty(Fault::DropsFirstByte)));
    let html = render_html(&[fail, pass]);
    // Self-contained: the only URL is the SVG namespace.
    let urls = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    if urls != namespaces {
        return Err("the page refers to something outside itself".into());
    }
    let dir = std::env::temp_dir().join(format!("ipc-conformance-browser.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile"))?;
    let page = dir.join("timeline.html");
    std::fs::write(&page, &html)?;
    let png = std::env::temp_dir().join(SCREENSHOT);
    let _ = std::fs::remove_file(&png);
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1000,1000")
        .arg(format!("file://{}", page.display()))
        .output()?;
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = std::fs::read(&png).map_err(|e| {
        format!(
            "{} wrote no screenshot ({e}); it said:\n{}",
            browser.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    check_picture(&bytes)?;
    eprintln!("timeline screenshot: {}", png.display());
    Ok(())
}

/// A real picture: a PNG that decodes, of the asked size, with the page's colours in
/// it (the red of the failed check, the blue of calls, the hatching's yellow) and not
/// one flat colour.
fn check_picture(bytes: &[u8]) -> Result<(), Failed> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.len() < 10_000 {
        return Err(format!("not a picture of a page: {} bytes", bytes.len()).into());
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("an image too large")?];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    if info.width < 900 || info.height < 900 || channels < 3 {
        return Err(format!(
            "unexpected image {}x{} {:?}",
            info.width, info.height, info.color_type
        )
        .into());
    }
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut colours: Vec<[u8; 3]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    let near = |want: [u8; 3]| {
        pixels.iter().any(|p| {
            p.iter()
                .zip(want)
                .all(|(&a, b)| (i16::from(a) - i16::from(b)).abs() < 24)
        })
    };
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    let red = near([0xcf, 0x22, 0x2e]);
    let blue = near([0x09, 0x69, 0xda]);
    let yellow = near([0xd4, 0xa7, 0x2c]);
    if colours.len() < 50 || white == pixels.len() || !(red && blue && yellow) {
        return Err(format!(
            "a blank or partial picture: {} colours, {white} of {} pixels white, red {red}, blue {blue}, yellow {yellow}",
            colours.len(),
            pixels.len()
        )
        .into());
    }
    Ok(())
}
