//! Cloud credential keys a profile sets but the chosen auth method will not use. The SDK rules
//! pick one method (docs/wire-facts.md §7.4) and silently ignore the keys of the others: Azure
//! keys on a host not recognised as Azure (a gateway, a private DNS name) end as `gateway` or
//! "no credentials", and `google_service_account` beside `google_credentials` calls as the
//! key's own account instead of the one to impersonate. This says so, with the key that fixes
//! it, in `auth check`, `auth profiles` and the app header's warning line.

use crate::config::{AuthMethod, Cloud, Profile};

const AZURE_KEYS: &[&str] = &[
    "azure_use_msi",
    "azure_client_id",
    "azure_client_secret",
    "azure_tenant_id",
];
const GOOGLE_KEYS: &[&str] = &["google_credentials", "google_service_account"];

/// The warning for `profile`, or `None` when every cloud credential key set is used.
pub fn warning(profile: &Profile) -> Option<String> {
    let method = match profile.auth_method() {
        Ok(AuthMethod::Other(m)) => Some(m),
        Ok(AuthMethod::Pat) => Some("pat".to_owned()),
        Ok(AuthMethod::OAuthM2M) => Some("oauth-m2m".to_owned()),
        Err(_) => None,
    };
    let method_name = method.as_deref().unwrap_or("none");
    let explicit = profile.auth_type.is_some();
    let mut out = Vec::new();

    let azure: Vec<&str> = AZURE_KEYS
        .iter()
        .copied()
        .filter(|k| {
            if *k == "azure_use_msi" {
                profile.flag(k)
            } else {
                profile.has(k)
            }
        })
        .collect();
    if !azure.is_empty() && !method_name.starts_with("azure-") {
        let suggest = if azure.contains(&"azure_use_msi") {
            "azure-msi"
        } else if azure.contains(&"azure_client_secret") {
            "azure-client-secret"
        } else {
            "azure-cli"
        };
        out.push(if explicit {
            format!(
                "{} set but not used with auth_type = {method_name}",
                azure.join(", ")
            )
        } else if profile.cloud() == Some(Cloud::Azure) {
            format!(
                "{} set but not used (method {method_name}); set `auth_type = {suggest}` to use them",
                azure.join(", ")
            )
        } else {
            format!(
                "{} set but not used: the host is not recognised as Azure Databricks, so the method is {method_name}; add `cloud = azure` (or `auth_type = {suggest}`) to use them",
                azure.join(", ")
            )
        });
    }

    let google: Vec<&str> = GOOGLE_KEYS
        .iter()
        .copied()
        .filter(|k| profile.has(k))
        .collect();
    match method_name {
        "google-id" => {}
        "google-credentials" if google.contains(&"google_service_account") => {
            out.push(if explicit {
                "google_service_account set but not used with auth_type = google-credentials: calls run as the key's own account; use `auth_type = google-id` to act as google_service_account".to_owned()
            } else {
                "google_service_account set but not used: with google_credentials and no auth_type, calls run as the key's own account, not as google_service_account; set `auth_type = google-id` to impersonate it".to_owned()
            });
        }
        "google-credentials" => {}
        _ if !google.is_empty() => {
            let suggest = if google.contains(&"google_service_account") {
                "google-id"
            } else {
                "google-credentials"
            };
            out.push(if explicit || profile.cloud() == Some(Cloud::Gcp) {
                format!(
                    "{} set but not used with method {method_name}; set `auth_type = {suggest}` to use them",
                    google.join(", ")
                )
            } else {
                format!(
                    "{} set but not used: the host is not recognised as Databricks on GCP, so the method is {method_name}; add `cloud = gcp` (or `auth_type = {suggest}`) to use them",
                    google.join(", ")
                )
            });
        }
        _ => {}
    }
    (!out.is_empty()).then(|| out.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProfileSource;

    fn profile(pairs: &[(&str, &str)]) -> Profile {
        let mut p = Profile::empty("p", ProfileSource::Demo);
        for (k, v) in pairs {
            match *k {
                "host" => p.host = Some((*v).to_owned()),
                "auth_type" => p.auth_type = Some((*v).to_owned()),
                "token" => p.token = Some(crate::config::Secret::new(*v)),
                _ if k.ends_with("secret") => {
                    p.other_secrets
                        .insert((*k).to_owned(), crate::config::Secret::new(*v));
                }
                _ => {
                    p.other.insert((*k).to_owned(), (*v).to_owned());
                }
            }
        }
        p
    }

    #[test]
    fn azure_keys_on_a_gateway_host_are_named_with_the_fix() {
        let p = profile(&[
            ("host", "https://gw.corp.example/databricks"),
            ("azure_use_msi", "true"),
            ("azure_client_id", "mi-1"),
            ("gateway_headers", "X-Key: keyring:k"),
        ]);
        let w = warning(&p).unwrap();
        assert!(
            w.contains("azure_use_msi, azure_client_id set but not used"),
            "{w}"
        );
        assert!(w.contains("the method is gateway"), "{w}");
        assert!(
            w.contains("`cloud = azure`") && w.contains("auth_type = azure-msi"),
            "{w}"
        );
        // With cloud = azure they are used: nothing to say.
        let mut used = p.clone();
        used.other.insert("cloud".into(), "azure".into());
        assert_eq!(warning(&used), None);
        // azure_use_msi = false is not a key in use.
        let off = profile(&[
            ("host", "https://x.cloud.databricks.com"),
            ("azure_use_msi", "false"),
            ("token", "t"),
        ]);
        assert_eq!(warning(&off), None);
    }

    #[test]
    fn a_service_account_beside_a_key_without_auth_type_suggests_google_id() {
        let p = profile(&[
            ("host", "https://1.gcp.databricks.com"),
            ("google_credentials", "/k.json"),
            ("google_service_account", "sa@p.iam.gserviceaccount.com"),
        ]);
        let w = warning(&p).unwrap();
        assert!(w.contains("google_service_account set but not used"), "{w}");
        assert!(w.contains("auth_type = google-id"), "{w}");
        let mut fixed = p.clone();
        fixed.auth_type = Some("google-id".into());
        assert_eq!(warning(&fixed), None);
    }

    #[test]
    fn nothing_to_say_for_a_plain_profile() {
        let p = profile(&[("host", "https://x.cloud.databricks.com"), ("token", "t")]);
        assert_eq!(warning(&p), None);
    }
}
