//! The error bodies Databricks sends, one constructor per shape (docs/wire-facts.md §7.1, §12).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) const SCIM_ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub(crate) const CREDENTIAL_NOT_SENT: &str =
    "Credential was not sent or was of an unsupported type for this API.";
pub(crate) const INVALID_TOKEN: &str = "Invalid access token.";

#[derive(Debug)]
pub(crate) enum ApiError {
    /// The standard `{"error_code":"…","message":"…"}` envelope.
    Api {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Gateway auth failures: numeric `error_code`, as the real front end sends them.
    Auth { status: StatusCode, message: String },
    /// RFC 7644 error shape used by the SCIM routes.
    Scim {
        status: StatusCode,
        detail: String,
        scim_type: Option<&'static str>,
    },
    /// RFC 6749 token-endpoint error.
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Api {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", message)
    }
    /// No credential, or one this API does not accept (e.g. a workspace PAT on an account API).
    pub fn credential_not_sent() -> Self {
        ApiError::Auth {
            status: StatusCode::UNAUTHORIZED,
            message: format!("{CREDENTIAL_NOT_SENT} [ReqId: {}]", uuid::Uuid::new_v4()),
        }
    }
    /// Unknown or expired bearer: 403 on workspace APIs, 401 on account APIs.
    pub fn invalid_token(status: StatusCode) -> Self {
        ApiError::Auth {
            status,
            message: INVALID_TOKEN.to_string(),
        }
    }
    pub fn scim(
        status: StatusCode,
        detail: impl Into<String>,
        scim_type: Option<&'static str>,
    ) -> Self {
        ApiError::Scim {
            status,
            detail: detail.into(),
            scim_type,
        }
    }
    pub fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        ApiError::OAuth {
            status,
            error,
            description: description.into(),
        }
    }
}

/// The standard envelope, with a RequestInfo detail like the real platform attaches.
pub(crate) fn envelope(code: &str, message: &str) -> Value {
    json!({
        "error_code": code,
        "message": message,
        "details": [{
            "@type": "type.googleapis.com/google.rpc.RequestInfo",
            "request_id": uuid::Uuid::new_v4().to_string(),
            "serving_data": ""
        }]
    })
}

/// The error code the platform pairs with a bare HTTP status (used by injected faults).
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "RESOURCE_CONFLICT",
        429 => "REQUEST_LIMIT_EXCEEDED",
        500 => "INTERNAL_ERROR",
        501 => "NOT_IMPLEMENTED",
        502 => "BAD_GATEWAY",
        503 => "TEMPORARILY_UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    }
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Api {
                status,
                code,
                message,
            } => json_response(status, &envelope(code, &message)),
            ApiError::Auth { status, message } => {
                let mut resp = json_response(
                    status,
                    &json!({"error_code": status.as_u16(), "message": message}),
                );
                if status == StatusCode::FORBIDDEN {
                    resp.headers_mut().insert(
                        "x-databricks-reason-phrase",
                        HeaderValue::from_static(INVALID_TOKEN),
                    );
                }
                resp
            }
            ApiError::Scim {
                status,
                detail,
                scim_type,
            } => {
                let mut body = json!({
                    "schemas": [SCIM_ERROR_SCHEMA],
                    "detail": detail,
                    "status": status.as_u16().to_string(),
                });
                if let Some(t) = scim_type {
                    body["scimType"] = Value::from(t);
                }
                json_response(status, &body)
            }
            ApiError::OAuth {
                status,
                error,
                description,
            } => json_response(
                status,
                &json!({"error": error, "error_description": description}),
            ),
        }
    }
}
