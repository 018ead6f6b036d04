//! Cloud identity providers in front of the emulated Databricks: Microsoft Entra ID (client
//! credentials, v2 and v1 forms), an App Service managed-identity endpoint, Google's OAuth token
//! endpoint (RS256 JWT-bearer, `target_audience` ID tokens) and IAM Credentials
//! `generateIdToken`/`generateAccessToken` (docs/wire-facts.md §8.2, §8.3).
//!
//! Tokens are JWTs signed HS256 with a per-emulator key, so the Databricks side can check
//! signature, expiry and audience without shared state, as real Databricks checks the cloud's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::{hmac, signature};
use serde_json::{Value, json};

use super::auth::parse_form;
use super::error::{ApiError, ApiResult, json_response};
use super::state::{Shared, State as St, lock};

/// The AzureDatabricks application id: the audience of Entra tokens Databricks accepts.
pub const AZURE_DATABRICKS_RESOURCE: &str = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";
pub const AZURE_MANAGEMENT_RESOURCE: &str = "https://management.core.windows.net";

/// An Entra ID app registration (service principal) the emulated authority knows.
#[derive(Clone, Debug)]
pub(crate) struct EntraApp {
    pub tenant: String,
    pub client_id: String,
    pub secret: String,
    pub account_id: String,
}

#[derive(Clone, Debug)]
pub(crate) struct ManagedIdentity {
    pub identity_header: String,
    pub client_id: String,
    pub account_id: String,
}

#[derive(Clone, Debug)]
pub(crate) struct GoogleSa {
    pub email: String,
    /// PKCS#1 RSAPublicKey DER, to verify the key's self-signed JWTs.
    pub public_key_der: Vec<u8>,
    pub account_id: Option<String>,
}

/// Cloud identities and counters, part of the emulator state.
pub(crate) struct Clouds {
    key: hmac::Key,
    pub entra: Vec<EntraApp>,
    pub msi: Option<ManagedIdentity>,
    pub google: Vec<GoogleSa>,
    /// (caller email, target email): caller holds Token Creator on target.
    pub token_creators: Vec<(String, String)>,
    /// (caller, target) holding only `roles/iam.serviceAccountOpenIdTokenCreator`: ID tokens
    /// yes, access tokens no.
    pub openid_token_creators: Vec<(String, String)>,
    pub management_tokens_accepted: usize,
    pub gcp_sa_tokens_accepted: usize,
}

impl Clouds {
    pub fn new() -> Self {
        let seed = [
            *uuid::Uuid::new_v4().as_bytes(),
            *uuid::Uuid::new_v4().as_bytes(),
        ]
        .concat();
        Clouds {
            key: hmac::Key::new(hmac::HMAC_SHA256, &seed),
            entra: Vec::new(),
            msi: None,
            google: Vec::new(),
            token_creators: Vec::new(),
            openid_token_creators: Vec::new(),
            management_tokens_accepted: 0,
            gcp_sa_tokens_accepted: 0,
        }
    }

    /// A signed JWT with `claims` plus `exp` (fractional seconds: tests use 2 s lifetimes).
    pub fn mint(&self, mut claims: Value, lifetime: Duration) -> String {
        claims["exp"] = json!(now() + lifetime.as_secs_f64());
        claims["iat"] = json!(now().floor());
        let head = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = B64.encode(claims.to_string());
        let input = format!("{head}.{body}");
        let sig = hmac::sign(&self.key, input.as_bytes());
        format!("{input}.{}", B64.encode(sig.as_ref()))
    }

    /// The claims of a token this emulator signed and that has not expired.
    pub fn verify(&self, token: &str) -> Result<Value, &'static str> {
        let mut parts = token.rsplitn(2, '.');
        let (sig, input) = (parts.next().unwrap_or(""), parts.next().ok_or("not a JWT")?);
        let sig = B64.decode(sig).map_err(|_| "not a JWT")?;
        hmac::verify(&self.key, input.as_bytes(), &sig).map_err(|_| "bad signature")?;
        let claims = decode_claims(token).ok_or("not a JWT")?;
        if claims["exp"].as_f64().unwrap_or(0.0) <= now() {
            return Err("expired");
        }
        Ok(claims)
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The claims of any JWT, unverified.
pub(crate) fn decode_claims(token: &str) -> Option<Value> {
    let body = token.split('.').nth(1)?;
    serde_json::from_slice(&B64.decode(body.trim_end_matches('=')).ok()?).ok()
}

/// A cloud-issued bearer token, seen by the Databricks side: the account it maps to, or why not.
pub(crate) enum CloudCaller {
    Account(String),
    /// The token is one of ours but unusable: (HTTP status, message).
    Refused(StatusCode, String),
}

/// Recognises an Entra or Google token. `base` is the URL the request was sent to (scheme,
/// authority and gateway prefix), which a Google ID token's audience must equal.
pub(crate) fn databricks_caller(st: &St, token: &str, base: &str) -> Option<CloudCaller> {
    let claims = decode_claims(token)?;
    let kind = claims["kind"].as_str()?.to_owned();
    let refused = |m: &str| Some(CloudCaller::Refused(StatusCode::UNAUTHORIZED, m.to_owned()));
    let claims = match st.clouds.verify(token) {
        Ok(c) => c,
        Err("expired") => return refused("Invalid access token: the token is expired."),
        Err(_) => return refused("Invalid access token: bad signature."),
    };
    match kind.as_str() {
        "entra" => {
            if claims["aud"] != AZURE_DATABRICKS_RESOURCE {
                return refused("Invalid access token: wrong audience (not AzureDatabricks).");
            }
            claims["account_id"]
                .as_str()
                .map(|a| CloudCaller::Account(a.to_owned()))
        }
        "google-id" => {
            if claims["aud"].as_str() != Some(base) {
                return refused(&format!(
                    "Invalid access token: the ID token's audience is not {base}."
                ));
            }
            let email = claims["email"].as_str()?;
            let sa = st.clouds.google.iter().find(|s| s.email == email)?;
            match &sa.account_id {
                Some(a) => Some(CloudCaller::Account(a.clone())),
                None => refused("This Google service account is not a Databricks user."),
            }
        }
        _ => refused("Credential was not sent or was of an unsupported type for this API."),
    }
}

/// Checks the optional companion headers: an Entra management token must be valid and for the
/// same app; a GCP SA access token must be valid. Counts each one accepted.
pub(crate) fn check_companions(st: &mut St, headers: &HeaderMap, token: &str) -> ApiResult<()> {
    let caller = decode_claims(token).unwrap_or(Value::Null);
    if let Some(m) = headers.get("x-databricks-azure-sp-management-token") {
        let ok = m
            .to_str()
            .ok()
            .and_then(|m| st.clouds.verify(m).ok())
            .is_some_and(|c| {
                c["kind"] == "entra"
                    && c["aud"] == AZURE_MANAGEMENT_RESOURCE
                    && c["appid"] == caller["appid"]
            });
        if !ok {
            return Err(ApiError::Auth {
                status: StatusCode::UNAUTHORIZED,
                message:
                    "Invalid Azure management token in X-Databricks-Azure-SP-Management-Token."
                        .into(),
            });
        }
        st.clouds.management_tokens_accepted += 1;
    }
    if let Some(g) = headers.get("x-databricks-gcp-sa-access-token") {
        let ok = g
            .to_str()
            .ok()
            .and_then(|g| st.clouds.verify(g).ok())
            .is_some_and(|c| c["kind"] == "google-access");
        if !ok {
            return Err(ApiError::Auth {
                status: StatusCode::UNAUTHORIZED,
                message: "Invalid GCP access token in X-Databricks-GCP-SA-Access-Token.".into(),
            });
        }
        st.clouds.gcp_sa_tokens_accepted += 1;
    }
    Ok(())
}

fn entra_error(status: StatusCode, code: i32, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
        }),
    )
}

fn issue_entra(st: &St, app_id: &str, tenant: &str, account: &str, resource: &str) -> String {
    let resource = resource.trim_end_matches('/');
    st.clouds.mint(
        json!({"kind": "entra", "aud": resource, "appid": app_id, "tid": tenant,
               "sub": app_id, "account_id": account}),
        st.token_lifetime,
    )
}

/// `POST /{tenant}/oauth2/v2.0/token` (scope) and `/{tenant}/oauth2/token` (v1, resource).
pub(crate) async fn entra_token(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form = parse_form(&body);
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some("client_credentials") {
        return entra_error(
            StatusCode::BAD_REQUEST,
            70003,
            "unsupported_grant_type",
            "The app requested an unsupported grant type.",
        );
    }
    let resource = match (field("scope"), field("resource")) {
        (Some(scope), _) => scope.trim_end_matches("/.default").to_owned(),
        (None, Some(r)) => r.to_owned(),
        _ => {
            return entra_error(
                StatusCode::BAD_REQUEST,
                900_144,
                "invalid_request",
                "The request body must contain the 'scope' parameter.",
            );
        }
    };
    let st = lock(&shared);
    let Some(app) = st
        .clouds
        .entra
        .iter()
        .find(|a| Some(a.client_id.as_str()) == field("client_id"))
    else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            700_016,
            "unauthorized_client",
            "Application not found in the directory.",
        );
    };
    if app.tenant != tenant {
        return entra_error(
            StatusCode::BAD_REQUEST,
            90002,
            "invalid_request",
            "Tenant not found.",
        );
    }
    if field("client_secret") != Some(app.secret.as_str()) {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            7_000_215,
            "invalid_client",
            "Invalid client secret provided.",
        );
    }
    let token = issue_entra(&st, &app.client_id, &tenant, &app.account_id, &resource);
    let secs = st.token_lifetime.as_secs().max(1);
    json_response(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": token}),
    )
}

/// `GET /msi/token?api-version=2019-08-01&resource=…`: App Service managed identity.
pub(crate) async fn msi_token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let st = lock(&shared);
    let Some(msi) = st.clouds.msi.clone() else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "no managed identity"}),
        );
    };
    let header_ok = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == msi.identity_header);
    if !header_ok {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or wrong."}),
        );
    }
    if q.get("client_id").is_some_and(|c| *c != msi.client_id) {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "identity not assigned"}),
        );
    }
    let Some(resource) = q.get("resource") else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "resource missing"}),
        );
    };
    let token = issue_entra(&st, &msi.client_id, "msi", &msi.account_id, resource);
    let expires_on = (now() + st.token_lifetime.as_secs_f64()).floor() as i64;
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "expires_on": expires_on.to_string(), "resource": resource,
                "token_type": "Bearer", "client_id": msi.client_id}),
    )
}

fn google_error(status: StatusCode, error: &str, description: &str) -> ApiError {
    ApiError::oauth(
        status,
        if error == "invalid_grant" {
            "invalid_grant"
        } else {
            "invalid_request"
        },
        description.to_owned(),
    )
}

/// `POST /google/token`: the JWT-bearer grant. An assertion with `target_audience` gets an ID
/// token for that audience; one with `scope` gets an access token.
pub(crate) async fn google_token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let form = parse_form(&body);
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    if field("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type must be jwt-bearer",
        ));
    }
    let assertion = field("assertion").unwrap_or_default();
    let claims = decode_claims(&assertion)
        .ok_or_else(|| google_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid JWT."))?;
    let st = lock(&shared);
    let iss = claims["iss"].as_str().unwrap_or_default();
    let sa = st
        .clouds
        .google
        .iter()
        .find(|s| s.email == iss)
        .ok_or_else(|| {
            google_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid grant: account not found",
            )
        })?;
    let (input, sig) = assertion.rsplit_once('.').unwrap_or_default();
    // gcp_auth pads its base64url segments; JWTs normally do not. Accept both.
    let sig = B64.decode(sig.trim_end_matches('=')).unwrap_or_default();
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &sa.public_key_der)
        .verify(input.as_bytes(), &sig)
        .map_err(|_| {
            google_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid JWT Signature.",
            )
        })?;
    let expected_aud = format!("{}/google/token", super::auth::base_from_headers(&headers));
    if claims["aud"].as_str() != Some(expected_aud.as_str()) {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid JWT: aud is not the token URI.",
        ));
    }
    if claims["exp"].as_f64().unwrap_or(0.0) < now() {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token.",
        ));
    }
    let lifetime = st.token_lifetime;
    let email = sa.email.clone();
    if let Some(aud) = claims["target_audience"].as_str() {
        let id = st.clouds.mint(
            json!({"kind": "google-id", "iss": "https://accounts.google.com", "aud": aud,
                   "email": email, "email_verified": true, "sub": email}),
            lifetime,
        );
        return Ok(json_response(StatusCode::OK, &json!({"id_token": id})));
    }
    let token = st
        .clouds
        .mint(json!({"kind": "google-access", "email": email}), lifetime);
    Ok(json_response(
        StatusCode::OK,
        &json!({"access_token": token, "expires_in": lifetime.as_secs().max(1), "token_type": "Bearer"}),
    ))
}

/// `POST /iam/v1/projects/-/serviceAccounts/{email}:{generateIdToken|generateAccessToken}`.
pub(crate) async fn iam(
    State(shared): State<Shared>,
    Path(target): Path<String>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> ApiResult<Response> {
    let google = |status: StatusCode, message: &str| {
        ApiError::new(status, "PERMISSION_DENIED", message.to_owned())
    };
    let (email, method) = target
        .rsplit_once(':')
        .ok_or_else(|| google(StatusCode::NOT_FOUND, "Unknown method."))?;
    let st = lock(&shared);
    let caller = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| st.clouds.verify(t).ok())
        .filter(|c| c["kind"] == "google-access")
        .ok_or_else(|| {
            google(
                StatusCode::UNAUTHORIZED,
                "Request had invalid authentication credentials.",
            )
        })?;
    let caller = caller["email"].as_str().unwrap_or_default().to_owned();
    let holds = |list: &[(String, String)]| list.iter().any(|(c, t)| *c == caller && t == email);
    // Token Creator allows both calls; OpenID Connect Identity Token Creator only the ID token.
    let (allowed, permission) = match method {
        "generateAccessToken" => (holds(&st.clouds.token_creators), "getAccessToken"),
        _ => (
            holds(&st.clouds.token_creators) || holds(&st.clouds.openid_token_creators),
            "getOpenIdToken",
        ),
    };
    if !allowed || !st.clouds.google.iter().any(|s| s.email == email) {
        return Err(google(
            StatusCode::FORBIDDEN,
            &format!(
                "Permission 'iam.serviceAccounts.{permission}' denied on resource (or it may not exist)."
            ),
        ));
    }
    let lifetime = st.token_lifetime;
    match method {
        "generateIdToken" => {
            let aud = body["audience"]
                .as_str()
                .ok_or_else(|| ApiError::invalid("audience is required"))?;
            let token = st.clouds.mint(
                json!({"kind": "google-id", "iss": "https://accounts.google.com", "aud": aud,
                       "email": email, "sub": email, "email_verified": true}),
                lifetime,
            );
            Ok(json_response(StatusCode::OK, &json!({"token": token})))
        }
        "generateAccessToken" => {
            let token = st
                .clouds
                .mint(json!({"kind": "google-access", "email": email}), lifetime);
            let expire = time::OffsetDateTime::now_utc() + lifetime;
            let expire = expire
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            Ok(json_response(
                StatusCode::OK,
                &json!({"accessToken": token, "expireTime": expire}),
            ))
        }
        _ => Err(google(StatusCode::NOT_FOUND, "Unknown method.")),
    }
}
