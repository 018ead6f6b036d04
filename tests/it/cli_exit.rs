//! The command line scripts well: exit codes say whether every profile signed in, and no
//! configuration at all gets the same advice as the console.

use crate::support;

fn dbx(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    support::cli(home).args(args).output().unwrap()
}

#[test]
fn auth_profiles_fails_when_a_profile_cannot_sign_in() {
    let home = tempfile::tempdir().unwrap();
    // Port 1 on loopback refuses at once: this profile cannot sign in.
    std::fs::write(
        home.path().join(".databrickscfg"),
        "[down]\nhost = http://127.0.0.1:1\ntoken = canary-not-a-token\n",
    )
    .unwrap();
    let out = dbx(home.path(), &["auth", "profiles"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("down"), "{text}");
    assert!(!text.contains("canary"), "{text}");

    // For scripts: one JSON object per profile, same exit code, still no secret.
    let out = dbx(home.path(), &["auth", "profiles", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("canary"), "{text}");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0]["profile"], "down");
    assert_eq!(rows[0]["ok"], false);
    assert!(rows[0]["failure"].is_string(), "{text}");
}

#[test]
fn no_configuration_gets_the_same_advice_everywhere() {
    let home = tempfile::tempdir().unwrap();
    for args in [&["auth", "check"][..], &["auth", "profiles"][..]] {
        let out = dbx(home.path(), args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("create ~/.databrickscfg") && err.contains("--demo"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn command_line_errors_are_plain_lines_without_location_or_colour() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".databrickscfg"),
        "[down]\nhost = http://127.0.0.1:1\naccount_id = a\ntoken = canary-not-a-token\n",
    )
    .unwrap();
    let out = dbx(
        home.path(),
        &["--profile", "down", "policy", "export", "p1"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no colour when stderr is not a terminal: {err:?}"
    );
    assert!(!err.contains("Location"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
    assert!(err.lines().count() <= 2, "{err}");
    assert!(!err.contains("canary"), "{err}");
}
