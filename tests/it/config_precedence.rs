//! Profile resolution: precedence, `__settings__`, DEFAULT, kinds and auth methods.

use std::path::{Path, PathBuf};

use dbx_tui::config::{
    AuthMethod, ConfigError, ConfigFile, Env, ProfileKind, ProfileSource, list_profiles,
    parse_config, resolve,
};

const PATH: &str = "/cfg/.databrickscfg";

fn cfg(text: &str) -> ConfigFile {
    parse_config(Path::new(PATH), text).expect("test config parses")
}

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().copied())
}

const FILE: &str = "
[__settings__]
default_profile = settled

[DEFAULT]
host = https://default.cloud.databricks.com
token = dapi-default
cluster_id = c-default

[settled]
host = https://settled.cloud.databricks.com
token = dapi-settled

[prod]
host = prod.cloud.databricks.com/
token = dapi-prod
warehouse_id = wh-file

[acct]
host = https://accounts.cloud.databricks.com
account_id = acc-1
client_id = cid
client_secret = csecret

[empty]
";

/// The same file without `[__settings__]`, so the fallback is DEFAULT.
fn file_without_settings() -> ConfigFile {
    cfg(&FILE.replace("[__settings__]\ndefault_profile = settled\n", ""))
}

#[test]
fn precedence_table() {
    let with = cfg(FILE);
    let without = file_without_settings();
    let file_src = ProfileSource::File(PathBuf::from(PATH));
    let mixed = ProfileSource::Mixed(PathBuf::from(PATH));
    // (case, requested, env, file, name, host, warehouse, source)
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Vec<(&'a str, &'a str)>,
        &'a ConfigFile,
        &'a str,
        &'a str,
        Option<&'a str>,
        ProfileSource,
    );
    let cases: Vec<Case> = vec![
        (
            "requested beats DATABRICKS_CONFIG_PROFILE",
            Some("prod"),
            vec![("DATABRICKS_CONFIG_PROFILE", "acct")],
            &with,
            "prod",
            "https://prod.cloud.databricks.com",
            Some("wh-file"),
            file_src.clone(),
        ),
        (
            "DATABRICKS_CONFIG_PROFILE beats default_profile",
            None,
            vec![("DATABRICKS_CONFIG_PROFILE", "prod")],
            &with,
            "prod",
            "https://prod.cloud.databricks.com",
            Some("wh-file"),
            file_src.clone(),
        ),
        (
            "default_profile beats DEFAULT",
            None,
            vec![],
            &with,
            "settled",
            "https://settled.cloud.databricks.com",
            None,
            file_src.clone(),
        ),
        (
            "DEFAULT is the last fallback",
            None,
            vec![],
            &without,
            "DEFAULT",
            "https://default.cloud.databricks.com",
            None,
            file_src.clone(),
        ),
        (
            "empty requested counts as unset",
            Some(""),
            vec![],
            &without,
            "DEFAULT",
            "https://default.cloud.databricks.com",
            None,
            file_src.clone(),
        ),
        (
            "env host+token and no profile named: file skipped",
            None,
            vec![
                ("DATABRICKS_HOST", "env.cloud.databricks.com"),
                ("DATABRICKS_TOKEN", "dapi-env"),
            ],
            &with,
            "env",
            "https://env.cloud.databricks.com",
            None,
            ProfileSource::Environment,
        ),
        (
            "env overrides the named profile",
            Some("prod"),
            vec![
                ("DATABRICKS_HOST", "https://env.cloud.databricks.com"),
                ("DATABRICKS_WAREHOUSE_ID", "wh-env"),
            ],
            &with,
            "prod",
            "https://env.cloud.databricks.com",
            Some("wh-env"),
            mixed.clone(),
        ),
        (
            "DATABRICKS_CONFIG_PROFILE counts as named: file not skipped",
            None,
            vec![
                ("DATABRICKS_CONFIG_PROFILE", "prod"),
                ("DATABRICKS_HOST", "https://env.cloud.databricks.com"),
            ],
            &with,
            "prod",
            "https://env.cloud.databricks.com",
            Some("wh-file"),
            mixed.clone(),
        ),
        (
            "a non-auth env value does not skip the file",
            None,
            vec![("DATABRICKS_WAREHOUSE_ID", "wh-env")],
            &with,
            "settled",
            "https://settled.cloud.databricks.com",
            Some("wh-env"),
            mixed.clone(),
        ),
        (
            "empty env values are unset",
            Some("prod"),
            vec![("DATABRICKS_HOST", ""), ("DATABRICKS_WAREHOUSE_ID", "")],
            &with,
            "prod",
            "https://prod.cloud.databricks.com",
            Some("wh-file"),
            file_src.clone(),
        ),
    ];
    for (case, requested, pairs, file, name, host, warehouse, source) in cases {
        let p =
            resolve(requested, &env(&pairs), Some(file)).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(p.name, name, "{case}");
        assert_eq!(p.host.as_deref(), Some(host), "{case}");
        assert_eq!(p.warehouse_id.as_deref(), warehouse, "{case}");
        assert_eq!(p.source, source, "{case}");
    }
}

#[test]
fn env_token_wins_over_file_token() {
    let e = env(&[("DATABRICKS_TOKEN", "dapi-env")]);
    let p = resolve(Some("prod"), &e, Some(&cfg(FILE))).unwrap();
    assert_eq!(p.token.unwrap().expose(), "dapi-env");
}

#[test]
fn skipped_file_with_env_token_but_no_host_is_no_host() {
    // Go skips the file as soon as an auth value is set by env, even without a host.
    let err = resolve(
        None,
        &env(&[("DATABRICKS_TOKEN", "dapi-env")]),
        Some(&cfg(FILE)),
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::NoHost { ref profile } if profile == "env"),
        "{err}"
    );
}

#[test]
fn invalid_boolean_variable_is_an_error() {
    let e = env(&[("DATABRICKS_HOST", "h"), ("ARM_USE_MSI", "sure")]);
    let err = resolve(None, &e, None).unwrap_err();
    assert_eq!(err.to_string(), "ARM_USE_MSI must be true or false");
    let e = env(&[
        ("DATABRICKS_HOST", "h"),
        ("ARM_USE_MSI", "TRUE"),
        ("DATABRICKS_TOKEN", "t"),
    ]);
    assert!(matches!(
        resolve(None, &e, None),
        Err(ConfigError::MultipleAuthMethods { .. })
    ));
}

#[test]
fn default_is_not_merged_into_other_sections() {
    let p = resolve(Some("prod"), &Env::default(), Some(&cfg(FILE))).unwrap();
    assert_eq!(p.token.unwrap().expose(), "dapi-prod");
    assert!(
        !p.other.contains_key("cluster_id"),
        "DEFAULT's cluster_id leaked: {:?}",
        p.other
    );
    let acct = resolve(Some("acct"), &Env::default(), Some(&cfg(FILE))).unwrap();
    assert!(acct.token.is_none(), "DEFAULT's token leaked into acct");
}

#[test]
fn settings_section_is_not_a_profile() {
    let f = cfg(FILE);
    assert_eq!(f.default_profile.as_deref(), Some("settled"));
    assert!(f.profile("__settings__").is_none());
    let names: Vec<_> = list_profiles(&Env::default(), Some(&f))
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["DEFAULT", "settled", "prod", "acct"]);
    for requested in [Some("__settings__"), None] {
        let e = if requested.is_some() {
            Env::default()
        } else {
            env(&[("DATABRICKS_CONFIG_PROFILE", "__settings__")])
        };
        let err = resolve(requested, &e, Some(&f)).unwrap_err();
        assert!(matches!(err, ConfigError::ReservedProfile), "{err}");
    }
    let bad = cfg("[__settings__]\ndefault_profile = __settings__\n[a]\nhost = h\n");
    assert!(matches!(
        resolve(None, &Env::default(), Some(&bad)),
        Err(ConfigError::ReservedProfile)
    ));
}

#[test]
fn unknown_profile_lists_the_available_ones() {
    let f = cfg(FILE);
    let cases = [
        (Some("staging"), cfg(FILE), "staging"),
        // default_profile naming a missing profile is an error, not a silent DEFAULT.
        (
            None,
            cfg("[__settings__]\ndefault_profile = gone\n[a]\nhost = h\ntoken = t\n"),
            "gone",
        ),
        // An empty section is no profile (Go: "has no empty profile configured").
        (Some("empty"), cfg(FILE), "empty"),
    ];
    for (requested, file, missing) in cases {
        let err = resolve(requested, &Env::default(), Some(&file)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::UnknownProfile { .. }), "{msg}");
        assert!(
            msg.contains(PATH) && msg.contains(&format!("`{missing}`")),
            "{msg}"
        );
        if file == f {
            assert!(msg.contains("DEFAULT, settled, prod, acct"), "{msg}");
            assert!(!msg.contains("__settings__"), "{msg}");
        }
    }
}

#[test]
fn missing_default_and_no_file() {
    // A missing DEFAULT is not an error by itself (Go's fallback); having no host is.
    let f = cfg("[a]\nhost = h\ntoken = t\n");
    assert!(matches!(
        resolve(None, &Env::default(), Some(&f)),
        Err(ConfigError::NoHost { .. })
    ));
    let e = env(&[("DATABRICKS_HOST", "h"), ("DATABRICKS_TOKEN", "t")]);
    assert_eq!(
        resolve(None, &e, None).unwrap().source,
        ProfileSource::Environment
    );
    let err = resolve(Some("prod"), &Env::default(), None).unwrap_err();
    assert!(
        matches!(err, ConfigError::NoConfigFile { .. }) && err.to_string().contains("prod"),
        "{err}"
    );
}

#[test]
fn list_profiles_has_no_env_overlay_and_an_env_entry() {
    let f = cfg(FILE);
    let e = env(&[
        ("DATABRICKS_HOST", "https://env.cloud.databricks.com"),
        ("DATABRICKS_TOKEN", "dapi-env"),
    ]);
    let list = list_profiles(&e, Some(&f));
    let prod = list.iter().find(|p| p.name == "prod").unwrap();
    assert_eq!(
        prod.host.as_deref(),
        Some("https://prod.cloud.databricks.com")
    );
    assert_eq!(prod.token.as_ref().unwrap().expose(), "dapi-prod");
    let last = list.last().unwrap();
    assert_eq!(
        (last.name.as_str(), &last.source),
        ("env", &ProfileSource::Environment)
    );
    // A token alone does not make a selectable env profile.
    let list = list_profiles(&env(&[("DATABRICKS_TOKEN", "t")]), None);
    assert!(list.is_empty());
}

#[test]
fn profile_kind_table() {
    let cases = [
        (
            "host = https://accounts.cloud.databricks.com\naccount_id = a",
            ProfileKind::Account,
        ),
        ("host = accounts.azuredatabricks.net", ProfileKind::Account),
        (
            "host = https://accounts-dod.cloud.databricks.us",
            ProfileKind::Account,
        ),
        (
            "host = http://127.0.0.1:8080\naccount_id = a",
            ProfileKind::Account,
        ),
        (
            "host = https://unified.databricks.com\naccount_id = a\nworkspace_id = 1",
            ProfileKind::Workspace,
        ),
        (
            "host = https://dbc-1.cloud.databricks.com",
            ProfileKind::Workspace,
        ),
        (
            "host = http://accounts.cloud.databricks.com",
            ProfileKind::Workspace,
        ),
        (
            "host = https://adb-1.2.azuredatabricks.net/?o=1&a=acc",
            ProfileKind::Workspace,
        ),
    ];
    for (body, kind) in cases {
        let f = cfg(&format!("[p]\n{body}\ntoken = t\n"));
        assert_eq!(f.profile("p").unwrap().kind(), kind, "{body}");
    }
}

#[test]
fn auth_method_table() {
    let other = |s: &str| Ok::<_, String>(AuthMethod::Other(s.to_owned()));
    let aws = "host = https://x.cloud.databricks.com";
    let az = "host = https://adb-1.1.azuredatabricks.net";
    let gcp = "host = https://1.1.gcp.databricks.com";
    let cases: Vec<(String, Result<AuthMethod, String>)> = vec![
        (format!("{aws}\ntoken = t"), Ok(AuthMethod::Pat)),
        (
            format!("{aws}\nclient_id = c\nclient_secret = s"),
            Ok(AuthMethod::OAuthM2M),
        ),
        (
            format!("{aws}\ntoken = t\nclient_id = c\nclient_secret = s"),
            Err("more than one authorization method configured: oauth and pat".into()),
        ),
        (
            format!("{aws}\ntoken = t\nclient_id = c\nclient_secret = s\nauth_type = oauth-m2m"),
            Ok(AuthMethod::OAuthM2M),
        ),
        (
            format!("{aws}\ntoken = t\nclient_id = c\nclient_secret = s\nauth_type = pat"),
            Ok(AuthMethod::Pat),
        ),
        (format!("{az}\nauth_type = azure-cli"), other("azure-cli")),
        (
            format!("{aws}\nauth_type = pat"),
            Err("auth_type `pat` needs `token`".into()),
        ),
        (
            format!("{aws}\nauth_type = oauth-m2m\nclient_id = c"),
            Err("needs `client_secret`".into()),
        ),
        (
            format!("{aws}\nauth_type = magic"),
            Err("auth_type `magic` is not one".into()),
        ),
        (aws.to_owned(), Err("profile `p` has no credentials".into())),
        (
            format!("{aws}\nclient_id = c"),
            Err("profile `p` has no credentials".into()),
        ),
        (
            format!("{aws}\nusername = u\npassword = pw"),
            other("basic"),
        ),
        (
            format!("{az}\nazure_client_id = c\nazure_client_secret = s\nazure_tenant_id = t"),
            other("azure-client-secret"),
        ),
        (format!("{az}\nazure_use_msi = true"), other("azure-msi")),
        (
            format!("{az}\nazure_use_msi = false"),
            Err("has no credentials".into()),
        ),
        (format!("{az}\nazure_tenant_id = t"), other("azure-cli")),
        (
            format!("{aws}\nazure_tenant_id = t"),
            Err("has no credentials".into()),
        ),
        (
            format!("{gcp}\ngoogle_service_account = sa@p.iam.gserviceaccount.com"),
            other("google-id"),
        ),
        (
            format!("{gcp}\ngoogle_credentials = /keys/sa.json"),
            other("google-credentials"),
        ),
        (
            format!("{az}\ntoken = t\nazure_tenant_id = x"),
            Err("configured: azure and pat".into()),
        ),
    ];
    for (body, want) in cases {
        let f = cfg(&format!("[p]\n{body}\n"));
        let got = f
            .profile("p")
            .unwrap()
            .auth_method()
            .map_err(|e| e.to_string());
        match (&got, &want) {
            (Err(g), Err(w)) => assert!(g.contains(w.as_str()), "{body:?}: {g:?} lacks {w:?}"),
            _ => assert_eq!(got, want, "{body:?}"),
        }
    }
}

#[test]
fn resolve_rejects_two_auth_methods_across_env_and_file() {
    let e = env(&[("DATABRICKS_TOKEN", "dapi-env")]);
    let err = resolve(Some("acct"), &e, Some(&cfg(FILE))).unwrap_err();
    assert!(
        matches!(err, ConfigError::MultipleAuthMethods { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("more than one authorization method configured: oauth and pat"),
        "{err}"
    );
    let e = env(&[
        ("DATABRICKS_TOKEN", "dapi-env"),
        ("DATABRICKS_AUTH_TYPE", "pat"),
    ]);
    assert_eq!(
        resolve(Some("acct"), &e, Some(&cfg(FILE)))
            .unwrap()
            .auth_method()
            .unwrap(),
        AuthMethod::Pat
    );
}
