//! Recovering from a create whose answer was lost: finding what the server now holds, or
//! saying what to do about it.

use crate::actor::session::Session;
use crate::api::ApiError;
use crate::api::scim::{self, PageQuery, ScimScope};
use crate::api::secrets::SecretInfo;

impl Session {
    /// SCIM ids of the principals named exactly `name`.
    pub(super) async fn ids_named(
        &self,
        scope: &ScimScope,
        name: &str,
    ) -> Result<Vec<String>, ApiError> {
        let q = PageQuery {
            start_index: 1,
            count: 100,
            filter: Some(format!("displayName eq {}", scim::scim_string(name))),
            attributes: Some("id,displayName".into()),
        };
        let page = scim::list_service_principals_page(&self.client, scope, &q).await?;
        Ok(page
            .resources
            .into_iter()
            .filter(|sp| sp.display_name.as_deref() == Some(name))
            .map(|sp| sp.id)
            .collect())
    }

    /// After a create whose answer was lost: the one new principal with that name, or an error
    /// that says what the server holds.
    pub(super) async fn find_lost_principal(
        &self,
        scope: &ScimScope,
        name: &str,
        namesakes: &[String],
        lost: &ApiError,
    ) -> Result<String, ApiError> {
        let now = self.ids_named(scope, name).await.map_err(|e| {
            ApiError::Local(format!(
                "the answer to creating {name} was lost ({}) and the server could not be asked whether it exists ({}): look for it with r before trying again",
                lost.user_message(),
                e.user_message()
            ))
        })?;
        let new: Vec<String> = now.into_iter().filter(|i| !namesakes.contains(i)).collect();
        match new.as_slice() {
            [one] => {
                tracing::info!(id = %one, "create answer was lost but the principal exists");
                Ok(one.clone())
            }
            [] => Err(ApiError::Local(format!(
                "the answer to creating {name} was lost ({}); the server holds no new principal of that name, so nothing was created: try again",
                lost.user_message()
            ))),
            many => Err(ApiError::Local(format!(
                "the answer to creating {name} was lost; the server now holds {} new principals of that name ({}): check them with r",
                many.len(),
                many.join(", ")
            ))),
        }
    }

    /// After a secret create whose answer was lost: the secret may exist and be usable, but its
    /// value is gone for good, so say which one to delete.
    pub(super) async fn lost_secret(
        &self,
        id: &str,
        existing: &[String],
        lost: &ApiError,
    ) -> ApiError {
        let now = match self.list_secrets(id).await {
            Ok(now) => now,
            Err(e) => {
                return ApiError::Local(format!(
                    "the answer to creating a secret for {id} was lost ({}) and its secrets could not be listed ({}): check them before trying again",
                    lost.user_message(),
                    e.user_message()
                ));
            }
        };
        let new: Vec<&SecretInfo> = now.iter().filter(|s| !existing.contains(&s.id)).collect();
        if new.is_empty() {
            return ApiError::Local(format!(
                "the answer to creating a secret for {id} was lost ({}); no new secret exists, so nothing was created: try again",
                lost.user_message()
            ));
        }
        let ids: Vec<&str> = new.iter().map(|s| s.id.as_str()).collect();
        ApiError::Local(format!(
            "a secret was created for {id} ({}) but the answer carrying its value was lost ({}); the value cannot be shown again: delete that secret and create a new one",
            ids.join(", "),
            lost.user_message()
        ))
    }
}
