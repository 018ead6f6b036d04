//! Shared helpers for the cloud-credential tests: a throwaway CA, a test RSA service-account
//! key, and profiles parsed from config text exactly as users write them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use dbx_tui::api::ApiClient;
use dbx_tui::config::{self, Env, Profile};
use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions, ServeOptions, TlsIdentity};

pub struct TestCa {
    pub ca_pem: String,
    pub server: TlsIdentity,
}

/// A CA and a server certificate for 127.0.0.1/localhost signed by it, made now.
pub fn test_ca() -> TestCa {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dbx-tui test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    TestCa {
        ca_pem: ca_cert.pem(),
        server: TlsIdentity {
            cert_chain_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        },
    }
}

pub struct TestSaKey {
    pub email: String,
    pub public_der: Vec<u8>,
    pub private_pem: String,
}

/// A 2048-bit RSA key for a Google service account: one fixed test key per account, from
/// `tests/fixtures` (made with `openssl genpkey`; they sign nothing outside these tests). The
/// TLS library, ring, cannot generate RSA keys.
pub fn sa_key(email: &str) -> TestSaKey {
    use ring::signature::KeyPair as _;
    let private_pem = if email.starts_with("ci-runner@") {
        include_str!("../fixtures/test-sa-ci-runner.pem")
    } else {
        include_str!("../fixtures/test-sa-dbx-admin.pem")
    };
    let b64: String = private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let kp = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    TestSaKey {
        email: email.into(),
        public_der: kp.public_key().as_ref().to_vec(),
        private_pem: private_pem.to_owned(),
    }
}

impl TestSaKey {
    /// The key file JSON Google hands out, with `token_uri` at the emulator.
    pub fn json(&self, token_uri: &str) -> String {
        serde_json::json!({
            "type": "service_account", "project_id": "dbx-test", "private_key_id": "k1",
            "private_key": self.private_pem, "client_email": self.email, "client_id": "1",
            "token_uri": token_uri,
        })
        .to_string()
    }
}

pub async fn emulator(serve: ServeOptions) -> Emulator {
    Emulator::start_with(
        EmulatorOptions::default(),
        "127.0.0.1:0".parse().unwrap(),
        serve,
    )
    .await
    .expect("emulator starts")
}

/// An emulator serving https with a fresh test CA (written to `ca_file`), whose Azure account
/// has the Entra app `app-1` in `tenant-1` with the secret `canary-az-secret`.
pub struct AzureOverTls {
    pub ca: TestCa,
    /// Holds `ca_file`.
    pub dir: tempfile::TempDir,
    pub ca_file: PathBuf,
    pub emu: Emulator,
    pub acct: DemoAccount,
}

pub async fn azure_over_tls() -> AzureOverTls {
    let ca = test_ca();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write(dir.path(), "ca.pem", &ca.ca_pem);
    let emu = emulator(ServeOptions {
        tls: Some(ca.server.clone()),
        gateway: None,
    })
    .await;
    let acct = account(&emu, "azure");
    emu.handle()
        .add_entra_app("tenant-1", "app-1", "canary-az-secret", &acct.account_id);
    AzureOverTls {
        ca,
        dir,
        ca_file,
        emu,
        acct,
    }
}

pub fn account(emu: &Emulator, cloud: &str) -> DemoAccount {
    emu.accounts()
        .into_iter()
        .find(|a| a.cloud == cloud)
        .unwrap()
}

/// Parses config text and resolves `name`, with an empty environment.
pub fn profile(text: &str, name: &str) -> Profile {
    let file = config::parse_config(Path::new("test.databrickscfg"), text).unwrap();
    config::resolve(
        Some(name),
        &Env::from_pairs(Vec::<(String, String)>::new()),
        Some(&file),
    )
    .unwrap()
}

pub fn client(p: &Profile) -> ApiClient {
    let http = dbx_tui::api::client::http_client_for(p).unwrap();
    let auth: Arc<dyn dbx_tui::auth::CredentialProvider> = dbx_tui::auth::provider_for(p).unwrap();
    ApiClient::new(http, p.host.as_deref().unwrap(), auth)
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Asserts no canary value appears in `text`.
pub fn no_canary(text: &str) {
    assert!(!text.contains("canary"), "a secret leaked: {text}");
}
