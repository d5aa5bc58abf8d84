//! The timeline page (`run --html FILE`) in a real browser: the command line runs a
//! failing scenario and a passing one into one page, headless Chromium screenshots it,
//! and the screenshot must be a real picture with the page's colours in it.
//!
//! Debian's `chromium` is installed by `ci/setup-browser` (which `.ci/run` calls); without
//! a browser the test says so and passes. This lives in the `suite` binary, not the
//! driver's: the driver is a child subreaper, and the helpers Chromium leaves behind
//! would become its children.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The screenshot is kept in the temporary directory, to be looked at.
const SCREENSHOT: &str = "ipc-conformance-timeline.png";

/// The catalogue's blocking read, expecting bytes the writer does not write.
fn failing_scenario(dir: &Path) -> PathBuf {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pipe/read_empty_blocks.toml");
    let text = std::fs::read_to_string(source).expect("the catalogue's scenario");
    let wrong = text.replace(
        r#"expect = { data = "hello" }"#,
        r#"expect = { data = "hellx" }"#,
    );
    assert_ne!(text, wrong, "the scenario's last expectation moved");
    let path = dir.join("read_blocks_wrong_data.toml");
    std::fs::write(&path, wrong).expect("a temporary file");
    path
}

#[test]
fn html_of_a_failure_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "timeline_html::html_of_a_failure_renders_in_chromium: SKIPPED, no chromium \
             binary (install it with ci/setup-browser, or point CHROMIUM at one)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("ipc-conformance-browser.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).unwrap();
    let page = dir.join("timeline.html");
    let run = Command::new(env!("CARGO_BIN_EXE_ipc-conformance"))
        .arg("run")
        .arg("--html")
        .arg(&page)
        .arg(failing_scenario(&dir))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pipe/read_eintr.toml"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("FAILED at step 3") && html.contains("hellx"));
    // Self-contained: the only address is the SVG namespace.
    let urls = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(
        urls, namespaces,
        "the page refers to something outside itself"
    );

    let png = std::env::temp_dir().join(SCREENSHOT);
    let _ = std::fs::remove_file(&png);
    let child = Command::new(&browser)
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
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let group = child.id();
    let output = child.wait_with_output().unwrap();
    // Helpers it may leave behind.
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(group as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "{} wrote no screenshot ({e}); it said:\n{}",
            browser.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    check_picture(&bytes);
    eprintln!("timeline screenshot: {}", png.display());
}

/// A real picture: a PNG that decodes, of the size asked for, not one flat colour, with
/// the page's colours in it (the red of the failed check, the blue of calls, the
/// hatching's yellow).
fn check_picture(bytes: &[u8]) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "not a picture of a page: {} bytes",
        bytes.len()
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        info.width >= 900 && info.height >= 900 && channels >= 3,
        "unexpected image {}x{} {:?}",
        info.width,
        info.height,
        info.color_type
    );
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut colours = pixels.clone();
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
    let (red, blue, yellow) = (
        near([0xcf, 0x22, 0x2e]),
        near([0x09, 0x69, 0xda]),
        near([0xd4, 0xa7, 0x2c]),
    );
    assert!(
        colours.len() >= 50 && white < pixels.len() && red && blue && yellow,
        "a blank or partial picture: {} colours, {white} of {} pixels white, red {red}, \
         blue {blue}, yellow {yellow}",
        colours.len(),
        pixels.len()
    );
}
