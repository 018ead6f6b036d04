//! Table tests for the network-policy input checks (validate.rs).

use dbx_tui::api::network_policies::validate::{
    check_new_dns_destination, check_new_storage_destination, normalize_dns_name,
    validate_policy_id, validate_storage_destination,
};
use dbx_tui::api::network_policies::{InternetDestination, StorageDestination};

/// Expected verdict: the normalised name, or a substring of the error message.
enum V {
    Ok(&'static str),
    Err(&'static str),
}
use V::{Err as Bad, Ok as Good};

fn dns_table() -> Vec<(String, V)> {
    let label63 = "a".repeat(63);
    let label64 = "a".repeat(64);
    // 4 × 63 + 3 dots = 255 is too long; 3 × 63 + 61 + 3 dots = 253 fits exactly.
    let name253 = format!("{l}.{l}.{l}.{}", "b".repeat(61), l = label63);
    let name255 = format!("{label63}.{label63}.{label63}.{label63}");
    vec![
        // Good names, with their normal form.
        ("pypi.org".into(), Good("pypi.org")),
        (
            "  files.pythonhosted.org\t".into(),
            Good("files.pythonhosted.org"),
        ),
        ("PyPI.ORG".into(), Good("pypi.org")),
        ("example.com.".into(), Good("example.com")),
        ("bücher.example".into(), Good("xn--bcher-kva.example")),
        ("BÜCHER.Example".into(), Good("xn--bcher-kva.example")),
        ("münchen.de".into(), Good("xn--mnchen-3ya.de")),
        ("пример.рф".into(), Good("xn--e1afmkfd.xn--p1ai")),
        (
            "xn--bcher-kva.example".into(),
            Good("xn--bcher-kva.example"),
        ),
        ("a.b.c.d.example.com".into(), Good("a.b.c.d.example.com")),
        ("a-b--c.example.com".into(), Good("a-b--c.example.com")),
        ("123.example.com".into(), Good("123.example.com")),
        (
            "s3.us-west-2.amazonaws.com".into(),
            Good("s3.us-west-2.amazonaws.com"),
        ),
        ("x.io".into(), Good("x.io")),
        (format!("{label63}.com"), Good("")), // checked by length below
        (name253.clone(), Good("")),
        // Bad names, with part of the message.
        (String::new(), Bad("enter a DNS name")),
        ("   ".into(), Bad("enter a DNS name")),
        (
            "https://pypi.org".into(),
            Bad("no scheme: remove \"https://\""),
        ),
        ("s3://my-bucket".into(), Bad("remove \"s3://\"")),
        ("pypi.org/simple".into(), Bad("no path: remove \"/simple\"")),
        ("pypi.org:443".into(), Bad("no port: remove \":443\"")),
        (
            "user@pypi.org".into(),
            Bad("no user part: remove \"user@\""),
        ),
        ("pypi.org?x=1".into(), Bad("no query")),
        ("py pi.org".into(), Bad("no spaces")),
        ("pypi.org\u{a0}x".into(), Bad("no spaces")),
        ("*.example.com".into(), Bad("wildcards are not supported")),
        ("api.*.example.com".into(), Bad("list each subdomain")),
        ("*".into(), Bad("wildcards")),
        ("10.0.0.1".into(), Bad("10.0.0.1 is an IP address")),
        ("2001:db8::1".into(), Bad("is an IP address")),
        ("[::1]".into(), Bad("::1 is an IP address")),
        ("1.2.3.4:443".into(), Bad("1.2.3.4 is an IP address")),
        ("1.2.3".into(), Bad("all digits")),
        ("example.123".into(), Bad("no top-level domain is numeric")),
        ("localhost".into(), Bad("\"localhost\" is a single label")),
        ("com.".into(), Bad("single label")),
        (
            format!("{label64}.com"),
            Bad("is 64 characters; each label is at most 63"),
        ),
        (
            name255,
            Bad("the name is 255 characters; a DNS name is at most 253"),
        ),
        // 57 characters typed, but longer than 63 once converted to punycode.
        (
            format!("{}ü.com", "a".repeat(56)),
            Bad("each label is at most 63"),
        ),
        (
            "-foo.com".into(),
            Bad("\"-foo\" starts or ends with a hyphen"),
        ),
        ("foo-.com".into(), Bad("starts or ends with a hyphen")),
        ("foo_bar.com".into(), Bad("\"_\" is not allowed")),
        ("exa!mple.com".into(), Bad("\"!\" is not allowed")),
        ("pypi.org,".into(), Bad("\",\" is not allowed")),
        ("a..b.com".into(), Bad("empty label")),
        (".example.com".into(), Bad("empty label")),
        ("example.com..".into(), Bad("empty label")),
        (
            "xn--a.example".into(),
            Bad("not a valid internationalised name"),
        ),
    ]
}

#[test]
fn dns_destinations() {
    let table = dns_table();
    assert!(table.len() >= 40, "the table must keep at least 40 cases");
    let mut failures = Vec::new();
    for (input, want) in &table {
        let got = normalize_dns_name(input);
        match (want, &got) {
            (Good(""), Ok(n)) if *n == input.trim().to_lowercase() => {}
            (Good(w), Ok(n)) if !w.is_empty() && n == w => {}
            (Bad(w), Err(e)) if e.to_string().contains(w) => {}
            _ => failures.push(format!(
                "{input:?}: got {got:?} / {}",
                got.as_ref()
                    .err()
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "wrong verdicts:\n{}",
        failures.join("\n")
    );
}

#[test]
fn messages_are_one_short_sentence() {
    for (input, want) in dns_table() {
        if let (Bad(_), Err(e)) = (want, normalize_dns_name(&input)) {
            let msg = e.to_string();
            assert!(
                !msg.contains('\n') && msg.chars().count() <= 110,
                "too long for the input line: {msg}"
            );
        }
    }
}

fn dns(d: &str) -> InternetDestination {
    serde_json::from_value(
        serde_json::json!({"destination": d, "internet_destination_type": "DNS_NAME"}),
    )
    .unwrap()
}

#[test]
fn dns_duplicates() {
    let existing = vec![
        dns("pypi.org"),
        dns("xn--bcher-kva.example"),
        dns("Files.PythonHosted.org."),
    ];
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("PyPI.org", Err("pypi.org is already in the allow-list")),
        ("pypi.org.", Err("pypi.org is already in the allow-list")),
        (
            "Bücher.example",
            Err("xn--bcher-kva.example is already in the allow-list"),
        ),
        (
            "files.pythonhosted.org",
            Err("files.pythonhosted.org is already"),
        ),
        ("test.pypi.org", Ok("test.pypi.org")),
        ("https://pypi.org", Err("no scheme")),
    ];
    for (input, want) in cases {
        let got = check_new_dns_destination(input, &existing);
        match (want, &got) {
            (Ok(w), Ok(n)) => assert_eq!(n, w, "{input}"),
            (Err(w), Err(e)) => assert!(e.to_string().contains(w), "{input}: {e}"),
            _ => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }
    let idn_existing = vec![dns("bücher.example")];
    assert!(check_new_dns_destination("xn--bcher-kva.example", &idn_existing).is_err());
}

fn storage(v: serde_json::Value) -> StorageDestination {
    serde_json::from_value(v).unwrap()
}

#[test]
fn storage_destinations_per_cloud() {
    use serde_json::json;
    let cases: Vec<(serde_json::Value, Option<&str>)> = vec![
        // AWS S3
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my-bucket", "region": "us-west-2"}),
            None,
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "logs.example.com", "region": "us-gov-west-1"}),
            None,
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "ab", "region": "us-west-2"}),
            Some("is 2 characters; S3 allows 3-63"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "a".repeat(64), "region": "us-west-2"}),
            Some("S3 allows 3-63"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "My-Bucket", "region": "us-west-2"}),
            Some("\"M\" is not allowed"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my_bucket", "region": "us-west-2"}),
            Some("\"_\" is not allowed"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "-bucket", "region": "us-west-2"}),
            Some("start and end with a letter or digit"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "192.168.5.4", "region": "us-west-2"}),
            Some("IP address"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my..bucket", "region": "us-west-2"}),
            Some("two dots"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "xn--bucket", "region": "us-west-2"}),
            Some("prefix \"xn--\""),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "data-s3alias", "region": "us-west-2"}),
            Some("suffix"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my-bucket"}),
            Some("an S3 destination needs region"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my-bucket", "region": "uswest2"}),
            Some("does not look like an AWS region"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my-bucket", "region": "westeurope"}),
            Some("AWS region"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "region": "us-west-2"}),
            Some("needs bucket_name"),
        ),
        (
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "b-1", "region": "us-west-2", "azure_storage_account": "x"}),
            Some("has no azure_storage_account"),
        ),
        // Google Cloud Storage
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "my_bucket.data"}),
            None,
        ),
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "goog-data"}),
            Some("reserves"),
        ),
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "my-google-bucket"}),
            Some("google"),
        ),
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "_data"}),
            Some("start and end"),
        ),
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "data", "region": "us"}),
            Some("a GCS destination has no region"),
        ),
        (
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE"}),
            Some("needs bucket_name"),
        ),
        // Azure
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "mystorage01", "azure_storage_service": "dfs"}),
            None,
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "mystorage01", "azure_storage_service": "blob"}),
            None,
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "My-Storage", "azure_storage_service": "dfs"}),
            Some("3-24 lowercase letters and digits"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "ab", "azure_storage_service": "dfs"}),
            Some("3-24"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "a".repeat(25), "azure_storage_service": "dfs"}),
            Some("3-24"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "acct", "azure_storage_service": "adls"}),
            Some("unknown Azure storage service \"adls\"; known: blob, dfs"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "acct"}),
            Some("needs azure_storage_service"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_service": "dfs"}),
            Some("needs azure_storage_account"),
        ),
        (
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "acct", "azure_storage_service": "dfs", "bucket_name": "b"}),
            Some("has no bucket_name"),
        ),
        // Type
        (
            json!({"bucket_name": "my-bucket"}),
            Some("choose a storage type"),
        ),
        (
            json!({"storage_destination_type": "CLOUDFLARE_R2", "bucket_name": "b"}),
            Some("CLOUDFLARE_R2 is not known"),
        ),
    ];
    for (v, want) in cases {
        let got = validate_storage_destination(&storage(v.clone()));
        match (want, &got) {
            (None, Ok(())) => {}
            (Some(w), Err(e)) if e.to_string().contains(w) => {}
            _ => panic!(
                "{v}: got {got:?} ({}), want {want:?}",
                got.as_ref()
                    .err()
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default()
            ),
        }
    }
}

#[test]
fn new_storage_destinations_are_normalised_and_deduplicated() {
    use serde_json::json;
    let existing = vec![
        storage(
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "my-bucket", "region": "us-west-2"}),
        ),
        storage(
            json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "acct", "azure_storage_service": "dfs"}),
        ),
        storage(
            json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "gdata"}),
        ),
    ];
    let ok = check_new_storage_destination(
        &storage(json!({"storage_destination_type": "AWS_S3", "bucket_name": " Other-Bucket ", "region": "US-EAST-1"})),
        &existing,
    )
    .unwrap();
    assert_eq!(ok.bucket_name.as_deref(), Some("other-bucket"));
    assert_eq!(ok.region.as_deref(), Some("us-east-1"));

    let dup = |v| {
        check_new_storage_destination(&storage(v), &existing)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        dup(
            json!({"storage_destination_type": "AWS_S3", "bucket_name": "MY-BUCKET", "region": "eu-west-1"})
        ),
        "s3://my-bucket (eu-west-1) is already in the allow-list"
    );
    assert!(dup(json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "ACCT", "azure_storage_service": "DFS"}))
        .contains("acct.dfs is already in the allow-list"));
    assert!(
        dup(json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "GData"}))
            .contains("gs://gdata is already")
    );
    // Same account, other service: a different endpoint, so allowed.
    let blob = storage(
        json!({"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "acct", "azure_storage_service": "blob"}),
    );
    assert!(check_new_storage_destination(&blob, &existing).is_ok());
    // Same bucket name on another cloud is a different destination.
    let gcs = storage(
        json!({"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "my-bucket"}),
    );
    assert!(check_new_storage_destination(&gcs, &existing).is_ok());
}

#[test]
fn policy_ids() {
    let cases: &[(&str, Option<&str>)] = &[
        ("corp-egress", None),
        ("a", None),
        ("default-policy", None),
        ("Team_A.v2-prod", None),
        (&"x".repeat(32), None),
        (&"x".repeat(33), Some("33 characters; at most 32")),
        ("", Some("enter a policy id")),
        ("corp egress", Some("a space is not allowed")),
        ("corp/egress", Some("\"/\" is not allowed")),
        ("pölicy", Some("\"ö\" is not allowed")),
    ];
    for (id, want) in cases {
        match (want, validate_policy_id(id)) {
            (None, Ok(())) => {}
            (Some(w), Err(e)) if e.contains(w) => {}
            (_, got) => panic!("{id:?}: got {got:?}, want {want:?}"),
        }
    }
}
