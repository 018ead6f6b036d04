//! `.databrickscfg` parsing: comments, key case, host normalisation, malformed files, secrets.

use std::path::Path;

use dbx_tui::config::{
    ConfigError, ConfigFile, Env, list_profiles, load_config_file, parse_config, resolve,
};

const PATH: &str = "/cfg/.databrickscfg";

fn cfg(text: &str) -> ConfigFile {
    parse_config(Path::new(PATH), text).expect("test config parses")
}

/// The value of `key` in section `p`, from wherever the profile stored it.
fn value(f: &ConfigFile, p: &str, key: &str) -> Option<String> {
    let p = f.profile(p).unwrap_or_else(|| panic!("no profile {p}"));
    match key {
        "host" => p.host.clone(),
        "token" => p.token.as_ref().map(|s| s.expose().to_owned()),
        "client_secret" => p.client_secret.as_ref().map(|s| s.expose().to_owned()),
        "account_id" => p.account_id.clone(),
        "workspace_id" => p.workspace_id.clone(),
        _ => p
            .other
            .get(key)
            .cloned()
            .or_else(|| p.other_secrets.get(key).map(|s| s.expose().to_owned())),
    }
}

#[test]
fn inline_comments_need_whitespace_before_the_marker() {
    let cases = [
        ("token = abc#def", "token", Some("abc#def")),
        ("token = abc;def", "token", Some("abc;def")),
        ("token = abc # a comment", "token", Some("abc")),
        ("token = abc ; a comment", "token", Some("abc")),
        (
            "token = abc\t# tab counts as whitespace",
            "token",
            Some("abc"),
        ),
        ("token = #abc", "token", Some("#abc")),
        ("token = \"abc\"", "token", Some("abc")),
        ("token = a\\nb", "token", Some("a\\nb")),
        ("token =", "token", None),
        // The whitespace after `=` is not "before the marker": Go keeps this whole value too.
        ("token = # not a comment", "token", Some("# not a comment")),
        ("# host = commented.out\ntoken = t", "host", None),
        ("  ; indented comment\ntoken = t", "token", Some("t")),
    ];
    for (body, key, want) in cases {
        let f = cfg(&format!("[p]\n{body}\n"));
        assert_eq!(value(&f, "p", key).as_deref(), want, "{body:?}");
    }
}

#[test]
fn keys_are_lower_cased_values_trimmed_sections_kept() {
    let f = cfg(
        "[Prod]\n  HOST   =   h.cloud.databricks.com  \nToken=T0KEN\nCustom_Key: MixedCase Value \n[prod]\nhost = other\n",
    );
    assert_eq!(
        value(&f, "Prod", "host").as_deref(),
        Some("https://h.cloud.databricks.com")
    );
    assert_eq!(value(&f, "Prod", "token").as_deref(), Some("T0KEN"));
    // `*key` names are treated as secrets; the value keeps its case.
    assert_eq!(
        value(&f, "Prod", "custom_key").as_deref(),
        Some("MixedCase Value")
    );
    // Section names are case-sensitive, as in both SDKs.
    assert_eq!(value(&f, "prod", "host").as_deref(), Some("https://other"));
}

#[test]
fn repeated_sections_continue_and_later_keys_win() {
    let f = cfg("[a]\nhost = one\ntoken = t1\n[b]\nhost = b\n[a]\ntoken = t2\n");
    assert_eq!(f.profiles.len(), 2);
    assert_eq!(value(&f, "a", "host").as_deref(), Some("https://one"));
    assert_eq!(value(&f, "a", "token").as_deref(), Some("t2"));
}

#[test]
fn host_normalisation_table() {
    let cases = [
        (
            "dbc-1.cloud.databricks.com",
            "https://dbc-1.cloud.databricks.com",
        ),
        (
            "https://dbc-1.cloud.databricks.com/",
            "https://dbc-1.cloud.databricks.com",
        ),
        (
            "https://gw.example.com/databricks/ws-1/",
            "https://gw.example.com/databricks/ws-1",
        ),
        (
            "gw.example.com:8443/prefix",
            "https://gw.example.com:8443/prefix",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        (
            "https://spog.cloud.databricks.com/?o=1234&a=acc-9",
            "https://spog.cloud.databricks.com",
        ),
    ];
    for (raw, want) in cases {
        let f = cfg(&format!("[p]\nhost = {raw}\n"));
        assert_eq!(value(&f, "p", "host").as_deref(), Some(want), "{raw}");
    }
    let f = cfg("[p]\nhost = https://spog.cloud.databricks.com/?o=1234&a=acc-9\n");
    assert_eq!(value(&f, "p", "workspace_id").as_deref(), Some("1234"));
    assert_eq!(value(&f, "p", "account_id").as_deref(), Some("acc-9"));
    // An explicit workspace_id wins over the one in the URL.
    let f = cfg("[p]\nworkspace_id = 77\nhost = https://spog.cloud.databricks.com/?o=1234\n");
    assert_eq!(value(&f, "p", "workspace_id").as_deref(), Some("77"));
}

#[test]
fn malformed_files_name_file_and_line() {
    let cases = [
        (
            "[a]\nhost = h\nthis line has no separator\n",
            3,
            "expected `key = value`",
        ),
        ("host = h\n[a]\n", 1, "before any `[section]`"),
        ("; comment\n\n  token = t\n", 3, "before any `[section]`"),
        ("[a]\nhost = h\n[broken\ntoken = x\n", 3, "no closing `]`"),
        ("[a]\n\u{0}\u{1}\u{2}ELF\u{7f}junk\n", 2, "binary"),
        ("[a]\n= value\n", 2, "missing key name"),
        ("[ ]\n", 1, "empty section name"),
        (
            "[a]\nread_only = yes please\n",
            2,
            "`read_only` must be true or false",
        ),
        ("[a]\r\nhost = h\r\njunk\r\n", 3, "expected `key = value`"),
        // A missing `=` before a URL: the `:` of `https:` must not make `host https` a key.
        (
            "[a]\nhost https://x.cloud.databricks.com\n",
            2,
            "is an `=` missing?",
        ),
    ];
    for (text, line, what) in cases {
        let err = parse_config(Path::new(PATH), text).unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: l, .. } if l == line),
            "{text:?}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("{PATH} line {line}: ")),
            "{text:?}: {msg}"
        );
        assert!(msg.contains(what), "{text:?}: {msg}");
    }
}

#[test]
fn binary_files_on_disk_give_a_line_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cfg");
    std::fs::write(&path, b"[a]\nhost = h\n\xff\xfe\x00\x13binary").unwrap();
    let err = load_config_file(&path).unwrap_err();
    assert!(
        matches!(err, ConfigError::Syntax { line: 3, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("{} line 3: ", path.display())),
        "{err}"
    );

    let missing = dir.path().join("nope");
    assert!(matches!(
        load_config_file(&missing),
        Err(ConfigError::NotFound { .. })
    ));

    std::fs::write(&path, "[a]\nhost = h\ntoken = t\n").unwrap();
    let f = load_config_file(&path).unwrap();
    assert_eq!(f.path, path);
    assert_eq!(f.profiles.len(), 1);
}

#[test]
fn random_bytes_never_panic() {
    // A small LCG keeps this deterministic without a dev-dependency.
    let mut seed: u64 = 0x5eed;
    let alphabet = b"[]=:#; \t\n\r\\\"'abcHOST\x00\x7f";
    for _ in 0..2000 {
        let len = (seed % 64) as usize;
        let mut text = String::new();
        for _ in 0..len {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push(alphabet[(seed >> 33) as usize % alphabet.len()] as char);
        }
        if let Err(e) = parse_config(Path::new(PATH), &text) {
            assert!(e.to_string().contains(PATH), "{e}");
        }
    }
}

#[test]
fn error_path_under_home_is_shown_with_tilde() {
    let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) else {
        return;
    };
    let err = parse_config(&home.join(".databrickscfg"), "[a]\nx\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "~/.databrickscfg line 2: expected `key = value`"
    );
}

const CANARY: &str = "CANARY-7f3a";

#[test]
fn secrets_never_reach_debug_or_errors() {
    let text = format!(
        "[s]\nhost = https://x.cloud.databricks.com\ntoken = t-{CANARY}\nclient_id = c\nclient_secret = cs-{CANARY}\n\
         password = pw-{CANARY}\nazure_client_secret = az-{CANARY}\nmy_api_key = k-{CANARY}\n\
         refresh_token = rt-{CANARY}\ngoogle_credentials = {{\"private_key\": \"{CANARY}\"}}\n"
    );
    let f = cfg(&text);
    let p = f.profile("s").unwrap();
    // Not vacuous: the values are there, just hidden.
    assert_eq!(p.token.as_ref().unwrap().expose(), format!("t-{CANARY}"));
    for k in [
        "password",
        "azure_client_secret",
        "my_api_key",
        "refresh_token",
        "google_credentials",
    ] {
        assert!(
            p.other_secrets.get(k).unwrap().expose().contains(CANARY),
            "{k}"
        );
    }
    let e = Env::from_pairs([
        ("DATABRICKS_TOKEN", format!("e-{CANARY}")),
        ("DATABRICKS_HOST", "h".to_owned()),
    ]);

    let mut shown = vec![format!("{f:?}"), format!("{p:?}"), format!("{e:?}")];
    shown.push(format!("{:?}", list_profiles(&e, Some(&f))));
    shown.push(format!("{:?}", resolve(None, &e, Some(&f))));
    let errors = [
        p.auth_method().unwrap_err(), // token + client id/secret + azure + basic
        resolve(Some("s"), &e, Some(&f)).unwrap_err(),
        resolve(Some("missing"), &e, Some(&f)).unwrap_err(),
        parse_config(Path::new(PATH), &format!("[a]\ndapi{CANARY}\n")).unwrap_err(),
        parse_config(Path::new(PATH), &format!("[a\ntoken = {CANARY}\n")).unwrap_err(),
        parse_config(Path::new(PATH), &format!("{CANARY} = x\n")).unwrap_err(),
        parse_config(Path::new(PATH), &format!("[a]\nread_only = {CANARY}\n")).unwrap_err(),
        parse_config(Path::new(PATH), &format!("[a]\n{CANARY}\u{0}\n")).unwrap_err(),
    ];
    for err in &errors {
        shown.push(format!("{err} / {err:?}"));
    }
    for s in shown {
        assert!(!s.contains(CANARY), "secret leaked: {s}");
    }
}

#[test]
fn google_credentials_path_is_not_a_secret() {
    let f = cfg("[g]\ngoogle_credentials = /keys/sa.json\n");
    assert_eq!(
        f.profile("g")
            .unwrap()
            .other
            .get("google_credentials")
            .map(String::as_str),
        Some("/keys/sa.json")
    );
}
