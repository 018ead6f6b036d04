//! Property tests standing in for fuzzing (cargo-fuzz needs a nightly toolchain, which this
//! project's machines do not have): arbitrary input to every parser and decoder never panics,
//! and what they accept satisfies their contract. Case counts are bounded so CI stays quick.

use dbx_tui::api::ApiError;
use dbx_tui::api::client::decode;
use dbx_tui::api::network_policies::NetworkPolicy;
use dbx_tui::api::network_policies::validate::{normalize_dns_name, validate_policy_id};
use dbx_tui::api::scim::{ScimPage, ServicePrincipal};
use dbx_tui::api::workspaces::Workspace;
use dbx_tui::app::editor::parse_storage_input;
use proptest::prelude::*;
use std::path::Path;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Lines that look like a .databrickscfg, with junk mixed in.
fn cfg_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\[[a-zA-Z_ -]{0,12}\\]?",
        "[a-z_]{1,12} ?[=:] ?[ -~]{0,30}",
        "[#;][ -~]{0,20}",
        "[ -~]{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_parser_never_panics(lines in prop::collection::vec(cfg_line(), 0..12)) {
        let text = lines.join("\n");
        if let Err(e) = dbx_tui::config::parse_config(Path::new("/tmp/cfg"), &text) {
            prop_assert!(e.to_string().contains("cfg"), "the error names the file: {}", e);
        }
    }

    #[test]
    fn error_decoder_never_panics(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..300)) {
        let e = ApiError::from_response("GET", "/x", status, None, &body);
        prop_assert!(!e.user_message().is_empty());
    }

    #[test]
    fn response_decoders_never_panic(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        "\\{\"[a-z_]{1,10}\": ?(null|[0-9]{1,5}|\"[a-z]{0,5}\"|\\[\\]|\\{\\})\\}".prop_map(String::into_bytes),
    ]) {
        let _ = decode::<Vec<Workspace>>("/w", &body);
        let _ = decode::<NetworkPolicy>("/p", &body);
        let _ = decode::<ScimPage<ServicePrincipal>>("/s", &body);
    }

    #[test]
    fn accepted_dns_names_are_canonical(input in prop_oneof![
        "[a-zA-Z0-9.-]{1,70}",
        "[a-z]{1,20}\\.[a-z]{2,6}",
        any::<String>(),
    ]) {
        if let Ok(name) = normalize_dns_name(&input) {
            prop_assert!(name.len() <= 253);
            prop_assert!(name.split('.').count() >= 2);
            prop_assert!(name.split('.').all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-')));
            prop_assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'));
            prop_assert_eq!(normalize_dns_name(&name), Ok(name.clone()), "normalising is idempotent");
        }
    }

    #[test]
    fn policy_ids_and_storage_inputs_never_panic(s in any::<String>()) {
        if validate_policy_id(&s).is_ok() {
            prop_assert!(!s.is_empty() && s.len() <= 32);
        }
        let _ = parse_storage_input(&s);
    }
}
